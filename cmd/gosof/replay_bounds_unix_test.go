//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
)

// copyCapture copies a fixture capture into a directory the test may damage.
func copyCapture(t *testing.T, name string) string {
	return testhelper.CopyTree(t, filepath.Join(solarisFixtures, name))
}

// TestReplayBounded: a capture file that never ends, blocks, or is far
// too large is refused in one line (exit 2), read no further.
func TestReplayBounded(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		make       func(path string) error
		want       string
	}{
		{"host.json is /dev/zero", "host.json", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"mib2 is /dev/zero", "mib2", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"mib2 is a FIFO", "mib2", func(p string) error { return unix.Mkfifo(p, 0o644) }, "not a regular file"},
		{"host.json is a FIFO", "host.json", func(p string) error { return unix.Mkfifo(p, 0o644) }, "not a regular file"},
		{"mib2 of 300 MB", "mib2", func(p string) error { return os.Truncate(p, 300<<20) }, "more than a capture holds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyCapture(t, "illumos-amd64")
			p := filepath.Join(dir, tt.file)
			if !strings.Contains(tt.name, "300 MB") {
				os.Remove(p)
			}
			if err := tt.make(p); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := gosofReplay(t, "ls", "--replay", dir)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line saying %q", code, stderr, tt.want)
			}
		})
	}
}

// TestReplayPadding: 12 MB of zeros after the MIB groups (a million empty
// group headers) is refused in one line, without building a million groups.
func TestReplayPadding(t *testing.T) {
	dir := copyCapture(t, "illumos-amd64")
	f, err := os.OpenFile(filepath.Join(dir, "mib2"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 12*(1<<20))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, stderr, code := gosofReplay(t, "ls", "--replay", dir, "--json")
	if code != 2 || !strings.Contains(stderr, "more than 65536 groups") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestReplayDamagedProcFile: one psinfo and one fdinfo that cannot be
// parsed are counted and skipped, once each, and the listing goes on.
func TestReplayDamagedProcFile(t *testing.T) {
	dir := copyCapture(t, "solaris11-fdinfo")
	if err := os.WriteFile(filepath.Join(dir, "proc", "1200", "psinfo"), []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	fdinfos, _ := filepath.Glob(filepath.Join(dir, "proc", "1201", "fdinfo", "*"))
	if len(fdinfos) == 0 {
		t.Fatal("no fdinfo in the fixture")
	}
	if err := os.WriteFile(fdinfos[0], []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := gosofReplay(t, "ls", "--replay", dir)
	if code != 0 || !strings.Contains(out, "1200/?") {
		t.Errorf("exit %d, stderr %q; want the listing with 1200/?:\n%s", code, stderr, out)
	}
	// 1200 is also the creator of 0.0.0.0:22: with its psinfo unreadable,
	// it cannot be proven, which the same line says.
	want := "2 process files could not be parsed and were skipped, so their processes show as ? or no owner\n"
	if !strings.HasSuffix(stderr, want) || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "the creator named by 1 socket could not be proven") {
		t.Errorf("stderr %q, want one line ending %q", stderr, want)
	}
}

// Error messages say their prefix once and escape what they quote once.
func TestMessagesOnce(t *testing.T) {
	_, stderr, code := gosofReplay(t, "who", "\x1b[31m")
	if want := "gosof: unknown service \"\\x1b[31m\" (not in /etc/services)\n"; code != 2 || stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
	}
	dir := copyCapture(t, "solaris11-fdinfo")
	if err := os.WriteFile(filepath.Join(dir, "proc", "1200", "psinfo"), []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, _ = gosofReplay(t, "fds", "--replay", dir, "1200")
	if strings.Count(stderr, "process 1200") > 1 {
		t.Errorf("stderr repeats its prefix: %q", stderr)
	}
}

// TestDebugCheckReplayBounded: the tools' output a capture holds (tools/)
// is read as every capture file is: a FIFO, a device or a huge file stops
// 'debug check --replay' in one line (exit 2) instead of blocking or
// reading for ever.
func TestDebugCheckReplayBounded(t *testing.T) {
	for _, tt := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"fifo", func(p string) error {
			if err := unix.Mkfifo(p+".fifo", 0o644); err != nil {
				return err
			}
			return os.Symlink(filepath.Base(p)+".fifo", p)
		}, "not a regular file (a FIFO)"},
		{"devzero", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file (a character device)"},
		{"huge", func(p string) error {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				return err
			}
			return os.Truncate(p, 300<<20)
		}, "more than a capture holds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyCapture(t, "illumos-creators-amd64")
			p := filepath.Join(dir, "tools", "pfiles.txt")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := tt.make(p); err != nil {
				t.Fatal(err)
			}
			type result struct {
				stderr string
				code   int
			}
			done := make(chan result, 1)
			go func() {
				_, stderr, code := gosofReplay(t, "debug", "check", "--replay", dir)
				done <- result{stderr, code}
			}()
			select {
			case r := <-done:
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("exit %d, stderr %q; want 2 and one line saying %q", r.code, r.stderr, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("debug check --replay with tools/pfiles.txt a %s still reading after 10s", tt.name)
			}
		})
	}
}

// TestFDsDamagedFdinfo: fds on a capture with one fdinfo that cannot be
// parsed lists the process's other descriptors and counts the skipped
// file in one note, as ls does on the same capture, in fds's words: the
// descriptor is not listed (ls's "shows as ? or no owner" is not what fds
// shows).
func TestFDsDamagedFdinfo(t *testing.T) {
	dir := copyCapture(t, "solaris11-fdinfo")
	p := filepath.Join(dir, "proc", "1200", "fdinfo", "5")
	b, err := os.ReadFile(p)
	if err != nil || len(b) < 150 {
		t.Fatalf("fdinfo 5: %d bytes, %v", len(b), err)
	}
	if err := os.WriteFile(p, b[:150], 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := gosofReplay(t, "fds", "1200", "--replay", dir)
	want := "gosof: 1 process file could not be parsed and was skipped, so its descriptor is not listed\n"
	if code != 0 || stderr != want || !strings.Contains(out, "tcp6 [::]:22 LISTEN") || strings.Contains(out, "\n  5 ") {
		t.Errorf("exit %d, stderr %q, want 0 and %q:\n%s", code, stderr, want, out)
	}
	if n := strings.Count(out, "\n") - 2; n != 11 {
		t.Errorf("%d descriptors listed, want the 11 readable ones:\n%s", n, out)
	}
}
