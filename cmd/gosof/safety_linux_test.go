package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// boundClient starts a client that binds its own source port before it
// connects to 127.0.0.1:to, as a client with a fixed source port does (or
// as one whose kernel-chosen port happens to be the one you typed).
func boundClient(t *testing.T, to int) (cli *testhelper.Proc, fd, src int) {
	t.Helper()
	cli = testhelper.Start(t)
	fd = cli.Int("socket inet stream")
	cli.Do("bind %d 127.0.0.1:0", fd)
	src, _ = strconv.Atoi(cli.Do("name %d", fd)[1])
	cli.Do("connect %d 127.0.0.1:%d", fd, to)
	return cli, fd, src
}

// TestKillSparesOutgoing: a client whose source port is P does not hold P;
// kill P and close P spare it and say so, --outgoing takes it, why labels it.
func TestKillSparesOutgoing(t *testing.T) {
	srv := testhelper.Start(t)
	lfd, sport := listen(t, srv, "inet", "127.0.0.1:0")
	cli, _, src := boundClient(t, sport)
	srv.Int("accept %d", lfd)
	p := strconv.Itoa(src)

	out, errOut, code := gosof(t, "kill", p, "--pid", fmt.Sprintf("%d,%d", srv.PID, cli.PID), "--json")
	var j struct {
		Processes []struct{ PID int }
		Spared    []jsock `json:"spared_outgoing"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill --json: %v\n%s", err, out)
	}
	if code != exitNoMatch || len(j.Processes) != 0 || len(j.Spared) != 1 {
		t.Fatalf("kill %s: exit %d, %d processes, %d spared; want 1, 0, 1\n%s%s", p, code, len(j.Processes), len(j.Spared), out, errOut)
	}
	if !running(cli) {
		t.Fatal("kill signalled the client whose source port matched")
	}
	out, _, _ = gosof(t, "kill", p, "-n")
	if want := fmt.Sprintf("spared %d/", cli.PID); !strings.Contains(out, want) || !strings.Contains(out, "--outgoing") {
		t.Errorf("plan does not name the spared client and the flag:\n%s", out)
	}
	out, _, code = gosof(t, "close", p, "--abort", "-n")
	if code != exitNoMatch || !strings.Contains(out, "outgoing connection") {
		t.Errorf("close %s: exit %d, want 1 and the outgoing connection spared:\n%s", p, code, out)
	}
	out, _, _ = gosof(t, "why", p, "--no-probe")
	if !strings.Contains(out, "ESTABLISHED (outgoing)") {
		t.Errorf("why does not label the outgoing connection:\n%s", out)
	}
	// The server's own port: its accepted connection is not outgoing,
	// even when --state hides the listener from the match.
	out, errOut, code = gosof(t, "kill", strconv.Itoa(sport), "--state", "established", "-n")
	if code != exitMatch || !strings.Contains(out, fmt.Sprintf("%d ", srv.PID)) || strings.Contains(out, "spared") {
		t.Errorf("kill %d --state established: exit %d; want the server planned, nothing spared\n%s%s", sport, code, out, errOut)
	}
	out, errOut, code = gosof(t, "kill", p, "--pid", strconv.Itoa(cli.PID), "--outgoing")
	if code != exitMatch {
		t.Fatalf("kill %s --outgoing: exit %d\n%s%s", p, code, out, errOut)
	}
	if sig := killedBy(t, cli); sig != syscall.SIGTERM {
		t.Errorf("client ended by %v, want SIGTERM", sig)
	}
	if !running(srv) {
		t.Error("kill --outgoing of the client's port signalled the server")
	}
}

// TestFlagsBeforeCommandReal: `kill $(gosof -t who P)` gets PIDs only,
// `gosof --json who P` prints JSON, and `gosof --pid X kill P` plans only X.
func TestFlagsBeforeCommandReal(t *testing.T) {
	a := testhelper.Start(t)
	afd, port := listen(t, a, "inet", "127.0.0.1:0")
	b := a.Spawn(afd) // a second holder of the same listener
	p := strconv.Itoa(port)
	for _, argv := range [][]string{{"-t", "who", p}, {"who", "-t", p}, {"who", p, "-t"}, {"-t", p}, {p, "-t"}} {
		out, errOut, code := gosof(t, argv...)
		want := fmt.Sprintf("%d\n%d\n", min(a.PID, b.PID), max(a.PID, b.PID))
		if code != exitMatch || out != want {
			t.Errorf("gosof %s: exit %d, stdout %q; want 0 and %q\n%s", strings.Join(argv, " "), code, out, want, errOut)
		}
	}
	out, _, _ := gosof(t, "--json", "who", p)
	if !json.Valid([]byte(out)) {
		t.Errorf("gosof --json who %s is not JSON:\n%s", p, out)
	}
	out, errOut, code := gosof(t, "--pid", strconv.Itoa(b.PID), "kill", p, "-n", "--json")
	var j struct{ Processes []struct{ PID int } }
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitMatch {
		t.Fatalf("--pid %d kill %s -n --json: exit %d, %v\n%s%s", b.PID, p, code, err, out, errOut)
	}
	if len(j.Processes) != 1 || j.Processes[0].PID != b.PID {
		t.Errorf("--pid %d before kill planned %+v, want only %d", b.PID, j.Processes, b.PID)
	}
}

// TestEmptyAndMalformedValues: an empty or malformed value is exit 2 and
// nothing is signalled, never "no filter" or a wrapped-around timeout.
func TestEmptyAndMalformedValues(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	for _, bad := range [][]string{
		{"--state", ""}, {"--state="}, {"--state", ","}, {"--state", "listen,"}, {"--state", " "},
		{"--user", ""}, {"--proto", ""}, {"--netns", ""}, {"--side", ""}, {"--signal", ""}, {"--pid", ""},
		{"--timeout", "NaN"}, {"--timeout", "nan"}, {"--timeout", "Inf"}, {"--timeout", "-1"}, {"--timeout", "-1s"},
		{"--timeout", "1e-400"}, {"--timeout", "0.1ns"}, {"--timeout", "1e400"}, {"--timeout", "99999999h"},
		{"--timeout", "0x10"}, {"--timeout", "1_0"}, {"--timeout", ""},
		{"--timeout", "0"}, {"--timeout", "0s"}, {"--timeout", "0.0"}, // zero: KILL on the heels of TERM
		{"-c", "//"}, {"-c", "/"}, {"-c", "/ngin"}, // an empty /REGEXP/ matched all; an unterminated one was a prefix
		{"--pid", "0x" + strconv.FormatInt(int64(h.PID), 16)}, {"--pid", "-1"}, {"--pid", "0"}, {"--pid", "9999999999"},
	} {
		argv := append([]string{"kill", p, "--yes", "--pid", strconv.Itoa(h.PID)}, bad...)
		out, errOut, code := gosof(t, argv...)
		if code != exitError || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %q: exit %d, stderr %q; want 2 and one line\n%s", argv, code, errOut, out)
		}
		if !running(h) {
			t.Fatalf("gosof %q signalled the holder", argv)
		}
	}
	// PIDs are decimal everywhere; leading zeros are allowed and decimal.
	z := "0" + strconv.Itoa(h.PID)
	if out, errOut, code := gosof(t, "who", p, "--pid", z, "-t"); code != exitMatch || out != strconv.Itoa(h.PID)+"\n" {
		t.Errorf("who --pid %s: exit %d, %q; want %d\n%s", z, code, out, h.PID, errOut)
	}
	if _, errOut, code := gosof(t, "fds", z); code != exitMatch {
		t.Errorf("fds %s: exit %d, want 0\n%s", z, code, errOut)
	}
	if _, errOut, code := gosof(t, "who", p, "--netns", z); code != exitMatch {
		t.Errorf("who --netns %s: exit %d, want 0\n%s", z, code, errOut)
	}
	if out, _, _ := gosof(t, "kill", p, "-n", "--timeout", "1.5"); !strings.Contains(out, "after 1s500ms") { // core.FlagDuration
		t.Errorf("--timeout 1.5 is not 1.5s:\n%s", out)
	}
}

// gosofUnder runs the CLI in a new process started through wrap (e.g.
// setpriv dropping every capability) and, if cred is set, as that user.
func gosofUnder(t *testing.T, wrap []string, cred *syscall.Credential, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	argv := append(append([]string{}, wrap...), testhelper.Executable(t), "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), cliEnv(t, wrap, args...))
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	stdout, stderr, code, err := runCmd(cmd)
	if err != nil {
		t.Fatalf("run %v: %v", argv, err)
	}
	return stdout, stderr, code
}

// runCmd runs cmd and returns what it wrote and its exit code; err is
// set only when it could not be run at all.
func runCmd(cmd *exec.Cmd) (stdout, stderr string, code int, err error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code, err = ee.ExitCode(), nil
	}
	return out.String(), errb.String(), code, err
}

// noCaps is root with every capability dropped (util-linux setpriv).
func noCaps(t *testing.T) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the holder must have capabilities gosof lacks")
	}
	p, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	return []string{p, "--inh-caps=-all", "--bounding-set=-all", "--"}
}

// TestUnseenHolderIsNotNoProcess: root without capabilities opens a
// root holder's fd directory but is refused its links. Its socket then has
// an unknown holder: never "no process", no --abort advice, kill and close
// exit 3, close --abort refuses the listener, who -t does not exit 0.
func TestUnseenHolderIsNotNoProcess(t *testing.T) {
	// in a network namespace of the test's own, entered before the
	// capabilities are dropped: kill and close below are real, and a
	// holder gosof cannot see is what --pid could not name
	h := testhelper.Start(t, testhelper.NewNetNS())
	wrap := append(netnsEnter(t, h.PID), noCaps(t)...)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)

	out, errOut, code := gosofUnder(t, wrap, nil, "who", p)
	if code != exitMatch || !strings.Contains(errOut, "could not be inspected") || !strings.Contains(errOut, "CAP_SYS_PTRACE") {
		t.Errorf("who %s without capabilities: exit %d; want 0 and the unseen processes counted with the remedy\n%s%s", p, code, out, errOut)
	}
	// The table names the holder unknown, as close's plan and watch do:
	// "-" there says no process holds it.
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || len(strings.Fields(lines[1])) < 7 || strings.Fields(lines[1])[6] != core.UnknownHolderLabel {
		t.Errorf("who %s without capabilities: want one row whose PID/COMMAND is %q\n%s", p, core.UnknownHolderLabel, out)
	}
	out, errOut, code = gosofUnder(t, wrap, nil, "who", p, "-t")
	if code == exitMatch || out != "" || !strings.Contains(errOut, "no PID printed") {
		t.Errorf("who -t %s without capabilities: exit %d, stdout %q; want no PID, a non-zero exit and why\n%s", p, code, out, errOut)
	}
	out, errOut, code = gosofUnder(t, wrap, nil, "kill", p, "--yes")
	if code != exitSurvivors || !strings.Contains(out, "holder unknown") || strings.Contains(out+errOut, "--abort") || strings.Contains(out, "no process holds") {
		t.Errorf("kill %s without capabilities: exit %d; want 3, 'holder unknown', no --abort advice\n%s%s", p, code, out, errOut)
	}
	out, errOut, code = gosofUnder(t, wrap, nil, "close", p, "--listen", "--abort", "--yes")
	if code != exitSurvivors || !strings.Contains(out, "--unknown-holder") || strings.Contains(out, "no process holds") {
		t.Errorf("close --abort %s without capabilities: exit %d; want 3 and the listener refused\n%s%s", p, code, out, errOut)
	}
	out, _, _ = gosofUnder(t, wrap, nil, "why", p, "--no-probe")
	if !strings.Contains(out, "could not see") || strings.Contains(out, "held by no process") {
		t.Errorf("why %s without capabilities does not say the holder is unseen:\n%s", p, out)
	}
	if !running(h) {
		t.Fatal("the holder was signalled")
	}
	if got := gosofJSON(t, "who", p, "--netns", strconv.Itoa(h.PID)); len(got) != 1 || len(got[0].Owners) != 1 {
		t.Errorf("the listener did not survive as it was: %v", rows(got))
	}
	// A plain user, another user's holder: who -t says so and does not
	// exit 0 (on the host: nobody cannot enter the test's namespace).
	_, hostPort := listen(t, testhelper.Start(t), "inet", "127.0.0.1:0")
	p = strconv.Itoa(hostPort)
	out, errOut, code = gosofUnder(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "who", p, "-t")
	if code == exitMatch || out != "" || !strings.Contains(errOut, "no PID printed") {
		t.Errorf("who -t %s as nobody: exit %d, stdout %q; want no PID and a non-zero exit\n%s", p, code, out, errOut)
	}
}

// TestKillNeverSignalsAncestors: this test holds the port and runs gosof
// through timeout(1), so it is gosof's grandparent, as an interactive shell
// is under `timeout 20 gosof kill P`. It is planned as protected, and a
// real KILL run leaves it alive (or this test would not finish).
func TestKillNeverSignalsAncestors(t *testing.T) {
	tm, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("timeout (coreutils) is not installed")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	wrap := []string{tm, "60"}
	out, errOut, code := gosofUnder(t, wrap, nil, "kill", p, "--side", "any", "-n", "--json")
	var j struct {
		Processes []struct {
			PID       int
			Protected string
		}
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill --json: %v\n%s%s", err, out, errOut)
	}
	// exit 3, as the run: the ancestor is still there
	if len(j.Processes) != 1 || j.Processes[0].PID != os.Getpid() || j.Processes[0].Protected != "an ancestor of gosof" || code != exitSurvivors {
		t.Fatalf("kill -n planned %+v, exit %d; want this test (%d) protected as an ancestor, exit 3", j.Processes, code, os.Getpid())
	}
	out, errOut, code = gosofUnder(t, wrap, nil, "kill", p, "--pid", strconv.Itoa(os.Getpid()), "--side", "any", "-s", "KILL", "--yes")
	if code != exitSurvivors || !strings.Contains(out, "not signalled: an ancestor of gosof") {
		t.Errorf("kill -s KILL: exit %d; want 3 and the ancestor spared\n%s%s", code, out, errOut)
	}
}

// TestKillDryRunProtected: a dry run whose only match is a process kill
// never signals (here gosof itself: the test runs the CLI in its own
// process) exits 3 as the run would, text and JSON alike; nothing is
// signalled.
func TestKillDryRunProtected(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	for _, args := range [][]string{{"kill", "-n", p}, {"kill", "-n", "--json", p}} {
		args = append(args, "--pid", strconv.Itoa(os.Getpid()))
		out, errOut, code := gosof(t, args...)
		if code != exitSurvivors || !strings.Contains(out, "gosof itself") {
			t.Errorf("%v: exit %d; want 3 and the process planned as gosof itself\n%s%s", args, code, out, errOut)
		}
	}
}

// TestWhyProbesUDP: on a UDP-only port the verdict is about UDP binds, and
// agrees with the kernel: a UDP bind of the wildcard fails. A port both
// protocols use gets both verdicts, each naming its protocol.
func TestWhyProbesUDP(t *testing.T) {
	h := testhelper.Start(t)
	ufd := h.Int("socket inet dgram")
	h.Do("bind %d 0.0.0.0:0", ufd)
	port, _ := strconv.Atoi(h.Do("name %d", ufd)[1])
	p := strconv.Itoa(port)
	out, errOut, code := gosof(t, "why", p)
	if code != exitMatch || !strings.Contains(out, "Bind probe (UDP") || !strings.Contains(out, "A new UDP server cannot bind port "+p) ||
		strings.Contains(out, "can bind port "+p+" now, on any address") {
		t.Errorf("why %s on a UDP-only port: exit %d; want a UDP verdict that the port is taken\n%s%s", p, code, out, errOut)
	}
	if c, err := net.ListenPacket("udp4", "0.0.0.0:"+p); err == nil {
		c.Close()
		t.Fatalf("the kernel let a UDP bind of 0.0.0.0:%s through; the test's premise is wrong", p)
	}
	// A TCP listener and a UDP socket on one port number: two verdicts.
	tfd, tport := listen(t, h, "inet", "127.0.0.1:0")
	u2 := h.Int("socket inet dgram")
	if _, err := h.Try("bind %d 127.0.0.1:%d", u2, tport); err != nil {
		t.Skipf("UDP port %d is taken too: %v", tport, err)
	}
	_ = tfd
	out, _, _ = gosof(t, "why", strconv.Itoa(tport), "--json")
	var j struct {
		Probe       struct{ Proto, Verdict string }
		OtherProbes []struct{ Proto, Verdict string } `json:"other_probes"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("why --json: %v\n%s", err, out)
	}
	if j.Probe.Proto != "tcp" || len(j.OtherProbes) != 1 || j.OtherProbes[0].Proto != "udp" || j.OtherProbes[0].Verdict == "free" {
		t.Errorf("why %d --json with TCP and UDP: probe %+v, others %+v; want tcp, then udp not free", tport, j.Probe, j.OtherProbes)
	}
}

