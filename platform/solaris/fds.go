package solaris

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// What `gosof fds` and `--options` read on Solaris and illumos: every
// descriptor's /proc/<pid>/fdinfo/<fd> (prfdinfo_t), live or from a
// capture. The options are the ones the kernel puts in the misc items;
// TCP_NODELAY, IPV6_V6ONLY and TCP_INFO are not among them and stay
// unknown (nil), as on Linux an option the kernel does not give is.

// File types of st_mode (sys/stat.h, illumos): the same bits as Linux's
// for the common ones, plus doors and event ports.
const (
	sIFIFO  = 0x1000
	sIFCHR  = 0x2000
	sIFDIR  = 0x4000
	sIFBLK  = 0x6000
	sIFREG  = 0x8000
	sIFDOOR = 0xd000
	sIFPORT = 0xe000
)

// Boolean option bits of PR_SOCKOPTS_BOOL_OPTS (PR_SO_*, sys/procfs.h).
const (
	prSoReuseAddr = 1 << 1
	prSoReusePort = 1 << 2
	prSoKeepAlive = 1 << 3
)

// Solaris socket types beyond stream and dgram (sys/socket.h).
const (
	solSockRaw       = 4
	solSockSeqPacket = 6
)

// Kind says what the descriptor refers to, from pr_mode. S_IFIFO is both
// an anonymous pipe and a named FIFO: only a FIFO has a path.
func (d *Fdinfo) Kind() core.FDKind {
	switch d.Mode & sIFMT {
	case sIFREG:
		return core.FDFile
	case sIFDIR:
		return core.FDDir
	case sIFIFO:
		if d.Path != "" {
			return core.FDFIFO
		}
		return core.FDPipe
	case sIFCHR:
		return core.FDChar
	case sIFBLK:
		return core.FDBlock
	case sIFSOCK:
		return core.FDSocket
	case sIFDOOR:
		return core.FDDoor
	case sIFPORT:
		return core.FDPort
	}
	return core.FDUnknown
}

// Descriptor is the descriptor as core lists it: its number, kind, inode and name.
// The name is PR_PATHNAME; a socket without one is named as pfiles names
// it, by family and address ("AF_INET 10.0.0.1:22 peer 10.0.0.2:5000",
// "AF_UNIX /var/run/x").
func (d *Fdinfo) Descriptor() core.FD {
	fd := core.FD{FD: d.FD, Kind: d.Kind(), Path: d.Path, Inode: d.Ino}
	if fd.Kind != core.FDSocket || fd.Path != "" {
		return fd
	}
	switch {
	case d.SockFamily == afUnix:
		fd.Path = "AF_UNIX " + d.UnixPath
	case d.HasSockName:
		fam := "AF_INET "
		if d.SockFamily == afInet6 {
			fam = "AF_INET6 "
		}
		fd.Path = fam + d.SockName.String()
		if d.HasPeer {
			fd.Path += " peer " + d.PeerSockName.String()
		}
	}
	return fd
}

// Options maps the misc items to socket options; nil when the descriptor
// is not a socket or carries none of them. Linger, buffers and congestion
// control are as the kernel reports them: SO_SNDBUF is not doubled as on
// Linux.
func (d *Fdinfo) Options() *core.SockOptions {
	if !d.IsSocket() {
		return nil
	}
	var o core.SockOptions
	known := false
	if d.HasBoolOpts {
		bit := func(m uint32) *bool { b := d.BoolOpts&m != 0; return &b }
		o.ReuseAddr, o.KeepAlive = bit(prSoReuseAddr), bit(prSoKeepAlive)
		// The kernel sets PR_SO_REUSEPORT only where it was built with
		// SO_REUSEPORT (prsubr.c; illumos-gate was not, some
		// distributions are): a clear bit may mean "cannot say", so only
		// a set one is reported.
		if d.BoolOpts&prSoReusePort != 0 {
			o.ReusePort = bit(prSoReusePort)
		}
		known = true
	}
	if d.HasLinger {
		o.Linger = &core.Linger{On: d.Linger[0] != 0, Seconds: int(d.Linger[1])}
		known = true
	}
	if d.HasSndBuf {
		n := int(d.SndBuf)
		o.SndBuf, known = &n, true
	}
	if d.HasRcvBuf {
		n := int(d.RcvBuf)
		o.RcvBuf, known = &n, true
	}
	if d.HasSockType {
		o.Type, known = sockType(d.SockType), true
	}
	if d.Congestion != "" {
		o.Congestion, known = d.Congestion, true
	}
	if !known {
		return nil
	}
	return &o
}

// sockType names a Solaris SO_TYPE (SOCK_DGRAM 1, SOCK_STREAM 2, SOCK_RAW
// 4, SOCK_SEQPACKET 6; SOCK_RDM 5 has no name in core).
func sockType(t int32) core.SockType {
	switch t {
	case solSockStream:
		return core.Stream
	case solSockDgram:
		return core.Dgram
	case solSockRaw:
		return core.RawType
	case solSockSeqPacket:
		return core.SeqPacket
	}
	return core.TypeUnknown
}

// fdinfoHint says how to read another user's fdinfo.
const fdinfoHint = "/proc/<pid>/fdinfo is readable only by the process owner: run as root"

