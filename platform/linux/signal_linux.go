package linux

import (
	"fmt"
	"strconv"
	"syscall"
	"time"

	"github.com/gosof/gosof/internal/sysfile"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// Signaller implements core.Signaller with pidfds (pidfd_open, Linux 5.3):
// Pin opens a pidfd and then checks that the process behind it started when
// the resolved one did, so a PID recycled between resolving and pinning is
// refused as gone; after that the pidfd can only ever reach that process.
// Its targets are core.Provers (proof_linux.go): kill proves through the
// pidfd that the process holds the socket before every signal. Signals go
// through pidfd_send_signal and Wait polls the pidfd.
//
// Where pidfd_open is missing (ENOSYS), it falls back to comparing
// /proc/[pid]/stat starttime before every kill(2), and Wait polls /proc;
// the proof is then read from /proc between two such checks.
type Signaller struct {
	FS FS
	// NoPidfd takes the fallback path even where pidfds work (tests use
	// it to exercise what kernels older than 5.3 get).
	NoPidfd bool
	// Poll is the fallback Wait's polling interval; 0 is 20ms.
	Poll time.Duration
}

// stat reads /proc/[pid]/stat.
func (s *Signaller) stat(pid int) (procStat, error) {
	b, err := readFile(s.FS.Path(strconv.Itoa(pid), "stat"))
	switch sentinel := sysfile.Sentinel(err); {
	case sentinel == core.ErrGone:
		return procStat{}, fmt.Errorf("process %d: %w", pid, core.ErrGone)
	case sentinel == core.ErrPermission:
		return procStat{}, fmt.Errorf("process %d: read /proc/%d/stat: %w", pid, pid, core.ErrPermission)
	case err != nil:
		return procStat{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return parseStat(b)
}

// same checks that pid is still the process p described: alive, not a
// zombie, and started at p.Start.
func (s *Signaller) same(p *core.Process) error {
	st, err := s.stat(p.PID)
	if err != nil {
		return err
	}
	if st.Start != p.Start {
		return fmt.Errorf("process %d: the pid now belongs to a process started at tick %d, not %d: %w",
			p.PID, st.Start, p.Start, core.ErrGone)
	}
	if st.exited() && !s.othersAlive(p.PID) {
		return fmt.Errorf("process %d: has exited (state %c): %w", p.PID, st.State, core.ErrGone)
	}
	return nil
}

// othersAlive reports whether threads of pid live on after its main thread
// exited: /proc/PID/stat then says zombie, but the process still holds its
// descriptors and takes signals. The link count of /proc/PID/task is 2 plus
// the thread count, which counts the zombie main thread too.
func (s *Signaller) othersAlive(pid int) bool {
	var st unix.Stat_t
	return unix.Stat(s.FS.Path(strconv.Itoa(pid), "task"), &st) == nil && st.Nlink > 3
}

// Pin implements core.Signaller.
func (s *Signaller) Pin(p *core.Process) (core.Target, error) {
	if p.Start == 0 {
		// The resolver could not read the process (hidepid, or it is not
		// ours): without a start time its identity cannot be checked.
		return nil, fmt.Errorf("process %d: its start time could not be read, so a recycled pid cannot be ruled out: %w",
			p.PID, core.ErrPermission)
	}
	if !s.NoPidfd {
		fd, err := unix.PidfdOpen(p.PID, 0)
		switch {
		case err == nil:
			// Only now is the check race-free: the pidfd was opened
			// first, so if the pid still shows p's start time, the pidfd
			// refers to p.
			if err := s.same(p); err != nil {
				unix.Close(fd)
				return nil, err
			}
			return &pidfdTarget{pid: p.PID, fd: fd, prover: prover{fs: s.FS, pid: p.PID, pidfd: fd, alive: pidfdAlive(p.PID, fd)}}, nil
		case sysfile.Sentinel(err) == core.ErrGone:
			return nil, fmt.Errorf("process %d: %w", p.PID, core.ErrGone)
		case err != unix.ENOSYS:
			return nil, fmt.Errorf("pidfd_open(%d): %w", p.PID, err)
		}
	}
	if err := s.same(p); err != nil {
		return nil, err
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	pc := *p
	check := func() error { return s.same(&pc) }
	pr := &prover{fs: s.FS, pid: pc.PID, pidfd: -1, alive: check}
	return &core.CheckedTarget{
		Check: check,
		Prove: pr.Holds,
		Kill:  func(sig syscall.Signal) error { return signalErr(pc.PID, sig, "kill", unix.Kill(pc.PID, sig)) },
		Poll:  poll,
	}, nil
}

// pidfdTarget is a process held by a pidfd; its prover proves what it
// holds (core.Prover).
type pidfdTarget struct {
	pid int
	fd  int
	prover
}

func (t *pidfdTarget) Signal(sig syscall.Signal) error {
	err := unix.PidfdSendSignal(t.fd, sig, nil, 0)
	return signalErr(t.pid, sig, "pidfd_send_signal", err)
}

// Wait polls the pidfd, which becomes readable when the process exits
// (after it has closed its descriptors: its sockets are released by then).
func (t *pidfdTarget) Wait(timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	pfd := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
	for {
		ms := int(time.Until(deadline).Milliseconds())
		if ms < 0 {
			ms = 0
		}
		n, err := unix.Poll(pfd, ms)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return false, fmt.Errorf("poll pidfd of process %d: %w", t.pid, err)
		case n > 0:
			return true, nil
		case ms <= 0:
			return false, nil
		}
	}
}

func (t *pidfdTarget) Close() error { return unix.Close(t.fd) }

func signalErr(pid int, sig syscall.Signal, call string, err error) error {
	switch sentinel := sysfile.Sentinel(err); {
	case err == nil:
		return nil
	case sentinel == core.ErrGone:
		return fmt.Errorf("process %d: %w", pid, core.ErrGone)
	case sentinel == core.ErrPermission:
		return fmt.Errorf("%s(%d, SIG%s): EPERM: %w: it belongs to another user; run as root or as its owner",
			call, pid, core.SignalName(sig), core.ErrPermission)
	}
	return fmt.Errorf("%s(%d, SIG%s): %w", call, pid, core.SignalName(sig), err)
}