// TestCloseReportsSayWhatHappened: a listener shut down stays bound (a
// new bind fails, and the report says so, exit 3); a CLOSE_WAIT closed
// gracefully is still a descriptor of its holder, and the report and
// 'gosof fds' agree.
func TestCloseReportsSayWhatHappened(t *testing.T) {
	srv := testhelper.Start(t)
	// A listener bound to a port it named (as servers do) keeps it bound
	// after shutdown(); one bound to port 0 lets it go. The report must
	// say which, and the kernel must agree. The port named is a fixed
	// one below the ephemeral range, where no connection of the host
	// holds one.
	lfd := srv.Int("socket inet stream")
	port := testhelper.FixedPort(t, func(p int) error {
		_, err := srv.Try("bind %d 127.0.0.1:%d", lfd, p)
		return err
	})
	srv.Do("listen %d", lfd)
	p := strconv.Itoa(port)
	out, errOut, code := gosof(t, "close", p, "--listen", "--yes", "--pid", strconv.Itoa(srv.PID))
	if code != exitSurvivors || !strings.Contains(out, "stays bound to 127.0.0.1:"+p) || !strings.Contains(out, "port "+p+": not free") || strings.Contains(out, ": free") {
		t.Errorf("close --listen: exit %d; want 3, the listener still bound and the port not free\n%s%s", code, out, errOut)
	}
	if err := bindReuse(port); err != syscall.EADDRINUSE {
		t.Errorf("a new bind of 127.0.0.1:%s after close --listen: %v; want EADDRINUSE, as the report says", p, err)
	}
	srv.Do("close %d", lfd)

	_, port0 := listen(t, srv, "inet", "127.0.0.1:0")
	out, errOut, code = gosof(t, "close", strconv.Itoa(port0), "--listen", "--yes", "--pid", strconv.Itoa(srv.PID))
	if code != exitMatch || !strings.Contains(out, fmt.Sprintf("port %d: free", port0)) {
		t.Errorf("close --listen of a port-0 listener: exit %d; want 0 and the port free\n%s%s", code, out, errOut)
	}
	if err := bindReuse(port0); err != nil {
		t.Errorf("a new bind of 127.0.0.1:%d after close --listen: %v; the report said free", port0, err)
	}

	cfd, cport := closeWait(t, srv)
	out, errOut, code = gosof(t, "close", strconv.Itoa(cport), "--state", "close-wait", "--pid", strconv.Itoa(srv.PID))
	if code != exitMatch || !strings.Contains(out, fmt.Sprintf("still holds fd %d", cfd)) {
		t.Errorf("close of a CLOSE_WAIT: exit %d; want 0 and that %d still holds fd %d\n%s%s", code, srv.PID, cfd, out, errOut)
	}
	fds, _, _ := gosof(t, "fds", strconv.Itoa(srv.PID), "--json")
	var procs []struct {
		FDs []struct{ FD int } `json:"fds"`
	}
	if err := json.Unmarshal([]byte(fds), &procs); err != nil || len(procs) != 1 {
		t.Fatalf("fds --json: %v\n%s", err, fds)
	}
	found := false
	for _, f := range procs[0].FDs {
		found = found || f.FD == cfd
	}
	if !found {
		t.Errorf("the report says %d still holds fd %d, 'gosof fds' does not list it:\n%s", srv.PID, cfd, fds)
	}
}

