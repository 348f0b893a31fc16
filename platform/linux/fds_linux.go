package linux

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// FDs lists a process's descriptors from /proc/[pid]/fd: the link target
// of each, and a stat of what it refers to for the type and inode.
type FDs struct {
	FS FS
}

// CommandLine is a process's command line for the fds heading and
// --cmdline (core.FDSources): its arguments, /proc/[pid]/cmdline split at
// its NULs, read through prometheus/procfs (which drops the NULs at the
// end: a process that rewrote its command line, setproctitle, pads it
// with them, so trailing empty arguments are not told apart from the
// padding). It is read once per process shown, off the hot scan, where
// procfs's speed is enough (docs/conventions.md says what linking it
// costs each start).
func (l *FDs) CommandLine(pid int) ([]string, error) {
	args, err := l.cmdline(pid)
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrGone && hiddenPID(l.FS, pid) {
			return nil, hiddenErr(l.FS, pid)
		}
		return nil, procErr(pid, err)
	}
	return args, nil
}

// cmdline keeps procfs's types in its locals: held in a field of FDs
// (an interface's dynamic type), their every exported method would be
// linked, for text/template (through urfave/cli) calls methods by name.
func (l *FDs) cmdline(pid int) ([]string, error) {
	fs, err := procfs.NewFS(l.FS.Proc)
	if err != nil {
		return nil, err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return nil, err
	}
	return p.CmdLine()
}

// FDs implements core.FDLister. It reads the links and stats the
// descriptors relative to the open /proc/[pid]/fd directory, as the owner
// scan does: by absolute path every call walked /proc/PID/fd again (46%
// of `gosof fds` on a process with 10,000 descriptors).
//
// Every descriptor table of the process is read: its own, then those of
// its threads that have one (unshare(CLONE_FILES)), found as the owner
// scan finds them (manyThreads, threadTables); a thread's descriptor
// carries its TID, and what a thread's table shares with the process's
// under the same number is listed once, as the process's.
func (l *FDs) FDs(pid int) ([]core.FD, error) {
	out, err := l.fdDir(pid, l.FS.Path(strconv.Itoa(pid), "fd"))
	if err != nil {
		return nil, err
	}
	var byNum map[int]int // the process's table by descriptor number, made for the first thread table
	for _, tid := range l.threadTables(pid) {
		tfds, err := l.fdDir(pid, l.FS.Path(strconv.Itoa(pid), "task", strconv.Itoa(int(tid)), "fd"))
		if err != nil {
			continue // the thread ended since
		}
		if byNum == nil {
			byNum = make(map[int]int, len(out))
			for i := range out {
				byNum[out[i].FD] = i
			}
		}
		for _, fd := range tfds {
			if i, ok := byNum[fd.FD]; !ok || !sameFile(&out[i], &fd) {
				fd.TID = int(tid)
				out = append(out, fd)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].FD != out[j].FD {
			return out[i].FD < out[j].FD
		}
		return out[i].TID < out[j].TID
	})
	return out, nil
}

// sameFile reports whether a thread's descriptor is the one the
// process's table has under its number: what the thread's table still
// shares with it.
func sameFile(own, fd *core.FD) bool { return own.Inode == fd.Inode && own.Path == fd.Path }

