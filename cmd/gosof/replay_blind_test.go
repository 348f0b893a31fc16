package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
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
