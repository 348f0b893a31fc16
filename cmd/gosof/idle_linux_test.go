package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// jidle is a socket of `--json` with its idle time.
type jidle struct {
	State  string `json:"state"`
	Local  jep    `json:"local"`
	Remote *jep   `json:"remote"`
	IdleMS *int64 `json:"idle_ms"`
	AgeMS  *int64 `json:"age_ms"`
}

// closeWaitPair makes, in a network namespace of its own, a server
// (the helper) with two CLOSE_WAIT connections on port: old, whose
// client closed first, and new, closed gap later. It returns the server
// and the client ports of old and new.
func closeWaitPair(t *testing.T, port int, gap time.Duration) (srv *testhelper.Proc, old, young int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	srv = testhelper.Start(t, testhelper.NewNetNS())
	addr := "127.0.0.1:" + strconv.Itoa(port)
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d %s", lfd, addr)
	srv.Do("listen %d", lfd)
	client := func() int {
		c := srv.Int("socket inet stream")
		srv.Do("connect %d %s", c, addr)
		srv.Int("accept %d", lfd)
		f := srv.Do("name %d", c)
		p, _ := strconv.Atoi(f[1])
		srv.Do("close %d", c) // the server's end is in CLOSE_WAIT: it never closes it
		return p
	}
	old = client()
	time.Sleep(gap)
	young = client()
	return srv, old, young
}

// idleOf lists the CLOSE_WAIT sockets of srv's namespace and returns the
// idle times of the connections from the client ports old and young.
func idleOf(t *testing.T, srv *testhelper.Proc, port, old, young int) (o, y time.Duration) {
	t.Helper()
	out, errOut, code := gosof(t, "who", "--netns", strconv.Itoa(srv.PID), "--pid", strconv.Itoa(srv.PID), "--state", "close-wait", "--json", strconv.Itoa(port))
	var socks []jidle
	if err := json.Unmarshal([]byte(out), &socks); code != 0 || err != nil {
		t.Fatalf("who --json: exit %d, %v: %s%s", code, err, out, errOut)
	}
	found := 0
	for _, s := range socks {
		if s.IdleMS == nil || s.Remote == nil {
			t.Fatalf("CLOSE_WAIT %s without idle_ms: %s", s.Remote.String(), out)
		}
		switch s.Remote.Port {
		case old:
			o, found = time.Duration(*s.IdleMS)*time.Millisecond, found+1
		case young:
			y, found = time.Duration(*s.IdleMS)*time.Millisecond, found+1
		}
	}
	if found != 2 {
		t.Fatalf("want the two CLOSE_WAITs from ports %d and %d: %s", old, young, out)
	}
	return o, y
}

// between runs try with a duration between the idle times of the old and
// the young CLOSE_WAIT, and returns what it returned. Time passes between
// the listing that measures them and the run: the run counts only if a
// listing after it still finds the young one idle for less than the
// duration (so it was then too; the old one was longer before). Up to
// three tries, each with the times measured afresh.
func between(t *testing.T, srv *testhelper.Proc, port, old, young int, try func(d time.Duration) bool) {
	t.Helper()
	for i := 0; i < 3; i++ {
		o, y := idleOf(t, srv, port, old, young)
		if o <= y {
			t.Fatalf("the CLOSE_WAIT closed first is idle for %v, the one closed after it for %v: want it the older", o, y)
		}
		d := y + (o-y)/2
		if !try(d) {
			return
		}
		if _, y2 := idleOf(t, srv, port, old, young); y2 < d {
			return
		}
		t.Logf("the young CLOSE_WAIT aged past %v meanwhile: again", d)
	}
	t.Fatal("the host is too slow to put a boundary between the two CLOSE_WAITs")
}

