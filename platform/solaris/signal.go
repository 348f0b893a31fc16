package solaris

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// Signaller implements core.Signaller without pidfds: before every signal
// it reads /proc/<pid>/psinfo again and checks pr_start against the start
// time recorded when the process was resolved, so a recycled pid is never
// signalled.
type Signaller struct {
	B    *Backend
	Kill func(pid int, sig syscall.Signal) error // kill(2)
	Poll time.Duration                           // Wait's polling interval; 0 is 50ms
}

// Pin checks that p still runs as the process that was resolved.
func (s *Signaller) Pin(p *core.Process) (core.Target, error) {
	t := &target{s: s, pid: p.PID, start: p.Start}
	if err := t.check(); err != nil {
		return nil, err
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 50 * time.Millisecond // Solaris has no pidfd to wait on
	}
	return &core.CheckedTarget{Check: t.check, Kill: t.kill, Poll: poll}, nil
}

// target is the pid and start time a CheckedTarget checks.
type target struct {
	s     *Signaller
	pid   int
	start uint64
}

// check fails with core.ErrGone when the pid has exited or now belongs to
// another process.
func (t *target) check() error {
	ps, err := t.s.B.Psinfo(t.pid)
	switch {
	case errors.Is(err, core.ErrGone):
		return fmt.Errorf("process %d: %w", t.pid, core.ErrGone)
	case err != nil:
		return err
	}
	if ps.NLWP == 0 {
		// A zombie keeps its psinfo until reaped, but no longer runs.
		return fmt.Errorf("process %d has exited (zombie): %w", t.pid, core.ErrGone)
	}
	if ps.Start != t.start {
		return fmt.Errorf("process %d: pid now belongs to a process started at %d, not %d: %w",
			t.pid, ps.Start, t.start, core.ErrGone)
	}
	return nil
}

// kill sends sig with kill(2), once check has passed.
func (t *target) kill(sig syscall.Signal) error {
	switch err := t.s.Kill(t.pid, sig); {
	case sysfile.Sentinel(err) == core.ErrGone:
		return fmt.Errorf("process %d: %w", t.pid, core.ErrGone)
	case sysfile.Sentinel(err) == core.ErrPermission:
		return fmt.Errorf("signal %d to process %d: %w", sig, t.pid, core.ErrPermission)
	case err != nil:
		return fmt.Errorf("signal %d to process %d: %w", sig, t.pid, err)
	}
	return nil
}
