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
	s := &Signaller{B: b, Kill: kill, Poll: time.Millisecond}
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
	os.Remove(ps)                     // /proc forgets it
	gone, err := tg.Wait(time.Minute) // a hang guard: psinfo is gone, Wait returns at once
	if !gone || err != nil {
		t.Errorf("Wait = %v, %v; want true, nil", gone, err)
	}
}