// TestIdleTellsOldFromNew: --idle with a duration between the idle times
// of a CLOSE_WAIT closed a few seconds ago and one closed now matches the
// old one only; the young one is not idle that long.
func TestIdleTellsOldFromNew(t *testing.T) {
	const port = 28011
	srv, old, young := closeWaitPair(t, port, 2*time.Second)
	ns, pid, p := strconv.Itoa(srv.PID), strconv.Itoa(srv.PID), strconv.Itoa(port)
	between(t, srv, port, old, young, func(d time.Duration) bool {
		for _, args := range [][]string{
			{"who", p, "--idle", d.String()},
			{"ls", "--state", "close-wait", "--idle", d.String()},
			{"who", p, "--idle", d.String(), "--show-idle"}, // the table
		} {
			args = append(args, "--netns", ns, "--pid", pid)
			out, errOut, code := gosof(t, append(args, "--json")...)
			if strings.Contains(strings.Join(args, " "), "--show-idle") {
				out, errOut, code = gosof(t, args...)
				if code != 0 || !strings.Contains(out, "IDLE") || !strings.Contains(out, ":"+strconv.Itoa(old)) || strings.Contains(out, ":"+strconv.Itoa(young)) {
					t.Errorf("gosof %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
				}
				continue
			}
			var socks []jidle
			if err := json.Unmarshal([]byte(out), &socks); err != nil || code != 0 {
				t.Fatalf("gosof %s: exit %d, %v\n%s%s", strings.Join(args, " "), code, err, out, errOut)
			}
			if len(socks) != 1 || socks[0].Remote == nil || socks[0].Remote.Port != old || socks[0].IdleMS == nil || time.Duration(*socks[0].IdleMS)*time.Millisecond <= d {
				t.Errorf("gosof %s: want the CLOSE_WAIT from port %d alone, idle for more than %v:\n%s", strings.Join(args, " "), old, d, out)
			}
		}
		return true
	})
	// Longer than both: nothing, and the note says --idle emptied it.
	_, errOut, code := gosof(t, "who", p, "--idle", "1h", "--netns", ns)
	if code != exitNoMatch || !strings.Contains(errOut, "no match: nothing left after --idle 1h: before it, 3 sockets (tcp LISTEN 1, tcp CLOSE_WAIT 2)") {
		t.Errorf("who --idle 1h: exit %d, %q; want 1 and the note on --idle", code, errOut)
	}
}

// TestCloseIdleReleasesOnlyTheOld: close --idle shuts down the old
// CLOSE_WAIT, leaves the young one, and the server keeps running.
func TestCloseIdleReleasesOnlyTheOld(t *testing.T) {
	const port = 28012
	srv, old, young := closeWaitPair(t, port, 2*time.Second)
	ns, pid, p := strconv.Itoa(srv.PID), strconv.Itoa(srv.PID), strconv.Itoa(port)
	closed := false
	between(t, srv, port, old, young, func(d time.Duration) bool {
		out, errOut, code := gosof(t, "close", p, "--state", "close-wait", "--idle", d.String(), "--netns", ns, "--pid", pid, "-y")
		if code != 0 {
			t.Fatalf("close --idle %v: exit %d\n%s%s", d, code, out, errOut)
		}
		closed = true
		return false // what the close found is in the kernel now: look there
	})
	if !closed {
		return
	}
	left := gosofJSON(t, "who", p, "--netns", ns, "--state", "close-wait")
	if len(left) != 1 || left[0].Remote == nil || left[0].Remote.Port != young {
		var rows []string
		for _, s := range left {
			rows = append(rows, s.row())
		}
		t.Errorf("left in CLOSE_WAIT: %q; want the young one (from port %d) alone", rows, young)
	}
	if _, err := srv.Try("pid"); err != nil {
		t.Errorf("the server did not keep running: %v", err)
	}
}

// TestWhyIdleDistribution: why says how long the CLOSE_WAITs have been
// idle, their distribution and what that makes them.
func TestWhyIdleDistribution(t *testing.T) {
	const port = 28013
	srv, _, _ := closeWaitPair(t, port, time.Second)
	out, errOut, code := gosof(t, "why", "--netns", strconv.Itoa(srv.PID), "--no-probe", strconv.Itoa(port))
	if code != 0 {
		t.Fatalf("why: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"All 2 have been idle for less than 10m (the oldest ", "a burst, not a leak",
		"  Idle times: under 1m 2, 1m-10m 0, 10m-1h 0, 1h and more 0.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("why: no %q in\n%s", want, out)
		}
	}
	jout, _, _ := gosof(t, "why", "--json", "--netns", strconv.Itoa(srv.PID), "--no-probe", strconv.Itoa(port))
	var j struct {
		Idle []struct {
			State   string `json:"state"`
			Count   int    `json:"count"`
			Known   int    `json:"known"`
			Verdict string `json:"verdict"`
			Buckets []struct {
				Count int `json:"count"`
			} `json:"buckets"`
		} `json:"idle"`
	}
	if err := json.Unmarshal([]byte(jout), &j); err != nil || len(j.Idle) != 1 || j.Idle[0].State != "CLOSE_WAIT" || j.Idle[0].Known != 2 ||
		j.Idle[0].Verdict != "burst" || len(j.Idle[0].Buckets) != 4 || j.Idle[0].Buckets[0].Count != 2 {
		t.Errorf("why --json idle: %+v, %v", j.Idle, err)
	}
}

// TestIdleUnknownNoteEveryCommand: /proc/net tells no idle time of a
// CLOSE_WAIT, so --idle leaves it out; who, kill and close alike say so
// in the one note, not only a bare "no match".
func TestIdleUnknownNoteEveryCommand(t *testing.T) {
	srv, _, _ := closeWaitPair(t, 48131, 0)
	ns, pid := strconv.Itoa(srv.PID), strconv.Itoa(srv.PID)
	for _, args := range [][]string{
		{"who", "48131"},
		{"kill", "-n", "48131", "--pid", pid},
		{"close", "-n", "48131", "--state", "close-wait"},
	} {
		args = append(args, "--netns", ns, "--idle", "1s", "--proc-net")
		out, errOut, code := gosof(t, args...)
		if code != exitNoMatch || !strings.Contains(errOut, "--idle left out 2 TCP sockets whose idle time is not known") {
			t.Errorf("%v: exit %d; want 1 and the note counting the 2 CLOSE_WAITs left out\n%s%s", args, code, out, errOut)
		}
	}
}

// twoHolders starts, in a network namespace of their own, a helper a
// listening on port with one connection to itself, and a helper b in the
// same namespace with one connection to a: four ESTABLISHED sockets,
// three held by a (its client end, ac, and both accepted ends), one by
// b. It returns a, ac and b's pid (b runs under nsenter).
func twoHolders(t *testing.T, port int) (a *testhelper.Proc, ac int, bpid string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("nsenter (util-linux) is not installed")
	}
	a = testhelper.Start(t, testhelper.NewNetNS())
	b := testhelper.StartIn(t, []string{"nsenter", "--net=/proc/" + strconv.Itoa(a.PID) + "/ns/net", "--"})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	lfd := a.Int("socket inet stream")
	a.Do("bind %d %s", lfd, addr)
	a.Do("listen %d", lfd)
	for _, h := range []*testhelper.Proc{a, b} {
		c := h.Int("socket inet stream")
		h.Do("connect %d %s", c, addr)
		a.Int("accept %d", lfd)
		if h == a {
			ac = c
		}
	}
	a.Do("comm %x", "idlenote-a")
	b.Do("comm %x", "idlenote-b")
	return a, ac, b.Do("pid")[0]
}

// TestIdleUnknownNoteOwnerFilters: /proc/net tells no ESTABLISHED
// socket's idle time, so --idle leaves out all four of two processes'.
// The note counts those every other filter keeps: with --pid or -c of
// one process, its own, never the other's (the other's got no owners, so
// the owner filters could not drop them before they were counted). Every
// command that takes --idle, and who --peer, which resolves a wider
// filter (any side, no owner filters) first.
func TestIdleUnknownNoteOwnerFilters(t *testing.T) {
	const port = 47120
	a, _, pb := twoHolders(t, port)
	ns, pa, p := strconv.Itoa(a.PID), strconv.Itoa(a.PID), strconv.Itoa(port)
	for _, tc := range []struct {
		args []string
		n    int
	}{
		{[]string{"ls"}, 4},
		{[]string{"ls", "--pid", pb}, 1},
		{[]string{"ls", "--pid", pa}, 3},
		{[]string{"ls", "-c", "idlenote-b"}, 1},
		{[]string{"who", p, "--side", "any", "--peer", "--pid", pb}, 1},
		{[]string{"who", p, "--peer", "--pid", pa}, 2}, // the accepted ends: a's client end is not on its local side
		{[]string{"kill", "-n", p, "--side", "any", "--pid", pb}, 1},
		{[]string{"close", "-n", p, "--side", "any", "--pid", pb}, 1},
		{[]string{"watch", p, "--side", "any", "--pid", pb, "--count", "1", "--jsonl"}, 1},
	} {
		args := append(tc.args, "--netns", ns, "--idle", "1h", "--proc-net")
		out, errOut, code := gosof(t, args...)
		want := fmt.Sprintf("--idle left out %s whose idle time is not known", core.Plural(tc.n, "TCP socket"))
		wantCode := exitNoMatch
		if tc.args[0] == "watch" {
			wantCode = 0
		}
		if code != wantCode || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d; want %d and %q\n%s%s", strings.Join(args, " "), code, wantCode, want, out, errOut)
		}
	}
}

