package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// cliEnv is the environment entry that makes the re-executed test binary
// run gosof ARGS (TestMain, envCLI), started through wrap (nil: none):
// the guard first. A wrap that enters a network namespace the test made
// (nsenter --net=PATH, PATH given to ownNetNS) runs gosof contained in it.
func cliEnv(tb testing.TB, wrap []string, args ...string) string {
	tb.Helper()
	contained := false
	for _, w := range wrap {
		if p, ok := strings.CutPrefix(w, "--net="); ok && ownNetNSes.has(p) {
			contained = true
		}
	}
	guardRelease(tb, args, contained)
	return envCLI + "=" + strings.Join(args, "\x1f")
}

// netnsEnter is the wrap that runs a command in the network namespace of
// pid, which the test made (ownNetNS).
func netnsEnter(tb testing.TB, pid int) []string {
	tb.Helper()
	return []string{"nsenter", "--net=" + ownNetNS(tb, "/proc/"+strconv.Itoa(pid)+"/ns/net"), "--"}
}

// ownNetNS declares that --netns ns (a PID, a name under /run/netns, or a
// path) names a network namespace the test made and nothing else lives
// in, until the test ends; guardRelease then takes a real kill or close in
// it without --pid. A namespace that is the test's own one (the host's)
// is refused. It returns ns.
func ownNetNS(tb testing.TB, ns string) string {
	tb.Helper()
	path := ns
	switch {
	case strings.HasPrefix(ns, "/"):
	case strings.Trim(ns, "0123456789") == "":
		path = "/proc/" + ns + "/ns/net"
	default:
		path = "/run/netns/" + ns
	}
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatalf("ownNetNS %s: %v", ns, err)
	}
	self, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		tb.Fatalf("ownNetNS: %v", err)
	}
	if os.SameFile(fi, self) {
		tb.Fatalf("ownNetNS %s: that is the test's own network namespace, the host's, not one the test made", ns)
	}
	// its inode too: the form of --netns the commands gosof suggests carry
	names := []string{ns, strconv.FormatUint(fi.Sys().(*syscall.Stat_t).Ino, 10)}
	ownNetNSes.add(names, 1)
	tb.Cleanup(func() { ownNetNSes.add(names, -1) })
	return ns
}

// gosofContained runs gosof ARGS, re-executed from the test binary, in a
// new network namespace of its own with nothing in it: for a line the
// command itself refuses (kill 80 -s BOGUS), which the guard cannot know
// before it runs. Had the refusal regressed, there was nothing to act on.
// -A and a --netns other than the test's own still reach past it; the
// guard refuses them.
func gosofContained(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	guardRelease(t, args, true)
	cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(cmd.Environ(), envCLI+"="+strings.Join(args, "\x1f"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	stdout, stderr, code, err := runCmd(cmd)
	switch {
	case errors.Is(err, syscall.EPERM):
		t.Skipf("gosof %s: no new network namespace to run it in (run as root): %v", strings.Join(args, " "), err)
	case err != nil:
		t.Fatalf("gosof %s: %v", strings.Join(args, " "), err)
	}
	return stdout, stderr, code
}
