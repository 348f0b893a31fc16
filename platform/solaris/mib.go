package solaris

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gosof/gosof/core"
)

// MIB is the connection tables of one MIB reply.
type MIB struct {
	TCP, TCP6, UDP, UDP6 []Row
	// SockInfo is set when the kernel sent EXPER_SOCK_INFO tables
	// (illumos since late 2019): a row without an entry then has no
	// socket vnode, so no process holds it.
	SockInfo bool
	// Sizes are the row sizes the kernel reported, by table
	// ("tcp", "tcp6", "udp", "udp6").
	Sizes map[string]int
	// Notes say once what could not be decoded and what was done
	// instead; the command prints them on stderr.
	Notes []string
	// badInfo holds the levels whose EXPER_SOCK_INFO table was not
	// used: their rows fall back to fdinfo names.
	badInfo map[uint32]bool
}

// captureHint is how a user sends what gosof could not decode.
const captureHint = "please send a capture: gosof debug capture DIR (as root), then a tar of DIR"

// SockInfo is one mib2_socketInfoEntry_t (inet/mib2.h): the vnode behind
// a connection-table row, which /proc/<pid>/fdinfo names by inode.
type SockInfo struct {
	ConnIdx uint64 // the row's index in the tables of its level
	Inode   uint64 // va_nodeid of the socket's (or stream's) vnode
	Flags   uint64 // MIB2_SOCKINFO_STREAM, MIB2_SOCKINFO_IPV6
	Dev     uint64 // va_rdev: a 64-bit kernel dev_t
}

// Stream reports a TLI/XTI endpoint: a STREAMS character device
// (/dev/tcp, /dev/udp...), not a socket.
func (s *SockInfo) Stream() bool { return s.Flags&zSockInfoStream != 0 }

// IPv6 reports an IPv6 socket in an IPv4 table: the IPv4 view of a
// dual-stack socket, whose own row is in the IPv6 table.
func (s *SockInfo) IPv6() bool { return s.Flags&zSockInfoIPv6 != 0 }

// Major is the device's major number as the kernel's getmajor() splits
// a dev_t: every kernel that sends EXPER_SOCK_INFO is 64-bit (illumos
// has had no 32-bit kernel since 2018), with NBITSMINOR64 = 32 minor
// bits, and fdinfo's pr_rmajor is getmajor(va_rdev) of the same kernel.
// (A 32-bit program's major() would split at 18 bits, which is wrong
// for these 64-bit values: netstat is built 64-bit.)
func (s *SockInfo) Major() uint32 { return uint32(s.Dev >> 32) }