// TestIdleUnknownNoteOrphan: an orphaned FIN_WAIT2 (its process closed
// it and its peer did not: the kernel keeps a timewait socket, whose
// timer runs for a length the dump does not tell) has no idle time
// through netlink either, and no holder. The note counts it, but not
// with --pid, which a socket without a holder never passes. A socket
// --idle matches next to it keeps its own owners.
func TestIdleUnknownNoteOrphan(t *testing.T) {
	const port = 47121
	a, ac, pb := twoHolders(t, port)
	ns, pa, p := strconv.Itoa(a.PID), strconv.Itoa(a.PID), strconv.Itoa(port)
	// closed, a's client end sends its FIN, and a's accepted end, in
	// CLOSE_WAIT now, acknowledges it
	a.Do("close %d", ac)
	deadline := time.Now().Add(5 * time.Second)
	for len(gosofJSON(t, "who", p, "--side", "remote", "--state", "fin-wait2", "--netns", ns)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no orphaned FIN_WAIT2 after closing a's client end")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // b's connection is idle for longer than --idle 20ms below
	const note = "--idle left out "
	for _, tc := range []struct {
		args []string
		want string // in stderr, "" for no note
	}{
		{[]string{"ls", "--idle", "1h"}, note + "1 TCP socket whose idle time is not known"},
		{[]string{"ls", "--idle", "1h", "--pid", pb}, ""},
		{[]string{"ls", "--idle", "1h", "--pid", pa}, ""},
		{[]string{"who", p, "--side", "any", "--peer", "--idle", "1h", "--pid", pb}, ""},
	} {
		args := append(tc.args, "--netns", ns)
		out, errOut, code := gosof(t, args...)
		if code != exitNoMatch || tc.want != "" && !strings.Contains(errOut, tc.want) || tc.want == "" && strings.Contains(errOut, note) {
			t.Errorf("%s: exit %d; want 1 and %q\n%s%s", strings.Join(args, " "), code, tc.want, out, errOut)
		}
	}
	got := gosofJSON(t, "ls", "--netns", ns, "--idle", "20ms", "--pid", pb)
	if len(got) != 1 || got[0].State != "ESTABLISHED" || len(got[0].Owners) != 1 || strconv.Itoa(got[0].Owners[0].PID) != pb || got[0].Remote == nil || got[0].Remote.Port != port {
		t.Errorf("ls --idle 20ms --pid %s: want b's connection alone, with b: %q", pb, rows(got))
	}
}

// TestIdleUnknownNotePIDNotSeen: --pid naming a process gosof cannot
// inspect (root's, as nobody). The sockets --idle leaves out that a
// process gosof can see holds are outside --pid, and the note does not
// count them; those whose holder it cannot see are not known to be
// outside, and it does.
func TestIdleUnknownNotePIDNotSeen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	root := testhelper.Start(t) // nobody cannot inspect it
	// ports the kernel picks: a fixed one in the ephemeral range was
	// taken once by another connection's local end ("address already in
	// use" in CI)
	var ports []string
	for _, p := range []*testhelper.Proc{mine, root} {
		lfd, port := listen(t, p, "inet", "127.0.0.1:0")
		connect(t, p, "inet", "127.0.0.1:"+strconv.Itoa(port))
		p.Int("accept %d", lfd)
		ports = append(ports, strconv.Itoa(port))
	}
	pid := strconv.Itoa(root.PID)
	const note = "--idle left out "
	for _, tc := range []struct {
		port, want string // want in stderr, "" for no note
	}{
		{ports[0], ""},
		{ports[1], note + "2 TCP sockets whose idle time is not known"},
	} {
		args := []string{"who", tc.port, "--side", "any", "--pid", pid, "--idle", "1h", "--proc-net"}
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitNoMatch || tc.want != "" && !strings.Contains(errOut, tc.want) || tc.want == "" && strings.Contains(errOut, note) {
			t.Errorf("%s as nobody: exit %d; want 1 and %q\n%s%s", strings.Join(args, " "), code, tc.want, out, errOut)
		}
	}
}