// bindReuse binds 127.0.0.1:port with SO_REUSEADDR, as a new server would,
// and closes the socket at once.
func bindReuse(port int) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return err
	}
	return syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
}

// hidepidAs runs gosof in a mount namespace of its own whose /proc is a
// new proc instance mounted hidepid=invisible (the host's /proc is not
// touched), as nobody, holding caps (setpriv names, e.g. "sys_ptrace").
func hidepidAs(t *testing.T, caps string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a mount namespace")
	}
	us, err1 := exec.LookPath("unshare")
	sp, err2 := exec.LookPath("setpriv")
	if err1 != nil || err2 != nil {
		t.Skip("unshare and setpriv (util-linux) are needed")
	}
	wrap := []string{us, "--mount", "--propagation", "private", "--", "sh", "-c",
		`mount -t proc -o hidepid=invisible proc /proc && exec "$@"`, "sh",
		sp, "--reuid=65534", "--regid=65534", "--clear-groups"}
	if caps != "" {
		wrap = append(wrap, "--inh-caps="+caps, "--ambient-caps="+caps)
	}
	return gosofUnder(t, append(wrap, "--"), nil, args...)
}

// TestHidepid: a process /proc hides is "hidden from this user", not
// "exited" or "no such process"; the hidepid warning is given to a user
// it applies to, and not to one with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH.
func TestHidepid(t *testing.T) {
	h := testhelper.Start(t) // root's: hidden from nobody
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	pid, p := strconv.Itoa(h.PID), strconv.Itoa(port)

	_, errOut, code := hidepidAs(t, "", "fds", pid)
	if code != exitError || !strings.Contains(errOut, "hides it from this user") || strings.Contains(errOut, "exited") {
		t.Errorf("fds %s of a hidden process: exit %d; want 2 and 'hidden from this user'\n%s", pid, code, errOut)
	}
	_, errOut, code = hidepidAs(t, "", "who", p, "--netns", pid)
	if code != exitError || !strings.Contains(errOut, "hides it from this user") || strings.Contains(errOut, "no such process") {
		t.Errorf("--netns %s of a hidden process: exit %d; want 2 and 'hidden from this user'\n%s", pid, code, errOut)
	}
	_, errOut, _ = hidepidAs(t, "", "who", p)
	if !strings.Contains(errOut, "hides other users' processes") {
		t.Errorf("who as nobody under hidepid does not say so:\n%s", errOut)
	}
	out, errOut, code := hidepidAs(t, "+sys_ptrace,+dac_read_search", "who", p, "--json")
	if code != exitMatch || strings.Contains(errOut, "hides other users' processes") || !strings.Contains(out, fmt.Sprintf(`"pid": %d`, h.PID)) {
		t.Errorf("who as nobody with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: exit %d; want the holder seen and no hidepid warning\n%s%s", code, out, errOut)
	}
}

