package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// Sockets lists the sockets of the current network namespace: through
// NETLINK_SOCK_DIAG, or /proc/net when netlink is refused or ProcNetOnly is
// set. A protocol whose netlink dump fails (a kernel without raw_diag, say)
// is read from /proc/net alone.
type Sockets struct {
	FS          FS
	ProcNetOnly bool
	// Order is the byte order of the host that wrote the /proc/net files
	// (see parseProcNetInet); nil means the running kernel's (kernelOrder).
	Order binary.ByteOrder
	// NS, when set, reads that network namespace (--netns, --all-netns)
	// instead of gosof's own, and labels every socket with it.
	NS *Namespace
	// Lenient (--all-netns) makes a namespace that cannot be read at all
	// list nothing, with a note, instead of failing the whole listing.
	Lenient bool
	// ProcFD: any scan of owners this source makes reads /proc/PID/fd
	// (--proc-fd), as Owners.ProcFD.
	ProcFD bool

	notes []string
	// remark is what became of this namespace (skipped, or read through
	// /proc/PID/net), said with every namespace alike in one note
	// (remarkNotes): "\x00" stands for the namespaces.
	remark string
	// skipped: the last read could not read this namespace at all
	// (Lenient); unread: the tables it lacked there (a protocol the kernel
	// would not dump, with no /proc/PID/net to stand in). Unread tells them.
	skipped bool
	unread  []core.Proto
	// procNet: the last read came from /proc/net (Backend.ProcNetRead)
	procNet bool
	// destroy is the sock_diag socket Destroy reuses.
	destroy diagHolder
}

// Notes is what the reader had to fall back on (a namespace read through
// /proc instead of netlink, say); the command prints each note once.
func (s *Sockets) Notes() []string { return s.notes }

// note keeps n unless it is kept already: a reader is read again and
// again by a watch and by gosof-exporter --netns, and a note made at
// every read grew the list by one a scrape, for as long as it ran.
func (s *Sockets) note(n string) {
	for _, m := range s.notes {
		if m == n {
			return
		}
	}
	s.notes = append(s.notes, n)
}

// foreign reports whether s reads a namespace other than gosof's own.
func (s *Sockets) foreign() bool { return s.NS != nil && !s.NS.Self }

// netns is the inode of the namespace s reads.
func (s *Sockets) netns() uint64 {
	if s.NS != nil {
		return s.NS.Inode
	}
	return netnsInode(s.FS)
}

// procNetPath is a /proc/net file of the namespace s reads: a member
// process's /proc/PID/net for another namespace.
func (s *Sockets) procNetPath(name string) (string, error) {
	if !s.foreign() {
		return s.FS.Path("net", name), nil
	}
	if s.NS.PID == 0 {
		return "", fmt.Errorf("network namespace %s has no processes, so it has no /proc/PID/net to read; netlink (without --proc-net) reads it, as root or with CAP_SYS_ADMIN: %w", s.NS.Label(), core.ErrPermission)
	}
	return s.FS.Path(strconv.Itoa(s.NS.PID), "net", name), nil
}

// label marks sockets with the namespace's name and container.
func (s *Sockets) label(socks []core.Socket) []core.Socket {
	if s.NS == nil {
		return socks
	}
	var l *core.NSLabel
	if s.NS.Name != "" || s.NS.Container != "" {
		l = &core.NSLabel{Name: s.NS.Name, Container: s.NS.Container}
	}
	for i := range socks {
		socks[i].NSLabel = l
	}
	return socks
}

// procTable is one kind of socket: the /proc/net file that lists it and the
// family and protocol a sock_diag dump asks for.
type procTable struct {
	name    string // file in /proc/net
	proto   core.Proto
	family  core.Family
	af      uint8 // sdiag_family
	ipproto uint8 // sdiag_protocol
}

