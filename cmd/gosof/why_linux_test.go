package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
)

// jwhy is `why --json` as a script would decode it.
type jwhy struct {
	Port      int  `json:"port"`
	InUse     bool `json:"in_use"`
	Listeners []struct {
		Addr      string  `json:"addr"`
		Scope     string  `json:"scope"`
		Stack     string  `json:"stack"`
		ReuseAddr *bool   `json:"reuse_addr"`
		ReusePort *bool   `json:"reuse_port"`
		Backlog   *uint64 `json:"backlog"`
		Owners    []struct {
			PID int `json:"pid"`
		} `json:"owners"`
	} `json:"listeners"`
	Connections []struct {
		State  string `json:"state"`
		Count  int    `json:"count"`
		Owners []struct {
			PID int `json:"pid"`
		} `json:"owners"`
	} `json:"connections"`
	CloseWait *struct {
		Count     int `json:"count"`
		Processes []struct {
			PID   int `json:"pid"`
			Count int `json:"count"`
		} `json:"processes"`
		Release []string `json:"release"`
	} `json:"close_wait"`
	TimeWait *struct {
		Count int    `json:"count"`
		Max   *int64 `json:"max_remaining_ms"`
	} `json:"time_wait"`
	Probe struct {
		Ran       bool    `json:"ran"`
		Skipped   *string `json:"skipped"`
		Verdict   string  `json:"verdict"`
		Message   string  `json:"message"`
		ReusePort *struct {
			Join  string  `json:"join"`
			UID   *int64  `json:"uid"`
			User  *string `json:"user"`
			Tried bool    `json:"tried"`
		} `json:"reuse_port"`
		Attempts []struct {
			Addr      string  `json:"addr"`
			ReuseAddr bool    `json:"reuse_addr"`
			ReusePort bool    `json:"reuse_port"`
			OK        bool    `json:"ok"`
			InUse     bool    `json:"in_use"`
			Told      bool    `json:"told"`
			Blockers  []jsock `json:"blockers"`
		} `json:"attempts"`
	} `json:"probe"`
	Warnings []struct {
		Kind  string `json:"kind"`
		Count int    `json:"count"`
		Owner *struct {
			PID int `json:"pid"`
		} `json:"owner"`
	} `json:"warnings"`
}

func whyJSON(t *testing.T, args ...string) (jwhy, int) {
	t.Helper()
	out, errOut, code := gosof(t, append([]string{"why", "--json"}, args...)...)
	var w jwhy
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("why %v --json: exit %d, %v\n%s%s", args, code, err, out, errOut)
	}
	return w, code
}

// probeResults summarises the attempts: "127.0.0.1 plain in use", ...
func (w jwhy) probeResults() map[string]string {
	m := map[string]string{}
	for _, a := range w.Probe.Attempts {
		k := a.Addr + " plain"
		switch {
		case a.ReusePort:
			k = a.Addr + " reuseport"
		case a.ReuseAddr:
			k = a.Addr + " reuseaddr"
		}
		switch {
		case a.OK:
			m[k] = "ok"
		case a.InUse:
			m[k] = "in use"
		default:
			m[k] = "error"
		}
	}
	return m
}