// procErr says why a process's fdinfo directory could not be read: the
// process is gone, gosof may not read it, or the release has no fdinfo
// (illumos before 2020, Solaris before 11.4).
func (b *Backend) procErr(pid int, err error) error {
	dir := filepath.Join(b.proc, strconv.Itoa(pid))
	switch sentinel := sysfile.Sentinel(err); {
	case sentinel == core.ErrPermission, errors.Is(err, core.ErrPermission):
		return fmt.Errorf("process %d: %w (%s)", pid, core.ErrPermission, fdinfoHint)
	case sentinel == core.ErrGone, errors.Is(err, core.ErrGone):
		_, serr := os.Stat(dir)
		switch {
		case serr == nil && b.replay:
			return fmt.Errorf("the capture has no fdinfo for process %d ('gosof debug capture' keeps sockets and TLI endpoints only): %w",
				pid, core.ErrUnsupported)
		case serr == nil:
			return fmt.Errorf("%s has no fdinfo: this release predates /proc/<pid>/fdinfo (illumos 2020, Solaris 11.4): %w",
				dir, core.ErrUnsupported)
		}
		return fmt.Errorf("process %d: %w", pid, core.ErrGone)
	}
	return fmt.Errorf("process %d: %w", pid, err)
}

// readFdinfos reads the fdinfo of each of pid's descriptors in fds (all
// of them when fds is nil), leaving out those closed meanwhile. An fdinfo
// gosof cannot parse is skipped and counted (UnparsedFdinfo), as the
// socket listing's scan does (scanFdinfo): one damaged file must not
// hide the process's other descriptors.
func (b *Backend) readFdinfos(pid int, fds []int) ([]*Fdinfo, error) {
	if fds == nil {
		all, err := b.FDs(pid)
		if err != nil {
			return nil, b.procErr(pid, err)
		}
		fds = all
	}
	out := make([]*Fdinfo, 0, len(fds))
	for _, fd := range fds {
		d, err := b.Fdinfo(pid, fd)
		switch {
		case errors.Is(err, core.ErrGone):
			if _, serr := os.Stat(filepath.Join(b.proc, strconv.Itoa(pid))); serr != nil {
				return nil, b.procErr(pid, err)
			}
			continue // closed since it was listed
		case errors.Is(err, core.ErrParse):
			b.mu.Lock()
			if b.unparsedFdinfo == nil {
				b.unparsedFdinfo = map[[2]int]bool{}
			}
			b.unparsedFdinfo[[2]int{pid, fd}] = true // FDs and Options read the same file
			b.mu.Unlock()
			continue
		case err != nil:
			return nil, b.procErr(pid, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// UnparsedFdinfo is how many fdinfo files readFdinfos skipped because
// it could not parse them (platform.Backend.FDsUnparsed), each once.
func (b *Backend) UnparsedFdinfo() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.unparsedFdinfo)
}

// SockOpts is core.OptionReader over the fdinfo misc items.
type SockOpts struct{ B *Backend }

// Options implements core.OptionReader. It reads files only: nothing is
// done to the process or its sockets.
func (r SockOpts) Options(pid int, fds []int) (map[int]*core.SockOptions, error) {
	ds, err := r.B.readFdinfos(pid, fds)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*core.SockOptions, len(ds))
	for _, d := range ds {
		if o := d.Options(); o != nil {
			out[d.FD] = o
		}
	}
	return out, nil
}

// FDs is core.FDLister over /proc/<pid>/fdinfo, and the socket source
// that goes with it (see Sockets).
type FDs struct{ B *Backend }

// CommandLine is a process's command line for the fds heading and
// --cmdline (core.FDSources): psinfo's pr_psargs, the first 80 bytes of
// the arguments joined by spaces as ps -f shows them, as one argument:
// where one argument ends is not known. nil when it is empty.
func (l FDs) CommandLine(pid int) ([]string, error) {
	ps, err := l.B.Psinfo(pid)
	if err != nil || ps.Psargs == "" {
		return nil, err
	}
	return []string{ps.Psargs}, nil
}

// FDs implements core.FDLister.
func (l FDs) FDs(pid int) ([]core.FD, error) {
	ds, err := l.B.readFdinfos(pid, nil)
	if err != nil {
		return nil, err
	}
	out := make([]core.FD, len(ds))
	for i, d := range ds {
		out[i] = d.Descriptor()
	}
	return out, nil
}

// Sockets implements core.SocketSource for GatherFDs, which joins a
// descriptor with its socket by inode. A row with an EXPER_SOCK_INFO
// entry has its inode already (sie_inode = pr_ino); the others get the
// pr_ino of the descriptors whose PR_SOCKETNAME and PR_PEERSOCKNAME match
// them (one copy per distinct inode), which reads every process's fdinfo
// once; a row no readable descriptor names keeps inode 0.
func (l FDs) Sockets(f *core.Filter) ([]core.Socket, error) {
	socks, err := l.B.Sockets(f)
	if err != nil {
		return nil, err
	}
	var idx *fdIndex
	out := make([]core.Socket, 0, len(socks))
	for _, s := range socks {
		k, ok := s.Key.(Key)
		if !ok || s.Inode != 0 || k.SockInfo {
			out = append(out, s)
			continue
		}
		if idx == nil {
			if idx, _, err = l.B.scanFdinfo(); err != nil {
				return nil, err
			}
		}
		seen := map[uint64]bool{}
		for _, r := range idx.named(&k.Row) {
			if r.ino == 0 || seen[r.ino] {
				continue
			}
			seen[r.ino] = true
			c := s
			c.Inode = r.ino
			out = append(out, c)
		}
		if len(seen) == 0 {
			out = append(out, s)
		}
	}
	return out, nil
}