var procTables = []procTable{
	{"tcp", core.TCP, core.Inet, afInet, ipprotoTCP},
	{"tcp6", core.TCP, core.Inet6, afInet6, ipprotoTCP},
	{"udp", core.UDP, core.Inet, afInet, ipprotoUDP},
	{"udp6", core.UDP, core.Inet6, afInet6, ipprotoUDP},
	{"udplite", core.UDPLite, core.Inet, afInet, ipprotoUDPLite},
	{"udplite6", core.UDPLite, core.Inet6, afInet6, ipprotoUDPLite},
	{"raw", core.Raw, core.Inet, afInet, ipprotoRaw},
	{"raw6", core.Raw, core.Inet6, afInet6, ipprotoRaw},
	{"unix", core.Unix, core.Local, afUnix, 0},
}

func (t procTable) wanted(f *core.Filter) bool {
	if f == nil {
		return true
	}
	return f.WantsProto(t.proto) && f.WantsFamily(t.family)
}

// Sockets implements core.SocketSource. It may return sockets f does not
// match (the kernel's filter is coarser than core's), never fewer.
func (s *Sockets) Sockets(f *core.Filter) ([]core.Socket, error) {
	s.skipped, s.unread, s.procNet = false, nil, false
	if s.NS != nil && s.NS.Unreadable != "" {
		s.note(s.NS.Unreadable + ": skipped")
		s.skipped = s.NS.unseen
		return nil, nil
	}
	if s.ProcNetOnly {
		s.procNet = true
		return s.lenient(s.ProcNet(f))
	}
	socks, failed, err := s.netlink(f)
	if err != nil && failed == nil {
		if netlinkRefused(err) {
			if s.foreign() {
				why := "NETLINK_SOCK_DIAG is refused there (" + err.Error() + ")"
				if errors.Is(err, core.ErrPermission) {
					why = "cannot join (" + joinHint() + ")"
				}
				if s.NS.PID == 0 {
					// a process gosof may not inspect may be in it (unidentified)
					why += ", and gosof saw no process there whose /proc/PID/net it could read instead"
					if s.Lenient {
						s.setRemark("\x00 skipped: " + why)
						s.skipped = true
						return nil, nil
					}
					return nil, core.Wrap2("network namespace "+s.NS.Label()+": "+why, err, core.ErrPermission)
				}
				s.setRemark(readThrough + why)
			} else {
				// said, as -A's and --netns's fallback is: what /proc/net
				// lacks is then missing from every answer
				s.note(fmt.Sprintf("NETLINK_SOCK_DIAG is refused here (%v); read /proc/net instead, as --proc-net does: "+
					"it lists no TCP socket in CLOSE (only bound), and tells no unix peers, interfaces or idle times", err))
			}
			s.procNet = true
			return s.lenient(s.ProcNet(f))
		}
		return nil, err
	}
	netns := s.netns()
	var unread []string
	for _, t := range failed {
		if s.foreign() && s.NS.PID == 0 {
			// no member process, so no /proc/PID/net to fall back on
			unread = append(unread, t.name)
			s.unread = append(s.unread, t.proto)
			continue
		}
		if socks, err = s.procNetTable(t, f, netns, socks); err != nil {
			return nil, err
		}
	}
	if len(unread) > 0 {
		s.note(fmt.Sprintf("network namespace %s: the kernel would not dump its %s sockets through netlink, "+
			"and it has no processes whose /proc/PID/net could be read instead: those are not listed", s.NS.Label(), strings.Join(unread, ", ")))
	}
	return s.label(socks), nil
}

// lenient passes a listing through, except that with Lenient set a
// namespace that could not be read lists nothing and says why in a note.
func (s *Sockets) lenient(socks []core.Socket, err error) ([]core.Socket, error) {
	if err != nil && s.Lenient && s.foreign() {
		s.setRemark("\x00 skipped: " + err.Error())
		s.skipped = true
		return nil, nil
	}
	return socks, err
}

// setRemark keeps the first remark made: a watch reads again and again.
func (s *Sockets) setRemark(r string) {
	if s.remark == "" {
		s.remark = r
	}
}

// readThrough begins the remark of a namespace read through
// /proc/PID/net as netlink failed there; why follows.
const readThrough = "\x00 read through a member process's /proc/PID/net instead: "

