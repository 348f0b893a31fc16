package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// reusePortGroup makes h listen twice on 127.0.0.1:PORT with SO_REUSEPORT,
// as nginx's or envoy's workers do, on a port the kernel picks for the
// first, and returns it.
func reusePortGroup(t *testing.T, h *testhelper.Proc) int {
	t.Helper()
	port := 0
	for range 2 {
		fd := h.Int("socket inet stream")
		h.Do("setsockopt %d reuseport 1", fd)
		h.Do("bind %d 127.0.0.1:%d", fd, port)
		h.Do("listen %d", fd)
		port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
	}
	return port
}

// joins reports whether a server in h that sets SO_REUSEPORT (or not)
// binds 0.0.0.0:port and listens there: the kernel's own answer to what
// why claims.
func joins(t *testing.T, h *testhelper.Proc, port int, reusePort bool) bool {
	t.Helper()
	fd := h.Int("socket inet stream")
	defer h.Do("close %d", fd)
	if reusePort {
		h.Do("setsockopt %d reuseport 1", fd)
	}
	if _, err := h.Try("bind %d 0.0.0.0:%d", fd, port); err != nil {
		return false
	}
	_, err := h.Try("listen %d", fd)
	return err == nil
}

// TestWhyReusePortGroup: a port held by a SO_REUSEPORT group is no
// "cannot bind" for a server of the group's user that sets SO_REUSEPORT
// too. Where gosof is that user its probe binds so for real; otherwise it
// says who could, from the holders' SO_REUSEPORT and socket uid; where it
// cannot read those, it says so. Each claim is checked against the
// kernel: a helper of that user joins the group, one without SO_REUSEPORT
// cannot. why said "No new TCP server can bind port P now" to all.
func TestWhyReusePortGroup(t *testing.T) {
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	me := int64(os.Geteuid())
	mine := testhelper.Start(t)
	port := reusePortGroup(t, mine)
	p := strconv.Itoa(port)

	t.Run("gosof is the group's user", func(t *testing.T) {
		w, code := whyJSON(t, p)
		g := w.Probe.ReusePort
		if code != 0 || w.Probe.Verdict != "reuseport_only" || g == nil || g.Join != "yes" || !g.Tried || g.UID == nil || *g.UID != me {
			t.Errorf("exit %d, verdict %q, reuse_port %+v; want 0, reuseport_only, join yes as uid %d", code, w.Probe.Verdict, g, me)
		}
		got := w.probeResults()
		for _, a := range []string{"0.0.0.0", "127.0.0.1", "::"} {
			if got[a+" plain"] != "in use" || got[a+" reuseaddr"] != "in use" || got[a+" reuseport"] != "ok" {
				t.Errorf("%s: plain %s, SO_REUSEADDR %s, SO_REUSEPORT %s; want in use, in use, ok", a, got[a+" plain"], got[a+" reuseaddr"], got[a+" reuseport"])
			}
		}
		want := "A new TCP server can bind port " + p + " now only if it sets SO_REUSEPORT and runs as user " + core.LookupUser(me) + ", as gosof's bind did"
		if !strings.HasPrefix(w.Probe.Message, want) {
			t.Errorf("message %q, want %q...", w.Probe.Message, want)
		}
		out, _, _ := gosof(t, "why", p)
		if !strings.Contains(out, "SO_REUSEADDR  SO_REUSEPORT") || !strings.Contains(flat(out), want) {
			t.Errorf("why %s: want the SO_REUSEPORT column and %q\n%s", p, want, out)
		}
		if !joins(t, mine, port, true) || joins(t, mine, port, false) {
			t.Errorf("the kernel disagrees: a server of uid %d with SO_REUSEPORT should join, one without should not", me)
		}
	})

	if me != 0 {
		t.Skip("needs root for the groups of other users")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	theirs := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	theirPort := reusePortGroup(t, theirs)
	tp := strconv.Itoa(theirPort)

	t.Run("another user's group", func(t *testing.T) {
		w, code := whyJSON(t, tp)
		g := w.Probe.ReusePort
		if code != 0 || w.Probe.Verdict != "some_addresses" || g == nil || g.Join != "could" || !g.Tried ||
			g.UID == nil || *g.UID != 65534 || g.User == nil || *g.User != core.LookupUser(65534) {
			t.Errorf("exit %d, verdict %q, reuse_port %+v; want 0, some_addresses, join could for uid 65534, tried", code, w.Probe.Verdict, g)
		}
		if got := w.probeResults(); got["0.0.0.0 reuseport"] != "in use" {
			t.Errorf("0.0.0.0 with SO_REUSEPORT as root: %s, want in use (the group is not root's)", got["0.0.0.0 reuseport"])
		}
		out, _, _ := gosof(t, "why", tp)
		for _, s := range []string{
			"A new TCP server cannot bind port " + tp + " on every address now; only [::1]:" + tp + " would work.",
			"A server that sets SO_REUSEPORT and runs as user " + core.LookupUser(65534) + " could join the group in the way",
			"gosof runs as user " + core.LookupUser(0) + ", so its own bind with SO_REUSEPORT failed.",
		} {
			if !strings.Contains(flat(out), s) {
				t.Errorf("why %s lacks %q:\n%s", tp, s, out)
			}
		}
		if !joins(t, theirs, theirPort, true) || joins(t, theirs, theirPort, false) || joins(t, mine, theirPort, true) {
			t.Errorf("the kernel disagrees: only a server of uid 65534 with SO_REUSEPORT should join")
		}
	})

	t.Run("gosof runs as the group's user", func(t *testing.T) {
		out, errOut, code := gosofUnder(t, nil, nobody, "why", "--json", tp)
		var w jwhy
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
		}
		if g := w.Probe.ReusePort; w.Probe.Verdict != "reuseport_only" || g == nil || g.Join != "yes" {
			t.Errorf("as nobody: verdict %q, reuse_port %+v; want reuseport_only, join yes", w.Probe.Verdict, g)
		}
	})

	t.Run("what gosof cannot see", func(t *testing.T) {
		// As nobody, gosof cannot read root's descriptors: it knows the
		// sockets' uid, not whether they set SO_REUSEPORT.
		out, errOut, code := gosofUnder(t, nil, nobody, "why", p)
		want := "A server that sets SO_REUSEPORT and runs as user " + core.LookupUser(0) +
			" could join the sockets in the way if they set SO_REUSEPORT too, which gosof could not read."
		if code != 0 || !strings.Contains(flat(out), want) || errOut == "" {
			t.Errorf("as nobody: exit %d, want %q, and on stderr what could not be seen\n%s%s", code, want, out, errOut)
		}
		out, _, _ = gosofUnder(t, nil, nobody, "why", "--json", p)
		var w jwhy
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatal(err)
		}
		if g := w.Probe.ReusePort; g == nil || g.Join != "unknown" || g.UID == nil || *g.UID != 0 {
			t.Errorf("as nobody: reuse_port %+v; want unknown, uid 0", g)
		}
	})
}
