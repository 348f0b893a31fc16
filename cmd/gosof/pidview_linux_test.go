package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// A gosof whose view of the processes is not the host's: in a child pid
// namespace (docker without --pid=host, unshare -p) it sees only the
// namespace's processes, while the network namespace may be the host's.

// TestChildPIDNamespaceIsPartial: a listener held by a host process,
// seen from a pid namespace that shares the host's network namespace,
// has an unknown holder, exactly as under hidepid: who -t exits 2, kill
// says "holder unknown", close --abort leaves the listener alone unless
// --unknown-holder.
func TestChildPIDNamespaceIsPartial(t *testing.T) {
	ns := newPIDNS(t)
	// outside the namespace, in a network namespace of the test's own
	// that gosof enters too: close below is real, and its holder is one
	// --pid could not name there
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	net := netnsEnter(t, h.PID)
	in := append(net[:2:2], ns.enter()[1:]...) // nsenter --net=... --target N --pid --mount --

	out, errOut, code := gosofIn(t, in, "who", "-t", p)
	if code != exitError || out != "" || !strings.Contains(errOut, "pid namespace") {
		t.Errorf("who -t %s in a child pid namespace: exit %d, stdout %q, stderr %q; want 2, nothing, and why", p, code, out, errOut)
	}
	out, errOut, code = gosofIn(t, in, "kill", "-n", p)
	t.Logf("kill -n (exit %d):\n%s%s", code, out, errOut)
	if code != exitSurvivors || !strings.Contains(out, "holder unknown") || strings.Contains(out, "no process holds") {
		t.Errorf("kill -n %s: exit %d, want 3 and \"holder unknown\":\n%s%s", p, code, out, errOut)
	}
	out, errOut, code = gosofIn(t, in, "close", "--abort", "--listen", "-y", p)
	if code != exitSurvivors || !strings.Contains(out, "--unknown-holder") {
		t.Errorf("close --abort --listen %s: exit %d, want 3 and the listener left alone until --unknown-holder:\n%s%s", p, code, out, errOut)
	}
	// The holder is "unknown" in close's plan and its "left alone" list, never "-".
	out, errOut, _ = gosofIn(t, in, "close", "-n", p)
	if !strings.Contains(out, "held by unknown") {
		t.Errorf("close -n %s: the refused listener's holder is not named unknown:\n%s%s", p, out, errOut)
	}
	out, errOut, _ = gosofIn(t, in, "close", "-n", "--listen", p)
	if !strings.Contains(out, " unknown ") {
		t.Errorf("close -n --listen %s: the plan does not name the holder unknown:\n%s%s", p, out, errOut)
	}
	// It still listens: nothing reset it.
	c := testhelper.StartIn(t, net)
	if _, err := c.Try("connect %d 127.0.0.1:%d", c.Int("socket inet stream"), port); err != nil {
		t.Errorf("the listener outside the pid namespace no longer accepts: %v", err)
	}
	if !running(h) {
		t.Error("the holder outside the pid namespace was signalled")
	}
}

// TestForeignProcIsRefused: `nsenter -m -t CONTAINER gosof kill PORT`
// runs gosof in the host's pid namespace with the container's /proc,
// whose pid N is the container's process, not the host's pid N. The
// test makes the container's holder take the very pid number a host
// process (the victim) has: kill and close must refuse (exit 2, one line
// with the remedy) and signal nothing; listing says its PIDs are not
// gosof's.
func TestForeignProcIsRefused(t *testing.T) {
	ns := newPIDNS(t)
	victim := testhelper.Start(t) // on the host
	file := filepath.Join(t.TempDir(), "signals")
	victim.Do("record %s", file)
	h, ok := ns.startAs(victim.PID)
	if !ok {
		t.Skipf("another process of the namespace took pid %d", victim.PID)
	}
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	mountOnly := []string{"nsenter", "--target", strconv.Itoa(ns.pid), "--mount", "--"}
	pid := strconv.Itoa(victim.PID) // the holder's pid there, the victim's here: both the test's

	for _, argv := range [][]string{
		{"kill", "-y", "--timeout", "1", "--pid", pid, p},
		{"kill", "-y", "--proc-fd", "--timeout", "1", "--pid", pid, p},
		{"close", "-y", "--listen", "--pid", pid, p},
	} {
		out, errOut, code := gosofIn(t, mountOnly, argv...)
		if code != exitError || len(gosofLines(errOut)) != 1 || !strings.Contains(errOut, "nsenter --pid") {
			t.Errorf("gosof %s with another pid namespace's /proc: exit %d, want 2 and one line naming the remedy:\n%s%s",
				strings.Join(argv, " "), code, out, errOut)
		}
	}
	if sigs := signalsOf(t, file); len(sigs) > 0 || !running(victim) {
		t.Fatalf("the host's process %d, whose pid the container's holder has there, got %v (running: %v)", victim.PID, sigs, running(victim))
	}
	if !running(h) {
		t.Error("the holder was signalled")
	}
	out, errOut, code := gosofIn(t, mountOnly, "who", p)
	if code != exitMatch || !strings.Contains(errOut, "not gosof's") {
		t.Errorf("who %s: exit %d, want 0 and a note that its PIDs are not gosof's:\n%s%s", p, code, out, errOut)
	}
	// -t prints PIDs for kill(1): there they would be other processes'
	out, errOut, code = gosofIn(t, mountOnly, "who", "-t", p)
	if code != exitError || out != "" || len(gosofLines(errOut)) != 1 {
		t.Errorf("who -t %s: exit %d, stdout %q, stderr %q; want exit 2, no PID, one line", p, code, out, errOut)
	}
}

// gosofLines are the lines of stderr gosof wrote: not the race
// detector's warnings ("==PID==WARNING: reading executable name failed":
// it reads /proc/self/exe, which is not gosof's in that /proc).
func gosofLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if !strings.HasPrefix(l, "==") {
			out = append(out, l)
		}
	}
	return out
}
