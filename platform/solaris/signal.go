package solaris

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// Signaller implements core.Signaller without pidfds. Pin opens the
// process's /proc/<pid>/psinfo and keeps it open: that descriptor is
// bound to the process, not to the pid, and reads fail with ENOENT once
// the process is reaped (prfree clears every open /proc vnode's process,
// prsubr.c:303-372; pr_read_psinfo then answers ENOENT,
// prvnops.c:809-812), which is also the earliest its pid can be reused.
// Through it, before every signal, gosof checks that the process is the
// one resolved (pr_start), still running (a zombie has pr_nlwp 0); before
// every signal, that it still holds a socket it was seen holding: the
// same descriptor, with the same inode (and, for a socket found by name,
// the same name), read from /proc/<pid>/fdinfo and confirmed through the
// held psinfo to be this process's. What remains is the moment between
// the last check and kill(2): for it to hit another process, this one
// must exit, be reaped and its pid be handed out again in that moment
// (pids are allocated in sequence, so the pid space must wrap).
type Signaller struct {
	B    *Backend
	Kill func(pid int, sig syscall.Signal) error // kill(2)
	Poll time.Duration                           // Wait's polling interval; 0 is 50ms
	// open opens the pinned handle; nil is os.Open (tests fake a reaped
	// process, which a regular file cannot be).
	open func(path string) (handle, error)
}

// handle is the pinned /proc/<pid>/psinfo.
type handle interface {
	io.ReaderAt
	io.Closer
}

// Pin takes hold of p: it opens its psinfo and checks that it still runs
// as the process that was resolved.
func (s *Signaller) Pin(p *core.Process) (core.Target, error) {
	open := s.open
	if open == nil {
		open = func(path string) (handle, error) { return os.Open(path) }
	}
	path := filepath.Join(s.B.proc, strconv.Itoa(p.PID), "psinfo")
	h, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", p.PID, procSentinel(err))
	}
	t := &target{s: s, pid: p.PID, start: p.Start, h: h, holds: s.B.heldBy(p.PID)}
	if err := t.identity(); err != nil {
		h.Close()
		return nil, err
	}
	return t, nil
}

// procSentinel maps a /proc error to core.ErrGone / core.ErrPermission.
func procSentinel(err error) error {
	if s := sysfile.Sentinel(err); s != nil {
		return core.Wrap2(err.Error(), err, s)
	}
	return err
}

// target is one pinned process.
type target struct {
	s     *Signaller
	pid   int
	start uint64
	h     handle
	holds []fdRef // what the resolve saw it hold; empty for a creator
}

// identity reads psinfo through the pinned handle: ErrGone once the
// process has been reaped, is a zombie, or (only possible through a path,
// never through the handle, but checked all the same) has another start.
func (t *target) identity() error {
	buf := make([]byte, zPsSize)
	n, err := t.h.ReadAt(buf, 0)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("process %d: %w", t.pid, core.ErrGone)
		}
		return fmt.Errorf("process %d: psinfo: %w", t.pid, procSentinel(err))
	}
	ps, err := ParsePsinfo(buf[:n], t.s.B.order)
	if err != nil {
		return fmt.Errorf("process %d: %w", t.pid, err)
	}
	if ps.NLWP == 0 {
		// A zombie keeps its psinfo until reaped, but no longer runs.
		return fmt.Errorf("process %d has exited (zombie): %w", t.pid, core.ErrGone)
	}
	if ps.PID != t.pid || ps.Start != t.start {
		return fmt.Errorf("process %d: pid now belongs to a process started at %d, not %d: %w",
			t.pid, ps.Start, t.start, core.ErrGone)
	}
	return nil
}

// errNotHolding is why a process that no longer holds any socket it was
// seen with is not signalled. It is not core.ErrGone: the process runs;
// kill reports it as core.ErrNotHeld's outcome, "no longer holds it".
var errNotHolding = fmt.Errorf("%w: none it was seen holding", core.ErrNotHeld)

// holding checks, before every signal, that the process still holds
// one of the sockets it was seen holding: the descriptor's fdinfo names
// the same inode and kind (and, for a socket matched by name, the same
// name). fdinfo is read by path; the pinned psinfo, read after it, says
// the path was still this process's.
func (t *target) holding() error {
	if len(t.holds) == 0 {
		return nil // a proven creator, or a process resolved elsewhere: identity is the proof
	}
	var why []string
	for _, h := range t.holds {
		d, err := t.s.B.Fdinfo(t.pid, h.fd)
		switch {
		case err == nil && h.same(d):
			if err := t.identity(); err != nil {
				return err
			}
			return nil
		case err == nil:
			why = append(why, fmt.Sprintf("fd %d is now inode %d, not %d", h.fd, d.Ino, h.ino))
		case errors.Is(err, core.ErrGone):
			why = append(why, fmt.Sprintf("fd %d is closed", h.fd))
		default:
			return fmt.Errorf("process %d: %w", t.pid, err)
		}
	}
	if err := t.identity(); err != nil {
		return err
	}
	return fmt.Errorf("process %d %w (%s): not signalled", t.pid, errNotHolding, strings.Join(why, ", "))
}

// same reports whether fdinfo d describes the descriptor the resolve saw.
func (r fdRef) same(d *Fdinfo) bool {
	if d.Ino != r.ino || d.IsChar() != r.char || (r.char && d.Rmajor != r.rmajor) {
		return false
	}
	if !r.named {
		return true
	}
	k, ok := fdinfoKey(d)
	return ok && k == r.key
}

// Signal implements core.Target.
func (t *target) Signal(sig syscall.Signal) error {
	if err := t.identity(); err != nil {
		return err
	}
	if err := t.holding(); err != nil {
		return err
	}
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

// Wait implements core.Target by polling the pinned psinfo (Solaris has
// no pidfd to wait on); a zombie counts as gone.
func (t *target) Wait(timeout time.Duration) (bool, error) {
	poll := t.s.Poll
	if poll <= 0 {
		poll = 50 * time.Millisecond
	}
	return core.PollGone(t.identity, timeout, poll)
}

// Close implements core.Target: it lets go of the psinfo handle.
func (t *target) Close() error { return t.h.Close() }
