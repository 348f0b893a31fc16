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
	"strings"
	"sync"
	"time"

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
	// HZ is the kernel's clock rate (sysconf(_SC_CLK_TCK); a capture's
	// host.json "hz"), which turns a row's creation time into hrtime to
	// prove its creator (creator.go); 0 when unknown: no creator is proven.
	HZ int64
	// LBolt tells the kernel's lbolt now (clock ticks since boot, the
	// clock of a row's creation time): times(2) live, host.json's for a
	// capture; nil when unknown, and then no socket's age is known.
	LBolt func() (int64, bool)

	mu sync.Mutex
	// missing is, by protocol, why the last MIB reply had no table of
	// it (missingTransports); Unread tells it.
	missing map[core.Proto]string
	// creators are the psinfo of the creators AttachOwners proved, by
	// pid: Process describes that incarnation, so a pid reused between
	// the proof and the description is never described (nor pinned) as
	// the proven process.
	creators map[int]*Psinfo
	// holds is what AttachOwners last saw each process hold, by pid: the
	// signaller checks it again before every signal (signal.go).
	holds map[int][]fdRef
	// unparsedFdinfo are the fdinfo files, by pid and fd, that
	// readFdinfos skipped because it could not parse them.
	unparsedFdinfo map[[2]int]bool
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
	missing := missingTransports(groups, b.replay)
	b.mu.Lock()
	b.missing = missing
	b.mu.Unlock()
	for _, p := range []core.Proto{core.TCP, core.UDP} {
		if n := missing[p]; n != "" {
			m.Notes = append(m.Notes, n)
		}
	}
	for _, n := range m.Notes {
		if !containsString(b.notes, n) {
			b.notes = append(b.notes, n)
		}
	}
	return m, nil
}

// missingTransports says, by protocol, which transports' tables the
// reply lacks. The tcp and udp modules each answer for their own level;
// when one cannot allocate its reply it sends nothing at all
// (tcp_stats.c:177-194, udp_stats.c:102-119) and the reply still ends
// normally: without this the listing would simply have no TCP (or UDP)
// sockets. Live, the remedy is another read; a capture lacks it for good.
func missingTransports(groups []Group, replay bool) map[core.Proto]string {
	have := map[uint32]bool{}
	for _, g := range groups {
		have[g.Level] = true
	}
	missing := map[core.Proto]string{}
	for _, t := range []struct {
		level uint32
		proto core.Proto
		name  string
	}{{levelTCP, core.TCP, "TCP"}, {levelUDP, core.UDP, "UDP"}} {
		if have[t.level] {
			continue
		}
		remedy := "the " + strings.ToLower(t.name) + " module sends none when it cannot allocate its reply: run gosof again"
		if replay {
			remedy = "the capture lacks them: take it again (gosof debug capture DIR)"
		}
		missing[t.proto] = fmt.Sprintf("the kernel's reply has no %s tables (MIB2_%s, level %d): no %s socket is listed; %s",
			t.name, t.name, t.level, t.name, remedy)
	}
	return missing
}

// Unread is platform.Backend.Unread: whether the last MIB reply had no
// table of protocol p ("" when it had one, or p is not TCP or UDP); its
// notes say why (missingTransports).
func (b *Backend) Unread(p core.Proto) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.missing[p] == "" {
		return ""
	}
	return "the source read no " + p.Name() + " table"
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
// kernel's MIB cannot filter: core does. When f wants idle times, a TCP
// connection whose row says when it was made gets that age, the most it
// can have been idle (core.IdleAtMost): the MIB tells nothing of when a
// socket was last used.
func (b *Backend) Sockets(f *core.Filter) ([]core.Socket, error) {
	m, err := b.MIB()
	if err != nil {
		return nil, err
	}
	socks, err := m.Sockets()
	if err == nil && f.WantsIdle() && b.LBolt != nil && b.HZ > 0 {
		if now, ok := b.LBolt(); ok {
			setAges(socks, now, b.HZ)
		}
	}
	return socks, err
}

