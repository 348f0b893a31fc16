package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FDKind is what an open descriptor refers to.
type FDKind string

const (
	FDFile    FDKind = "file"   // regular file
	FDDir     FDKind = "dir"    // directory
	FDPipe    FDKind = "pipe"   // anonymous pipe
	FDFIFO    FDKind = "fifo"   // named pipe
	FDSocket  FDKind = "socket" // socket
	FDAnon    FDKind = "anon"   // anonymous inode: eventfd, epoll, timerfd, signalfd, pidfd...
	FDChar    FDKind = "char"   // character device
	FDBlock   FDKind = "block"  // block device
	FDDoor    FDKind = "door"   // Solaris door (door_create), e.g. nscd's name_service_door
	FDPort    FDKind = "port"   // Solaris event port (port_create)
	FDUnknown FDKind = "unknown"
)

// FD is one open descriptor of a process.
type FD struct {
	FD int
	// TID is the thread whose own descriptor table holds FD (Linux: it
	// called unshare(CLONE_FILES)), as Owner.TID; 0 for the process's table.
	TID   int
	Kind  FDKind
	Path  string // what the descriptor names: a path, "anon_inode:[eventfd]", "pipe:[123]"; raw, escape before printing
	Inode uint64
	// Socket is the socket a socket descriptor refers to, as the socket
	// source reports it (without owners); nil when it could not be found,
	// e.g. it lives in another network namespace.
	Socket  *Socket
	Options *SockOptions // socket options, nil when not read
	// Proto is the protocol of a socket the table lacks, as the kernel
	// names it ("TCP", "UNIX-STREAM", "NETLINK"; FDSources.SocketKind),
	// raw; "" when not told. Unlisted says the table never lists
	// sockets of that kind (a netlink or packet socket). Absent says why
	// it lacks this one, of a kind it lists, where the platform could
	// tell (SocketKind.Why), and AbsentPort and AbsentNetNS what with.
	Proto       string
	Unlisted    bool
	Absent      string
	AbsentPort  uint16
	AbsentNetNS uint64
}

// Why the socket table lacks a socket of a kind it lists (SocketKind.Why).
const (
	// AbsentUnbound: the socket has no port yet; no hash the kernel
	// dumps holds it.
	AbsentUnbound = "unbound"
	// AbsentClosed: a TCP socket in state CLOSE with a local port, neither
	// listening nor connected: its connection is over (the port went back
	// with it, though its address still names it), or, before Linux 6.5
	// (whose dump lists the sockets bound and nothing more), it was bound
	// and never used.
	AbsentClosed = "closed"
	// AbsentNetNS: the socket lives in another network namespace than
	// its process's, whose table was read.
	AbsentNetNS = "netns"
)

// SocketKind is what a platform tells of a socket descriptor that the
// socket table has no row for (FDSources.SocketKind).
type SocketKind struct {
	// Proto is the protocol as the kernel names it, raw; "" when it
	// could not be told. Listed says the table lists that kind.
	Proto  string
	Listed bool
	// Why is why the table lacks this socket (AbsentUnbound,
	// AbsentClosed, AbsentNetNS), "" when not told; Port its local port
	// (AbsentClosed), NetNS the namespace it lives in (AbsentNetNS).
	Why   string
	Port  uint16
	NetNS uint64
}

// FDLister lists the open descriptors of a process.
type FDLister interface {
	// FDs lists pid's descriptors in order; the error wraps ErrGone or
	// ErrPermission when the process is gone or may not be inspected.
	FDs(pid int) ([]FD, error)
}

// FDSources is what GatherFDs reads.
type FDSources struct {
	FDs FDLister
	// Sockets is the source descriptors are joined with by inode; nil
	// leaves their sockets unknown.
	Sockets SocketSource
	Owners  OwnerSource
	Options OptionReader // nil: no socket options
	// CommandLine tells a process's command line, its arguments, which
	// fds prints in its heading as pfiles does; nil where the platform
	// cannot tell it.
	CommandLine func(pid int) ([]string, error)
	// SocketKind tells the protocol of the socket pid's descriptor fd
	// refers to, whether the socket table lists that kind, and where it
	// can, why the table lacks this one; asked only for a socket the
	// table lacks, with the inode the descriptor was listed with: nothing
	// when fd no longer refers to it (closed, its number reused since).
	// nil where the platform cannot tell.
	SocketKind func(pid, fd int, inode uint64) SocketKind
}

// ProcFDs is one process's descriptors, or why they could not be listed.
type ProcFDs struct {
	PID     int
	Proc    *Process
	Cmdline []string // command line, its arguments, raw; none when unknown
	FDs     []FD
	Err     error  // the process could not be inspected (gone, permission)
	Missing string // why socket options are missing, "" when all were read
}

