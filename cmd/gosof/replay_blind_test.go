package main

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// What a Solaris source cannot list is said, never answered as "nothing
// there": it lists TCP and UDP only, so a PATH (a unix socket) or
// --proto unix asks a question it cannot answer (exit 2, the reason on
// one line), and a live socket file on this host is never called stale.
func TestReplayNoUnixSockets(t *testing.T) {
	capture := filepath.Join(solarisFixtures, "illumos-amd64")
	sock := filepath.Join(t.TempDir(), "live.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const reason = "this source lists no unix sockets"
	for _, args := range [][]string{
		{"why", sock},
		{"why", sock, "--json"},
		{"who", sock},
		{"who", "-t", sock},
		{"who", "/any/path"},
		{"ls", "--proto", "unix"},
	} {
		args = append(args, "--replay", capture)
		stdout, stderr, code := gosofReplay(t, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, reason) {
			t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 2 and %q on one line", strings.Join(args, " "), code, stdout, stderr, reason)
		}
		if strings.Contains(stdout+stderr, "stale") || strings.Contains(stdout+stderr, "--proc-net") {
			t.Errorf("gosof %s: says what it cannot know: %q", strings.Join(args, " "), stdout+stderr)
		}
	}
	// the protocols it lists are still answered, and the rest is said once
	for _, args := range [][]string{
		{"ls", "--proto", "unix,tcp"},
		{"who", sock, "80"},
	} {
		args = append(args, "--replay", capture)
		stdout, stderr, code := gosofReplay(t, args...)
		if code != 0 || !strings.Contains(stdout, "0.0.0.0:80") || strings.Count(stderr, reason) != 1 {
			t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 0, port 80 and one note %q", strings.Join(args, " "), code, stdout, stderr, reason)
		}
	}
}

// A PORT that names its protocol (sctp:9999) asks for that protocol as
// --proto does: one the source cannot list is said, exit 2, never
// answered "no match" (exit 1) as it was while only --proto and a PATH
// counted (core.Filter.NamedProtos).
func TestReplayPortProtoUnlisted(t *testing.T) {
	capture := filepath.Join(solarisFixtures, "illumos-amd64")
	for _, c := range []struct {
		args   []string
		reason string
	}{
		{[]string{"who", "--proto", "sctp", "9999"}, "this source lists no sctp sockets"},
		{[]string{"who", "sctp:9999"}, "this source lists no sctp sockets"},
		{[]string{"who", "9999/udplite"}, "this source lists no udplite sockets"},
		{[]string{"who", "-t", "sctp:80"}, "this source lists no sctp sockets"},
		{[]string{"why", "sctp:9999"}, "this source lists no sctp sockets"}, // was "free for SCTP"
		{[]string{"why", "udplite:53", "--json"}, "this source lists no udplite sockets"},
	} {
		args := append(c.args, "--replay", capture)
		stdout, stderr, code := gosofReplay(t, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.reason) {
			t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 2 and %q on one line", strings.Join(args, " "), code, stdout, stderr, c.reason)
		}
	}
	// beside a protocol it lists, the answer stands and the rest is said once
	args := []string{"who", "sctp:80", "tcp:80", "--replay", capture}
	stdout, stderr, code := gosofReplay(t, args...)
	if code != 0 || !strings.Contains(stdout, "0.0.0.0:80") || strings.Count(stderr, "this source lists no sctp sockets") != 1 {
		t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 0, port 80 and one note", strings.Join(args, " "), code, stdout, stderr)
	}
}

// A Solaris row nothing names the holder of (no EXPER_SOCK_INFO entry,
// no fdinfo, no creator: Solaris 10) has an unknown holder, never none:
// who -t exits 2 saying so, and why neither says "held by no process"
// nor takes its connection for one waiting in the accept queue.
func TestReplayHolderUnknown(t *testing.T) {
	capture := filepath.Join(solarisFixtures, "solaris10-legacy")
	stdout, stderr, code := gosofReplay(t, "who", "-t", "22", "--replay", capture)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "nothing names the holder of 3 sockets") {
		t.Errorf("who -t 22: exit %d, stdout %q, stderr %q; want exit 2 and the unknown holders named", code, stdout, stderr)
	}
	stdout, stderr, code = gosofReplay(t, "why", "22", "--replay", capture)
	if code != 0 || strings.Contains(stdout, "no process") || strings.Contains(stdout, "accept queue") ||
		strings.Count(stderr, "nothing names the holder of 3 sockets") != 1 {
		t.Errorf("why 22: exit %d, stdout %q, stderr %q; want no claim that no process holds them, and one note", code, stdout, stderr)
	}
}

