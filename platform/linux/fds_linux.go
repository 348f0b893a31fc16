package linux

import (
	"fmt"
	"os"
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
func (l *FDs) FDs(pid int) ([]core.FD, error) {
	dir := l.FS.Path(strconv.Itoa(pid), "fd")
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
	sort.Slice(out, func(i, j int) bool { return out[i].FD < out[j].FD })
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
// socket was made with, as lsof's "protocol:" shows it), and whether
// gosof's socket table lists sockets of that kind (diagListed). "" when
// it cannot be read (gone, no ptrace access), or when fd no longer
// refers to the socket of inode it was listed with: the name is read by
// descriptor number, and a stat after it tells whether that number
// still names the same socket.
func (l *FDs) SocketKind(pid, fd int, inode uint64) (string, bool) {
	path := l.FS.Path(strconv.Itoa(pid), "fd", strconv.Itoa(fd))
	var buf [32]byte // struct proto's name is char[32]
	n, err := unix.Getxattr(path, "system.sockprotoname", buf[:])
	if err != nil || n <= 0 {
		return "", false
	}
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil || st.Ino != inode {
		return "", false
	}
	name := strings.TrimRight(string(buf[:n]), "\x00")
	return name, diagListed(name)
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
