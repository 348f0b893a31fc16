//go:build unix

package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/platform/solaris"
)

// TestReplayProcFiles: a capture's process files follow the contract: one
// that is not a regular file, or far too large, is refused in one line
// (exit 2); a missing proc/ and a capture that could not read a process
// are said once; no owner disappears in silence (issue 28, item 9).
func TestReplayProcFiles(t *testing.T) {
	fd4 := filepath.Join("proc", "200", "fdinfo", "4")
	for _, tc := range []struct {
		name    string
		capture string
		damage  func(dir string) error
		code    int
		want    string
	}{
		{"fdinfo is a FIFO", "illumos-amd64", func(d string) error {
			os.Remove(filepath.Join(d, fd4))
			return unix.Mkfifo(filepath.Join(d, fd4), 0o644)
		}, 2, "proc/200/fdinfo/4: not a regular file"},
		{"fdinfo is /dev/zero", "illumos-amd64", func(d string) error {
			os.Remove(filepath.Join(d, fd4))
			return os.Symlink("/dev/zero", filepath.Join(d, fd4))
		}, 2, "proc/200/fdinfo/4: not a regular file"},
		{"fdinfo of 10 GB", "illumos-amd64", func(d string) error {
			return os.Truncate(filepath.Join(d, fd4), 10<<30)
		}, 2, "more than a capture holds"},
		{"proc/200 is a file", "illumos-amd64", func(d string) error {
			os.RemoveAll(filepath.Join(d, "proc", "200"))
			return os.WriteFile(filepath.Join(d, "proc", "200"), []byte("x"), 0o644)
		}, 2, "proc/200/fdinfo: not a directory"},
		{"psinfo is a directory", "solaris11-dualstack-amd64", func(d string) error {
			os.Remove(filepath.Join(d, "proc", "300", "psinfo"))
			return os.Mkdir(filepath.Join(d, "proc", "300", "psinfo"), 0o755)
		}, 2, "proc/300/psinfo: not a regular file"},
		{"usage is a FIFO", "solaris11-dualstack-amd64", func(d string) error {
			p := filepath.Join(d, "proc", "77", "usage")
			os.Remove(p)
			return unix.Mkfifo(p, 0o644)
		}, 2, "proc/77/usage: not a regular file"},
		{"no proc/", "illumos-amd64", func(d string) error {
			return os.RemoveAll(filepath.Join(d, "proc"))
		}, 0, "the capture holds no process files (proc/)"},
		{"usage cut short", "solaris11-dualstack-amd64", func(d string) error {
			return os.WriteFile(filepath.Join(d, "proc", "77", "usage"), []byte("short"), 0o644)
		}, 0, "1 process file could not be parsed"},
		// Taken by a user who could not read process 7000: said, with the
		// remedy for a capture, not "run as root".
		{"a process the capture could not read", "solaris11-dualstack-amd64", nil, 0, "1 process could not be inspected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCapture(t, tc.capture)
			if tc.damage != nil {
				if err := tc.damage(dir); err != nil {
					t.Fatal(err)
				}
			}
			_, stderr, code := gosofReplay(t, "ls", "--replay", dir)
			if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want %d and one line saying %q", code, stderr, tc.code, tc.want)
			}
			if code == 0 && (!strings.Contains(stderr, "take the capture again as root") && tc.name != "usage cut short" || strings.Contains(stderr, "run as root")) {
				t.Errorf("stderr %q: the remedy for a capture is to take it again as root", stderr)
			}
		})
	}
}

// TestReplayMissingTransport: a reply without the tcp module's tables
// (it sends none when it cannot allocate them) lists the UDP sockets and
// says, once, that TCP is missing, instead of listing no TCP socket in
// silence (issue 28, item 7).
func TestReplayMissingTransport(t *testing.T) {
	dir := copyCapture(t, "illumos-amd64")
	raw, err := os.ReadFile(filepath.Join(dir, "mib2"))
	if err != nil {
		t.Fatal(err)
	}
	groups, err := solaris.ParseCapture(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	kept := groups[:0]
	for _, g := range groups {
		if g.Level != 262 && g.Level != 270 { // MIB2_TCP, MIB2_TCP6
			kept = append(kept, g)
		}
	}
	var mib bytes.Buffer
	if err := solaris.WriteCapture(&mib, kept, binary.LittleEndian); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mib2"), mib.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := gosofReplay(t, "ls", "--replay", dir)
	if code != 0 || !strings.Contains(stdout, "udp") || strings.Contains(stdout, "tcp") ||
		strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no TCP tables (MIB2_TCP, level 262): no TCP socket is listed") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// TestDebugCheckReplayDiffers: what netstat and pfiles said, altered, is
// reported line by line, and the check exits 1.
func TestDebugCheckReplayDiffers(t *testing.T) {
	dir := copyCapture(t, "illumos-creators-amd64")
	edit := func(name string, f func(string) string) {
		p := filepath.Join(dir, "tools", name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// netstat no longer lists the 7070 listener (in both listings) ...
	drop7070 := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "*.7070 ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	edit("netstat-an.before.txt", drop7070)
	edit("netstat-an.after.txt", drop7070)
	// ... names another holder for port 80, and pfiles another name for
	// mysqld's descriptor.
	edit("netstat-anu.txt", func(s string) string { return strings.Replace(s, "   1501 nginx", "   1777 nginx", 1) })
	edit("pfiles.txt", func(s string) string { return strings.Replace(s, "port: 7070", "port: 7071", 1) })
	stdout, stderr, code := gosofReplay(t, "debug", "check", "--replay", dir)
	want := []string{
		"TCP: 3 of 4 rows agree with netstat -an",
		"owners: 0 of 1 sockets agree with netstat -anu", // 7070's is not compared: netstat does not list it
		"owners: 2 of 3 processes agree with pfiles",
		"3 differences:",
		"  only in gosof: tcp 0.0.0.0:7070 - LISTEN",
		"  owners of tcp 0.0.0.0:80 - LISTEN: gosof pid/fd 1500/6, 1501/6; netstat -anu pid 1500, 1777",
		"  process 4501: fd 3 (tcp 0.0.0.0:7070 - LISTEN) is named 0.0.0.0:7071 in pfiles",
	}
	for _, w := range want {
		if !strings.Contains(stdout, w+"\n") {
			t.Errorf("report lacks %q", w)
		}
	}
	if code != 1 || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 1 and nothing:\n%s", code, stderr, stdout)
	}
}
