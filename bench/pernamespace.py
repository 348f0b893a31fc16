#!/usr/bin/env python3
"""What `who -A` adds per network namespace, against one bare dump there,
timed in the same rounds (issue 25's last goal row).

    bench/pernamespace.py [-rounds N] GOSOF [GOSOF...]

As root, from the project root. It builds the workload, bench/floor/launch
and platform/linux's test binary into a temporary directory, makes 20
network namespaces (gosof-pns-1..20, deleted at the end) and the netns
world of bench/runner (the 100k world, and in each namespace a listener on
46123 and 250 connections to it), then in each round runs, under launch,
`GOSOF who -A 46123` and `GOSOF who 46123` for each GOSOF given, and
BenchmarkNetlinkDumpNamespace/dump (one TCP dump for the port on a netlink
socket already open in a namespace like these, 30 times: its ns/op). It
prints the medians and, per build, (who -A - who) / 20 against the dump.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

PORT = "46123"
NAMESPACES = ["gosof-pns-%d" % i for i in range(1, 21)]


def main():
    args = sys.argv[1:]
    rounds = 9
    if len(args) >= 2 and args[0] == "-rounds":
        rounds, args = int(args[1]), args[2:]
    if not args:
        sys.exit(__doc__)
    gosofs = [os.path.abspath(a) for a in args]
    tmp = tempfile.mkdtemp(prefix="gosof-pns-")
    launch, workload, test = (os.path.join(tmp, n) for n in ("launch", "workload", "linux.test"))
    subprocess.run(["cc", "-O2", "-o", launch, "bench/floor/launch.c"], check=True)
    subprocess.run(["go", "build", "-o", workload, "./bench/workload"], check=True)
    subprocess.run(["go", "test", "-c", "-o", test, "./platform/linux"], check=True)
    for n in NAMESPACES:
        subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "add", n], check=True)
        subprocess.run(["ip", "-n", n, "link", "set", "lo", "up"], check=True)
    wl = subprocess.Popen([workload, "-procs", "500", "-fds", "190", "-conns", "5000", "-port", PORT,
                           "-xport", PORT, "-netns", ",".join(NAMESPACES), "-netns-conns", "250"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    times = {}
    try:
        print("workload:", wl.stdout.readline().strip(), flush=True)

        def timed(key, argv):
            out = os.path.join(tmp, "launch.out")
            subprocess.run([launch, out] + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = int(open(out).read().split()[0]) / 1e6
            times.setdefault(key, []).append(wall)

        for _ in range(rounds):
            for g in gosofs:
                timed((g, "who -A"), [g, "who", "-A", PORT])
                timed((g, "who"), [g, "who", PORT])
            out = subprocess.run([test, "-test.run", "^$", "-test.bench", "NetlinkDumpNamespace/dump$",
                                  "-test.benchtime", "30x"], capture_output=True, text=True).stdout
            m = re.search(r"NetlinkDumpNamespace/dump\S*\s+\d+\s+(\d+) ns/op", out)
            if not m:
                sys.exit("no ns/op from the benchmark:\n" + out)
            times.setdefault(("bench", "dump"), []).append(int(m.group(1)) / 1e6)
    finally:
        wl.stdin.close()
        wl.terminate()
        wl.wait()
        for n in NAMESPACES:
            subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)
    med = {k: statistics.median(v) for k, v in times.items()}
    for (what, cmd), v in med.items():
        print("%-40s %-7s median %8.2f ms  (%s)" % (what, cmd, v, " ".join("%.1f" % x for x in times[(what, cmd)])))
    dump = med[("bench", "dump")]
    for g in gosofs:
        per = (med[(g, "who -A")] - med[(g, "who")]) / len(NAMESPACES)
        print("%s: %.2f ms per namespace, bare dump %.2f ms: %.2fx" % (g, per, dump, per / dump))


if __name__ == "__main__":
    main()
