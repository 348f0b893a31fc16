package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// udpServer binds a UDP socket of h, with the options named (reuseaddr,
// reuseport), to addr (0.0.0.0, 127.0.0.1, ::) at a port the kernel
// picks, and returns its descriptor and port.
func udpServer(t *testing.T, h *testhelper.Proc, addr string, opts ...string) (fd, port int) {
	t.Helper()
	fd = udpSocket(t, h, addr, opts...)
	h.Do("bind %d %s", fd, hostPort(addr, 0))
	port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
	return fd, port
}

// udpSocket opens a UDP socket of h for addr's family, with the options
// named set.
func udpSocket(t *testing.T, h *testhelper.Proc, addr string, opts ...string) int {
	t.Helper()
	family := "inet"
	if strings.Contains(addr, ":") {
		family = "inet6"
	}
	fd := h.Int("socket %s dgram", family)
	for _, o := range opts {
		h.Do("setsockopt %d %s 1", fd, o)
	}
	return fd
}

// hostPort is addr:port, an IPv6 address in brackets.
func hostPort(addr string, port int) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]:" + strconv.Itoa(port)
	}
	return addr + ":" + strconv.Itoa(port)
}

// udpDrops sums the drops column of /proc/net/udp on local port port:
// the datagrams its sockets' receive buffers had no room for.
func udpDrops(t *testing.T, port int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	n, suffix := 0, fmt.Sprintf(":%04X", port)
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 13 && strings.HasSuffix(f[1], suffix) {
			d, _ := strconv.Atoi(f[len(f)-1])
			n += d
		}
	}
	return n
}

// TestWhyUDPProbeTakesNoDatagrams: a UDP socket bound beside a running
// server that shares its port receives the server's datagrams (with
// SO_REUSEADDR on both, all of them) and drops them when it closes. why's
// probe bound so at 0.0.0.0 and 127.0.0.1 with SO_REUSEADDR, and a DNS
// server lost queries to `why udp:53`. Here a server with SO_REUSEADDR
// on 0.0.0.0 must receive every datagram sent to it while why runs, from
// a fresh source port every 16: one it did not receive and did not drop
// for want of buffer room (/proc/net/udp's drops) went elsewhere.
func TestWhyUDPProbeTakesNoDatagrams(t *testing.T) {
	srv := testhelper.Start(t)
	fd, port := udpServer(t, srv, "0.0.0.0", "reuseaddr")
	srv.Do("drain %d", fd)
	p := strconv.Itoa(port)
	dst := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}
	stop, sent := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				sent <- n
				return
			default:
			}
			c, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				continue
			}
			for range 16 {
				if unix.Sendto(c, []byte("q"), 0, dst) == nil {
					n++
				}
			}
			unix.Close(c)
		}
	}()
	// A probe socket lives for microseconds: on 8e2ebc0, 100 runs lost
	// 2-223 datagrams (10 of 10 tries), 20 runs 1-5.
	for range 100 {
		if out, errOut, code := gosof(t, "why", "udp:"+p); code != 0 {
			t.Errorf("why udp:%s: exit %d, want 0\n%s%s", p, code, out, errOut)
		}
	}
	close(stop)
	n := <-sent
	got, drops := 0, 0
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if got, drops = srv.Int("drained"), udpDrops(t, port); got+drops >= n || time.Now().After(deadline) {
			break
		}
	}
	if n < 1000 {
		t.Errorf("only %d datagrams sent while why ran: too few to tell", n)
	}
	if lost := n - got - drops; lost != 0 {
		t.Errorf("the server received %d of %d datagrams (%d dropped for its buffer): %d went elsewhere while why udp:%s ran", got, n, drops, lost, p)
	}
}

// udpBinds reports whether a UDP socket of h with the options named binds
// addr:port beside the test's server: the kernel's own answer to what why
// told. It is closed at once.
func udpBinds(t *testing.T, h *testhelper.Proc, addr string, port int, opts ...string) bool {
	t.Helper()
	fd := udpSocket(t, h, addr, opts...)
	defer h.Do("close %d", fd)
	_, err := h.Try("bind %d %s", fd, hostPort(addr, port))
	return err == nil
}

