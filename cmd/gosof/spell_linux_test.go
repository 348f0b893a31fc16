package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// TestPortSpellings: a TCP listener and a UDP socket on the same port;
// each spelling an admin types from lsof, ss or /etc/services habits
// finds the port, and a protocol in it keeps the other protocol out.
func TestPortSpellings(t *testing.T) {
	h := testhelper.Start(t)
	tfd, p := listen(t, h, "inet", "127.0.0.1:0")
	ufd := h.Int("socket inet dgram")
	if _, err := h.Try("bind %d 127.0.0.1:%d", ufd, p); err != nil {
		t.Skipf("UDP port %d is taken: %v", p, err)
	}
	port := strconv.Itoa(p)
	tcp := fmt.Sprintf("tcp inet LISTEN 127.0.0.1:%d * %d/%d", p, h.PID, tfd)
	udp := fmt.Sprintf("udp inet UNCONN 127.0.0.1:%d * %d/%d", p, h.PID, ufd)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"who", port}, []string{tcp, udp}},
		{[]string{"who", ":" + port}, []string{tcp, udp}},
		{[]string{"who", "tcp:" + port}, []string{tcp}},
		{[]string{"who", "TCP:" + port}, []string{tcp}},
		{[]string{"who", port + "/tcp"}, []string{tcp}},
		{[]string{"who", "udp/" + port}, []string{udp}},
		{[]string{"who", port + "/udp"}, []string{udp}},
		{[]string{":" + port}, []string{tcp, udp}}, // gosof PORT is who PORT
		{[]string{"who", "udp:" + port, "tcp:" + port}, []string{tcp, udp}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := rows(gosofJSON(t, tc.args...))
			diffRows(t, strings.Join(tc.args, " "), tc.want, got)
		})
	}
	// udp:P and tcp:Q: each port keeps its own protocol.
	q := strconv.Itoa(p + 1)
	if got := strings.Join(rows(gosofJSON(t, "who", "udp:"+port, "tcp:"+q)), "\n"); !strings.Contains(got, udp) || strings.Contains(got, tcp) {
		t.Errorf("who udp:%s tcp:%s = %v, want only %s", port, q, got, udp)
	}
	_, errOut, code := gosof(t, "who", "udp/"+port, "--proto", "tcp")
	if code != 2 || !strings.Contains(errOut, "--proto leaves udp out") {
		t.Errorf("who udp/%s --proto tcp: exit %d %q, want exit 2 saying --proto leaves udp out", port, code, errOut)
	}
	// why udp/P diagnoses the UDP socket only; the TCP one is named apart
	// (elsewhere), with the command that explains it
	out, errOut, code := gosof(t, "why", "udp/"+port, "--json")
	var w struct {
		Listeners []struct{ Proto string } `json:"listeners"`
		Sockets   []struct{ Proto string } `json:"sockets"`
		Probe     struct{ Proto string }   `json:"probe"`
		Elsewhere []struct{ Proto, Why string }
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("why udp/%s --json: %v\n%s", port, err, out)
	}
	if code != 0 || len(w.Listeners) != 1 || w.Listeners[0].Proto != "udp" || len(w.Sockets) != 1 || w.Sockets[0].Proto != "udp" ||
		w.Probe.Proto != "udp" || len(w.Elsewhere) != 1 || w.Elsewhere[0].Why != "gosof why tcp:"+port {
		t.Errorf("why udp/%s: exit %d %s\n%s, want the UDP socket only, the TCP one named apart", port, code, errOut, out)
	}
}

// TestServiceNamesWithDash: names such as http-alt and ms-sql-s are looked
// up, not read as a range (they failed with "not a port range").
func TestServiceNamesWithDash(t *testing.T) {
	services := core.ReadServices("/etc/services")
	if services == nil || len(services.Lookup("http-alt")) == 0 {
		t.Skip("no http-alt in /etc/services")
	}
	for _, name := range []string{"http-alt", "tcp:http-alt", "http-alt/tcp", "ms-sql-s"} {
		if len(services.Lookup(strings.TrimPrefix(strings.TrimSuffix(name, "/tcp"), "tcp:"))) == 0 {
			continue
		}
		_, errOut, code := gosof(t, "who", name)
		if code != 0 && code != 1 {
			t.Errorf("who %s: exit %d %q, want 0 or 1", name, code, errOut)
		}
	}
	_, errOut, code := gosof(t, "who", "no-such-service")
	if code != 2 || !strings.Contains(errOut, `unknown service "no-such-service"`) {
		t.Errorf("who no-such-service: exit %d %q", code, errOut)
	}
}

// TestCombinedShortFlags: gosof's short switches combine (-tH), and
// -lt, which ss and netstat users type for "TCP listeners", is answered
// with the gosof form, never read as --listen --terse (docs/conventions.md).
func TestCombinedShortFlags(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	want := strconv.Itoa(h.PID) + "\n"
	for _, args := range [][]string{
		{"who", "-l", "-t", strconv.Itoa(p)},
		{"who", "-tH", strconv.Itoa(p)},
		{strconv.Itoa(p), "-Ht"},
	} {
		out, errOut, code := gosof(t, args...)
		if out != want || code != 0 {
			t.Errorf("gosof %s: %q exit %d %s, want %q exit 0", strings.Join(args, " "), out, code, errOut, want)
		}
	}
	for _, args := range [][]string{
		{"who", "-lt", strconv.Itoa(p)},
		{"who", strconv.Itoa(p), "-tl"},
		{"-lt", strconv.Itoa(p)},
	} {
		out, errOut, code := gosof(t, args...)
		if out != "" || code != exitError || !strings.Contains(errOut, "gosof who --listen --proto tcp "+strconv.Itoa(p)+" ") || !strings.Contains(errOut, "are typed apart") {
			t.Errorf("gosof %s: %q exit %d %s, want exit 2 and the gosof forms", strings.Join(args, " "), out, code, errOut)
		}
	}
}