// TestKillInterrupted: INT, TERM or HUP while kill waits for a process
// that survives TERM: gosof stops waiting, prints what it did so far (valid
// JSON with --json, the report without), sends no KILL, and exits 128+N.
func TestKillInterrupted(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		json bool
	}{{syscall.SIGINT, true}, {syscall.SIGTERM, false}, {syscall.SIGHUP, true}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			h := testhelper.Start(t)
			h.Do("catch TERM")
			_, port := listen(t, h, "inet", "127.0.0.1:0")
			args := []string{"kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID), "--timeout", "60s", "--yes"}
			if tc.json {
				args = append(args, "--json")
			}
			cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
			cmd.Env = append(os.Environ(), cliEnv(t, nil, args...))
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// gosof waits once the holder has its TERM.
			for i := 0; h.Int("caught") == 0; i++ {
				if i == 3000 {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the holder never got TERM\n%s%s", out.String(), errb.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(tc.sig) // gosof, which this test started
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(tc.sig) {
				t.Fatalf("gosof interrupted by %v: %v; want exit %d\n%s%s", tc.sig, err, 128+int(tc.sig), out.String(), errb.String())
			}
			if !running(h) {
				t.Fatal("the holder did not survive: KILL was sent after the interrupt")
			}
			if tc.json {
				var j struct {
					Processes []struct {
						PID     int
						Outcome string
						Signals []string
					}
				}
				if err := json.Unmarshal(out.Bytes(), &j); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
				}
				if len(j.Processes) != 1 || j.Processes[0].Outcome != "interrupted" || strings.Join(j.Processes[0].Signals, ",") != "TERM" {
					t.Errorf("JSON after the interrupt: %+v; want one process, interrupted after TERM", j.Processes)
				}
			} else if !strings.Contains(out.String(), "interrupted") || !strings.Contains(out.String(), "after TERM") {
				t.Errorf("report after the interrupt does not say so:\n%s", out.String())
			}
			if !strings.Contains(errb.String(), "interrupted by") {
				t.Errorf("stderr does not say gosof was interrupted:\n%s", errb.String())
			}
		})
	}
}