// TestCloseIdleProvedAtAct: close --idle reads each socket's idle time
// again as it acts on it (docs/kill-close.md). While close waits for its
// confirmation, the window between plan and act, one connection the
// plan found idle carries data: it is left alone, outcome "active
// again", and no longer counts as matched for the exit code; the ones
// still idle are released. Gracefully (TCP_INFO of the duplicated
// descriptor) and with --abort (sock_diag by cookie), for ESTABLISHED
// and CLOSE_WAIT.
func TestCloseIdleProvedAtAct(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace and SOCK_DESTROY")
	}
	for i, tc := range []struct {
		state string
		abort bool
		code  int    // exit: the ESTABLISHED ones shut down linger in FIN_WAIT2
		idle  string // outcome of the still-idle ones
	}{
		{"established", false, exitSurvivors, "still there"},
		{"close-wait", false, exitMatch, "closed"},
		{"established", true, exitMatch, "closed"},
		{"close-wait", true, exitMatch, "closed"},
	} {
		t.Run(fmt.Sprintf("%s abort=%v", tc.state, tc.abort), func(t *testing.T) {
			port := 47400 + i
			srv := testhelper.Start(t, testhelper.NewNetNS())
			addr := "127.0.0.1:" + strconv.Itoa(port)
			lfd := srv.Int("socket inet stream")
			srv.Do("bind %d %s", lfd, addr)
			srv.Do("listen %d", lfd)
			type conn struct{ client, server, port int }
			var conns [3]conn
			for j := range conns {
				c := srv.Int("socket inet stream")
				srv.Do("connect %d %s", c, addr)
				s := srv.Int("accept %d", lfd)
				p, _ := strconv.Atoi(srv.Do("name %d", c)[1])
				if tc.state == "close-wait" {
					srv.Do("shutdown %d wr", c) // the server's end is in CLOSE_WAIT, and may still send
				}
				conns[j] = conn{c, s, p}
			}
			busy := conns[1]
			// talk sends on busy, from the end that still may, and waits
			// until the other end has it.
			talk := func() {
				from, to := busy.client, busy.server
				if tc.state == "close-wait" {
					from, to = busy.server, busy.client
				}
				srv.Do("write %d ping", from)
				srv.Do("read %d", to)
			}
			time.Sleep(1500 * time.Millisecond) // every connection idle for longer than --idle 1s
			args := []string{"gosof", "close", strconv.Itoa(port), "--state", tc.state, "--idle", "1s",
				"--netns", strconv.Itoa(srv.PID), "--pid", strconv.Itoa(srv.PID), "--json"}
			if tc.abort {
				args = append(args, "--abort")
			}
			code, out, _ := closeAtPrompt(t, args, 3, func() {
				talk() // the plan is made; gosof has not acted yet
			})
			for _, s := range closeSockets(t, out.Bytes(), 3) {
				want := tc.idle
				if s.Remote.Port == busy.port {
					want = "active again"
				}
				if s.Outcome != want {
					t.Errorf("the connection from port %d: outcome %q (%s), want %q", s.Remote.Port, s.Outcome, s.Error, want)
				}
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d: the connection active again is no longer a match", code, tc.code)
			}
			// The kernel agrees: it is still in its state, and still works.
			left := gosofJSON(t, "who", strconv.Itoa(port), "--state", tc.state, "--netns", strconv.Itoa(srv.PID))
			if len(left) != 1 || left[0].Remote == nil || left[0].Remote.Port != busy.port {
				t.Errorf("left in %s: %q; want the busy connection (from port %d) alone", tc.state, rows(left), busy.port)
			}
			talk()
		})
	}
}

