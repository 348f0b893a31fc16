package linux

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// The proof at the point of action (core.Prover): before every signal
// and every graceful close, gosof proves that the pinned process holds
// the planned socket now, on the process itself rather than on what the
// scan saw:
//
//   - a descriptor of the process's own table is taken through the pidfd
//     (pidfd_getfd), which can only reach the pinned process, and fstat
//     must show a socket on sockfs (st_dev of the sockfs super block, which
//     every socket shares) with the planned inode. The inode number alone
//     is not enough: any file system can have a socket node with the same
//     number.
//   - where pidfd_getfd may not be used (EPERM: it needs ptrace attach
//     access, which Yama's ptrace_scope 1 refuses for a process that is
//     not a descendant; ENOSYS before Linux 5.6), and for a descriptor of
//     a thread's own table (Owner.TID), /proc/PID[/task/TID]/fd/N is
//     stat'ed instead, and the pidfd must show the process alive after
//     that: a pid is not reused while its process runs (or waits, a
//     zombie, to be reaped), so what /proc showed was the pinned
//     process's. This needs /proc to be for gosof's own pid namespace
//     (ProcIsOurs).
//   - a descriptor opened O_PATH on the socket (through /proc/PID/fd/N)
//     names its inode but does not hold it open: it proves nothing.
//   - if the descriptor it was seen with is no longer that socket, the
//     process's other descriptors (every table, as the scan reads them)
//     are looked through for the inode, and one found is proved as above:
//     a process that moved the socket to another number still holds it.
//
// A process that holds none of its planned sockets fails with
// core.ErrNotHeld and is not signalled. What remains is the time between
// the proof and the signal (a few system calls): a process can let go of
// the socket in it, but the signal still only reaches the pinned process.

// sockfs is the device number of sockfs, read once from a socket gosof
// makes itself.
var sockfs struct {
	once sync.Once
	dev  uint64
	err  error
}

func sockfsDev() (uint64, error) {
	sockfs.once.Do(func() {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			sockfs.err = fmt.Errorf("socket(AF_UNIX) to learn sockfs's device: %w", err)
			return
		}
		defer unix.Close(fd)
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			sockfs.err = fmt.Errorf("fstat of a socket to learn sockfs's device: %w", err)
			return
		}
		sockfs.dev = uint64(st.Dev)
	})
	return sockfs.dev, sockfs.err
}

// isSocket reports whether st is the socket with inode ino: a socket, on
// sockfs, with that inode number.
func isSocket(st *unix.Stat_t, dev, ino uint64) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFSOCK && uint64(st.Dev) == dev && st.Ino == ino
}

// describeStat says what a descriptor is instead of the planned socket.
func describeStat(st *unix.Stat_t, dev uint64) string {
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFSOCK:
		return fmt.Sprintf("not a socket (inode %d)", st.Ino)
	case uint64(st.Dev) != dev:
		return fmt.Sprintf("a socket node on another file system (device %d:%d, inode %d), not on sockfs",
			unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	}
	return fmt.Sprintf("socket %d", st.Ino)
}

// prover proves what one pinned process holds.
type prover struct {
	fs  FS
	pid int
	// pidfd pins the process; -1 on kernels without pidfds, where alive
	// is the start-time check instead.
	pidfd int
	alive func() error // nil error while the pinned process runs
	// noGetfd: pidfd_getfd was refused once (EPERM, ENOSYS); /proc is read
	// from then on.
	noGetfd bool
}

// pidfdAlive is prover.alive for a pidfd: the pidfd becomes readable
// once the process has exited.
func pidfdAlive(pid, pidfd int) func() error {
	return func() error {
		pfd := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(pfd, 0)
			switch {
			case err == unix.EINTR:
				continue
			case err != nil:
				return fmt.Errorf("poll pidfd of process %d: %w", pid, err)
			case n > 0:
				return fmt.Errorf("process %d: %w", pid, core.ErrGone)
			}
			return nil
		}
	}
}

// Holds implements core.Prover's Holds for the pinned process.
func (p *prover) Holds(hs []core.Hold) error {
	_, err := p.find(hs, nil)
	return err
}

// take is Holds for close: it returns a duplicate of the process's
// descriptor of the socket h names (the caller closes it), and the hold
// it came through.
func (p *prover) take(h core.Hold) (int, core.Hold, error) {
	dup := -1
	got, err := p.find([]core.Hold{h}, &dup)
	return dup, got, err
}