// Devices is platform.Backend.Devices: the kernel tells a socket's
// interface by its index alone (tcp6ConnIfIndex, udp6IfIndex) and a
// capture keeps no list of the host's interfaces, so a --dev name can
// match nothing here (it was "no match"): refused, with the remedy. An
// index is taken as given: whether the host has it is not known.
func Devices(devs []string) error {
	for _, d := range devs {
		if _, err := strconv.ParseUint(d, 10, 32); err != nil {
			return core.Usagef("--dev %q: Solaris and illumos tell a socket's interface by its index alone: give the index (ifconfig -a shows it)", d)
		}
	}
	return nil
}

// Unlisted is platform.Backend.Unlisted: Sockets reads the kernel's TCP
// and UDP tables (MIB2) and nothing else, so it lists no socket of any
// other protocol (no unix socket: no MIB table holds them).
func Unlisted(p core.Proto) string {
	if p == core.TCP || p == core.UDP {
		return ""
	}
	return "Solaris and illumos: gosof reads only the kernel's TCP and UDP tables"
}

// setAges gives each TCP connection of socks whose row carries a creation
// time its age at lbolt now, on a kernel ticking hz times a second. Both
// ticks are floors (the socket was made in [created, created+1), now is
// in [now, now+1)), so the age is at most now-created+1 ticks: that is
// the bound given. A row made after now (a clock gosof cannot trust) has
// no age.
func setAges(socks []core.Socket, now, hz int64) {
	tick := time.Second / time.Duration(hz)
	for i := range socks {
		s := &socks[i]
		k, ok := s.Key.(Key)
		if !ok || s.Proto != core.TCP || !core.HasIdleState(s.State) || !k.Row.HasCreation || now < 0 || k.Row.CreationTime > uint64(now) {
			continue
		}
		ticks := uint64(now) - k.Row.CreationTime + 1
		if ticks > uint64(1<<62)/uint64(tick) {
			continue
		}
		s.Idle = core.IdleAtMost(time.Duration(ticks) * tick)
	}
}

// ownerHint says how to see descriptors the fdinfo scan could not read.
const ownerHint = "run as root: /proc/<pid>/fdinfo is readable only by the process owner"

// unprovenHint is the remedy for creators that could not be proven.
const unprovenHint = "pfiles PID shows whether a process holds a socket"

