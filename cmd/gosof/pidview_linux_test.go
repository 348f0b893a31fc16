package main

import (
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
	h := testhelper.Start(t) // on the host, outside the namespace
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	in := ns.enter()

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
	// It still listens: nothing reset it.
	c := testhelper.Start(t)
	if _, err := c.Try("connect %d 127.0.0.1:%d", c.Int("socket inet stream"), port); err != nil {
		t.Errorf("the host's listener no longer accepts: %v", err)
	}
	if !running(h) {
		t.Error("the host's holder was signalled")
	}
}
