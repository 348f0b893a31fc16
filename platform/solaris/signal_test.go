//go:build unix

package solaris

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// fakeHandle stands for an open /proc/<pid>/psinfo: it reads the file at
// path afresh (so a test can rewrite it) until the process is "reaped",
// after which it answers ENOENT, as an open /proc file does on Solaris.
// A regular file cannot do that: its descriptor reads on after unlink.
type fakeHandle struct {
	path   string
	reaped *bool
}

func (h fakeHandle) ReadAt(p []byte, off int64) (int, error) {
	if *h.reaped {
		return 0, syscall.ENOENT
	}
	b, err := os.ReadFile(h.path)
	if err != nil {
		return 0, err
	}
	return copy(p, b[off:]), nil
}

func (fakeHandle) Close() error { return nil }

// TestSignaller signals a real process, found through a fake psinfo, and
// refuses to when pr_start says the pid now belongs to someone else.
func TestSignaller(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep(1):", err)
	}
	defer cmd.Process.Kill()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	proc := t.TempDir()
	pid := cmd.Process.Pid
	ps := filepath.Join(proc, strconv.Itoa(pid), "psinfo")
	write := func(sec int64) {
		if err := os.MkdirAll(filepath.Dir(ps), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ps, psinfoBytes(binary.LittleEndian, int32(pid), 1, 0, sec, 0, "sleep", "sleep 60", 0), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(100)
	b := NewBackend(nil, proc, binary.LittleEndian)
	var sent []syscall.Signal // what reached kill(2)
	kill := func(pid int, sig syscall.Signal) error {
		sent = append(sent, sig)
		return syscall.Kill(pid, sig)
	}
	reaped := false
	s := &Signaller{B: b, Kill: kill, Poll: time.Millisecond,
		open: func(path string) (handle, error) { return fakeHandle{path, &reaped}, nil }}
	p, err := b.Process(pid)
	if err != nil {
		t.Fatal(err)
	}

	// The pid was recycled: another start time. Nothing may be sent.
	write(200)
	if _, err := s.Pin(p); !errors.Is(err, core.ErrGone) {
		t.Fatalf("Pin after pid reuse: %v, want ErrGone", err)
	}
	write(100)
	tg, err := s.Pin(p)
	if err != nil {
		t.Fatal(err)
	}
	write(300)
	if err := tg.Signal(syscall.SIGTERM); !errors.Is(err, core.ErrGone) {
		t.Fatalf("Signal after pid reuse: %v, want ErrGone", err)
	}
	if len(sent) != 0 {
		t.Fatalf("kill(2) called with %v although the pid had been recycled", sent)
	}

	write(100)
	if err := tg.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-done
	if len(sent) != 1 || sent[0] != syscall.SIGTERM {
		t.Errorf("kill(2) called with %v, want TERM once", sent)
	}
	reaped = true                     // /proc forgets it
	gone, err := tg.Wait(time.Minute) // a hang guard: the handle fails, Wait returns at once
	if !gone || err != nil {
		t.Errorf("Wait = %v, %v; want true, nil", gone, err)
	}
	if err := tg.Signal(syscall.SIGKILL); !errors.Is(err, core.ErrGone) || len(sent) != 1 {
		t.Errorf("Signal through the handle of a reaped process: %v (sent %v), want ErrGone and nothing sent", err, sent)
	}
}

// TestSignallerHolding: before every signal, the pinned process must
// still hold a socket it was seen holding: the descriptor's fdinfo with
// the same inode (and, when it was found by name, the same name). The
// fixture's processes are not this host's: kill(2) is only recorded.
func TestSignallerHolding(t *testing.T) {
	for _, tc := range []struct {
		name, capture string
		pid           int
		change        func(t *testing.T, dir string)
		want          string // "" sent; "holding" errNotHolding; "gone" core.ErrGone
	}{
		{"holds", "illumos-amd64", 200, nil, ""},
		{"one of two left", "illumos-amd64", 200, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "proc/200/fdinfo/6"))
		}, ""},
		{"inode changed, other closed", "illumos-amd64", 200, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "proc/200/fdinfo/6"))
			rewrite(t, filepath.Join(dir, "proc/200/fdinfo/4"), func(b []byte) { binary.LittleEndian.PutUint64(b[zFdIno:], 0x9999) })
		}, "holding"},
		{"zombie", "illumos-amd64", 200, func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "proc/200/psinfo"), func(b []byte) { binary.LittleEndian.PutUint32(b[zPsNLWP:], 0) })
		}, "gone"},
		{"TLI endpoint", "illumos-amd64", 400, nil, ""},
		{"TLI endpoint, another major", "illumos-amd64", 400, func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "proc/400/fdinfo/5"), func(b []byte) { binary.LittleEndian.PutUint32(b[zFdRmajor:], 7) })
		}, "holding"},
		{"by name", "solaris11-fdinfo", 1201, nil, ""},
		{"by name, same inode, another peer", "solaris11-fdinfo", 1201, func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "proc/1201/fdinfo/4"), func(b []byte) {
				// PR_PEERSOCKNAME is the second item: header, then sockaddr_in's port.
				off := zFdMisc + 8 + 16 + 8 + 2
				b[off], b[off+1] = 0x12, 0x34
			})
		}, "holding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCapture(t, tc.capture)
			b, err := OpenReplay(dir)
			if err != nil {
				t.Fatal(err)
			}
			resolve(t, b) // what kill resolves: the holds the signaller checks
			p, err := b.Process(tc.pid)
			if err != nil {
				t.Fatal(err)
			}
			var sent []syscall.Signal
			s := &Signaller{B: b, Kill: func(_ int, sig syscall.Signal) error { sent = append(sent, sig); return nil }}
			tg, err := s.Pin(p)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			if tc.change != nil {
				tc.change(t, dir)
			}
			err = tg.Signal(syscall.SIGTERM)
			switch tc.want {
			case "":
				if err != nil || len(sent) != 1 {
					t.Errorf("Signal: %v, sent %v; want TERM sent", err, sent)
				}
				// Escalation is checked again, as on Linux: a process
				// that let go of its socket on TERM is not sent KILL.
				os.RemoveAll(filepath.Join(dir, "proc", strconv.Itoa(tc.pid), "fdinfo"))
				if err := tg.Signal(syscall.SIGKILL); !errors.Is(err, core.ErrNotHeld) || len(sent) != 1 {
					t.Errorf("second Signal after it let go: %v, sent %v; want ErrNotHeld and no KILL", err, sent)
				}
			case "holding":
				if !errors.Is(err, errNotHolding) || errors.Is(err, core.ErrGone) || len(sent) != 0 {
					t.Errorf("Signal: %v, sent %v; want errNotHolding and nothing sent", err, sent)
				}
			case "gone":
				if !errors.Is(err, core.ErrGone) || len(sent) != 0 {
					t.Errorf("Signal: %v, sent %v; want ErrGone and nothing sent", err, sent)
				}
			}
		})
	}
}

func rewrite(t *testing.T, path string, f func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