// GatherFDs lists the descriptors of each pid, joins socket descriptors
// with src.Sockets by inode and reads their options through src.Options.
// A process that is gone or may not be read is reported in its ProcFDs,
// not as an error.
func GatherFDs(src FDSources, pids []int) ([]ProcFDs, error) {
	var out []ProcFDs
	tbl := fdSocketTable{byInode: map[uint64]*Socket{}}
	byInode := tbl.byInode
	for _, pid := range pids {
		pf := ProcFDs{PID: pid}
		p, err := src.Owners.Process(pid)
		if err != nil && !errors.Is(err, ErrPermission) {
			pf.Err = err
			out = append(out, pf)
			continue
		}
		if p != nil && p.User == "" && p.UID >= 0 {
			p.User = LookupUser(p.UID)
		}
		pf.Proc = p
		if src.CommandLine != nil {
			pf.Cmdline, _ = src.CommandLine(pid) // the heading goes without it
		}
		pf.FDs, pf.Err = src.FDs.FDs(pid)
		var sockFDs []int
		socks := false
		for _, fd := range pf.FDs {
			socks = socks || fd.Kind == FDSocket
			if fd.Kind == FDSocket && fd.TID == 0 {
				// options are read through the process's table: fd N of a
				// thread's own table is another file there
				sockFDs = append(sockFDs, fd.FD)
			}
		}
		if socks && src.Sockets != nil {
			if err := tbl.find(src.Sockets, pf.FDs); err != nil {
				return nil, err
			}
		}
		for i := range pf.FDs {
			if fd := &pf.FDs[i]; fd.Kind == FDSocket {
				fd.Socket = byInode[fd.Inode]
				if fd.Socket == nil && src.SocketKind != nil {
					k := src.SocketKind(pid, fd.FD, fd.Inode)
					fd.Proto, fd.Unlisted = k.Proto, k.Proto != "" && !k.Listed
					if k.Proto != "" && k.Listed {
						fd.Absent, fd.AbsentPort, fd.AbsentNetNS = k.Why, k.Port, k.NetNS
					}
				}
			}
		}
		if len(sockFDs) > 0 {
			pf.Missing = "this platform cannot read socket options"
			if src.Options != nil {
				m, err := src.Options.Options(pid, sockFDs)
				if err != nil {
					pf.Missing = err.Error()
				} else {
					pf.Missing = ""
					for i := range pf.FDs {
						if fd := &pf.FDs[i]; fd.Kind == FDSocket && fd.TID == 0 {
							fd.Options = m[fd.FD]
						}
					}
				}
			}
		}
		out = append(out, pf)
	}
	return out, nil
}

// fdSocketTable is the part of the socket table fds has read so far, by
// inode. The unix sockets come first, alone: most processes hold unix
// sockets and few others (a desktop's, a database's many clients), and
// once every socket descriptor is found the TCP, UDP and raw tables, which
// can be the host's largest, need not be dumped at all. An inode the unix
// table lacks makes it read every other protocol, once; what is found is
// what one dump of every protocol would have found.
type fdSocketTable struct {
	byInode   map[uint64]*Socket
	unix, all bool // read
}

// find reads what it has not read yet until every socket descriptor of
// fds has its socket or every protocol was read.
func (t *fdSocketTable) find(src SocketSource, fds []FD) error {
	for !t.all {
		missing := false
		for i := range fds {
			if fds[i].Kind == FDSocket && t.byInode[fds[i].Inode] == nil {
				missing = true
				break
			}
		}
		if !missing {
			return nil
		}
		f := &Filter{Protos: []Proto{Unix}}
		if t.unix {
			f.Protos = nil
			for _, p := range Protos {
				if p != Unix {
					f.Protos = append(f.Protos, p)
				}
			}
			t.all = true
		}
		t.unix = true
		socks, err := src.Sockets(f)
		if err != nil {
			return err
		}
		for i := range socks {
			if socks[i].Inode != 0 {
				t.byInode[socks[i].Inode] = &socks[i]
			}
		}
	}
	return nil
}

// FDsListed is how fds ends once procs are printed: nil when a process
// was listed; else the error of one that may not be inspected, with
// deniedHint (how to get the access) when there is one; else ErrNoMatch
// (every process was gone). When some were listed and one may not be
// inspected, note is what that error would have said, for stderr: the
// listing shows the error beside the process, never how to get the
// access.
func FDsListed(procs []ProcFDs, deniedHint string) (note string, err error) {
	listed := 0
	var denied error
	for _, p := range procs {
		switch {
		case p.Err == nil:
			listed++
		case errors.Is(p.Err, ErrGone):
		default:
			denied = p.Err
		}
	}
	if denied != nil && deniedHint != "" {
		denied = fmt.Errorf("%w (%s)", denied, deniedHint)
	}
	switch {
	case listed > 0 && denied != nil && deniedHint != "":
		return denied.Error(), nil
	case listed > 0:
		return "", nil
	case denied != nil:
		return "", denied
	}
	return "", ErrNoMatch
}

// ParsePIDs reads PID arguments, each process once in the order first
// given ("fds 7 7" and "fds 7 007" list 7 once, as --pid 7,7 is 7).
func ParsePIDs(args []string) ([]int, error) {
	var pids []int
	for _, a := range args {
		n, err := ParsePID(a)
		if err != nil {
			return nil, err
		}
		if !hasInt(pids, n) {
			pids = append(pids, n)
		}
	}
	return pids, nil
}

// ParsePID reads one process id the way every gosof command does: decimal
// digits only, leading zeros allowed and still decimal ("010" is 10, not
// octal 8; "0x639d" is refused), from 1 to 2^31-1.
func ParsePID(s string) (int, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, Usagef("%q is not a process id: want a decimal number", s)
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, Usagef("%q is not a process id: want a decimal number", s)
		}
	}
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil || n <= 0 {
		return 0, Usagef("%q is not a process id (1 to 2147483647)", s)
	}
	return int(n), nil
}