// TestCloseIdleResetAtAct: a connection the plan found idle that its
// peer resets (SO_LINGER 0, then close) while close waits for its
// confirmation was not active: it is gone, and close says so ("already
// gone", as for any socket gone before close acts on it), never "active
// again". Gracefully (the duplicated descriptor's socket is in CLOSE)
// and with --abort (sock_diag no longer finds it), for ESTABLISHED and
// CLOSE_WAIT, in JSON and as text.
func TestCloseIdleResetAtAct(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace and SOCK_DESTROY")
	}
	for _, tc := range []struct {
		state string
		abort bool
		json  bool
	}{
		{"established", false, true},
		{"close-wait", false, true},
		{"established", true, true},
		{"close-wait", true, true},
		{"close-wait", false, false},
		{"established", true, false},
	} {
		t.Run(fmt.Sprintf("%s abort=%v json=%v", tc.state, tc.abort, tc.json), func(t *testing.T) {
			srv, port, conns := twoConns(t, tc.state == "close-wait")
			reset := conns[0]
			time.Sleep(1500 * time.Millisecond) // both idle for longer than --idle 1s
			args := []string{"gosof", "close", port, "--state", tc.state, "--idle", "1s",
				"--netns", strconv.Itoa(srv.PID), "--pid", strconv.Itoa(srv.PID)}
			if tc.json {
				args = append(args, "--json")
			}
			if tc.abort {
				args = append(args, "--abort")
			}
			_, out, rest := closeAtPrompt(t, args, 2, func() {
				// The plan is made; the client resets its connection.
				srv.Do("setsockopt %d linger 1 0", reset.client)
				srv.Do("close %d", reset.client)
			})
			if !tc.json {
				text := out.String() + string(rest)
				if strings.Contains(text, "active again") || !strings.Contains(text, "already gone") {
					t.Errorf("the reset connection is not said to be gone:\n%s", text)
				}
				return
			}
			for _, s := range closeSockets(t, out.Bytes(), 2) {
				if s.Remote.Port == reset.port && (s.Outcome != "already gone" || strings.Contains(s.Error, "process has exited")) {
					t.Errorf("the connection reset from port %d: outcome %q (%s), want \"already gone\", its holder alive", s.Remote.Port, s.Outcome, s.Error)
				}
				if s.Remote.Port == reset.port && tc.abort && !strings.HasPrefix(s.Error, "SOCK_DIAG_BY_FAMILY ") {
					t.Errorf("the connection reset from port %d: error %q, want it to name the lookup that found it gone, not SOCK_DESTROY", s.Remote.Port, s.Error)
				}
			}
		})
	}
}

