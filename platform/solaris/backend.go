package solaris

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/gosof/gosof/internal/sysfile"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/hostorder"
)

// Backend is the Solaris socket and owner source over a MIB reply and a
// /proc tree: the live kernel (OpenLive) or a capture (OpenReplay).
type Backend struct {
	mib   func() ([]Group, error) // one fresh MIB reply per call
	proc  string                  // root of the /proc tree
	order binary.ByteOrder        // of the MIB bytes and the /proc files
	// numericUsers leaves user names as uid numbers: a replay has no
	// passwd database from the host that made it.
	numericUsers bool
	// replay is set for a capture, which holds only the fdinfo of socket
	// descriptors.
	replay bool
	// Host describes where the bytes come from (a capture's host.json).
	Host HostInfo
	// notes collects what DecodeMIB could not decode, for Notes.
	notes []string
}

// NewBackend builds a backend from a source of MIB replies and a /proc
// root whose files are in byte order bo.
func NewBackend(mib func() ([]Group, error), proc string, bo binary.ByteOrder) *Backend {
	return &Backend{mib: mib, proc: proc, order: bo}
}

// MIB reads and decodes one MIB reply.
func (b *Backend) MIB() (*MIB, error) {
	groups, err := b.mib()
	if err != nil {
		return nil, err
	}
	m, err := DecodeMIB(groups, b.order)
	if err != nil {
		return nil, err
	}
	for _, n := range m.Notes {
		if !containsString(b.notes, n) {
			b.notes = append(b.notes, n)
		}
	}
	return m, nil
}

// Notes is what the MIB reply held that gosof could not decode, once
// each (the backend's notes in cmd/gosof).
func (b *Backend) Notes() []string { return b.notes }

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Sockets lists TCP and UDP sockets, IPv4 and IPv6, in every state. The
// kernel's MIB cannot filter: core does.
func (b *Backend) Sockets(*core.Filter) ([]core.Socket, error) {
	m, err := b.MIB()
	if err != nil {
		return nil, err
	}
	return m.Sockets()
}

// ownerHint says how to see descriptors the fdinfo scan could not read.
const ownerHint = "run as root: /proc/<pid>/fdinfo is readable only by the process owner"

// AttachOwners fills Owners, best source first: the descriptors whose
// fdinfo inode (and socket type and family, or for a TLI endpoint the
// device's major) match the row's EXPER_SOCK_INFO entry, as netstat -u
// finds them; on a kernel that sends those entries, a row without one
// has no socket vnode (TIME_WAIT, closing) and so no holder. Without
// entries, the descriptors whose PR_SOCKETNAME/PR_PEERSOCKNAME match the
// row. Last, the row's CreationProcess, marked Creator, which may not
// hold the socket any more.
func (b *Backend) AttachOwners(socks []core.Socket, _ []int) (core.Unseen, error) {
	var unseen core.Unseen
	var idx *fdIndex
	for i := range socks {
		s := &socks[i]
		k, ok := s.Key.(Key)
		if !ok {
			continue
		}
		r := &k.Row
		if r.Info == nil && k.SockInfo {
			continue // no socket vnode: nobody holds it, and the creator must not be blamed
		}
		if idx == nil {
			var err error
			idx, unseen, err = b.scanFdinfo()
			if err != nil {
				return unseen, err
			}
		}
		var refs []fdRef
		if r.Info != nil {
			refs = idx.holders(r)
		} else {
			refs = idx.named(r)
		}
		for _, ref := range refs {
			s.Owners = append(s.Owners, core.Owner{PID: ref.pid, FD: ref.fd})
		}
		if len(refs) == 0 && r.HasCreation && r.CreationProcess > 0 {
			s.Owners = append(s.Owners, core.Owner{PID: int(r.CreationProcess), FD: -1, Creator: true})
		}
	}
	return unseen, nil
}