// find proves one of hs: first each at its own descriptor, then their
// inodes among all of the process's descriptors. With dup (close), only a
// duplicate taken from the process proves, and *dup is set to it.
func (p *prover) find(hs []core.Hold, dup *int) (core.Hold, error) {
	dev, err := sockfsDev()
	if err != nil {
		return core.Hold{}, err
	}
	var why []string
	for _, h := range hs {
		ok, what, err := p.at(h, dev, dup)
		if err != nil || ok {
			return h, err
		}
		why = append(why, what)
	}
	found, err := p.search(hs)
	if err != nil {
		return core.Hold{}, err
	}
	for _, h := range found {
		ok, _, err := p.at(h, dev, dup)
		if err != nil || ok {
			return h, err
		}
	}
	return core.Hold{}, notHeld(fmt.Sprintf("process %d: %s", p.pid, strings.Join(why, "; ")))
}

// notHeld is core.ErrNotHeld saying what the process holds instead.
type notHeld string

func (e notHeld) Error() string        { return string(e) }
func (e notHeld) Is(target error) bool { return target == core.ErrNotHeld }

// at proves h at its own descriptor: ok when it is the socket, else what
// says what it is instead.
func (p *prover) at(h core.Hold, dev uint64, dup *int) (ok bool, what string, err error) {
	where := "fd " + strconv.Itoa(h.FD)
	if h.TID != 0 {
		where += " of thread " + strconv.Itoa(h.TID)
	}
	if p.pidfd >= 0 && (dup != nil || h.TID == 0 && !p.noGetfd) {
		fd, err := p.getfd(h)
		switch sentinel := sysfile.Sentinel(err); {
		case err == nil:
			var st unix.Stat_t
			ferr := unix.Fstat(fd, &st)
			if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); ferr == nil && err == nil && fl&unix.O_PATH != 0 && isSocket(&st, dev, h.Inode) {
				unix.Close(fd)
				return false, fmt.Sprintf("%s is an O_PATH descriptor of socket %d, which does not hold it", where, h.Inode), nil
			}
			if ferr == nil && isSocket(&st, dev, h.Inode) {
				if dup != nil {
					*dup = fd
				} else {
					unix.Close(fd)
				}
				return true, "", nil
			}
			unix.Close(fd)
			if ferr != nil {
				return false, "", fmt.Errorf("fstat duplicate of %s of process %d: %w", where, p.pid, ferr)
			}
			return false, fmt.Sprintf("%s is now %s, not socket %d", where, describeStat(&st, dev), h.Inode), nil
		case err == unix.EBADF:
			return false, fmt.Sprintf("%s is closed (it was socket %d)", where, h.Inode), nil
		case sentinel == core.ErrGone && h.TID != 0:
			return false, fmt.Sprintf("thread %d has exited (it held socket %d)", h.TID, h.Inode), nil
		case sentinel == core.ErrGone:
			return false, "", fmt.Errorf("process %d: %w", p.pid, core.ErrGone)
		case dup != nil && sentinel == core.ErrPermission:
			return false, "", fmt.Errorf("pidfd_getfd(%s of process %d): %s: %w: duplicating another process's descriptor needs ptrace access to it: run as root or with CAP_SYS_PTRACE (and kernel.yama.ptrace_scope < 3)",
				where, p.pid, unix.ErrnoName(err.(unix.Errno)), core.ErrPermission)
		case dup != nil && err == unix.ENOSYS:
			return false, "", fmt.Errorf("pidfd_getfd(%s of process %d): ENOSYS: this kernel has no pidfd_getfd (needs Linux 5.6 or newer); --abort (SOCK_DESTROY) may work instead: %w",
				where, p.pid, err)
		case dup != nil && h.TID != 0 && err == unix.EINVAL:
			return false, "", fmt.Errorf("pidfd_open(thread %d of process %d, PIDFD_THREAD): EINVAL: duplicating a descriptor of a thread's own table needs Linux 6.9 or newer; --abort (SOCK_DESTROY) may work instead: %w",
				h.TID, p.pid, err)
		case dup != nil:
			return false, "", fmt.Errorf("pidfd_getfd(%s of process %d): %w", where, p.pid, err)
		}
		// EPERM, ENOSYS...: /proc tells it as well.
		p.noGetfd = true
	}
	if dup != nil {
		return false, "", fmt.Errorf("process %d: no pidfd to duplicate %s through", p.pid, where)
	}
	var st unix.Stat_t
	err = unix.Stat(p.path(h), &st)
	if aerr := p.alive(); aerr != nil {
		return false, "", aerr
	}
	switch sentinel := sysfile.Sentinel(err); {
	case err == nil:
		if isSocket(&st, dev, h.Inode) && p.opathAt(h) {
			return false, fmt.Sprintf("%s is an O_PATH descriptor of socket %d, which does not hold it", where, h.Inode), nil
		}
		if isSocket(&st, dev, h.Inode) {
			return true, "", nil
		}
		return false, fmt.Sprintf("%s is now %s, not socket %d", where, describeStat(&st, dev), h.Inode), nil
	case sentinel == core.ErrGone:
		return false, fmt.Sprintf("%s is closed (it was socket %d)", where, h.Inode), nil
	case sentinel == core.ErrPermission:
		return false, "", fmt.Errorf("process %d: stat %s: %w: cannot prove it still holds socket %d; %s",
			p.pid, p.path(h), core.ErrPermission, h.Inode, unseenHint)
	}
	return false, "", fmt.Errorf("process %d: stat %s: %w", p.pid, p.path(h), err)
}