// stripCapture copies the capture src into a temporary directory, keeping
// only the MIB groups keep says yes to (level, as the little-endian
// capture records them).
func stripCapture(t *testing.T, src string, keep func(level uint32) bool) string {
	t.Helper()
	dir := testhelper.CopyTree(t, src)
	d, err := os.ReadFile(filepath.Join(dir, "mib2"))
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for len(d) >= 12 {
		n := 12 + int(binary.LittleEndian.Uint32(d[8:]))
		if keep(binary.LittleEndian.Uint32(d)) {
			out = append(out, d[:n]...)
		}
		d = d[n:]
	}
	if err := os.WriteFile(filepath.Join(dir, "mib2"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A capture without the TCP tables (levels 262 and 270) or without any
// group never makes why call a port free, and metrics say which table
// was not read; the remedy is a new capture, not "run gosof again".
func TestReplayTableMissing(t *testing.T) {
	src := filepath.Join(solarisFixtures, "illumos-amd64")
	noTCP := stripCapture(t, src, func(l uint32) bool { return l != 262 && l != 270 })
	empty := stripCapture(t, src, func(uint32) bool { return false })
	for _, c := range []struct {
		dir    string
		protos []string
	}{{noTCP, []string{"tcp"}}, {empty, []string{"tcp", "udp"}}} {
		stdout, stderr, code := gosofReplay(t, "why", "80", "--replay", c.dir)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "cannot tell whether port 80 is free") ||
			!strings.Contains(stderr, "the capture lacks them") || strings.Contains(stderr, "run gosof again") {
			t.Errorf("why 80 (%v missing): exit %d, stdout %q, stderr %q; want exit 2, cannot tell, the capture lacks them", c.protos, code, stdout, stderr)
		}
		stdout, _, code = gosofReplay(t, "metrics", "--replay", c.dir)
		for _, p := range c.protos {
			if want := `gosof_table_unread{proto="` + p + `"} 1`; code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("metrics (%v missing): exit %d, no %s in\n%s", c.protos, code, want, stdout)
			}
		}
	}
	// who and ls decide as why does (session.unread): what a table not
	// read would hold is "cannot tell" (exit 2), never "no match" (exit 1)
	for _, args := range [][]string{{"who", "80"}, {"who", "tcp:53"}, {"ls", "--proto", "tcp"}, {"who", "-t", "80"}} {
		args = append(args, "--replay", noTCP)
		stdout, stderr, code := gosofReplay(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "cannot tell whether anything matches: no TCP socket could be seen") ||
			!strings.Contains(stderr, "the capture lacks them") {
			t.Errorf("gosof %s: exit %d, stdout %q, stderr %q; want exit 2, cannot tell, the capture lacks them", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	// a port the tables read show in use is still answered
	if _, _, code := gosofReplay(t, "why", "53", "--replay", noTCP); code != 0 {
		t.Errorf("why 53 without the TCP tables: exit %d, want 0 (UDP 53 is in use)", code)
	}
	if _, _, code := gosofReplay(t, "who", "53", "--replay", noTCP); code != 0 {
		t.Errorf("who 53 without the TCP tables: exit %d, want 0 (UDP 53 is in use)", code)
	}
	if _, _, code := gosofReplay(t, "who", "udp:80", "--replay", noTCP); code != 1 {
		t.Errorf("who udp:80 without the TCP tables: exit %d, want 1 (the UDP tables were read)", code)
	}
	if stdout, _, _ := gosofReplay(t, "metrics", "--replay", src); strings.Contains(stdout, "gosof_table_unread{") {
		t.Errorf("metrics of a whole capture: %s", stdout)
	}
}