// matchKey is what a socket's fdinfo and its MIB row have in common.
// Addresses are unmapped: an AF_INET6 socket talking IPv4 names itself
// ::ffff:a.b.c.d, while the kernel reports it in the IPv4 table.
type matchKey struct {
	proto         core.Proto // "" when the fdinfo has no PR_SOCKOPT_TYPE
	local, remote netip.AddrPort
}

func norm(ap netip.AddrPort) netip.AddrPort {
	if !ap.IsValid() || (ap.Addr().IsUnspecified() && ap.Port() == 0) {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// fdRef is one descriptor found in the fdinfo scan: who holds it, by
// which descriptor, and what the inode join compares.
type fdRef struct {
	pid, fd int
	ino     uint64
	char    bool   // S_IFCHR: maybe a TLI endpoint
	rmajor  uint32 // pr_rmajor
	family  uint16 // PR_SOCKETNAME's family; 0 when none
	proto   core.Proto
	hasType bool // PR_SOCKOPT_TYPE was present (proto is from it)
}

// fdIndex is every readable socket and character-device descriptor, by
// name and by inode.
type fdIndex struct {
	byName map[matchKey][]fdRef
	byIno  map[uint64][]fdRef
}

// named finds the sockets whose names match row r.
func (x *fdIndex) named(r *Row) []fdRef {
	remote := r.Remote
	if r.Proto == core.UDP && r.MIBState != 3 {
		remote = netip.AddrPort{}
	}
	k := matchKey{r.Proto, norm(r.Local), norm(remote)}
	var out []fdRef
	out = append(out, x.byName[k]...)
	k.proto = ""
	return append(out, x.byName[k]...)
}

// holders finds the descriptors of row r's EXPER_SOCK_INFO entry: a TLI
// endpoint (MIB2_SOCKINFO_STREAM) is a character device with its inode
// and the device's major; a socket has its inode, its SO_TYPE and a
// family the table can hold (an IPv4 table also lists AF_INET6 sockets:
// dual-stack twins and v4-mapped connections).
func (x *fdIndex) holders(r *Row) []fdRef {
	var out []fdRef
	for _, ref := range x.byIno[r.Info.Inode] {
		if r.Info.Stream() {
			if ref.char && ref.rmajor == r.Info.Major() {
				out = append(out, ref)
			}
			continue
		}
		if ref.char || ref.hasType && ref.proto != r.Proto {
			continue
		}
		if ref.family == afInet6 || ref.family == afInet && r.Family == core.Inet {
			out = append(out, ref)
		}
	}
	return out
}

// Solaris socket types (sys/socket.h): not Linux's numbers.
const (
	solSockDgram  = 1
	solSockStream = 2
)

// scanFdinfo reads every process's socket and character-device
// descriptors and indexes them. Processes that exit meanwhile are
// skipped; those whose fdinfo we may not read are counted.
func (b *Backend) scanFdinfo() (*fdIndex, core.Unseen, error) {
	idx := &fdIndex{byName: map[matchKey][]fdRef{}, byIno: map[uint64][]fdRef{}}
	var unseen core.Unseen
	pids, err := b.PIDs()
	if errors.Is(err, fs.ErrNotExist) {
		return idx, unseen, nil // a capture without /proc files
	}
	if err != nil {
		return idx, unseen, err
	}
	for _, pid := range pids {
		fds, err := b.FDs(pid)
		switch {
		case sysfile.Sentinel(err) == core.ErrPermission:
			unseen.Denied++
			unseen.Hint = ownerHint
			continue
		case err != nil:
			continue // exited, or a release without fdinfo
		}
		for _, fd := range fds {
			d, err := b.Fdinfo(pid, fd)
			if err != nil {
				if errors.Is(err, core.ErrPermission) {
					unseen.Denied++
					unseen.Hint = ownerHint
					break
				}
				continue // gone, or a file we cannot parse: not a socket we can match
			}
			ref := fdRef{pid: pid, fd: fd, ino: d.Ino, char: d.IsChar(), rmajor: d.Rmajor, family: d.SockFamily}
			k, named := fdinfoKey(d)
			if d.IsSocket() && d.HasSockType {
				ref.hasType, ref.proto = true, sockProto(d.SockType)
			}
			if named {
				idx.byName[k] = append(idx.byName[k], ref)
			}
			if d.IsSocket() || d.IsChar() {
				idx.byIno[d.Ino] = append(idx.byIno[d.Ino], ref)
			}
		}
	}
	return idx, unseen, nil
}

// sockProto is the protocol of a Solaris SO_TYPE in the MIB's tables;
// "" for the others.
func sockProto(t int32) core.Proto {
	switch t {
	case solSockStream:
		return core.TCP
	case solSockDgram:
		return core.UDP
	}
	return ""
}

// fdinfoKey is what a socket descriptor's fdinfo says of the connection
// table row it belongs to; ok is false for what cannot be in the MIB
// (not a socket, not inet, not TCP or UDP).
func fdinfoKey(d *Fdinfo) (matchKey, bool) {
	if !d.IsSocket() || !d.HasSockName {
		return matchKey{}, false
	}
	k := matchKey{local: norm(d.SockName)}
	if d.HasPeer {
		k.remote = norm(d.PeerSockName)
	}
	if d.HasSockType {
		k.proto = sockProto(d.SockType)
		if k.proto == "" {
			return matchKey{}, false
		}
	}
	return k, true
}

// Process describes pid from its psinfo.
func (b *Backend) Process(pid int) (*core.Process, error) {
	ps, err := b.Psinfo(pid)
	if err != nil {
		return nil, err
	}
	p := &core.Process{PID: pid, Comm: ps.Fname, UID: int64(ps.EUID), Start: ps.Start}
	if b.numericUsers {
		p.User = strconv.FormatInt(p.UID, 10)
	}
	return p, nil
}

// Psinfo reads and decodes /proc/<pid>/psinfo.
func (b *Backend) Psinfo(pid int) (*Psinfo, error) {
	raw, err := b.readProc(strconv.Itoa(pid), "psinfo")
	if err != nil {
		return nil, err
	}
	ps, err := ParsePsinfo(raw, b.order)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	return ps, nil
}

// Fdinfo reads and decodes /proc/<pid>/fdinfo/<fd>.
func (b *Backend) Fdinfo(pid, fd int) (*Fdinfo, error) {
	raw, err := b.readProc(strconv.Itoa(pid), "fdinfo", strconv.Itoa(fd))
	if err != nil {
		return nil, err
	}
	d, err := ParseFdinfo(raw, b.order)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	return d, nil
}

// PIDs lists the processes in the /proc tree.
func (b *Backend) PIDs() ([]int, error) {
	return numericEntries(b.proc)
}

// FDs lists a process's descriptors from its fdinfo directory.
func (b *Backend) FDs(pid int) ([]int, error) {
	return numericEntries(filepath.Join(b.proc, strconv.Itoa(pid), "fdinfo"))
}

func numericEntries(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ns []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n >= 0 {
			ns = append(ns, n)
		}
	}
	sort.Ints(ns)
	return ns, nil
}

// maxProcFile bounds what readProc reads: /proc sizes cannot be trusted
// (fdinfo can grow between stat and read), and nothing here is near this.
const maxProcFile = 1 << 20

// readProc reads a /proc file whole, mapping "no such file" to
// core.ErrGone and "permission denied" to core.ErrPermission.
func (b *Backend) readProc(elem ...string) ([]byte, error) {
	path := filepath.Join(append([]string{b.proc}, elem...)...)
	raw, err := sysfile.ReadBounded(path, maxProcFile)
	if s := sysfile.Sentinel(err); s != nil {
		return nil, fmt.Errorf("%s: %w", path, s)
	}
	return raw, err
}

// hostOrder is this machine's byte order, for the live backend.
func hostOrder() binary.ByteOrder {
	if hostorder.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}