// TestCloseStateProvedAtAct: a connection the plan matched by --state
// that moves to another state while close waits for its confirmation
// (its client calls close(): the server's end goes from ESTABLISHED to
// CLOSE_WAIT) no longer passes --state established: close leaves it
// alone and says what it is now, and it is no longer a matched socket.
// Gracefully (TCP_INFO on the duplicate) and with --abort (the lookup
// before SOCK_DESTROY), with --idle beside it or not, in JSON and as
// text; with --state naming the new state too, it is closed as planned.
func TestCloseStateProvedAtAct(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace and SOCK_DESTROY")
	}
	for _, tc := range []struct {
		state string
		abort bool
		json  bool
		moved string // outcome of the connection whose client closed
		idle  bool   // --idle 10ms too: its lookup asks for tcp_info
	}{
		{"established", false, true, "state changed", false},
		{"established", true, true, "state changed", false},
		{"established", true, true, "state changed", true},
		{"established", false, false, "state changed", false},
		{"established", true, false, "state changed", false},
		{"established,close-wait", false, true, "closed", false},
		{"established,close-wait", true, true, "closed", false},
	} {
		t.Run(fmt.Sprintf("%s abort=%v json=%v idle=%v", tc.state, tc.abort, tc.json, tc.idle), func(t *testing.T) {
			srv, port, conns := twoConns(t, false)
			moved := conns[0]
			args := []string{"gosof", "close", port, "--state", tc.state,
				"--netns", strconv.Itoa(srv.PID), "--pid", strconv.Itoa(srv.PID)}
			if tc.json {
				args = append(args, "--json")
			}
			if tc.abort {
				args = append(args, "--abort")
			}
			if tc.idle {
				args = append(args, "--idle", "10ms") // a duration the sockets pass
				time.Sleep(50 * time.Millisecond)
			}
			code, out, rest := closeAtPrompt(t, args, 2, func() {
				// The plan is made; the client closes: its FIN puts the
				// server's end in CLOSE_WAIT.
				srv.Do("close %d", moved.client)
				time.Sleep(100 * time.Millisecond)
			})
			if tc.abort && code != exitMatch {
				// the other is reset; the moved one is no longer a match
				t.Errorf("exit %d, want %d", code, exitMatch)
			}
			if !tc.json {
				text := out.String() + string(rest)
				if want := fmt.Sprintf(":%d ESTABLISHED: left alone: now CLOSE_WAIT, not --state established\n", moved.port); !strings.Contains(text, want) {
					t.Errorf("the report does not say %q:\n%s", want, text)
				}
			} else {
				for _, s := range closeSockets(t, out.Bytes(), 2) {
					if s.Remote.Port != moved.port {
						continue
					}
					if s.Outcome != tc.moved {
						t.Errorf("the connection whose client closed: outcome %q (%s), want %q", s.Outcome, s.Error, tc.moved)
					}
					if tc.moved == "state changed" && (s.StateNow != "CLOSE_WAIT" || s.Error != "now CLOSE_WAIT, not --state established") {
						t.Errorf("state_now %q, error %q; want CLOSE_WAIT, and what it is now", s.StateNow, s.Error)
					}
				}
			}
			// The kernel agrees: the one left alone is in CLOSE_WAIT still.
			left := gosofJSON(t, "who", port, "--state", "close-wait", "--netns", strconv.Itoa(srv.PID))
			if n := len(left); tc.moved == "state changed" && (n != 1 || left[0].Remote == nil || left[0].Remote.Port != moved.port) {
				t.Errorf("left in CLOSE_WAIT: %q; want the connection from port %d", rows(left), moved.port)
			} else if tc.moved == "closed" && n != 0 {
				t.Errorf("left in CLOSE_WAIT: %q; want none", rows(left))
			}
		})
	}
}

