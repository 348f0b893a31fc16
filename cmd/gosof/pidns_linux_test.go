package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// pidNS is a pid namespace the test made, with a mount namespace of its
// own where /proc is mounted for it (unshare -p -f --mount-proc). It
// shares the host's network namespace, so its processes' sockets are on
// the host's loopback. Its pid space is the test's to steer (ns_last_pid):
// the host's is never touched. It goes away with the test.
type pidNS struct {
	t    *testing.T
	init *testhelper.Proc // unshare; the namespace's pid 1 is its child
	pid  int              // host pid of the namespace's pid 1
	net  string           // newPIDNetNS: its network namespace (ownNetNS)
}

// newPIDNS makes a pid namespace; it needs root and util-linux.
func newPIDNS(t *testing.T) *pidNS {
	t.Helper()
	return makePIDNS(t)
}

// newPIDNetNS makes a pid namespace with a network namespace of its own
// (lo up), which enter enters too.
func newPIDNetNS(t *testing.T) *pidNS {
	t.Helper()
	ns := makePIDNS(t, "--net")
	ns.init.Do("loup")
	ns.net = ownNetNS(t, "/proc/"+strconv.Itoa(ns.pid)+"/ns/net")
	return ns
}

func makePIDNS(t *testing.T, unshare ...string) *pidNS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes a pid namespace")
	}
	for _, tool := range []string{"unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (util-linux) is not installed", tool)
		}
	}
	// --kill-child: when the test kills unshare, the namespace's pid 1
	// dies, and with it every process in the namespace.
	init := testhelper.StartIn(t, append([]string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}, unshare...))
	if got := init.Int("pid"); got != 1 {
		t.Fatalf("the namespace's first process has pid %d, want 1", got)
	}
	ns := &pidNS{t: t, init: init}
	ns.pid = onlyChild(t, init.PID)
	return ns
}

// onlyChild is the one child of pid.
func onlyChild(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		t.Fatalf("process %d has children %q, want one", pid, f)
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// enter is the wrapper that runs a command in the namespace, with its /proc.
func (ns *pidNS) enter() []string {
	if ns.net != "" {
		return []string{"nsenter", "--net=" + ns.net, "--target", strconv.Itoa(ns.pid), "--pid", "--mount", "--"}
	}
	return []string{"nsenter", "--target", strconv.Itoa(ns.pid), "--pid", "--mount", "--"}
}

// start starts a helper in the namespace and returns it with its pid there.
func (ns *pidNS) start() (*testhelper.Proc, int) {
	ns.t.Helper()
	h := testhelper.StartIn(ns.t, ns.enter())
	return h, h.Int("pid")
}

// startAs starts a helper in the namespace with pid want there, by
// setting ns_last_pid first. ok is false if another process of the
// namespace took want first (the caller tries again or skips).
func (ns *pidNS) startAs(want int) (h *testhelper.Proc, ok bool) {
	ns.t.Helper()
	ns.init.Do("lastpid %d", want-1)
	h, got := ns.start()
	return h, got == want
}

// gosofCmd is gosof (this test binary run as the CLI) with args, started
// through wrap; the caller runs it.
func gosofCmd(t testing.TB, wrap []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	argv := append(append([]string{}, wrap...), os.Args[0], "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), cliEnv(t, wrap, args...))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// gosofIn runs gosof through wrap (e.g. ns.enter()) to the end, with a
// hang guard.
func gosofIn(t *testing.T, wrap []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append([]string{}, wrap...), os.Args[0], "-test.run=^$")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), cliEnv(t, wrap, args...))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("gosof %s: still running after 2 minutes", strings.Join(args, " "))
	}
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("gosof %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// descendants is every process below pid (children first).
func descendants(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				out = append(out, c)
				out = append(out, descendants(c)...)
			}
		}
	}
	return out
}

// waitStopped waits until a thread of a process below pid has been held
// at the entry of system call nr for a while: strace's delay_enter
// keeps it there, so gosof is known to be at that point. It fails the
// test if that does not happen within a minute.
func waitStopped(t *testing.T, pid int, nr uintptr) {
	t.Helper()
	want := strconv.FormatUint(uint64(nr), 10) + " "
	held := map[string]int{}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, p := range descendants(pid) {
			files, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(p), "task", "*", "syscall"))
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if !strings.HasPrefix(string(b), want) {
					delete(held, f)
					continue
				}
				// A thread seen there in five polls in a row (100ms) is
				// the one held, not one passing through.
				if held[f]++; held[f] >= 5 {
					return
				}
			}
		}
	}
	t.Fatalf("no process below %d stopped in system call %d within a minute", pid, nr)
}

// strace is the wrapper that runs a command under strace, every call of
// syscall (that touches path, if not "") delayed by delay on entry: gosof
// then stops there long enough for the test to act.
func strace(t *testing.T, syscall, path string, delay time.Duration) []string {
	t.Helper()
	p, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	argv := []string{p, "-f", "-o", "/dev/null", "-e", "trace=" + syscall,
		"-e", "inject=" + syscall + ":delay_enter=" + strconv.FormatInt(delay.Microseconds(), 10)}
	if path != "" {
		argv = append(argv, "-P", path)
	}
	return append(argv, "--")
}

// signalsOf reads the names of the signals a helper told to "record
// FILE" recorded.
func signalsOf(t *testing.T, file string) []string {
	t.Helper()
	var names []string
	for _, s := range signalTimes(t, file) {
		names = append(names, s.name)
	}
	return names
}

type recorded struct {
	name string
	at   time.Time // when the helper took it
}

// signalTimes reads what a helper told to "record FILE" recorded.
func signalTimes(t *testing.T, file string) []recorded {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []recorded
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		ns, _ := strconv.ParseInt(f[1], 10, 64)
		out = append(out, recorded{name: f[0], at: time.Unix(0, ns)})
	}
	return out
}

// killJSON is what the proof tests read of kill --json.
type killJSON struct {
	Changed   bool `json:"changed"`
	Processes []struct {
		PID     int      `json:"pid"`
		Comm    string   `json:"comm"`
		Outcome string   `json:"outcome"`
		Signals []string `json:"signals"`
		Error   string   `json:"error"`
	} `json:"processes"`
	LeftReport []string `json:"left_report"`
}

func decodeKill(t *testing.T, out string) killJSON {
	t.Helper()
	var j killJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill --json: %v\n%s", err, out)
	}
	return j
}