// TestOwnerFilterUnseenHolder: --pid, -c and --user cannot decide a socket
// whose holder could not be seen. As nobody, a root process's listener is
// neither "no match" (exit 1) nor dropped silently: who says it cannot
// tell (exit 2) with the unseen note and its remedy, kill exits 3 with
// "holder unknown", close leaves it alone and exits 3.
func TestOwnerFilterUnseenHolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p, pid := strconv.Itoa(port), strconv.Itoa(h.PID)
	for _, filt := range [][]string{{"--pid", pid}, {"-c", "gosof"}, {"--user", "nobody"}} {
		args := append([]string{"who", p}, filt...)
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitError || !strings.Contains(errOut, "cannot tell whether anything here passes "+strings.Join(filt, " ")) || !strings.Contains(errOut, "could not be inspected") ||
			!strings.Contains(errOut, "run as root") || strings.Contains(errOut, "no match") {
			t.Errorf("%v as nobody: exit %d; want 2, 'cannot tell', the unseen note with its remedy, never 'no match'\n%s%s", args, code, out, errOut)
		}
	}
	// A backslash typed in a filter is echoed as the note names it, in
	// the error too: there "x\x1b" had read as the x and ESC gosof
	// escapes so, where the note above it said "x\\x1b".
	if _, errOut, _ := gosofUnder(t, nil, nobody, "who", p, "-c", `x\x1b`); strings.Count(errOut, `-c x\\x1b`) != 2 {
		t.Errorf("who %s -c 'x\\x1b' as nobody: want the note and the error to name -c x\\\\x1b alike:\n%s", p, errOut)
	}
	out, errOut, code := gosofUnder(t, nil, nobody, "kill", "-n", p, "--pid", pid)
	if code != exitSurvivors || !strings.Contains(out, "holder unknown") || strings.Contains(errOut, "no match") {
		t.Errorf("kill -n %s --pid %s as nobody: exit %d; want 3 and 'holder unknown'\n%s%s", p, pid, code, out, errOut)
	}
	out, errOut, code = gosofUnder(t, nil, nobody, "close", p, "--listen", "--abort", "--yes", "--pid", pid)
	if code != exitSurvivors || !strings.Contains(out, "whether it passes --pid") {
		t.Errorf("close --abort %s --pid %s as nobody: exit %d; want 3 and the listener left alone\n%s%s", p, pid, code, out, errOut)
	}
	if !running(h) {
		t.Fatal("the holder was signalled")
	}
	if got := gosofJSON(t, "who", p); len(got) != 1 || len(got[0].Owners) != 1 {
		t.Errorf("the listener did not survive as it was: %v", rows(got))
	}
}

