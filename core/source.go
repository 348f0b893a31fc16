package core

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// SocketSource lists the sockets of one host (one network namespace on
// Linux). It may use f to let the kernel filter (states, ports, protocols) and
// may return more sockets than match f, never fewer: core filters again.
type SocketSource interface {
	Sockets(f *Filter) ([]Socket, error)
}

// OwnerSource finds the processes that hold sockets.
type OwnerSource interface {
	// AttachOwners sets Owners (PID and FD, Proc left nil) on every socket
	// of socks it can, and says what it could not see. pids, when not
	// empty, are the only processes that can matter (--pid): the source may
	// look at those only.
	AttachOwners(socks []Socket, pids []int) (Unseen, error)
	// Process describes one process, or returns an error wrapping ErrGone
	// if it has exited, or ErrPermission if it may not be inspected.
	Process(pid int) (*Process, error)
}

// Unseen counts what an OwnerSource could not inspect, so that the command
// can say once, at the end, what it could not see and how to see it.
type Unseen struct {
	Denied int    // processes whose descriptors we may not read
	Hint   string // how to see them, e.g. "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH"
	// Hidden says why some processes could not even be counted, e.g.
	// "/proc hides other users' processes (hidepid=invisible)"; "" if none are.
	Hidden string
	// Unparsed counts the process files (a psinfo, an fdinfo: a damaged
	// capture, say) that could not be parsed and were skipped.
	Unparsed int
	// UnparsedFDs: the files skipped were descriptors' (fds), which are
	// then not listed; otherwise they were a listing's owner files, whose
	// process shows as ? or no owner.
	UnparsedFDs bool
}

// Message is the one line that says what could not be seen and how to see
// it; "" when everything was seen.
func (u Unseen) Message() string {
	msg := u.What()
	if msg != "" {
		msg += ", so the holders of some sockets are unknown; " + u.Remedy()
	}
	if u.Unparsed > 0 {
		if msg != "" {
			msg += "; "
		}
		so := ByCount(u.Unparsed, "its process shows as ? or no owner", "their processes show as ? or no owner")
		if u.UnparsedFDs {
			so = ByCount(u.Unparsed, "its descriptor is not listed", "their descriptors are not listed")
		}
		msg += fmt.Sprintf("%s could not be parsed and %s skipped, so %s", Plural(u.Unparsed, "process file"), ByCount(u.Unparsed, "was", "were"), so)
	}
	return msg
}

// Sentinel errors a caller acts on.
var (
	ErrGone       = errors.New("process has exited")
	ErrPermission = errors.New("permission denied")
	ErrParse      = errors.New("cannot parse")
	ErrNoMatch    = errors.New("nothing matched")
	// ErrNotHeld: a process kill or close was about to act on no longer
	// holds the socket it was planned for (Prover).
	ErrNotHeld = errors.New("no longer holds the socket")
	// ErrActive: a socket close was about to act on is no longer idle
	// for longer than --idle asks (Filter.StillMatches, on its idle time
	// read again as close acts).
	ErrActive = errors.New("active again")
)

// UsageError is bad input from the user: exit code 2 with a one-line message.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Signaller sends signals to processes without ever hitting a recycled PID.
type Signaller interface {
	// Pin takes hold of the process p describes (Linux: a pidfd; elsewhere
	// the pid checked against p.Start before every use). It fails with
	// ErrGone if that process has exited or its PID now belongs to another.
	Pin(p *Process) (Target, error)
}

// Target is one pinned process.
type Target interface {
	// Signal sends sig; ErrGone if the process has exited, ErrPermission
	// if we may not signal it.
	Signal(sig syscall.Signal) error
	// Wait waits up to timeout for the process to exit and reports whether it did.
	Wait(timeout time.Duration) (bool, error)
	Close() error
}

// Hold is one descriptor through which a process was seen holding a
// socket: what kill and close prove again at the moment they act.
type Hold struct {
	Inode uint64
	FD    int
	TID   int // the thread whose own table holds FD (Owner.TID); 0: the process's table
}

// Holds lists the descriptors through which pid holds socks (the owners
// of pid among them), those with a known descriptor and inode.
func Holds(socks []Socket, pid int) []Hold {
	var hs []Hold
	for i := range socks {
		for _, o := range socks[i].Owners {
			if o.PID == pid && o.FD >= 0 && socks[i].Inode != 0 {
				hs = append(hs, Hold{Inode: socks[i].Inode, FD: o.FD, TID: o.TID})
			}
		}
	}
	return hs
}

// Prover is a Target that can prove, at the moment it is asked, that its
// process holds a socket: kill asks it before every signal, so that a
// process that let go of the sockets it was planned for (or whose pid
// was never the holder's) is not signalled. A Target that is not a
// Prover is signalled on its identity check alone.
type Prover interface {
	// Holds returns nil if the process holds at least one of hs now
	// (through the descriptor it was seen with, or another); an error
	// wrapping ErrNotHeld if it holds none of them, ErrGone if it has
	// exited, ErrPermission if what it holds may not be read.
	Holds(hs []Hold) error
}

// SocketCloser drops sockets without killing the processes that hold them.
type SocketCloser interface {
	// Shutdown shuts down both directions of s through owner o's
	// descriptor (Linux: pidfd_getfd, then shutdown(SHUT_RDWR)).
	Shutdown(s *Socket, o Owner) error
	// Abort makes the kernel reset s (Linux SOCK_DESTROY, Solaris
	// TCP_IOC_ABORT_CONN); it works on sockets no process holds too.
	// With f's --state or --idle, s is left alone as ShutdownVia leaves
	// it, on its state and idle time read again as it is reset (f may be
	// nil; Linux: docs/kill-close.md).
	Abort(s *Socket, f *Filter) error
}

// AbortAll is a SocketCloser that resets many sockets in one go, with
// Abort's error for each (Linux sends the kernel its requests in
// batches: a lookup per socket cost what the reset costs when each went
// on its own).
type AbortAll interface {
	AbortAll(socks []*Socket, f *Filter) []error
}

// ShutdownVia is a SocketCloser that says which descriptor it shut the
// socket down through: the holder may have moved it to another number
// since it was seen (Linux finds it there).
//
// With f's --state or --idle (Filter.ProvedAtAct), it reads a TCP
// socket's state and idle time again from the descriptor it proved and
// leaves s alone, with Filter.StillMatches's error, when they no longer
// pass f.
type ShutdownVia interface {
	ShutdownVia(s *Socket, o Owner, f *Filter) (Owner, error)
}

// Sources reads several socket sources (one per network namespace) as one.
type Sources []SocketSource

// Sockets implements SocketSource: the sockets of every source, in order.
// The sources are read concurrently (a few at a time): one namespace's
// dump waits on the kernel walking its tables, and one after another
// made `who -A` at 20 namespaces 1.25× `who`. The error is the one the
// first failing source returned, as reading them in turn would have.
func (ss Sources) Sockets(f *Filter) ([]Socket, error) {
	if len(ss) == 1 {
		return ss[0].Sockets(f)
	}
	type got struct {
		socks []Socket
		err   error
	}
	res := make([]got, len(ss))
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		workers = 2
	}
	if workers > len(ss) {
		workers = len(ss)
	}
	var next int64 = -1
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= len(ss) {
					return
				}
				res[i].socks, res[i].err = ss[i].Sockets(f)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, r := range res {
		if r.err != nil {
			return nil, r.err
		}
		n += len(r.socks)
	}
	all := make([]Socket, 0, n)
	for _, r := range res {
		all = append(all, r.socks...)
	}
	return all, nil
}
