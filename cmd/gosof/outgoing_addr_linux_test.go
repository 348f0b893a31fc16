package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestOutgoingComparesAddresses: a client connected from 127.0.0.1:E and
// an unrelated listener on 127.0.0.2:E. The listener cannot have
// accepted the client's connection (its local address is another), so
// the client only uses E as its source port: kill E spares it and
// signals the listener's holder alone. In a network namespace of the
// test's own, so that nothing else is on E.
func TestOutgoingComparesAddresses(t *testing.T) {
	a := testhelper.Start(t, testhelper.NewNetNS())
	_, sport := listen(t, a, "inet", "127.0.0.1:0")
	_, e := connect(t, a, "inet", fmt.Sprintf("127.0.0.1:%d", sport)) // a's client, source port E
	lfd := a.Int("socket inet stream")
	a.Do("bind %d 127.0.0.2:%d", lfd, e)
	a.Do("listen %d", lfd)
	b := a.Spawn(lfd) // b holds the listener on 127.0.0.2:E, a the client
	a.Do("close %d", lfd)
	p, ns := strconv.Itoa(e), ownNetNS(t, strconv.Itoa(a.PID))

	planOnlyListener(t, ns, p, b.PID)
	out, errOut, code := gosof(t, "kill", "-y", "--netns", ns, p)
	if code != exitMatch {
		t.Errorf("kill %s: exit %d\n%s%s", p, code, out, errOut)
	}
	if sig := killedBy(t, b); sig != syscall.SIGTERM {
		t.Errorf("the listener's holder ended by %v, want SIGTERM", sig)
	}
	if !running(a) {
		t.Error("kill signalled the client whose source port is E")
	}
}

// TestOutgoingIPv6OnlyListener: a client connected from 127.0.0.1:E and
// a listener on [::]:E with IPV6_V6ONLY. That listener takes no IPv4
// peer, so it cannot have accepted the client's connection: kill E
// spares the client, as it does beside a listener on another address,
// and why labels it outgoing. The table tells IPV6_V6ONLY itself
// (INET_DIAG_SKV6ONLY), without --options. In a network namespace of
// the test's own.
func TestOutgoingIPv6OnlyListener(t *testing.T) {
	a := testhelper.Start(t, testhelper.NewNetNS())
	_, sport := listen(t, a, "inet", "127.0.0.1:0")
	_, e := connect(t, a, "inet", fmt.Sprintf("127.0.0.1:%d", sport)) // a's client, source port E
	lfd := a.Int("socket inet6 stream")
	a.Do("setsockopt %d v6only 1", lfd)
	a.Do("bind %d [::]:%d", lfd, e)
	a.Do("listen %d", lfd)
	b := a.Spawn(lfd) // b holds the IPv6-only listener on [::]:E, a the client
	a.Do("close %d", lfd)
	p, ns := strconv.Itoa(e), strconv.Itoa(a.PID)

	planOnlyListener(t, ns, p, b.PID)
	out, errOut, _ := gosof(t, "why", "--no-probe", "--netns", ns, p)
	for _, want := range []string{"every address, IPv6 only", "ESTABLISHED (outgoing)"} {
		if !strings.Contains(out, want) {
			t.Errorf("why %s lacks %q\n%s%s", p, want, out, errOut)
		}
	}
}

// TestRawSocketHasNoPort: a raw socket's "port" in the table is the IP
// protocol it was opened for (as ss prints it), not a port. `kill 253`
// must not plan to signal whatever holds a raw socket of protocol 253
// (an OSPF daemon's raw socket is protocol 89, keepalived's VRRP 112),
// and who, kill and why agree that nothing uses port 253. ls still lists
// the socket. In a network namespace of the test's own.
func TestRawSocketHasNoPort(t *testing.T) {
	h := testhelper.Start(t, testhelper.NewNetNS())
	if _, err := h.Try("socket inet raw 253"); err != nil {
		t.Skipf("no raw socket here: %v", err)
	}
	ns := strconv.Itoa(h.PID)
	out, errOut, code := gosof(t, "ls", "--proto", "raw", "--netns", ns)
	if code != exitMatch || !strings.Contains(out, "0.0.0.0:253") {
		t.Fatalf("ls --proto raw: exit %d, want the raw socket listed\n%s%s", code, out, errOut)
	}
	for _, args := range [][]string{{"who", "253"}, {"kill", "-n", "253"}, {"who", "250-255", "--side", "any"}, {"why", "--no-probe", "253"}} {
		out, errOut, code := gosof(t, append(args, "--netns", ns)...)
		if code != exitNoMatch || strings.Contains(out, strconv.Itoa(h.PID)) {
			t.Errorf("%v: exit %d, want 1 and no raw socket\n%s%s", args, code, out, errOut)
		}
	}
}

// planOnlyListener checks that kill -n PORT in namespace ns plans to
// signal the listener's holder alone and spares the one outgoing client.
func planOnlyListener(t *testing.T, ns, port string, holder int) {
	t.Helper()
	out, errOut, code := gosof(t, "kill", "-n", "--json", "--netns", ns, port)
	var j struct {
		Processes []struct{ PID int }
		Spared    []jsock `json:"spared_outgoing"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill -n --json: %v\n%s%s", err, out, errOut)
	}
	if code != exitMatch || len(j.Processes) != 1 || j.Processes[0].PID != holder || len(j.Spared) != 1 {
		t.Fatalf("kill -n %s: exit %d, planned %+v, spared %d; want 0, only the listener's holder %d, the client spared\n%s%s",
			port, code, j.Processes, len(j.Spared), holder, out, errOut)
	}
}