// closeAtPrompt runs close (args) on a terminal, so that it asks before
// acting, and checks that it asks about n sockets; meanwhile runs between
// the plan and the act, then close is told yes. It returns close's exit
// code, its standard output, and what it wrote to standard error after
// the question.
func closeAtPrompt(t *testing.T, args []string, n int, meanwhile func()) (code int, out *bytes.Buffer, rest []byte) {
	t.Helper()
	master, tty := openPTY(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out = new(bytes.Buffer)
	done := make(chan int, 1)
	guardRelease(t, args[1:], false) // here: a test fails on its own goroutine
	go func() {
		code := run(args, tty, out, w)
		w.Close()
		done <- code
	}()
	asked := bufio.NewReader(r)
	if q, err := asked.ReadString(']'); err != nil || !strings.Contains(q, fmt.Sprintf("Close %d sockets? [y/N]", n)) {
		t.Fatalf("close asked %q (%v), want it to ask before closing %d sockets", q, err, n)
	}
	meanwhile() // the plan is made; close has not acted yet
	if _, err := master.Write([]byte("y\n")); err != nil {
		t.Fatal(err)
	}
	code = <-done
	rest, _ = io.ReadAll(asked)
	t.Logf("%s (exit %d):\n%s%s", strings.Join(args, " "), code, out, rest)
	return code, out, rest
}

// twoConns starts a helper in a network namespace of its own with a
// listener on a port the kernel picks (port) and two connections to it;
// with closeWait, each client shuts down its writing side, and the
// server's ends are in CLOSE_WAIT. Each conn is the client's descriptor
// and its port.
func twoConns(t *testing.T, closeWait bool) (srv *testhelper.Proc, port string, conns [2]struct{ client, port int }) {
	t.Helper()
	srv = testhelper.Start(t, testhelper.NewNetNS())
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:0", lfd)
	srv.Do("listen %d", lfd)
	port = srv.Do("name %d", lfd)[1] // the kernel's pick
	for j := range conns {
		c := srv.Int("socket inet stream")
		srv.Do("connect %d 127.0.0.1:%s", c, port)
		srv.Int("accept %d", lfd)
		p, _ := strconv.Atoi(srv.Do("name %d", c)[1])
		if closeWait {
			srv.Do("shutdown %d wr", c)
		}
		conns[j].client, conns[j].port = c, p
	}
	return srv, port, conns
}

// closeSock is a socket of close's --json report, as these tests read it.
type closeSock struct {
	Remote   jep    `json:"remote"`
	Outcome  string `json:"outcome"`
	StateNow string `json:"state_now"`
	Error    string `json:"error"`
}

// closeSockets reads the n sockets of close's --json report b.
func closeSockets(t *testing.T, b []byte, n int) []closeSock {
	t.Helper()
	var j struct {
		Sockets []closeSock `json:"sockets"`
	}
	if err := json.Unmarshal(b, &j); err != nil || len(j.Sockets) != n {
		t.Fatalf("close --json: %v, %d sockets, want %d", err, len(j.Sockets), n)
	}
	return j.Sockets
}