// opathAt reports whether h's descriptor was opened O_PATH, from the
// "flags:" line of its /proc fdinfo (octal f_flags): such a descriptor
// names the socket's inode (a readlink of /proc/PID/fd/N shows
// socket:[N]) but does not keep the socket open. Unreadable: false, as
// the stat that proved it was read the same way.
func (p *prover) opathAt(h core.Hold) bool {
	path := p.fs.Path(strconv.Itoa(p.pid), "fdinfo", strconv.Itoa(h.FD))
	if h.TID != 0 {
		path = p.fs.Path(strconv.Itoa(p.pid), "task", strconv.Itoa(h.TID), "fdinfo", strconv.Itoa(h.FD))
	}
	b, err := readFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags:") {
			fl, err := strconv.ParseUint(strings.TrimSpace(line[len("flags:"):]), 8, 64)
			return err == nil && fl&unix.O_PATH != 0
		}
	}
	return false
}

// getfd duplicates h's descriptor from the pinned process: from its own
// table through its pidfd, or from a thread's own table through a pidfd
// of that thread (PIDFD_THREAD, Linux 6.9), once /proc shows the thread
// in the pinned process while it runs. The thread's pidfd is opened
// first: if the duplicate is then taken, that thread lived from the open
// to the duplicate, so it was the thread /proc showed in the process.
func (p *prover) getfd(h core.Hold) (int, error) {
	if h.TID == 0 {
		return unix.PidfdGetfd(p.pidfd, h.FD, 0)
	}
	tfd, err := unix.PidfdOpen(h.TID, pidfdThread)
	if err != nil {
		return -1, err
	}
	defer unix.Close(tfd)
	var st unix.Stat_t
	err = unix.Stat(p.fs.Path(strconv.Itoa(p.pid), "task", strconv.Itoa(h.TID)), &st)
	if aerr := p.alive(); aerr != nil {
		return -1, aerr
	}
	if err != nil {
		return -1, unix.ESRCH // the thread is not (or no longer) the process's
	}
	return unix.PidfdGetfd(tfd, h.FD, 0)
}

// pidfdThread is PIDFD_THREAD (include/uapi/linux/pidfd.h, Linux 6.9:
// O_EXCL, whose value differs between architectures), spelled here: the
// golang.org/x/sys the SPARC build pins predates it.
const pidfdThread = unix.O_EXCL

// path is h's descriptor under /proc.
func (p *prover) path(h core.Hold) string {
	if h.TID != 0 {
		return p.fs.Path(strconv.Itoa(p.pid), "task", strconv.Itoa(h.TID), "fd", strconv.Itoa(h.FD))
	}
	return p.fs.Path(strconv.Itoa(p.pid), "fd", strconv.Itoa(h.FD))
}

// search looks for the inodes of hs among every descriptor of the
// process (every table, as the /proc scan reads them), leaving out the
// descriptors hs name: at proves what it finds.
func (p *prover) search(hs []core.Hold) ([]core.Hold, error) {
	want := make(map[uint64]bool, len(hs))
	tried := make(map[core.Hold]bool, len(hs))
	for _, h := range hs {
		want[h.Inode] = true
		tried[h] = true
	}
	procfd, err := unix.Open(p.fs.Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p.fs.Proc, err)
	}
	defer unix.Close(procfd)
	var found []Holder
	newFDScanner().scanPID(procfd, int32(p.pid), func(ino uint64) bool { return want[ino] }, &found)
	if err := p.alive(); err != nil {
		return nil, err
	}
	var out []core.Hold
	for _, f := range found {
		h := core.Hold{Inode: f.Inode, FD: int(f.FD), TID: int(f.TID)}
		if !tried[h] {
			out = append(out, h)
		}
	}
	return out, nil
}