// DecodeMIB picks the TCP and UDP tables and their EXPER_SOCK_INFO
// tables out of a MIB reply. Row sizes are taken from the kernel
// (tcpConnTableSize, tcp6ConnTableSize, udpEntrySize, udp6EntrySize) and
// say which layout the rows have; a size gosof does not know still
// gives every row from the fields that never move, with a note.
func DecodeMIB(groups []Group, bo binary.ByteOrder) (*MIB, error) {
	var tcpSize, tcp6Size, udpSize, udp6Size int
	var haveTCPStats, haveUDPStats bool
	for _, g := range groups {
		f := fields{g.Data, bo}
		switch {
		case g.Level == levelTCP && g.Name == nameStats:
			if !f.has(zTCPConnTableSize, 4) {
				return nil, parseErr("MIB2_TCP: %d bytes, too short for tcpConnTableSize", len(g.Data))
			}
			haveTCPStats = true
			tcpSize = int(f.i32(zTCPConnTableSize))
			if f.has(zTCP6ConnTableSize, 4) {
				tcp6Size = int(f.i32(zTCP6ConnTableSize))
			}
		case g.Level == levelUDP && g.Name == nameStats:
			if !f.has(zUDP6EntrySize, 4) {
				return nil, parseErr("MIB2_UDP: %d bytes, too short for udpEntrySize", len(g.Data))
			}
			haveUDPStats = true
			udpSize, udp6Size = int(f.i32(zUDPEntrySize)), int(f.i32(zUDP6EntrySize))
		}
	}
	m := &MIB{Sizes: map[string]int{}, badInfo: map[uint32]bool{}}
	if haveTCPStats {
		m.Sizes["tcp"], m.Sizes["tcp6"] = tcpSize, tcp6Size
	}
	if haveUDPStats {
		m.Sizes["udp"], m.Sizes["udp6"] = udpSize, udp6Size
	}
	sources := []struct {
		level, name uint32
		key         string
		stride      int
		have        bool
		t           table
		dst         *[]Row
	}{
		{levelTCP, nameTCPConn, "tcp", tcpSize, haveTCPStats, tcp4Table, &m.TCP},
		{levelTCP6, nameTCP6Conn, "tcp6", tcp6Size, haveTCPStats, tcp6Table, &m.TCP6},
		{levelUDP, nameUDPEntry, "udp", udpSize, haveUDPStats, udp4Table, &m.UDP},
		{levelUDP6, nameUDP6Entry, "udp6", udp6Size, haveUDPStats, udp6Table, &m.UDP6},
	}
	var unknown []string
	for _, s := range sources {
		// netstat counts a level's rows across every table of that level
		// and name, in order: sie_connidx indexes that sequence.
		var rows []Row
		seen, known := false, true
		for _, g := range groups {
			if g.Level != s.level || g.Name != s.name || len(g.Data) == 0 {
				continue
			}
			if !s.have {
				return nil, parseErr("%s: table without the group that gives its row size", s.t.what)
			}
			r, k, err := parseTable(g.Data, s.stride, s.t, bo)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
			seen, known = true, known && k
		}
		if seen && !known {
			unknown = append(unknown, fmt.Sprintf("%s %d", s.t.what, s.stride))
		}
		if err := m.attachSockInfo(groups, s.level, rows, s.stride, bo); err != nil {
			m.Notes = append(m.Notes, err.Error())
			m.badInfo[s.level] = true
		}
		*s.dst = rows
	}
	m.dateCreators()
	if len(unknown) > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("row sizes not recognised (%s bytes, %s byte order): sockets are listed from the fields every layout shares; "+
			"their queues (shown as 0) and creators are unknown; %s", strings.Join(unknown, ", "), orderName(bo), captureHint))
	}
	return m, nil
}

// dateCreators lowers a TCP connection's CreatorSince to the creation
// time of a listener on its local port with the same creation pid. A
// connection accepted from a listener inherits the listener's creation
// pid (conn_opt.c:2919) but gets a creation time of its own, when the
// handshake began (conn_opt.c:2920): the pid is the listener's creator,
// recorded when the listener was made, and a process that started
// between the two is not it. Where that listener has closed, the
// connection's own time is all there is: a pid reused between the
// listener's creation and the connection's cannot be told apart (said in
// docs/solaris.md).
func (m *MIB) dateCreators() {
	type key struct {
		pid  uint32
		port uint16
	}
	const mibListen = 2 // MIB2_TCP_listen
	since := map[key]uint64{}
	for _, rows := range [][]Row{m.TCP, m.TCP6} {
		for i := range rows {
			r := &rows[i]
			if r.HasCreation && r.MIBState == mibListen {
				k := key{r.CreationProcess, r.Local.Port()}
				if t, ok := since[k]; !ok || r.CreationTime < t {
					since[k] = r.CreationTime
				}
			}
		}
	}
	for _, rows := range [][]Row{m.TCP, m.TCP6} {
		for i := range rows {
			r := &rows[i]
			if t, ok := since[key{r.CreationProcess, r.Local.Port()}]; ok && r.HasCreation && t < r.CreatorSince {
				r.CreatorSince = t
			}
		}
	}
}