// TestQueuedIsNotOrphan: a connection waiting in a live listener's accept
// queue has no process, but it is no orphan the kernel drops after its
// timeouts: kill's plan, close's plan and the left report say it waits in
// the listener's accept queue (why's decision, core.AcceptQueueOf), the
// plans also when --state leaves the listener out.
func TestQueuedIsNotOrphan(t *testing.T) {
	// in a network namespace of the test's own: the close below is real,
	// and the queued connection has no holder --pid could name
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	ns := ownNetNS(t, strconv.Itoa(h.PID))
	connect(t, h, "inet", "127.0.0.1:"+p) // never accepted
	queue := "in the accept queue of tcp 127.0.0.1:" + p
	out, errOut, _ := gosof(t, "kill", "-n", "--netns", ns, p)
	if !strings.Contains(out, queue) || strings.Contains(out, "no process holds 1 matched") {
		t.Errorf("kill -n %s: the queued connection is not said to wait in the accept queue\n%s%s", p, out, errOut)
	}
	out, errOut, code := gosof(t, "close", p, "--netns", ns, "--state", "established,listen", "-n")
	if code != exitMatch || !strings.Contains(out, queue) || strings.Contains(out, "no process holds it, so") {
		t.Errorf("close -n %s: exit %d; want the queued connection said to wait in the accept queue\n%s%s", p, code, out, errOut)
	}
	// the listener filtered out (--state established): the plans still
	// ask the port's listeners, as the left report does
	for _, cmd := range []string{"kill", "close"} {
		out, errOut, _ = gosof(t, cmd, p, "--netns", ns, "--state", "established", "-n")
		if !strings.Contains(out, queue) || strings.Contains(out, "no process holds 1 matched") || strings.Contains(out, "no process holds it, so") {
			t.Errorf("%s %s --state established -n: the queued connection is not said to wait in the accept queue\n%s%s", cmd, p, out, errOut)
		}
	}
	// close leaves the listener alone: the left report names the queue
	out, errOut, _ = gosof(t, "close", p, "--netns", ns, "--yes")
	if !strings.Contains(out, queue) || strings.Contains(out, "after its timeouts") {
		t.Errorf("close %s: the left report calls the queued connection an orphan\n%s%s", p, out, errOut)
	}
	if !running(h) {
		t.Fatal("the helper was signalled")
	}
}