// remarkNotes says what became of the namespaces srcs read, one note for
// every namespace with the same remark, not one a namespace: -A as a
// plain user on a host with a hundred containers said the same hundred
// times.
func remarkNotes(srcs []*Sockets) []string {
	var order []string
	by := map[string][]string{}
	here := false // netlink refused here: said once, in its own note
	for _, s := range srcs {
		here = here || !s.foreign() && s.procNet && !s.ProcNetOnly
	}
	for _, s := range srcs {
		r := s.remark
		if r == "" {
			continue
		}
		if here && strings.HasPrefix(r, readThrough+"NETLINK_SOCK_DIAG") {
			r = "\x00 read through a member process's /proc/PID/net likewise"
		}
		if by[r] == nil {
			order = append(order, r)
		}
		by[r] = append(by[r], s.NS.Label())
	}
	notes := make([]string, len(order))
	for i, r := range order {
		notes[i] = strings.Replace(r, "\x00", nsList(by[r]), 1)
	}
	return notes
}

// nsList names namespaces in a note: a few by name, then how many more.
func nsList(labels []string) string {
	if len(labels) == 1 {
		return "network namespace " + labels[0]
	}
	const few = 3
	names := labels
	more := ""
	if len(labels) > few+1 {
		names, more = labels[:few], " and "+strconv.Itoa(len(labels)-few)+" more"
	}
	return strconv.Itoa(len(labels)) + " network namespaces (" + strings.Join(names, ", ") + more + ")"
}

// procNetIn is platform.Backend.ProcNetRead over srcs: whether the last
// read of any came from /proc/net.
func procNetIn(srcs []*Sockets) bool {
	for _, s := range srcs {
		if s.procNet {
			return true
		}
	}
	return false
}

// lacks reports whether the last read had no table of protocol p: the
// namespace was skipped, or p's tables were not read there.
func (s *Sockets) lacks(p core.Proto) bool {
	for _, t := range procTables {
		if t.proto == p && s.skipped {
			return true
		}
	}
	for _, u := range s.unread {
		if u == p {
			return true
		}
	}
	return false
}

// unreadIn is platform.Backend.Unread over the namespaces srcs read:
// where the last read had no table of p, "" when every one had it. A
// namespace -A skipped has none (what gosof could not look at is no
// "nothing there"); the notes say which and why, and this how many: one
// was "network namespaces".
func unreadIn(srcs []*Sockets, p core.Proto) string {
	n := 0
	for _, s := range srcs {
		if s.lacks(p) {
			n++
			if s.NS != nil && s.NS.several {
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return core.ByCount(n, "in a network namespace", "in network namespaces") + " gosof could not read, above"
}

// ProcNet lists the sockets f can match from /proc/net alone.
func (s *Sockets) ProcNet(f *core.Filter) ([]core.Socket, error) {
	netns := s.netns()
	var socks []core.Socket
	for _, t := range procTables {
		if !t.wanted(f) {
			continue
		}
		var err error
		if socks, err = s.procNetTable(t, f, netns, socks); err != nil {
			return nil, err
		}
	}
	return s.label(socks), nil
}

// procNetTable appends the sockets of one /proc/net file. A file that does
// not exist (a kernel without UDP-Lite or IPv6) lists no sockets.
func (s *Sockets) procNetTable(t procTable, f *core.Filter, netns uint64, out []core.Socket) ([]core.Socket, error) {
	path, err := s.procNetPath(t.name)
	if err != nil {
		return out, err
	}
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if t.proto == core.Unix {
		var unchecked int
		out, unchecked, err = appendProcNetUnix(out, b, netns, f, s.unixInodesExist)
		if unchecked > 0 {
			s.note(fmt.Sprintf("%s: %d rows could be part of the name before them (a name may hold newlines) "+
				"and could not be checked; run as root, or without --proc-net, to read them exactly", path, unchecked))
		}
	} else {
		order := s.Order
		if order == nil {
			order = kernelOrder()
		}
		out, err = appendProcNetInet(out, b, order, t.proto, t.family, netns, f)
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
