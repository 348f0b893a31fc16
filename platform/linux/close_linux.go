package linux

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// Destroyer resets sockets through sock_diag (SOCK_DESTROY); *Sockets is one.
type Destroyer interface {
	// DestroyAll resets socks, one error each; with f's --state or
	// --idle, only those that still pass them
	// (core.Filter.StillMatches), read as it acts.
	DestroyAll(socks []*core.Socket, f *core.Filter) []error
}

// Closer implements core.SocketCloser.
//
// Shutdown takes a duplicate of the holder's descriptor with pidfd_getfd
// (Linux 5.6, needs ptrace access to the holder: root, or CAP_SYS_PTRACE),
// proves that the duplicate is the very socket that was resolved (on
// sockfs, same inode: proof_linux.go), and calls shutdown(SHUT_RDWR) on it: the connection ends with a
// FIN, the holder keeps its descriptor and reads EOF. Abort asks the kernel
// to reset the socket (SOCK_DESTROY, needs CAP_NET_ADMIN).
type Closer struct {
	Destroyer Destroyer
	// Signaller pins the holder, so that a recycled pid is refused the
	// same way kill refuses it.
	Signaller *Signaller

	// pins are the pidfds of the holders already pinned, so a process
	// holding thousands of the sockets is opened and checked once, not
	// once per socket (a pidfd and /proc/PID/stat per socket were a third
	// of closing 5,000 CLOSE_WAITs). A pidfd keeps naming its process
	// after the pid is reused, so one checked once stays right; they are
	// closed by Release, or when gosof exits.
	mu   sync.Mutex
	pins map[pin]int
}

type pin struct {
	pid   int
	start uint64
}

// Release closes the pidfds Shutdown kept.
func (c *Closer) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fd := range c.pins {
		unix.Close(fd)
	}
	c.pins = nil
}

// Shutdown implements core.SocketCloser: the holder is pinned, the
// socket taken from it and proved to be the planned one (prover.take:
// on sockfs, the same inode; a descriptor number reused since is left
// alone, core.ErrNotHeld), and shut down through that duplicate.
func (c *Closer) Shutdown(s *core.Socket, o core.Owner) error {
	_, err := c.ShutdownVia(s, o, nil)
	return err
}

// ShutdownVia implements core.ShutdownVia: Shutdown, and the owner at the
// descriptor the socket was shut down through (another than o's when the
// holder moved it). With f's --state or --idle, the duplicate's state and
// idle time are read (getsockopt TCP_INFO: the kernel's tcp_get_info, as
// the dump's INET_DIAG_INFO) and a socket that no longer passes them is
// left alone (core.Filter.StillMatches); one no longer connected is gone,
// as without them.
func (c *Closer) ShutdownVia(s *core.Socket, o core.Owner, f *core.Filter) (core.Owner, error) {
	what := fmt.Sprintf("fd %d of process %d", o.FD, o.PID)
	if o.FD < 0 || o.Proc == nil {
		return o, fmt.Errorf("%s: descriptor or process unknown", what)
	}
	if s.Inode == 0 {
		return o, fmt.Errorf("%s: the socket has no inode to check the duplicate against", what)
	}
	pidfd, err := c.pinned(o.Proc)
	if err != nil {
		return o, err
	}
	fs := DefaultFS()
	if c.Signaller != nil {
		fs = c.Signaller.FS
	}
	pr := prover{fs: fs, pid: o.PID, pidfd: pidfd, alive: pidfdAlive(o.PID, pidfd)}
	dup, h, err := pr.take(core.Hold{Inode: s.Inode, FD: o.FD, TID: o.TID})
	if err != nil {
		return o, err
	}
	defer unix.Close(dup)
	if h.FD != o.FD || h.TID != o.TID {
		o.FD, o.TID = h.FD, h.TID
		what = fmt.Sprintf("fd %d of process %d", h.FD, o.PID)
	}
	if f.ProvedAtAct() && s.Proto == core.TCP {
		ti, err := unix.GetsockoptTCPInfo(dup, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return o, fmt.Errorf("getsockopt(%s, TCP_INFO): %w", what, err)
		}
		st, _ := inetState(core.TCP, ti.State)
		ms := func(v uint32) time.Duration { return time.Duration(v) * time.Millisecond }
		if err := f.StillMatches(st, core.TCPIdle(st, ms(ti.Last_data_sent), ms(ti.Last_data_recv), ms(ti.Last_ack_recv))); err != nil {
			return o, err
		}
	}
	if err := unix.Shutdown(dup, unix.SHUT_RDWR); err != nil {
		if err == unix.ENOTCONN {
			// gone, though its holder lives: not ErrGone's "process has exited"
			return o, core.Wrap2(fmt.Sprintf("shutdown(%s): ENOTCONN: the socket is not connected any more", what), err, core.ErrGone)
		}
		return o, fmt.Errorf("shutdown(%s, SHUT_RDWR): %w", what, err)
	}
	return o, nil
}

// pinned is the pidfd of p, opened and checked on first use.
func (c *Closer) pinned(p *core.Process) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := pin{p.PID, p.Start}
	if fd, ok := c.pins[k]; ok {
		return fd, nil
	}
	fd, err := c.pidfd(p)
	if err != nil {
		return -1, err
	}
	if c.pins == nil {
		c.pins = map[pin]int{}
	}
	c.pins[k] = fd
	return fd, nil
}

// pidfd opens a pidfd for p and checks it is still the resolved process.
func (c *Closer) pidfd(p *core.Process) (int, error) {
	fd, err := unix.PidfdOpen(p.PID, 0)
	switch {
	case sysfile.Sentinel(err) == core.ErrGone:
		return -1, fmt.Errorf("process %d: %w", p.PID, core.ErrGone)
	case err == unix.ENOSYS:
		return -1, fmt.Errorf("pidfd_open(%d): ENOSYS: this kernel has no pidfds (needs Linux 5.6 or newer for pidfd_getfd); --abort (SOCK_DESTROY) may work instead: %w",
			p.PID, err)
	case err != nil:
		return -1, fmt.Errorf("pidfd_open(%d): %w", p.PID, err)
	}
	sig := c.Signaller
	if sig == nil {
		sig = &Signaller{FS: DefaultFS()}
	}
	if err := sig.same(p); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Abort implements core.SocketCloser through SOCK_DESTROY.
func (c *Closer) Abort(s *core.Socket, f *core.Filter) error {
	return c.AbortAll([]*core.Socket{s}, f)[0]
}

// AbortAll implements core.AbortAll: Abort for each of socks, the
// requests sent to the kernel in batches (Sockets.DestroyAll).
func (c *Closer) AbortAll(socks []*core.Socket, f *core.Filter) []error {
	if c.Destroyer == nil {
		errs := make([]error, len(socks))
		for i := range errs {
			errs[i] = fmt.Errorf("abort: no sock_diag socket source: %w", core.ErrUnsupported)
		}
		return errs
	}
	errs := c.Destroyer.DestroyAll(socks, f)
	for i, err := range errs {
		if sysfile.Sentinel(err) == core.ErrGone {
			errs[i] = core.Wrap2(err.Error(), err, core.ErrGone) // it says "already gone"; no process exited
		}
	}
	return errs
}