// waitState polls until n sockets on the port are in state, so tests do not
// race the kernel's TCP state changes on loopback.
func waitState(t *testing.T, port int, state string, n int, flags ...string) {
	t.Helper()
	for range 100 {
		if len(gosofJSON(t, append([]string{"who", strconv.Itoa(port), "--state", state}, flags...)...)) == n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("port %d: never saw %d sockets in %s", port, n, state)
}

// TestWhySeed is issue 4's done-when: a server with a listener and several
// CLOSE_WAIT sockets on one port.
func TestWhySeed(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd := srv.Int("socket inet stream")
	srv.Do("setsockopt %d reuseaddr 1", lfd)
	srv.Do("bind %d 127.0.0.1:0", lfd)
	srv.Do("listen %d", lfd)
	port, _ := strconv.Atoi(srv.Do("name %d", lfd)[1])
	const leaked = 4
	for range leaked {
		c, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
		srv.Int("accept %d", lfd)
		cli.Do("close %d", c)
	}
	waitState(t, port, "close-wait", leaked)
	p := strconv.Itoa(port)

	w, code := whyJSON(t, p)
	if code != 0 || !w.InUse {
		t.Errorf("exit %d, in_use %v; want 0, true", code, w.InUse)
	}
	if len(w.Listeners) != 1 || len(w.Listeners[0].Owners) != 1 || w.Listeners[0].Owners[0].PID != srv.PID ||
		w.Listeners[0].Scope != "loopback" || w.Listeners[0].Stack != "IPv4" ||
		w.Listeners[0].ReuseAddr == nil || !*w.Listeners[0].ReuseAddr || w.Listeners[0].Backlog == nil || *w.Listeners[0].Backlog != 128 {
		t.Errorf("listeners: %+v; want one, loopback IPv4, held by %d, SO_REUSEADDR on, backlog 128", w.Listeners, srv.PID)
	}
	cw := w.CloseWait
	if cw == nil || cw.Count != leaked || len(cw.Processes) != 1 || cw.Processes[0].PID != srv.PID || cw.Processes[0].Count != leaked {
		t.Fatalf("close_wait: %+v; want %d held by %d", cw, leaked, srv.PID)
	}
	if cw.Release[0] != "gosof close "+p+" --state close-wait" {
		t.Errorf("release: %q", cw.Release)
	}
	// What Linux does: the loopback listener blocks 0.0.0.0, 127.0.0.1 and
	// dual-stack ::, with or without SO_REUSEADDR (a listener always
	// conflicts); ::1 is another address.
	want := map[string]string{
		"0.0.0.0 plain": "in use", "0.0.0.0 reuseaddr": "in use",
		"127.0.0.1 plain": "in use", "127.0.0.1 reuseaddr": "in use",
		":: plain": "in use", ":: reuseaddr": "in use",
		"::1 plain": "ok", "::1 reuseaddr": "ok",
	}
	if got := w.probeResults(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("probe: %v\nwant %v", got, want)
	}
	if w.Probe.Verdict != "some_addresses" {
		t.Errorf("verdict %q", w.Probe.Verdict)
	}
	// The listener does not set SO_REUSEPORT: no bind with it would help,
	// so none is tried.
	if g := w.Probe.ReusePort; g == nil || g.Join != "no" || g.Tried {
		t.Errorf("reuse_port %+v, want join no, not tried", g)
	}
	for _, a := range w.Probe.Attempts {
		if a.InUse && (len(a.Blockers) != 1 || a.Blockers[0].State != "LISTEN" || a.Blockers[0].Owners[0].PID != srv.PID) {
			t.Errorf("%s blockers: %v, want the listener of %d", a.Addr, rows(a.Blockers), srv.PID)
		}
	}

	out, _, code := gosof(t, "why", p)
	flat := strings.Join(strings.Fields(out), " ") // the wording wraps at 80 columns
	holder := fmt.Sprintf("%d/", srv.PID)
	for _, s := range []string{
		fmt.Sprintf("CLOSE_WAIT: %d connections held by %s", leaked, holder),
		"has not called close() on",
		"will not clear by themselves",
		"gosof close " + p + " --state close-wait",
		"Restarting " + holder,
		"SO_REUSEADDR on",
		"tcp LISTEN 127.0.0.1:" + p + ", held by " + holder,
		"A new TCP server cannot bind port " + p + " on every address now",
	} {
		if !strings.Contains(flat, s) {
			t.Errorf("why table lacks %q:\n%s", s, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	t.Logf("gosof why %s:\n%s", p, out)
}

// TestWhyTimeWait finds out what Linux does with TIME_WAIT sockets on a
// port and checks that why reports exactly that: SO_REUSEADDR binds over
// TIME_WAIT only when the socket that left it had SO_REUSEADDR too.
func TestWhyTimeWait(t *testing.T) {
	for _, tc := range []struct {
		name          string
		listenerReuse bool
		reuse, verd   string
	}{
		{"listener without SO_REUSEADDR", false, "in use", "some_addresses"},
		{"listener with SO_REUSEADDR", true, "ok", "reuseaddr_only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testhelper.Start(t)
			cli := testhelper.Start(t)
			lfd := srv.Int("socket inet stream")
			if tc.listenerReuse {
				srv.Do("setsockopt %d reuseaddr 1", lfd)
			}
			srv.Do("bind %d 127.0.0.1:0", lfd)
			srv.Do("listen %d", lfd)
			port, _ := strconv.Atoi(srv.Do("name %d", lfd)[1])
			const n = 3
			for range n {
				c, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
				a := srv.Int("accept %d", lfd)
				srv.Do("close %d", a) // the server closes first: its side ends in TIME_WAIT
				cli.Do("read %d", c)
				cli.Do("close %d", c)
			}
			srv.Do("close %d", lfd)
			waitState(t, port, "time-wait", n)

			w, code := whyJSON(t, strconv.Itoa(port))
			if code != 0 || len(w.Listeners) != 0 || w.TimeWait == nil || w.TimeWait.Count != n {
				t.Fatalf("exit %d, listeners %v, time_wait %+v; want 0, none, %d", code, w.Listeners, w.TimeWait, n)
			}
			if m := w.TimeWait.Max; m == nil || *m <= 0 || *m > 60000 {
				t.Errorf("max_remaining_ms %v, want within Linux's 60s", m)
			}
			got := w.probeResults()
			for _, a := range []string{"0.0.0.0", "127.0.0.1", "::"} {
				if got[a+" plain"] != "in use" || got[a+" reuseaddr"] != tc.reuse {
					t.Errorf("%s: plain %s, reuseaddr %s; want in use, %s", a, got[a+" plain"], got[a+" reuseaddr"], tc.reuse)
				}
			}
			if w.Probe.Verdict != tc.verd {
				t.Errorf("verdict %s, want %s", w.Probe.Verdict, tc.verd)
			}
			out, _, _ := gosof(t, "why", strconv.Itoa(port))
			out = strings.Join(strings.Fields(out), " ")
			for _, s := range []string{fmt.Sprintf("TIME_WAIT: %d connections no process holds; all gone", n),
				"Killing processes does not remove", "SO_REUSEADDR can bind over TIME_WAIT"} {
				if !strings.Contains(out, s) {
					t.Errorf("why lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestWhyFree(t *testing.T) {
	free := testhelper.Start(t)
	fd, port := listen(t, free, "inet", "127.0.0.1:0")
	free.Do("close %d", fd)
	w, code := whyJSON(t, strconv.Itoa(port))
	if code != 1 || w.InUse || w.Probe.Verdict != "free" || len(w.Probe.Attempts) < 4 {
		t.Errorf("free port: exit %d, in_use %v, verdict %s, %d attempts; want 1, false, free", code, w.InUse, w.Probe.Verdict, len(w.Probe.Attempts))
	}
	out, errOut, code := gosof(t, "why", strconv.Itoa(port), "--no-probe")
	if code != 1 || !strings.Contains(out, "is free") || !strings.Contains(out, "not run: --no-probe") || errOut != "" {
		t.Errorf("--no-probe: exit %d\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"why"}, {"why", "8000-8001"}, {"why", "1", "2"}, {"why", "x-no-such-service"}} {
		if _, _, code := gosof(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestWhyOnePortErrors: why takes one port, and its error for a bad one
// never offers what it refuses, a range or a list (why 0 said "want
// 1-65535, a range like 8000-8080, or a service name"); who, kill, close
// and watch, which take ranges, get the same parser's words that offer
// them. Each is one line on stderr, exit 2.
func TestWhyOnePortErrors(t *testing.T) {
	const many = "a range like 8000-8080"
	for _, tc := range []struct{ arg, why, others string }{
		{"0", `"0" is not a port: want 1-65535 or a service name`, `"0" is not a port: want 1-65535, ` + many + `, or a service name`},
		{"70000", `"70000" is not a port: want 1-65535 or a service name`, `"70000" is not a port: want 1-65535, ` + many + `, or a service name`},
		{"tcp:0", `"tcp:0" is not a port: want 1-65535 or a service name`, many},
		{"0-5", `why explains one port; "0-5" is a range`, `"0-5" is not a port range like 8000-8080`},
		{"9-5", `why explains one port; "9-5" is a range`, `port range "9-5" runs backwards`},
		{"47100-47101", `why explains one port; "47100-47101" is a range`, ""},
		{"8080,0", `why explains one port; "8080,0" is a list`, `"0" is not a port: want 1-65535, ` + many},
		{"47100,47101", `why explains one port; "47100,47101" is a list`, ""},
		{"", "empty port", "empty port"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			out, errOut, code := gosof(t, "why", tc.arg)
			if code != exitError || out != "" || errOut != "gosof: "+tc.why+"\n" {
				t.Errorf("why %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.arg, code, out, errOut, tc.why)
			}
			if tc.others == "" {
				return // valid for them
			}
			for _, cmd := range []string{"who", "kill", "close", "watch"} {
				run := gosof
				if cmd == "kill" || cmd == "close" {
					run = gosofContained // refused by the command itself: where nothing can match
				}
				out, errOut, code := run(t, cmd, tc.arg)
				if code != exitError || out != "" || !strings.Contains(errOut, tc.others) || strings.Count(errOut, "\n") != 1 {
					t.Errorf("%s %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", cmd, tc.arg, code, out, errOut, tc.others)
				}
			}
		})
	}
}

// TestWhyOtherProtocol: why tcp:P on a port only a UDP socket uses is
// free for TCP (exit 1), and says that a UDP socket uses it and the
// command that explains it; it said "Port P is free: no socket uses it."
// And why udp:Q on a port only a TCP listener uses probes UDP, not TCP:
// it said Q was in use "by a socket gosof cannot list".
func TestWhyOtherProtocol(t *testing.T) {
	h := testhelper.Start(t)
	ufd := h.Int("socket inet dgram")
	h.Do("bind %d 127.0.0.1:0", ufd)
	u := h.Do("name %d", ufd)[1]
	if c, err := net.Listen("tcp4", "127.0.0.1:"+u); err != nil {
		t.Skipf("TCP port %s is taken too: %v", u, err)
	} else {
		c.Close()
	}
	out, errOut, code := gosof(t, "why", "tcp:"+u)
	if code != 1 || !strings.Contains(out, "Port "+u+" is free for TCP: no TCP socket uses it, but 1 UDP socket does.\n") ||
		!strings.Contains(out, "To look at it:  gosof why udp:"+u+"\n") || strings.Contains(out, "no socket uses it") {
		t.Errorf("why tcp:%s with only UDP on it: exit %d, want 1 and the UDP socket named\n%s%s", u, code, out, errOut)
	}
	out, _, code = gosof(t, "why", "tcp:"+u, "--json")
	var j struct {
		InUse     bool   `json:"in_use"`
		Proto     string `json:"proto"`
		Elsewhere []struct {
			Proto string `json:"proto"`
			Count int    `json:"count"`
			Why   string `json:"why"`
		} `json:"elsewhere"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("why tcp:%s --json: %v\n%s", u, err, out)
	}
	if code != 1 || j.InUse || j.Proto != "tcp" || len(j.Elsewhere) != 1 || j.Elsewhere[0].Proto != "udp" || j.Elsewhere[0].Count != 1 || j.Elsewhere[0].Why != "gosof why udp:"+u {
		t.Errorf("why tcp:%s --json: exit %d, %+v; want 1, not in use, elsewhere one udp socket", u, code, j)
	}
	// the other way: a TCP listener, asked about UDP
	_, tport := listen(t, h, "inet", "127.0.0.1:0")
	q := strconv.Itoa(tport)
	if c, err := net.ListenPacket("udp4", "127.0.0.1:"+q); err != nil {
		t.Skipf("UDP port %s is taken too: %v", q, err)
	} else {
		c.Close()
	}
	out, errOut, code = gosof(t, "why", "udp:"+q)
	if code != 1 || !strings.Contains(out, "Port "+q+" is free for UDP: no UDP socket uses it, but 1 TCP socket does.\n") ||
		!strings.Contains(out, "gosof why tcp:"+q) || !strings.Contains(out, "Bind probe (UDP") || strings.Contains(out, "Bind probe (TCP") {
		t.Errorf("why udp:%s with only TCP on it: exit %d, want 1, a UDP probe and the TCP socket named\n%s%s", q, code, out, errOut)
	}
	// without a protocol the port is in use, as before
	if out, _, code := gosof(t, "why", u); code != 0 || !strings.Contains(out, "Port "+u+" is in use") {
		t.Errorf("why %s: exit %d, want 0 and in use\n%s", u, code, out)
	}
}

// TestWhyProbesItsProtocol: why udplite:P binds UDP-Lite sockets, and so
// does why P on a port only UDP-Lite uses; both bound TCP ones, and said
// "A new TCP server can bind port P now" beside the UDP-Lite socket on
// it. why sctp:P probes SCTP, or, where the sctp module is not loaded
// (gosof never loads it), says that the probe did not run, never a TCP
// answer.
func TestWhyProbesItsProtocol(t *testing.T) {
	h := testhelper.Start(t)
	fd, err := h.Try("socket inet dgram 136")
	if err != nil {
		t.Skipf("no UDP-Lite here: %v", err)
	}
	h.Do("bind %s 0.0.0.0:0", fd[0])
	p := h.Do("name %s", fd[0])[1]
	for _, args := range [][]string{{"why", "udplite:" + p}, {"why", p}} {
		out, errOut, code := gosof(t, args...)
		if code != 0 || !strings.Contains(out, "Bind probe (UDP-Lite: bind only, closed at once)") ||
			!strings.Contains(out, "A new UDP-Lite server cannot bind port "+p) || strings.Contains(out, "Bind probe (TCP") {
			t.Errorf("%v on a UDP-Lite port: exit %d, want 0 and a UDP-Lite probe that cannot bind\n%s%s", args, code, out, errOut)
		}
	}
	// the kernel agrees: a UDP-Lite bind of the wildcard fails
	if c, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 136); err == nil {
		n, _ := strconv.Atoi(p)
		if err := syscall.Bind(c, &syscall.SockaddrInet4{Port: n}); err != syscall.EADDRINUSE {
			t.Errorf("UDP-Lite bind of 0.0.0.0:%s: %v, want EADDRINUSE: the test's premise is wrong", p, err)
		}
		syscall.Close(c)
	}
	out, errOut, code := gosof(t, "why", "sctp:"+p)
	if _, err := os.Stat("/proc/net/sctp"); err == nil { // the sctp module is loaded
		if !strings.Contains(out, "Bind probe (SCTP: bind only, never listen, closed at once)") {
			t.Errorf("why sctp:%s: exit %d, want an SCTP probe\n%s%s", p, code, out, errOut)
		}
	} else if !strings.Contains(strings.Join(strings.Fields(out), " "), "Bind probe: not run: probe not available: the sctp kernel module is not loaded") ||
		strings.Contains(out, "Bind probe (") {
		t.Errorf("why sctp:%s without the sctp module: exit %d, want the probe not run, and why\n%s%s", p, code, out, errOut)
	}
}

// TestWhyProcNetBoundOnly: /proc/net/tcp lists no socket that is only
// bound (CLOSE). why --proc-net on a port such a socket holds must not
// call it free against its own bind probe (it did: "Port P is free: no
// socket uses it.", exit 1, in_use false), and who --proc-net --state
// close is refused with the reason, not an empty answer (exit 1).
func TestWhyProcNetBoundOnly(t *testing.T) {
	h := testhelper.Start(t)
	fd := h.Int("socket inet stream")
	h.Do("bind %d 127.0.0.1:0", fd)
	p := h.Do("name %d", fd)[1]
	out, _, code := gosof(t, "why", p, "--proc-net")
	if code != 0 || strings.Contains(out, "is free") || !strings.Contains(out, "is in use, by a socket gosof cannot list") ||
		!strings.Contains(strings.Join(strings.Fields(out), " "), "lists no TCP socket in CLOSE") {
		t.Errorf("why %s --proc-net: exit %d, want 0, in use, not listed\n%s", p, code, out)
	}
	w, code := whyJSON(t, p, "--proc-net")
	if code != 0 || !w.InUse {
		t.Errorf("why %s --proc-net --json: exit %d, in_use %v; want 0, true", p, code, w.InUse)
	}
	_, errOut, code := gosof(t, "who", p, "--proc-net", "--state", "close")
	if code != 2 || !strings.Contains(errOut, "--state close and --proc-net match nothing together") {
		t.Errorf("who --proc-net --state close: exit %d, want 2 with the reason\n%s", code, errOut)
	}
	_, errOut, _ = gosof(t, "who", p, "--proc-net", "--state", "close,listen")
	if !strings.Contains(errOut, "lists no TCP socket in CLOSE") {
		t.Errorf("who --proc-net --state close,listen: no note that CLOSE is not listed\n%s", errOut)
	}
}

// TestWhyWarnings: SO_LINGER {1,0}, unread Recv-Q, a full accept queue.
func TestWhyWarnings(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	big := strings.Repeat("x", 20000)
	for range 3 {
		c, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
		a := srv.Int("accept %d", lfd)
		srv.Do("setsockopt %d linger 1 0", a)
		cli.Do("write %d %s", c, big)
	}
	// A listener with backlog 1 and two connections nobody accepts: the
	// kernel queues backlog+1, so the queue is full.
	qfd := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:0", qfd)
	srv.Do("listen %d 1", qfd)
	qport, _ := strconv.Atoi(srv.Do("name %d", qfd)[1])
	for range 2 {
		connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", qport))
	}

	var w jwhy
	for range 50 {
		if w, _ = whyJSON(t, strconv.Itoa(port), "--no-probe"); len(w.Warnings) == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := map[string]int{}
	for _, x := range w.Warnings {
		if x.Owner == nil || x.Owner.PID != srv.PID {
			t.Errorf("warning %s names %+v, want %d", x.Kind, x.Owner, srv.PID)
		}
		got[x.Kind] = x.Count
	}
	if got["linger_abort"] != 3 || got["recv_q"] != 3 {
		t.Errorf("warnings %v, want linger_abort 3 and recv_q 3", got)
	}
	w, _ = whyJSON(t, strconv.Itoa(qport), "--no-probe")
	if len(w.Warnings) != 1 || w.Warnings[0].Kind != "accept_queue_full" || w.Warnings[0].Count != 2 {
		t.Errorf("accept queue warnings: %+v, want accept_queue_full with 2 waiting", w.Warnings)
	}
	if w.Probe.Ran || w.Probe.Skipped == nil {
		t.Errorf("--no-probe ran the probe: %+v", w.Probe)
	}
	// Backlog 2 and two waiting: the kernel takes a third, so not full.
	srv.Do("listen %d 2", qfd)
	w, _ = whyJSON(t, strconv.Itoa(qport), "--no-probe")
	if len(w.Warnings) != 0 {
		t.Errorf("backlog 2, 2 waiting: warnings %+v, want none (the queue holds backlog+1)", w.Warnings)
	}
}

// jfds is `fds --json`.
type jfds struct {
	PID     int     `json:"pid"`
	Error   *string `json:"error"`
	Missing *string `json:"options_missing"`
	FDs     []struct {
		FD      int    `json:"fd"`
		Type    string `json:"type"`
		Path    string `json:"path"`
		Socket  *jsock `json:"socket"`
		Options *struct {
			ReuseAddr *bool `json:"reuse_addr"`
			ReusePort *bool `json:"reuse_port"`
			KeepAlive *bool `json:"keepalive"`
			NoDelay   *bool `json:"nodelay"`
			Linger    *struct {
				On      bool `json:"on"`
				Seconds int  `json:"seconds"`
			} `json:"linger"`
			SndBuf     *int   `json:"sndbuf"`
			RcvBuf     *int   `json:"rcvbuf"`
			Type       string `json:"type"`
			Congestion string `json:"congestion"`
			TCPInfo    *struct {
				RTTUS int64 `json:"rtt_us"`
			} `json:"tcp_info"`
		} `json:"options"`
	} `json:"fds"`
}

// TestFdsSocketsTheTableLacks: a socket descriptor the socket table has
// no row for says what kind it is and why: a netlink socket is a kind
// gosof does not list; an unbound TCP or UDP socket is a kind it lists,
// bound to no port (no hash the kernel dumps holds it); a client whose
// connection was reset is in state CLOSE with its old local port; a
// socket made in another network namespace than its holder's is there.
func TestFdsSocketsTheTableLacks(t *testing.T) {
	h := testhelper.Start(t)
	nl := h.Int("socket netlink raw 0") // NETLINK_ROUTE
	tcp := h.Int("socket inet stream")
	udp := h.Int("socket inet6 dgram")
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	reset := h.Int("socket inet stream")
	h.Do("connect %d 127.0.0.1:%d", reset, port)
	cport := h.Do("name %d", reset)[1]
	a := h.Int("accept %d", lfd)
	h.Do("setsockopt %d linger 1 0", a)
	h.Do("close %d", a) // an RST: the client's socket goes to CLOSE
	want := map[int]string{
		nl:    "NETLINK (a kind of socket gosof does not list)",
		tcp:   "TCP (not in the socket table: bound to no port)",
		udp:   "UDPv6 (not in the socket table: bound to no port)",
		reset: "TCP (not in the socket table: state CLOSE, local port " + cport + ", neither listening nor connected)",
	}
	var table string
	for i := 0; ; i++ { // the RST is taken in the kernel's softirq, soon
		var errOut string
		var code int
		table, errOut, code = gosof(t, "fds", strconv.Itoa(h.PID))
		if code != 0 {
			t.Fatalf("fds: exit %d: %s", code, errOut)
		}
		if strings.Contains(table, want[reset]) || i == 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fdLines(t, table, want)
	out, _, _ := gosof(t, "fds", strconv.Itoa(h.PID), "--json")
	var procs []struct {
		FDs []struct {
			FD          int     `json:"fd"`
			ProtoName   *string `json:"proto_name"`
			Listed      *bool   `json:"listed"`
			Absent      string  `json:"absent"`
			AbsentPort  int     `json:"absent_port"`
			AbsentNetNS uint64  `json:"absent_netns"`
		} `json:"fds"`
	}
	if err := json.Unmarshal([]byte(out), &procs); err != nil || len(procs) != 1 {
		t.Fatalf("fds --json: %v\n%s", err, out)
	}
	got := map[int]string{}
	for _, fd := range procs[0].FDs {
		if fd.ProtoName != nil && fd.Listed != nil {
			got[fd.FD] = fmt.Sprintf("%s %v %s %d", *fd.ProtoName, *fd.Listed, fd.Absent, fd.AbsentPort)
		}
	}
	if got[nl] != "NETLINK false  0" || got[tcp] != "TCP true unbound 0" || got[udp] != "UDPv6 true unbound 0" || got[reset] != "TCP true closed "+cport {
		t.Errorf("proto_name, listed, absent, absent_port: %v (netlink %d, tcp %d, udp %d, reset %d)", got, nl, tcp, udp, reset)
	}

	// another namespace: a socket this process made in one of its own
	if os.Geteuid() != 0 {
		t.Skip("a network namespace needs root")
	}
	fd, ns := socketInNewNetNS(t)
	table, errOut, code := gosof(t, "fds", strconv.Itoa(os.Getpid()))
	if code != 0 {
		t.Fatalf("fds: exit %d: %s", code, errOut)
	}
	fdLines(t, table, map[int]string{fd: fmt.Sprintf("TCP (not in the socket table: in network namespace net:[%d], not its process's)", ns)})
}

// fdLines checks that the fds table has, for each descriptor of want, a
// socket line with its text.
func fdLines(t *testing.T, table string, want map[int]string) {
	t.Helper()
	left := map[int]string{}
	for n, w := range want {
		left[n] = w
	}
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if w, ok := left[n]; err == nil && ok {
			if !strings.Contains(line, "socket:[") || !strings.Contains(line, w) {
				t.Errorf("fd %d: %q, want %q", n, line, w)
			}
			delete(left, n)
		}
	}
	if len(left) > 0 {
		t.Errorf("fds left out %v:\n%s", left, table)
	}
}

// socketInNewNetNS makes a TCP socket in a new network namespace, from a
// thread that goes back to this process's namespace after, and returns
// it and the namespace's inode. The socket is closed at the test's end,
// and the namespace goes with it.
func socketInNewNetNS(t *testing.T) (int, uint64) {
	type made struct {
		fd  int
		ino uint64
		err error
	}
	c := make(chan made)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			c <- made{err: err}
			return
		}
		defer unix.Close(orig)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			c <- made{err: err}
			return
		}
		var m made
		var st unix.Stat_t
		if m.err = unix.Stat("/proc/thread-self/ns/net", &st); m.err == nil {
			m.ino = st.Ino
			m.fd, m.err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		}
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			c <- made{err: err} // the thread stays locked: it ends with this goroutine
			return
		}
		runtime.UnlockOSThread()
		c <- m
	}()
	m := <-c
	if m.err != nil {
		t.Fatalf("a socket in a new network namespace: %v", m.err)
	}
	t.Cleanup(func() { unix.Close(m.fd) })
	return m.fd, m.ino
}

func TestFds(t *testing.T) {
	h := testhelper.Start(t)
	ra := h.Int("socket inet stream")
	h.Do("setsockopt %d reuseaddr 1", ra)
	h.Do("setsockopt %d reuseport 1", ra)
	h.Do("bind %d 127.0.0.1:0", ra)
	h.Do("listen %d", ra)
	plain, port := listen(t, h, "inet", "127.0.0.1:0")
	c := h.Int("socket inet stream")
	h.Do("setsockopt %d linger 1 0", c)
	h.Do("setsockopt %d keepalive 1", c)
	h.Do("setsockopt %d nodelay 1", c)
	h.Do("connect %d 127.0.0.1:%d", c, port)

	out, errOut, code := gosof(t, "fds", strconv.Itoa(h.PID), "--json")
	var procs []jfds
	if err := json.Unmarshal([]byte(out), &procs); err != nil || code != 0 || len(procs) != 1 {
		t.Fatalf("fds --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	p := procs[0]
	if p.PID != h.PID || p.Error != nil || p.Missing != nil {
		t.Errorf("pid %d error %v missing %v", p.PID, p.Error, p.Missing)
	}
	byFD := map[int]int{}
	for i, fd := range p.FDs {
		byFD[fd.FD] = i
	}
	if i, ok := byFD[0]; !ok || p.FDs[i].Type != "pipe" {
		t.Errorf("fd 0 (the helper's stdin): %+v, want a pipe", p.FDs[byFD[0]])
	}
	on := func(b *bool) bool { return b != nil && *b }
	for _, tc := range []struct {
		fd                               int
		state                            string
		reuseAddr, reusePort, keep, nodl bool
		lingerAbort                      bool
	}{
		{ra, "LISTEN", true, true, false, false, false},
		{plain, "LISTEN", false, false, false, false, false},
		{c, "ESTABLISHED", false, false, true, true, true},
	} {
		i, ok := byFD[tc.fd]
		if !ok {
			t.Errorf("fd %d missing", tc.fd)
			continue
		}
		fd := p.FDs[i]
		o := fd.Options
		if fd.Type != "socket" || fd.Socket == nil || fd.Socket.State != tc.state || o == nil {
			t.Errorf("fd %d: %+v, want a %s socket with options", tc.fd, fd, tc.state)
			continue
		}
		lingerAbort := o.Linger != nil && o.Linger.On && o.Linger.Seconds == 0
		if on(o.ReuseAddr) != tc.reuseAddr || on(o.ReusePort) != tc.reusePort || on(o.KeepAlive) != tc.keep ||
			on(o.NoDelay) != tc.nodl || lingerAbort != tc.lingerAbort || o.Type != "stream" ||
			o.SndBuf == nil || o.RcvBuf == nil || o.Congestion == "" || o.TCPInfo == nil {
			t.Errorf("fd %d options: %+v (linger %+v)", tc.fd, *o, o.Linger)
		}
	}
	table, _, _ := gosof(t, "fds", strconv.Itoa(h.PID))
	// The heading carries the command line, as pfiles prints it; helpers
	// are this test binary started with -test.run=^$.
	if head, _, _ := strings.Cut(table, "\n"); !strings.HasPrefix(head, strconv.Itoa(h.PID)+"/") || !strings.Contains(head, ": "+os.Args[0]+" -test.run=^$") {
		t.Errorf("fds heading %q lacks the helper's command line", head)
	}
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != strconv.Itoa(c) {
			continue
		}
		for _, s := range []string{"socket", "ESTABLISHED", "keepalive", "nodelay", "linger=0s", "cc="} {
			if !strings.Contains(line, s) {
				t.Errorf("fds row for fd %d lacks %q: %s", c, s, line)
			}
		}
	}
	if _, _, code := gosof(t, "fds", strconv.Itoa(1<<30)); code != 1 {
		t.Errorf("fds of no such pid: exit %d, want 1", code)
	}
	if _, _, code := gosof(t, "fds"); code != 2 {
		t.Errorf("fds with no pid: exit %d, want 2", code)
	}
}

// TestOptionsFlag: who --options adds an options object to each owner in
// JSON and an OPTIONS column in the table; without it neither appears.
func TestOptionsFlag(t *testing.T) {
	h := testhelper.Start(t)
	fd := h.Int("socket inet stream")
	h.Do("setsockopt %d reuseaddr 1", fd)
	h.Do("bind %d 127.0.0.1:0", fd)
	h.Do("listen %d", fd)
	p := h.Do("name %d", fd)[1]
	out, _, code := gosof(t, "who", p, "--options", "--json")
	var socks []struct {
		Owners []struct {
			Options *struct {
				ReuseAddr *bool `json:"reuse_addr"`
			} `json:"options"`
		} `json:"owners"`
	}
	if err := json.Unmarshal([]byte(out), &socks); err != nil || code != 0 || len(socks) != 1 || len(socks[0].Owners) != 1 {
		t.Fatalf("who --options --json: exit %d, %v\n%s", code, err, out)
	}
	if o := socks[0].Owners[0].Options; o == nil || o.ReuseAddr == nil || !*o.ReuseAddr {
		t.Errorf("options: %+v, want reuse_addr true", o)
	}
	if plain, _, _ := gosof(t, "who", p, "--json"); strings.Contains(plain, `"options"`) {
		t.Errorf("options shown without --options:\n%s", plain)
	}
	table, _, _ := gosof(t, "who", p, "--options")
	if !strings.Contains(table, "OPTIONS") || !strings.Contains(table, "reuseaddr") {
		t.Errorf("table with --options:\n%s", table)
	}
}

// TestWhyQueuedAndPeers (issue 26, item 10): a TCP connection waiting in the
// listener's accept queue is named as such, and the local process at the
// other end of every connection state is named as --peer would: here the
// client of an orphaned FIN_WAIT2.
func TestWhyQueuedAndPeers(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:0", lfd)
	srv.Do("listen %d 4", lfd)
	port, _ := strconv.Atoi(srv.Do("name %d", lfd)[1])
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c1 := cli.Int("socket inet stream")
	cli.Do("connect %d %s", c1, addr)
	a1 := srv.Int("accept %d", lfd)
	srv.Do("close %d", a1) // the server's end: FIN_WAIT2, no process; the client's: CLOSE_WAIT
	c2 := cli.Int("socket inet stream")
	cli.Do("connect %d %s", c2, addr) // accepted by no one
	waitState(t, port, "fin-wait2", 1)

	out, errOut, code := gosof(t, "why", "--json", "--no-probe", strconv.Itoa(port))
	var j struct {
		Connections []struct {
			State      string              `json:"state"`
			Queued     bool                `json:"queued"`
			Count      int                 `json:"count"`
			PeerOwners []struct{ PID int } `json:"peer_owners"`
		} `json:"connections"`
		FinWait2 *struct {
			PeerOwners []struct{ PID int } `json:"peer_owners"`
		} `json:"orphaned_fin_wait2"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 {
		t.Fatalf("why --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	var queued, fw bool
	for _, g := range j.Connections {
		peer := len(g.PeerOwners) == 1 && g.PeerOwners[0].PID == cli.PID
		switch g.State {
		case "ESTABLISHED":
			queued = g.Queued && g.Count == 1 && peer
		case "FIN_WAIT2":
			fw = !g.Queued && peer
		}
	}
	if !queued || !fw || j.FinWait2 == nil || len(j.FinWait2.PeerOwners) != 1 || j.FinWait2.PeerOwners[0].PID != cli.PID {
		t.Errorf("connections %+v, orphaned_fin_wait2 %+v; want the queued one and the client %d as peer", j.Connections, j.FinWait2, cli.PID)
	}
	out, _, _ = gosof(t, "why", "--no-probe", strconv.Itoa(port))
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		fmt.Sprintf("Queued: 1 ESTABLISHED connection from %d/", cli.PID),
		fmt.Sprintf("waits in the accept queue of tcp 127.0.0.1:%d: the handshake is done, and %d/", port, srv.PID),
		fmt.Sprintf("The program closed them and the peer, %d/", cli.PID),
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("why does not say %q:\n%s", want, out)
		}
	}
}

// TestFdsOncePerProcess: a PID given twice, in any spelling, is listed
// once ("fds P P" printed the process twice), as --pid P,P is P.
func TestFdsOncePerProcess(t *testing.T) {
	h := testhelper.Start(t)
	listen(t, h, "inet", "127.0.0.1:0")
	pid := strconv.Itoa(h.PID)
	out, errOut, code := gosof(t, "fds", pid, "0"+pid, pid, "--json")
	var procs []jfds
	if err := json.Unmarshal([]byte(out), &procs); err != nil || code != 0 || len(procs) != 1 {
		t.Errorf("fds %s 0%s %s --json: exit %d, %d processes, %v; want one\n%s", pid, pid, pid, code, len(procs), err, errOut)
	}
}

// TestWhyCloseWaitCommandWorks pastes the command why gives to release
// CLOSE_WAIT connections and checks that it releases them: for outgoing
// ones (close spares those without --outgoing: why gave the bare command,
// which closed nothing and exited 1) and for ones still in the accept
// queue (no descriptor to shut down: the bare command exited 3, and why
// said they were held by "no process gosof could see").
func TestWhyCloseWaitCommandWorks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("close --abort (SOCK_DESTROY) needs CAP_NET_ADMIN")
	}
	for _, tc := range []struct {
		name, flag, says string
	}{
		{"outgoing", " --outgoing", "held by %d/"},
		{"queued", " --abort", "held by no process: it waits in the accept queue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// in a network namespace of the test's own: the command
			// pasted is a real close without --pid (a queued connection
			// has no holder --pid could name)
			srv := testhelper.Start(t, testhelper.NewNetNS())
			cli := testhelper.StartIn(t, netnsEnter(t, srv.PID))
			ns := ownNetNS(t, strconv.Itoa(srv.PID))
			inode, err := os.Readlink("/proc/" + ns + "/ns/net") // net:[INODE]
			if err != nil {
				t.Fatal(err)
			}
			inode = strings.TrimSuffix(strings.TrimPrefix(inode, "net:["), "]")
			lfd, lport := listen(t, srv, "inet", "127.0.0.1:0")
			c, cport := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", lport))
			port := lport
			if tc.name == "outgoing" {
				// the server closes its end: the client's, on its source
				// port, is in CLOSE_WAIT
				srv.Do("close %d", srv.Int("accept %d", lfd))
				port = cport
			} else {
				cli.Do("close %d", c) // before anyone accepted it
			}
			waitState(t, port, "close-wait", 1, "--netns", ns)
			p := strconv.Itoa(port)

			w, code := whyJSON(t, "--no-probe", "--netns", ns, p)
			want := "gosof close " + p + " --netns " + inode + " --state close-wait" + tc.flag
			if code != 0 || w.CloseWait == nil || len(w.CloseWait.Release) == 0 || w.CloseWait.Release[0] != want {
				t.Fatalf("why --json: exit %d, close_wait %+v; want the release %q", code, w.CloseWait, want)
			}
			out, _, _ := gosof(t, "why", "--no-probe", "--netns", ns, p)
			flat := strings.Join(strings.Fields(out), " ")
			says := tc.says
			if strings.Contains(says, "%d") {
				says = fmt.Sprintf(says, cli.PID)
			}
			for _, s := range []string{"To release them now: " + want, "CLOSE_WAIT: 1 connection " + says} {
				if !strings.Contains(flat, s) {
					t.Errorf("why does not say %q:\n%s", s, out)
				}
			}
			if strings.Contains(flat, "could not see") {
				t.Errorf("why blames what it could not see:\n%s", out)
			}
			// pasted, it does what was promised: the CLOSE_WAIT is gone
			out, errOut, code := gosof(t, strings.Fields(want)[1:]...)
			if code != 0 {
				t.Errorf("%s: exit %d, want 0\n%s%s", want, code, out, errOut)
			}
			waitState(t, port, "close-wait", 0, "--netns", ns)
		})
	}
}
