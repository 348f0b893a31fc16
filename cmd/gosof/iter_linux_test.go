package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/testhelper"
)

// The BPF descriptor iterator, seen from the command line: only sockfs
// files are sockets, and no bpf(2) call is made where the iterator is
// not to be used (GOSOF_PROC_FD=1, --proc-fd, no CAP_BPF, commands that
// scan nothing, package init).

// iterListener is a listener held by a helper, and its port as text.
func iterListener(t *testing.T) (*testhelper.Proc, int, string) {
	t.Helper()
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	h := testhelper.Start(t)
	fd, port := listen(t, h, "inet", "127.0.0.1:0")
	return h, fd, strconv.Itoa(port)
}

// killPlan is the PIDs kill -n --json plans to signal.
func killPlan(t *testing.T, args ...string) []int {
	t.Helper()
	out, errOut, code := gosof(t, append([]string{"kill", "-n", "--json"}, args...)...)
	var j struct{ Processes []struct{ PID int } }
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitMatch {
		t.Fatalf("kill -n --json %v: exit %d, %v\n%s%s", args, code, err, out, errOut)
	}
	var pids []int
	for _, p := range j.Processes {
		pids = append(pids, p.PID)
	}
	return pids
}

// TestSockfsLookAlikeCLI: a process that holds, O_PATH, a tmpfs socket
// node with a live listener's inode number (made as nobody in a user
// and mount namespace of its own) is no holder of the listener: who -t
// and kill -n name the listener's process alone, through the iterator
// and through /proc (issue 23, finding 2).
func TestSockfsLookAlikeCLI(t *testing.T) {
	h, fd, port := iterListener(t)
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/fd/%d", h.PID, fd), &st); err != nil {
		t.Fatal(err)
	}
	fake, _ := testhelper.LookAlike(t, st.Ino)
	for _, extra := range [][]string{nil, {"--proc-fd"}} {
		out, errOut, code := gosof(t, append(extra, "who", "-t", port)...)
		if want := fmt.Sprintf("%d\n", h.PID); code != exitMatch || out != want {
			t.Errorf("who %v -t: exit %d, %q, want %q (the look-alike is %d)\n%s", extra, code, out, want, fake.PID, errOut)
		}
		if pids := killPlan(t, append(extra, port)...); len(pids) != 1 || pids[0] != h.PID {
			t.Errorf("kill %v -n: plans %v, want only %d (the look-alike is %d)", extra, pids, h.PID, fake.PID)
		}
	}
}

// bpfCalls runs the CLI with args in a new process under strace, started
// through wrap and with env added, and returns how many bpf(2) calls it
// made, its stdout and exit code.
func bpfCalls(t *testing.T, wrap, env []string, args ...string) (calls int, stdout string, code int) {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("no strace to count bpf(2) calls with (Debian: apt-get install strace)")
	}
	log := filepath.Join(t.TempDir(), "strace")
	argv := append(append([]string{strace, "-f", "-qq", "-e", "trace=bpf", "-o", log}, wrap...), os.Args[0], "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), env...), cliEnv(t, wrap, args...))
	var out strings.Builder
	cmd.Stdout = &out
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), " bpf("), out.String(), code
}

// dropBPFCaps starts a command without CAP_BPF, CAP_PERFMON and
// CAP_SYS_ADMIN (util-linux setpriv; root keeps the others).
func dropBPFCaps(t *testing.T) []string {
	t.Helper()
	p, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	return []string{p, "--inh-caps=-bpf,-perfmon,-sys_admin", "--bounding-set=-bpf,-perfmon,-sys_admin", "--"}
}

// TestNoBPFWhereNotUsed counts bpf(2) calls (strace): none for commands
// that scan nothing, none with GOSOF_PROC_FD=1 or --proc-fd, none without
// CAP_BPF and CAP_SYS_ADMIN; and some for a scan that may use the
// iterator, which shows the count can see them.
func TestNoBPFWhereNotUsed(t *testing.T) {
	h, _, port := iterListener(t)
	drop := dropBPFCaps(t)
	want := fmt.Sprintf("%d\n", h.PID)
	for _, c := range []struct {
		name string
		wrap []string
		env  []string
		args []string
		some bool // bpf calls expected
	}{
		{name: "--help", args: []string{"--help"}},
		{name: "completion bash", args: []string{"completion", "bash"}},
		{name: "man", args: []string{"man"}},
		{name: "GOSOF_PROC_FD=1", env: []string{"GOSOF_PROC_FD=1"}, args: []string{"who", "-t", port}},
		{name: "--proc-fd", args: []string{"who", "--proc-fd", "-t", port}},
		{name: "no CAP_BPF, CAP_SYS_ADMIN", wrap: drop, args: []string{"who", "-t", port}},
		{name: "the iterator", args: []string{"who", "-t", port}, some: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls, out, code := bpfCalls(t, c.wrap, c.env, c.args...)
			if c.some != (calls > 0) {
				t.Errorf("%d bpf(2) calls, want some: %v", calls, c.some)
			}
			if c.args[0] == "who" && (code != exitMatch || out != want) {
				t.Errorf("exit %d, %q, want %q", code, out, want)
			}
			if c.args[0] != "who" && (code != 0 || out == "") {
				t.Errorf("exit %d, %d bytes of output", code, len(out))
			}
		})
	}
}