// TestWhyUDPTells: beside a UDP server, why tells its binds with
// SO_REUSEADDR and SO_REUSEPORT from the server's options and uid
// instead of making them, marks them ("told" in JSON, "*" in the table,
// with one line saying why), and judges the port as before: each verdict
// is checked against the kernel, a bind by a helper that sets the option
// (or not) beside the server.
func TestWhyUDPTells(t *testing.T) {
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	me := testhelper.Start(t)
	for _, tc := range []struct {
		name, addr string
		opts       []string
		verdict    string
		// the kernel's answer at the wildcard with each option
		reuseAddr, reusePort bool
		told                 []string // the attempts told: "ADDR reuseaddr|reuseport RESULT"
		text                 string
	}{
		{"SO_REUSEADDR on 0.0.0.0", "0.0.0.0", []string{"reuseaddr"}, "reuseaddr_only", true, false,
			[]string{"0.0.0.0 reuseaddr ok", "127.0.0.1 reuseaddr ok", ":: reuseaddr ok"}, "only if it sets SO_REUSEADDR"},
		{"no options on 127.0.0.1", "127.0.0.1", nil, "some_addresses", false, false,
			[]string{"0.0.0.0 reuseaddr in use", "127.0.0.1 reuseaddr in use", ":: reuseaddr in use"}, "would work."},
		{"no options on ::", "::", nil, "blocked", false, false,
			[]string{"0.0.0.0 reuseaddr in use", "127.0.0.1 reuseaddr in use", ":: reuseaddr in use", "::1 reuseaddr in use"}, "No new UDP server can bind port"},
		{"SO_REUSEPORT on ::", "::", []string{"reuseport"}, "reuseport_only", false, true,
			[]string{"0.0.0.0 reuseaddr in use", "127.0.0.1 reuseaddr in use", ":: reuseaddr in use", "::1 reuseaddr in use",
				"0.0.0.0 reuseport ok", "127.0.0.1 reuseport ok", ":: reuseport ok", "::1 reuseport ok"}, "as gosof's bind would: it joins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd, port := udpServer(t, me, tc.addr, tc.opts...)
			defer me.Do("close %d", fd)
			p := strconv.Itoa(port)
			w, code := whyJSON(t, "udp:"+p)
			var told []string
			for _, a := range w.Probe.Attempts {
				if a.Told {
					told = append(told, a.Addr+" "+probeKey(a.ReuseAddr, a.ReusePort)+" "+probeWord(a.OK, a.InUse))
				} else if (a.ReuseAddr || a.ReusePort) && a.Addr != "::1" {
					t.Errorf("%s with an option was bound beside the server", a.Addr)
				}
			}
			if code != 0 || w.Probe.Verdict != tc.verdict || strings.Join(told, ", ") != strings.Join(tc.told, ", ") || !strings.Contains(w.Probe.Message, tc.text) {
				t.Errorf("exit %d, verdict %s, told %q, message %q; want 0, %s, %q, %q", code, w.Probe.Verdict, told, w.Probe.Message, tc.verdict, tc.told, tc.text)
			}
			out, _, _ := gosof(t, "why", "udp:"+p)
			if !strings.Contains(out, "*\n") || !strings.Contains(flat(out), "* told from the options and users of the sockets in the way, not bound: a UDP socket bound beside them would take their datagrams.") {
				t.Errorf("why udp:%s: want the told binds marked and why they were not made\n%s", p, out)
			}
			wild := tc.addr
			if wild != "::" {
				wild = "0.0.0.0"
			}
			if udpBinds(t, me, wild, port) || udpBinds(t, me, wild, port, "reuseaddr") != tc.reuseAddr || udpBinds(t, me, wild, port, "reuseport") != tc.reusePort {
				t.Errorf("the kernel disagrees at %s: want plain in use, SO_REUSEADDR %v, SO_REUSEPORT %v", wild, tc.reuseAddr, tc.reusePort)
			}
		})
	}

	if os.Geteuid() != 0 {
		t.Skip("needs root for another user's server")
	}
	t.Run("another user's SO_REUSEPORT group", func(t *testing.T) {
		theirs := testhelper.Start(t, testhelper.AsUser(65534, 65534))
		fd, port := udpServer(t, theirs, "::", "reuseport")
		defer theirs.Do("close %d", fd)
		p := strconv.Itoa(port)
		w, code := whyJSON(t, "udp:"+p)
		if g := w.Probe.ReusePort; code != 0 || w.Probe.Verdict != "blocked" || g == nil || g.Join != "could" || !g.Tried {
			t.Errorf("exit %d, verdict %s, reuse_port %+v; want 0, blocked, could, tried", code, w.Probe.Verdict, g)
		}
		out, _, _ := gosof(t, "why", "udp:"+p)
		if want := "gosof runs as user " + core.LookupUser(0) + ", so its own bind with SO_REUSEPORT would fail."; !strings.Contains(flat(out), want) {
			t.Errorf("why udp:%s lacks %q\n%s", p, want, out)
		}
		if !udpBinds(t, theirs, "::", port, "reuseport") || udpBinds(t, me, "::", port, "reuseport") {
			t.Errorf("the kernel disagrees: only uid 65534's SO_REUSEPORT bind should join")
		}
	})
	t.Run("options gosof cannot read", func(t *testing.T) {
		fd, port := udpServer(t, me, "0.0.0.0", "reuseaddr")
		defer me.Do("close %d", fd)
		p := strconv.Itoa(port)
		out, errOut, code := gosofUnder(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "why", "--json", "udp:"+p)
		var w jwhy
		if err := json.Unmarshal([]byte(out), &w); err != nil {
			t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
		}
		want := "A new UDP server cannot bind port " + p + " now without SO_REUSEADDR; whether it can with it is unknown: gosof could not read the options of the sockets in the way."
		if code != 0 || w.Probe.Verdict != "unknown" || w.Probe.Message != want || errOut == "" {
			t.Errorf("as nobody: exit %d, verdict %s, message %q, stderr %q; want 0, unknown, %q, and what could not be read", code, w.Probe.Verdict, w.Probe.Message, errOut, want)
		}
		for _, a := range w.Probe.Attempts {
			if a.ReuseAddr && a.Addr != "::1" && (!a.Told || a.OK || a.InUse) {
				t.Errorf("%s with SO_REUSEADDR: told %v, ok %v, in use %v; want told, neither", a.Addr, a.Told, a.OK, a.InUse)
			}
		}
	})
}

func probeKey(reuseAddr, reusePort bool) string {
	switch {
	case reusePort:
		return "reuseport"
	case reuseAddr:
		return "reuseaddr"
	}
	return "plain"
}

func probeWord(ok, inUse bool) string {
	switch {
	case ok:
		return "ok"
	case inUse:
		return "in use"
	}
	return "unknown"
}
