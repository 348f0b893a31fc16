package core

import (
	"errors"
	"fmt"
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
	// of socks it can, and says what it could not see.
	AttachOwners(socks []Socket) (Unseen, error)
	// Process describes one process, or returns an error wrapping ErrGone
	// if it has exited, or ErrPermission if it may not be inspected.
	Process(pid int) (*Process, error)
}

// Unseen counts what an OwnerSource could not inspect, so that the command
// can say once, at the end, what it could not see and how to see it.
type Unseen struct {
	Denied int    // processes whose descriptors we may not read
	Hint   string // how to see them, e.g. "run as root or with CAP_SYS_PTRACE"
}

// Add merges two counts.
func (u Unseen) Add(v Unseen) Unseen {
	u.Denied += v.Denied
	if u.Hint == "" {
		u.Hint = v.Hint
	}
	return u
}

// Sentinel errors a caller acts on.
var (
	ErrGone       = errors.New("process has exited")
	ErrPermission = errors.New("permission denied")
	ErrParse      = errors.New("cannot parse")
	ErrNoMatch    = errors.New("nothing matched")
)

// UsageError is bad input from the user: exit code 2 with a one-line message.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
