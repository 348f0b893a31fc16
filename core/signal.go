package core

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// signalNames are the signals kill accepts by name, with the numbers this
// OS gives them (USR1 is 10 on Linux and 16 on Solaris, so never hard-code one).
var signalNames = map[string]syscall.Signal{
	"HUP":  syscall.SIGHUP,
	"INT":  syscall.SIGINT,
	"QUIT": syscall.SIGQUIT,
	"ABRT": syscall.SIGABRT,
	"KILL": syscall.SIGKILL,
	"ALRM": syscall.SIGALRM,
	"TERM": syscall.SIGTERM,
}

// ParseSignal reads --signal: a name with or without SIG ("TERM", "sigkill",
// "hup") or a number ("9").
func ParseSignal(s string) (syscall.Signal, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, Usagef("--signal: %d is not a signal number", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signalNames[name]; ok {
		return sig, nil
	}
	return 0, Usagef("--signal: unknown signal %q (want a name like TERM, KILL, HUP, INT or a number)", s)
}

// IsSignalName reports whether s, in upper case with or without SIG,
// names a signal --signal takes: kill(1)'s -KILL and -SIGHUP spellings
// and the hints that suggest them ask this, so that they take every name
// kill takes, and no other.
func IsSignalName(s string) bool {
	_, ok := signalNames[strings.TrimPrefix(s, "SIG")]
	return ok
}

// SignalName is a signal as kill(1) names it ("TERM"), or its number.
func SignalName(sig syscall.Signal) string {
	for name, s := range signalNames {
		if s == sig {
			return name
		}
	}
	return strconv.Itoa(int(sig))
}

// PollGone waits up to timeout for a process to go, calling gone every poll
// interval: gone returns an error wrapping ErrGone once the process has
// exited (or its PID belongs to another), nil while it runs. It serves
// targets that have no pidfd to wait on.
func PollGone(gone func() error, timeout, poll time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := gone()
		if errors.Is(err, ErrGone) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if !time.Now().Before(deadline) {
			return false, nil
		}
		pause := time.Until(deadline)
		if pause > poll {
			pause = poll
		}
		time.Sleep(pause)
	}
}

// CheckedTarget is a process known by pid and start time, without a
// handle that pins it (no pidfd): Check runs again right before every
// signal and while waiting, so a recycled pid is never signalled. A window
// remains between the check and kill(2); pidfds exist to close it.
type CheckedTarget struct {
	// Check fails with ErrGone once the pid has exited or belongs to
	// another process (a different start time).
	Check func() error
	// Prove, if not nil, is Prover.Holds for this process: it reads what
	// the pid holds, and Holds runs Check after it, so that what was read
	// was the checked process's. nil where the platform cannot tell.
	Prove func(hs []Hold) error
	// Kill sends sig with kill(2), its errors mapped to ErrGone and
	// ErrPermission.
	Kill func(sig syscall.Signal) error
	Poll time.Duration // Wait's polling interval
}

// Signal implements Target.
func (t *CheckedTarget) Signal(sig syscall.Signal) error {
	if err := t.Check(); err != nil {
		return err
	}
	return t.Kill(sig)
}

// Holds implements Prover: what the pid holds, read between two checks
// that it is still the process that was pinned.
func (t *CheckedTarget) Holds(hs []Hold) error {
	if t.Prove == nil {
		return t.Check()
	}
	if err := t.Check(); err != nil {
		return err
	}
	if err := t.Prove(hs); err != nil {
		return err
	}
	return t.Check()
}

// Wait implements Target by polling Check.
func (t *CheckedTarget) Wait(timeout time.Duration) (bool, error) {
	return PollGone(t.Check, timeout, t.Poll)
}

// Close implements Target: there is nothing to let go.
func (t *CheckedTarget) Close() error { return nil }