// threadTables is, of pid's threads, one for each descriptor table of
// its own (threadTables in the owner scan); none for a process with one
// thread.
func (l *FDs) threadTables(pid int) []int32 {
	task := l.FS.Path(strconv.Itoa(pid), "task")
	var st unix.Stat_t
	if unix.Lstat(task, &st) != nil || !manyThreads(uint64(st.Nlink)) {
		return nil
	}
	fd, err := unix.Open(task, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	ids, err := listPIDs(fd) // the numeric entries, as of /proc (os.ReadDir would link its sorting in)
	unix.Close(fd)
	if err != nil {
		return nil
	}
	tids := ids[:0]
	for _, tid := range ids {
		if tid != int32(pid) {
			tids = append(tids, tid)
		}
	}
	return threadTables(int32(pid), tids, nil)
}

// fdDir lists the descriptors of one table of pid, /proc/PID/fd or
// /proc/PID/task/TID/fd.
func (l *FDs) fdDir(pid int, dir string) ([]core.FD, error) {
	d, err := os.Open(dir)
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrGone && hiddenPID(l.FS, pid) {
			return nil, hiddenErr(l.FS, pid)
		}
		return nil, procErr(pid, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, procErr(pid, err)
	}
	dfd := int(d.Fd())
	out := make([]core.FD, 0, len(names))
	buf := make([]byte, unix.PathMax)
	for _, name := range names {
		n, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		k, err := readlinkAt(dfd, name, buf)
		if err == unix.ENOENT {
			continue // closed since the directory was read
		}
		if err != nil {
			path := dir + "/" + name
			return nil, procErr(pid, fmt.Errorf("readlink %s: %w", path, &os.PathError{Op: "readlink", Path: path, Err: err}))
		}
		link := string(buf[:k])
		fd := core.FD{FD: n, Path: link}
		// A socket's or pipe's link names its kind and inode (the
		// kernel's "socket:[ino]", "pipe:[ino]"): no stat for those, two
		// thirds of the descriptors of a process full of them.
		if ino, ok := pseudoInode(buf[:k]); ok {
			fd.Kind, fd.Inode = fdKind(link, 0, false), ino
			out = append(out, fd)
			continue
		}
		var st unix.Stat_t
		statErr := unix.Fstatat(dfd, name, &st, 0)
		fd.Kind = fdKind(link, st.Mode, statErr == nil)
		if statErr == nil {
			fd.Inode = st.Ino
		}
		out = append(out, fd)
	}
	return out, nil
}

// readlinkAt reads a link into buf, retrying on EINTR.
func readlinkAt(dfd int, name string, buf []byte) (int, error) {
	for {
		n, err := unix.Readlinkat(dfd, name, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// SocketKind is core.FDSources.SocketKind: the name sockfs gives the
// socket pid's descriptor fd refers to, in its system.sockprotoname
// attribute (net/socket.c: the name of the kernel's struct proto the
// socket was made with, as lsof's "protocol:" shows it), whether gosof's
// socket table lists sockets of that kind (diagListed), and why it lacks
// this one (absentWhy). It reads them through a duplicate of the
// descriptor (pidfd_getfd), whose inode is checked first: the
// duplicate is the socket itself. Without ptrace access to pid (or a
// /proc of another pid namespace, whose pids are not ours to open) the
// name is read by path, and a stat after it tells whether that path
// still names the socket of inode; why is then not told. Nothing when
// the descriptor no longer refers to the socket it was listed with.
func (l *FDs) SocketKind(pid, fd int, inode uint64) core.SocketKind {
	if k, ok := l.kindByDup(pid, fd, inode); ok {
		return k
	}
	path := l.FS.Path(strconv.Itoa(pid), "fd", strconv.Itoa(fd))
	var buf [32]byte // struct proto's name is char[32]
	n, err := unix.Getxattr(path, "system.sockprotoname", buf[:])
	if err != nil || n <= 0 {
		return core.SocketKind{}
	}
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Ino != inode {
		return core.SocketKind{}
	}
	name := strings.TrimRight(string(buf[:n]), "\x00")
	return core.SocketKind{Proto: name, Listed: diagListed(name)}
}

// kindByDup is SocketKind through a duplicate of the descriptor; ok is
// false when there is none to read (no ptrace access, no pidfd_getfd, a
// foreign /proc, the process gone).
func (l *FDs) kindByDup(pid, fd int, inode uint64) (k core.SocketKind, ok bool) {
	if filepath.Clean(l.FS.Proc) != "/proc" || ProcIsOurs(l.FS) != nil {
		return k, false
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return k, false
	}
	defer unix.Close(pidfd)
	dup, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return k, err == unix.EBADF // closed since it was listed: nothing to tell
	}
	defer unix.Close(dup)
	var st unix.Stat_t
	if unix.Fstat(dup, &st) != nil || st.Ino != inode {
		return k, true // its number names another file now
	}
	var buf [32]byte
	n, err := unix.Fgetxattr(dup, "system.sockprotoname", buf[:])
	if err != nil || n <= 0 {
		return k, true
	}
	k.Proto = strings.TrimRight(string(buf[:n]), "\x00")
	k.Listed = diagListed(k.Proto)
	if k.Listed {
		k.Why, k.Port, k.NetNS = absentWhy(dup, l.netnsOf(pid))
	}
	return k, true
}

// netnsOf is the inode of pid's network namespace, and of gosof's, the
// namespaces fds reads the sockets of; 0 where it cannot be read.
func (l *FDs) netnsOf(pid int) [2]uint64 {
	var out [2]uint64
	for i, p := range []string{strconv.Itoa(pid), "self"} {
		var st unix.Stat_t
		if unix.Stat(l.FS.Path(p, "ns", "net"), &st) == nil {
			out[i] = st.Ino
		}
	}
	return out
}

// absentWhy tells why the socket table lacks the socket of fd, a kind it
// lists (core.SocketKind.Why): it lives in a network namespace the table
// was not read in (SIOCGSKNS, which needs CAP_NET_ADMIN there), other
// than read's (the process's and gosof's); it has no port (getsockname:
// an unbound TCP or UDP socket is in no hash a dump walks); or it is a
// TCP socket in state CLOSE with a local port (TCP_INFO): its
// connection is over, or before Linux 6.5 it is bound and unused. ""
// when none of these is seen.
func absentWhy(fd int, read [2]uint64) (why string, port uint16, netns uint64) {
	if nsfd, err := unix.IoctlRetInt(fd, unix.SIOCGSKNS); err == nil {
		var st unix.Stat_t
		err := unix.Fstat(nsfd, &st)
		unix.Close(nsfd)
		if err == nil && st.Ino != read[0] && st.Ino != read[1] && read[0] != 0 && read[1] != 0 {
			return core.AbsentNetNS, 0, st.Ino
		}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", 0, 0
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		port = uint16(a.Port)
	case *unix.SockaddrInet6:
		port = uint16(a.Port)
	default:
		return "", 0, 0
	}
	if port == 0 {
		return core.AbsentUnbound, 0, 0
	}
	if ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil && ti.State == tcpClose {
		return core.AbsentClosed, port, 0
	}
	return "", 0, 0
}

// diagListed says whether the socket table lists the sockets of a
// protocol, by the kernel's name for it (seen on Linux 6.18): TCP, UDP,
// UDP-Lite and raw in both families (sock_diag's inet and raw dumps, or
// /proc/net), unix datagram and stream sockets, and MPTCP, whose socket
// the TCP dump shows through its subflows (they carry its inode).
// Netlink, packet, vsock and the rest are not listed.
func diagListed(name string) bool {
	switch name {
	case "TCP", "TCPv6", "UDP", "UDPv6", "UDP-Lite", "UDPLITEv6", "RAW", "RAWv6", "UNIX", "UNIX-STREAM", "MPTCP", "MPTCPv6":
		return true
	}
	return false
}