// AttachOwners fills Owners, best source first: the descriptors whose
// fdinfo inode (and socket type and family, or for a TLI endpoint the
// device's major) match the row's EXPER_SOCK_INFO entry, as netstat -u
// finds them; on a kernel that sends those entries, a row without one
// has no socket vnode (TIME_WAIT, closing) and so no holder. Without
// entries, the descriptors whose PR_SOCKETNAME/PR_PEERSOCKNAME match the
// row. Last, the row's CreationProcess, marked Creator, which may not
// hold the socket any more, and Unverified unless proveCreator holds.
func (b *Backend) AttachOwners(socks []core.Socket, _ []int) (core.Unseen, error) {
	var unseen core.Unseen
	var idx *fdIndex
	if b.replay && b.Host.Unreadable > 0 {
		// The capture's own Denied: what it could not read is not in it.
		unseen.Denied, unseen.Hint = b.Host.Unreadable, replayRootHint
	}
	proofs := map[uint32]*creatorProof{}
	holds := map[int][]fdRef{}
	unproven := 0
	unknowable := 0   // rows whose holder nothing here can tell
	findable := false // a row some process file could have named an owner of
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
			var u core.Unseen
			if idx, u, err = b.scanFdinfo(); err != nil {
				return unseen, err
			}
			unseen.Denied += u.Denied
			unseen.Unparsed += u.Unparsed
			if u.Hidden != "" {
				unseen.Hidden = u.Hidden
			}
			if u.Hint != "" && unseen.Hint == "" {
				unseen.Hint = u.Hint
			}
		}
		findable = findable || r.Info != nil || r.HasCreation
		var refs []fdRef
		if r.Info != nil {
			refs = idx.holders(r)
		} else {
			refs = idx.named(r)
			for j := range refs {
				refs[j].named = true
			}
		}
		for _, ref := range refs {
			s.Owners = append(s.Owners, core.Owner{PID: ref.pid, FD: ref.fd})
			holds[ref.pid] = append(holds[ref.pid], ref)
		}
		if len(refs) == 0 && r.HasCreation && r.CreationProcess > 0 {
			p := proofs[r.CreationProcess]
			if p == nil {
				var err error
				if p, err = b.readCreator(int(r.CreationProcess)); err != nil {
					return unseen, err
				}
				if p.unparsed {
					unseen.Unparsed++
				}
				proofs[r.CreationProcess] = p
			}
			err := proveCreator(r, p.ps, p.usage, b.HZ)
			if err != nil {
				unproven++
			}
			s.Owners = append(s.Owners, core.Owner{PID: int(r.CreationProcess), FD: -1, Creator: true, Unverified: err != nil})
		}
		if len(s.Owners) == 0 && !k.SockInfo && core.MayBeHeld(s) {
			// Without an EXPER_SOCK_INFO entry nothing tells an orphan
			// from a socket held through a descriptor with no name (a
			// TLI endpoint, Solaris 10's missing fdinfo).
			s.HolderUnknown = true
			unknowable++
		}
	}
	if idx != nil && idx.noProc && findable {
		// Taken by a user who could read no process, or damaged. (A
		// Solaris 10 capture has none to keep: no fdinfo, no creators.)
		unseen.Hidden, unseen.Hint = "the capture holds no process files (proc/)", replayRootHint
	}
	b.mu.Lock()
	b.holds = holds
	b.creators = map[int]*Psinfo{}
	for pid, p := range proofs {
		if p.ps != nil {
			b.creators[int(pid)] = p.ps
		}
	}
	b.mu.Unlock()
	if unknowable > 0 {
		h := fmt.Sprintf("nothing names the holder of %s: no usable EXPER_SOCK_INFO entry "+
			"(Solaris 10, illumos before 2019 and Solaris 11.4 send none), and no descriptor's name nor creation record matched",
			core.Plural(unknowable, "socket"))
		if unseen.Hidden != "" {
			h = unseen.Hidden + " and " + h
		}
		unseen.Hidden = h
		if unseen.Hint == "" {
			unseen.Hint = unprovenHint
		}
	}
	if unproven > 0 {
		h := fmt.Sprintf("the creator named by %s could not be proven to be the process that made it (%s)",
			core.Plural(unproven, "socket"), b.unprovenWhy())
		if unseen.Hidden != "" {
			h = unseen.Hidden + " and " + h
		}
		unseen.Hidden = h
		if unseen.Hint == "" {
			unseen.Hint = unprovenHint
		}
	}
	return unseen, nil
}

// heldBy is what AttachOwners last saw pid hold.
func (b *Backend) heldBy(pid int) []fdRef {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]fdRef(nil), b.holds[pid]...)
}

// creatorProof is what proving one creation pid reads, once per pid.
type creatorProof struct {
	ps       *Psinfo // nil: gone or unreadable
	usage    *Usage  // nil: unreadable
	unparsed bool    // its usage could not be parsed
}

// readCreator reads pid's psinfo and usage for proveCreator. Only a
// capture file gosof refuses (errBadCapture) is an error; a psinfo that
// cannot be parsed is counted where the process is described.
func (b *Backend) readCreator(pid int) (*creatorProof, error) {
	p := &creatorProof{}
	ps, err := b.Psinfo(pid)
	if errors.Is(err, errBadCapture) {
		return nil, err
	}
	if err != nil {
		return p, nil
	}
	p.ps = ps
	u, err := b.Usage(pid)
	switch {
	case errors.Is(err, errBadCapture):
		return nil, err
	case errors.Is(err, core.ErrParse):
		p.unparsed = true
	case err == nil:
		p.usage = u
	}
	return p, nil
}

// unprovenWhy is the reason common to every unproven creator, or the
// general one.
func (b *Backend) unprovenWhy() string {
	if b.HZ <= 0 {
		if b.replay {
			return "the capture does not record the kernel's clock rate, hz: take it again with this gosof"
		}
		return "the kernel's clock rate, hz, is not known"
	}
	return "it has exited or started after the socket was made: its pid may have been reused"
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
	// key is what its PR_SOCKETNAME/PR_PEERSOCKNAME say; named is set
	// where the owner was found by that name, not by inode.
	key   matchKey
	named bool
}