// attachSockInfo gives each row of one level its EXPER_SOCK_INFO entry.
// A table that does not validate as mib2_socketInfoEntry_t is not used,
// and the error says so: name 106 on a system whose format is not known
// (Oracle Solaris 11.4) must not fail the listing, nor attach owners by
// guesswork. It validates when it is a whole number of 32-byte entries
// whose sie_connidx name rows of that level in increasing order (the
// kernel writes one entry per row as it walks them, tcp_stats.c,
// udp_stats.c), whose sie_flags hold no bit but MIB2_SOCKINFO_STREAM and
// MIB2_SOCKINFO_IPV6, and when it does not parse as the development-tree
// pid-list format of name 106 (pidListTable), which can be a multiple of
// 32 bytes by chance (a record of a 172-byte row and two pids is 192).
func (m *MIB) attachSockInfo(groups []Group, level uint32, rows []Row, stride int, bo binary.ByteOrder) error {
	var entries []SockInfo
	for _, g := range groups {
		if g.Level != level || g.Name != nameSockInfo {
			continue
		}
		if len(g.Data)%zSIESize != 0 {
			return fmt.Errorf("EXPER_SOCK_INFO (level %d name %d): %d bytes is not a whole number of %d-byte entries: not used, owners are matched by address instead; %s",
				level, nameSockInfo, len(g.Data), zSIESize, captureHint)
		}
		if pidListTable(g.Data, stride, bo) {
			return fmt.Errorf("EXPER_SOCK_INFO (level %d name %d): %d bytes in the pid-list format of an unreleased illumos branch (connection rows with conn_pid_info_t), not mib2_socketInfoEntry_t: not used, owners are matched by address instead; %s",
				level, nameSockInfo, len(g.Data), captureHint)
		}
		for off := 0; off < len(g.Data); off += zSIESize {
			f := fields{g.Data[off : off+zSIESize], bo}
			entries = append(entries, SockInfo{
				ConnIdx: f.u64(zSIEConnIdx), Inode: f.u64(zSIEInode),
				Flags: f.u64(zSIEFlags), Dev: f.u64(zSIEDev),
			})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	for i, e := range entries {
		if e.ConnIdx >= uint64(len(rows)) || i > 0 && e.ConnIdx <= entries[i-1].ConnIdx {
			return fmt.Errorf("EXPER_SOCK_INFO (level %d name %d): entry for row %d of %d does not fit the connection table: not used, owners are matched by address instead; %s",
				level, nameSockInfo, e.ConnIdx, len(rows), captureHint)
		}
		if e.Flags&^uint64(zSockInfoStream|zSockInfoIPv6) != 0 {
			return fmt.Errorf("EXPER_SOCK_INFO (level %d name %d): entry for row %d has flags %#x, not MIB2_SOCKINFO_*: not used, owners are matched by address instead; %s",
				level, nameSockInfo, e.ConnIdx, e.Flags, captureHint)
		}
	}
	for i := range entries {
		e := entries[i]
		rows[e.ConnIdx].Info = &e
	}
	m.SockInfo = true
	return nil
}

// pidListTable reports whether data parses exactly as the pid-list format
// name 106 had in an unreleased illumos branch (omniosorg/illumos-omnios
// 839704db, sys/pidnode.h): records of a whole connection row of the
// level's size followed by conn_pid_info_t {uint16 cpi_contents @0
// (CONN_PID_INFO_NON 0, _SOC 1, _XTI 2); uint32 cpi_pids_cnt @4; uint32
// cpi_tot_size @8; pid_t cpi_pids[1] @12}, 16 bytes, whose cpi_tot_size
// is 16 + 4 per pid after the first.
func pidListTable(data []byte, stride int, bo binary.ByteOrder) bool {
	if stride <= 0 || len(data) == 0 {
		return false
	}
	f := fields{data, bo}
	for off := 0; off < len(data); {
		h := off + stride
		if !f.has(h, 16) || f.u16(h) > 2 {
			return false
		}
		n, tot := uint64(f.u32(h+4)), uint64(f.u32(h+8))
		want := uint64(16)
		if n > 1 {
			want += 4 * (n - 1)
		}
		if tot != want || tot > uint64(len(data)-h) {
			return false
		}
		off = h + int(tot)
	}
	return true
}

// Key is what gosof keeps in core.Socket.Key for a Solaris socket: the
// row it came from, so owners and the closer can find it again.
type Key struct {
	Row Row
	// SockInfo is set when the kernel sent EXPER_SOCK_INFO: a row
	// without Info then has no holder.
	SockInfo bool
}

// Sockets turns the rows into sockets. An IPv6 TCP socket bound to ::
// without IPV6_V6ONLY, in a state up to LISTEN, is also reported in the
// IPv4 table as 0.0.0.0 (tcp_snmp_get); an IPv6 UDP socket bound to ::,
// up to TS_IDLE, whatever IPV6_V6ONLY says (udp_stats.c:231-233): it is
// printed once, as the inet6 :: socket, when the IPv4 row is proven to
// be its twin (isV6Twin). Otherwise both rows are printed, as netstat
// prints them.
func (m *MIB) Sockets() ([]core.Socket, error) {
	out := make([]core.Socket, 0, len(m.TCP)+len(m.TCP6)+len(m.UDP)+len(m.UDP6))
	for _, t := range []struct {
		rows, dual []Row
		level      uint32
	}{
		{m.TCP, m.TCP6, levelTCP}, {m.TCP6, nil, levelTCP6}, {m.UDP, m.UDP6, levelUDP}, {m.UDP6, nil, levelUDP6},
	} {
		// Entries at any level say the kernel sends them, so a level
		// without a table had no socket vnodes to report; a level whose
		// table was not used says nothing.
		sockInfo := m.SockInfo && !m.badInfo[t.level]
		for i := range t.rows {
			r := &t.rows[i]
			if t.dual != nil && isV6Twin(r, t.dual) {
				continue
			}
			s, err := r.socket()
			if err != nil {
				return nil, err
			}
			s.Key = Key{Row: *r, SockInfo: sockInfo}
			out = append(out, s)
		}
	}
	return out, nil
}

var v6Any = netip.IPv6Unspecified()

// isV6Twin reports whether IPv4 row r is proven to be the IPv4 view of an
// IPv6 row in v6: its EXPER_SOCK_INFO entry carries MIB2_SOCKINFO_IPV6
// and an IPv6 row has the same inode; without entries, for UDP, an IPv6
// :: row with the same port and udpInstance (the kernel's udp_t). A TCP
// row has no such field: the creation pid and time (in 10 ms ticks) are
// the same for a daemon that opens an AF_INET and an IPV6_V6ONLY
// AF_INET6 listener on one port in one tick (OpenSSH does), which are
// two sockets, so TCP rows without entries are never merged; nor are
// legacy rows, which have no instance.
func isV6Twin(r *Row, v6 []Row) bool {
	if !r.Local.Addr().IsUnspecified() || r.Remote.Port() != 0 {
		return false
	}
	if r.Info != nil {
		if !r.Info.IPv6() {
			return false
		}
		for i := range v6 {
			if o := v6[i].Info; o != nil && o.Inode == r.Info.Inode && v6[i].Local.Port() == r.Local.Port() {
				return true
			}
		}
		return false // flagged, but its IPv6 row is missing: keep it rather than lose a socket
	}
	if r.Proto != core.UDP || !r.HasInstance {
		return false
	}
	for i := range v6 {
		o := &v6[i]
		if o.HasInstance && o.Instance == r.Instance && o.Local.Addr() == v6Any && o.Local.Port() == r.Local.Port() {
			return true
		}
	}
	return false
}

// socket converts one row as the contract wants it.
func (r *Row) socket() (core.Socket, error) {
	s := core.Socket{
		Proto:  r.Proto,
		Family: r.Family,
		Local:  core.Endpoint{Addr: r.Local.Addr(), Port: r.Local.Port()},
		UID:    -1, // the MIB does not say
	}
	if r.Info != nil {
		s.Inode = r.Info.Inode // what the holder's fdinfo shows as pr_ino
	}
	connected := !(r.Remote.Addr().IsUnspecified() && r.Remote.Port() == 0)
	switch r.Proto {
	case core.TCP:
		s.Type = core.Stream
		st, ok := tcpState(r)
		if !ok {
			return s, parseErr("tcp row %s: unknown state %d (ce_state %d)", r.Local, r.MIBState, r.CEState)
		}
		s.State = st
		s.SendQ, s.RecvQ = uint64(r.SendQ), uint64(r.RecvQ)
	case core.UDP:
		s.Type = core.Dgram
		s.State = core.Unconn
		if r.MIBState == 3 { // MIB2_UDP_connected
			s.State = core.Established
		} else {
			connected = false
		}
	}
	if connected {
		s.Remote = &core.Endpoint{Addr: r.Remote.Addr(), Port: r.Remote.Port()}
	}
	if r.IfIndex != 0 {
		// The index only: naming it would take the live host's
		// interface list (SIOCGLIFCONF), which a capture does not keep.
		core.SetDevice(&s, &core.Device{Index: r.IfIndex})
	}
	return s, nil
}