// TestNoSIGSYSUnderFilter: under a seccomp filter that kills on bpf(2)
// (systemd's SystemCallFilter= without SystemCallErrorNumber=), a scan
// is not killed: without CAP_BPF and CAP_SYS_ADMIN it does not try the
// iterator, and with them the filter alone keeps it from trying.
func TestNoSIGSYSUnderFilter(t *testing.T) {
	h, _, port := iterListener(t)
	drop := dropBPFCaps(t)
	for _, c := range []struct {
		name string
		wrap []string
	}{{"without CAP_BPF, CAP_SYS_ADMIN", drop}, {"with them", nil}} {
		t.Run(c.name, func(t *testing.T) {
			argv := append(append([]string{}, c.wrap...), os.Args[0], "-test.run=^$")
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), cliEnv(t, nil, "who", "-t", port))
			var out, errOut strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errOut
			testhelper.KillOnBPF(cmd)
			err := cmd.Run()
			if testhelper.KilledByBPFFilter(cmd) {
				t.Fatalf("killed by SIGSYS: a bpf(2) call\n%s", errOut.String())
			}
			if want := fmt.Sprintf("%d\n", h.PID); err != nil || out.String() != want {
				t.Errorf("who -t: %v, %q, want %q\n%s", err, out.String(), want, errOut.String())
			}
		})
	}
}

// TestNothingAtInit: a process of this binary that runs no command (a
// test helper here) loads no BPF program, even on a host with the 2,000
// open files from which a scan would: nothing happens at package init.
func TestNothingAtInit(t *testing.T) {
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	// make the host one where the iterator is worth loading
	for i := 0; i < fditer.DefaultMinFiles+100; i++ {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
	}
	h := testhelper.Start(t)
	h.Do("pid")
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", h.PID))
		for _, e := range ents {
			l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", h.PID, e.Name()))
			if strings.HasPrefix(l, "anon_inode:bpf") {
				t.Fatalf("the helper holds fd %s -> %s: a BPF object made at init", e.Name(), l)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// iterExpected: the iterator must load here (as root, where fditer.Usable says
// so); otherwise, why not.
func iterExpected() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	return fditer.Usable()
}

// TestDebugOwnersLayout: the first run of a boot that loads the iterator
// finds its layout in the kernel's BTF and keeps it; the next run reads
// it from there, and gosof debug owners says which. Each run is a
// process of its own (the test binary as the CLI): a process finds the
// layout once. The file is the test's own (envLayoutCache), in a
// directory made as gosof makes /run/gosof.
func TestDebugOwnersLayout(t *testing.T) {
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	cache := filepath.Join(t.TempDir(), "run", "fditer-layout")
	from := func() string {
		t.Helper()
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), cliEnv(t, nil, "debug", "owners"), envLayoutCache+"="+cache, "GOSOF_PROC_FD=")
		out, err := cmd.Output()
		const used = "owners found through the BPF descriptor iterator (its layout read from "
		if err != nil || !strings.HasPrefix(string(out), used) || !strings.HasSuffix(string(out), ")\n") {
			t.Fatalf("debug owners: %v %q", err, out)
		}
		return strings.TrimSuffix(strings.TrimPrefix(string(out), used), ")\n")
	}
	if got := from(); got != "/sys/kernel/btf/vmlinux" {
		t.Errorf("with no kept layout: from %q, want the BTF", got)
	}
	fi, err := os.Lstat(cache)
	if err != nil {
		t.Fatalf("not kept: %v", err)
	}
	if st := fi.Sys().(*syscall.Stat_t); !fi.Mode().IsRegular() || fi.Size() != 164 || st.Uid != 0 || fi.Mode().Perm() != 0o644 {
		t.Errorf("kept as %v, %d bytes, uid %d", fi.Mode(), fi.Size(), st.Uid)
	}
	if got := from(); got != cache {
		t.Errorf("second run: from %q, want %s", got, cache)
	}
}
