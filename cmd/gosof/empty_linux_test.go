package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestEmptyAnswerSaysWhy: an answer the filters emptied says which filter
// (one line on stderr, exit 1), whichever command it is (kill said
// nothing); PORT lists work like ranges. The kill that is not a dry run
// is narrowed to the helper (--pid) and matches nothing.
func TestEmptyAnswerSaysWhy(t *testing.T) {
	h := testhelper.Start(t)
	_, tcp := listen(t, h, "inet", "127.0.0.1:0")
	ufd := h.Int("socket inet dgram")
	h.Do("bind %d 127.0.0.1:0", ufd)
	udp, _ := strconv.Atoi(h.Do("name %d", ufd)[1])
	T, U := strconv.Itoa(tcp), strconv.Itoa(udp)
	// a process gosof can inspect that holds nothing here (PID 1 may not
	// be inspectable: then --pid 1 cannot tell, rightly, and exits 2)
	other := testhelper.Start(t)
	O := strconv.Itoa(other.PID)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"who", T, "--state", "close-wait"}, "nothing left after --state close-wait: before it, 1 socket (tcp LISTEN 1)"},
		{[]string{"who", U, "--proto", "tcp"}, "nothing left after --proto tcp"},
		{[]string{"close", U, "-n"}, "nothing left after --proto tcp: before it, 1 socket (udp UNCONN 1) (close acts on TCP, or on the protocol a PORT names, unless --proto names others)"},
		// close's own --proto is said only where it emptied the answer:
		// here it is udp, as the PORT says, and the state emptied it
		{[]string{"close", "udp:" + U, "-n", "--state", "established"}, "nothing left after --state established: before it, 1 socket (udp UNCONN 1)\n"},
		{[]string{"who", T, "--pid", O}, "nothing left after --pid " + O},
		{[]string{"kill", T, "-n", "--state", "close-wait"}, "nothing left after --state close-wait: before it, 1 socket (tcp LISTEN 1)"},
		{[]string{"kill", T, "--pid", strconv.Itoa(h.PID), "--state", "close-wait"}, "nothing left after --state close-wait"},
		{[]string{"close", T, "-n", "--state", "close-wait"}, "nothing left after --state close-wait"},
	} {
		out, errOut, code := gosof(t, tc.args...)
		if code != exitNoMatch || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 1 and one line saying %q", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	out, errOut, code := gosof(t, "who", "-t", T+","+U)
	if code != exitMatch || out != strconv.Itoa(h.PID)+"\n" {
		t.Errorf("who -t %s,%s: exit %d %q %s, want the holder", T, U, code, out, errOut)
	}
	if socks := gosofJSON(t, "who", T+","+U); len(socks) != 2 {
		t.Errorf("who %s,%s: %d sockets, want 2", T, U, len(socks))
	}
	if _, errOut, code := gosof(t, "who", T+","); code != exitError || !strings.Contains(errOut, "empty item") {
		t.Errorf("who %s,: exit %d %q, want 2: an empty item", T, code, errOut)
	}
}

// TestTerseSkipsTimeWait: -t asks for holders, so the TIME_WAIT sockets
// of a busy port (which no process holds) are not even read; the holder
// of the listener is printed, as before, and so is a CLOSE_WAIT's.
func TestTerseSkipsTimeWait(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, p := listen(t, srv, "inet", "127.0.0.1:0")
	target := "127.0.0.1:" + strconv.Itoa(p)
	for i := 0; i < 3; i++ { // the server closes first: TIME_WAIT on its side
		c, _ := connect(t, cli, "inet", target)
		a := srv.Int("accept %d", lfd)
		srv.Do("close %d", a)
		cli.Do("close %d", c)
	}
	P := strconv.Itoa(p)
	if socks := gosofJSON(t, "who", P, "--state", "time-wait"); len(socks) == 0 {
		t.Fatalf("no TIME_WAIT on %s to test with", P)
	}
	out, errOut, code := gosof(t, "who", "-t", P)
	if code != exitMatch || out != strconv.Itoa(srv.PID)+"\n" {
		t.Errorf("who -t %s: %q exit %d %s, want the listener's holder", P, out, code, errOut)
	}
	if out, _, code := gosof(t, "who", "-t", P, "--state", "time-wait"); code != exitNoMatch || out != "" {
		t.Errorf("who -t %s --state time-wait: %q exit %d, want nothing: no process holds a TIME_WAIT", P, out, code)
	}
}

// TestEmptyNamesHolderAsTable: the note on an emptied answer names each
// holder as the table does (core.CommLabel): a process whose name is
// empty (prctl PR_SET_NAME "") is PID/?, where the note said "PID/".
func TestEmptyNamesHolderAsTable(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm ") // an empty name
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	P := strconv.Itoa(port)
	out, _, _ := gosof(t, "who", P)
	holder := strconv.Itoa(h.PID) + "/?"
	if !strings.Contains(out, " "+holder+" ") {
		t.Fatalf("who %s: the table does not name the holder %s:\n%s", P, holder, out)
	}
	_, errOut, code := gosof(t, "who", P, "-c", "zz")
	if want := "held by " + holder + "\n"; code != exitNoMatch || !strings.HasSuffix(errOut, want) {
		t.Errorf("who %s -c zz: exit %d, stderr %q; want 1, ending %q", P, code, errOut, want)
	}
}