// fdIndex is every readable socket and character-device descriptor, by
// name and by inode.
type fdIndex struct {
	byName map[matchKey][]fdRef
	byIno  map[uint64][]fdRef
	// noProc: a capture without a proc/ directory at all.
	noProc bool
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
	if errors.Is(err, fs.ErrNotExist) && b.replay {
		idx.noProc = true // AttachOwners says so where it matters
		return idx, unseen, nil
	}
	if err != nil {
		return idx, unseen, b.captureErr(err)
	}
	for _, pid := range pids {
		fds, err := b.FDs(pid)
		switch {
		case b.replay && err != nil && !errors.Is(err, fs.ErrNotExist):
			// proc/<pid> or its fdinfo is not a directory, or cannot be
			// read: the capture is damaged, not a process we may not see.
			return nil, unseen, b.captureErr(err)
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
				if errors.Is(err, errBadCapture) {
					return nil, unseen, err
				}
				if errors.Is(err, core.ErrPermission) {
					unseen.Denied++
					unseen.Hint = ownerHint
					break
				}
				if errors.Is(err, core.ErrParse) {
					unseen.Unparsed++ // a damaged file: said once, not fatal
				}
				continue // gone, or a file we cannot parse: not a socket we can match
			}
			ref := fdRef{pid: pid, fd: fd, ino: d.Ino, char: d.IsChar(), rmajor: d.Rmajor, family: d.SockFamily}
			k, named := fdinfoKey(d)
			if d.IsSocket() && d.HasSockType {
				ref.hasType, ref.proto = true, sockProto(d.SockType)
			}
			if named {
				ref.key = k
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
	// A TLI/XTI endpoint (a character device: rpcbind's /dev/tcp) is
	// named too, by TI_GETMYNAME/TI_GETPEERNAME (prsubr.c:2613-2640,
	// 3054-3055), but has no PR_SOCKOPT_TYPE: its device says the
	// protocol.
	if !(d.IsSocket() || d.IsChar()) || !d.HasSockName {
		return matchKey{}, false
	}
	k := matchKey{local: norm(d.SockName)}
	if d.HasPeer {
		k.remote = norm(d.PeerSockName)
	}
	switch {
	case d.IsChar():
		k.proto = d.tliProto()
	case d.HasSockType:
		k.proto = sockProto(d.SockType)
		if k.proto == "" {
			return matchKey{}, false
		}
	}
	return k, true
}

// Process describes pid from its psinfo; a creator AttachOwners proved
// is described as the incarnation it proved.
func (b *Backend) Process(pid int) (*core.Process, error) {
	b.mu.Lock()
	ps := b.creators[pid]
	b.mu.Unlock()
	if ps == nil {
		var err error
		if ps, err = b.Psinfo(pid); err != nil {
			return nil, err
		}
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

// Usage reads and decodes /proc/<pid>/usage.
func (b *Backend) Usage(pid int) (*Usage, error) {
	raw, err := b.readProc(strconv.Itoa(pid), "usage")
	if err != nil {
		return nil, err
	}
	u, err := ParseUsage(raw, b.order)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	return u, nil
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
// core.ErrGone and "permission denied" to core.ErrPermission. A
// capture's file must be a regular file of a sane size that this user
// can read: anything else is errBadCapture (the replay stops, exit 2),
// never a process gosof "could not see".
func (b *Backend) readProc(elem ...string) ([]byte, error) {
	path := filepath.Join(append([]string{b.proc}, elem...)...)
	if b.replay {
		raw, err := sysfile.ReadRegular(path, maxProcFile) // no FIFO, no device
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, b.captureErr(err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, core.ErrGone)
		}
		return raw, nil
	}
	raw, err := sysfile.ReadBounded(path, maxProcFile)
	if s := sysfile.Sentinel(err); s != nil {
		return nil, fmt.Errorf("%s: %w", path, s)
	}
	return raw, err
}

// errBadCapture marks a capture file gosof refuses to read.
var errBadCapture = errors.New("damaged capture")

// replayRootHint is the remedy for what a capture could not see.
const replayRootHint = "take the capture again as root (gosof debug capture DIR)"

// captureErr says which capture file is refused and why, in one line.
func (b *Backend) captureErr(err error) error {
	return core.Wrap2(fmt.Sprintf("replay: %v (%v)", err, errBadCapture), err, errBadCapture)
}

// hostOrder is this machine's byte order, for the live backend.
func hostOrder() binary.ByteOrder {
	if hostorder.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}
