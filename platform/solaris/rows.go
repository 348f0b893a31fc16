package solaris

import (
	"encoding/binary"
	"net/netip"

	"github.com/gosof/gosof/core"
)

// Row is one connection-table entry, decoded.
type Row struct {
	Proto  core.Proto
	Family core.Family // inet for the IPv4 tables, inet6 for the IPv6 ones
	Local  netip.AddrPort
	Remote netip.AddrPort

	// IfIndex is an IPv6 row's tcp6ConnIfIndex or udp6IfIndex: the
	// interface of a link-local address's scope, else the one the socket
	// is bound to (IPV6_BOUND_IF), 0 for none (tcp_snmp_get and
	// udp_snmp_get in illumos); the IPv4 rows have no such field.
	IfIndex uint32

	// MIBState is tcpConnState (MIB2_TCP_*: 1 closed ... 11 timeWait) or
	// ue_state (MIB2_UDP_*: 1 unbound, 2 idle, 3 connected, 4 unknown).
	MIBState int32
	// CEState is the TCP ce_state, the kernel's own TCPS_* value (-6
	// CLOSED ... 6 TIME_WAIT); it tells BOUND and IDLE apart. Only read
	// when HasInfo.
	CEState int32

	// HasInfo is set when the row's layout is known (by its size), so
	// ce_state and the queues were read; a row of unknown size has only
	// the fields that never move (state, addresses, ports).
	HasInfo bool
	// SendQ and RecvQ as netstat computes them: snxt-suna-1 and
	// rnxt-rack, 0 when negative.
	SendQ, RecvQ uint32

	// Creation fields are absent from legacy rows (LEGACY_MIB_SIZE) and
	// from rows of unknown size. CreationTime is in clock ticks since
	// boot (conn_open_time, ddi_get_lbolt64()).
	HasCreation     bool
	CreationProcess uint32
	CreationTime    uint64
	// CreatorSince is the earliest tick at which CreationProcess is known
	// to have been this socket's recorded creator: its CreationTime, or
	// an earlier one (the listener's, see MIB.dateCreators). Proving the
	// creator compares the process's fork time with it.
	CreatorSince uint64

	// Instance is a UDP row's udpInstance/udp6Instance: the low 32 bits
	// of the kernel's udp_t address, the same in both rows of one socket
	// (udp_stats.c:265, 324); absent from legacy rows, rows of unknown
	// size and TCP rows.
	HasInstance bool
	Instance    uint32

	// Info is the row's EXPER_SOCK_INFO entry (illumos since late
	// 2019), nil when the kernel sent none for it (no socket vnode:
	// TIME_WAIT, a closing socket, an older kernel).
	Info *SockInfo

	// Layout names the layout the row was decoded with (rowLayout.name),
	// "" when its size was not recognised.
	Layout string
}

// rowLayout is one known layout of a connection-table row, as compiled
// from the illumos headers (zlayout.go). Offsets of the fields that move
// between releases; the ones that never move are constants there.
type rowLayout struct {
	Order  string // "little" (x86: amd64 packing) or "big" (SPARC)
	Arch   string // the ISA the offsets were compiled for
	Era    string // "2019" (illumos 11547 and later), "pre2019", "any"
	Legacy bool   // LEGACY_MIB_SIZE rows (solaris10-branded zones)
	Size   int

	Snxt, Suna, Rnxt, Rack, CEState int // TCP's tcpConnEntryInfo_t fields

	CreationProcess, CreationTime int // -1 when the row has none
}

func (l *rowLayout) name() string {
	n := l.Era + "/" + l.Arch
	if l.Legacy {
		n += "/legacy"
	}
	return n
}

// findLayout picks the layout of this size for this byte order: the
// kernel's row size is what says which struct it sent, never a release
// name. Every known size is distinct within one byte order.
func findLayout(ls []rowLayout, size int, bo binary.ByteOrder) *rowLayout {
	order := orderName(bo)
	for i := range ls {
		if ls[i].Size == size && ls[i].Order == order {
			return &ls[i]
		}
	}
	return nil
}

// table says how to decode one kind of row.
type table struct {
	proto   core.Proto
	family  core.Family
	what    string
	layouts []rowLayout
	stable  int                                  // bytes of the fields that never move
	decode  func(f fields, l *rowLayout, r *Row) // l is nil for an unknown size
}

var (
	tcp4Table = table{core.TCP, core.Inet, "MIB2_TCP_CONN", zTCP4Layouts, zTCP4RemPort + 4, decodeTCP4}
	tcp6Table = table{core.TCP, core.Inet6, "MIB2_TCP6_CONN", zTCP6Layouts, zTCP6State + 4, decodeTCP6}
	udp4Table = table{core.UDP, core.Inet, "MIB2_UDP_ENTRY", zUDP4Layouts, zUDP4RemPort + 4, decodeUDP4}
	udp6Table = table{core.UDP, core.Inet6, "MIB2_UDP6_ENTRY", zUDP6Layouts, zUDP6RemPort + 4, decodeUDP6}
)

func addr4(f fields, off int) netip.Addr {
	var a [4]byte
	copy(a[:], f.raw(off, 4)) // IpAddress: network byte order in memory
	return netip.AddrFrom4(a)
}

func addr6(f fields, off int) netip.Addr {
	var a [16]byte
	copy(a[:], f.raw(off, 16))
	return netip.AddrFrom16(a)
}

// port reads an int port in host order; ok is false outside 0..65535.
func port(f fields, off int) (uint16, bool) {
	p := f.i32(off)
	return uint16(p), p >= 0 && p <= 0xffff
}

func decodeTCP4(f fields, l *rowLayout, r *Row) {
	lp, _ := port(f, zTCP4LocalPort)
	rp, _ := port(f, zTCP4RemPort)
	r.Local = netip.AddrPortFrom(addr4(f, zTCP4LocalAddr), lp)
	r.Remote = netip.AddrPortFrom(addr4(f, zTCP4RemAddr), rp)
	r.MIBState = f.i32(zTCP4State)
	decodeTCPInfo(f, l, r)
}

func decodeTCP6(f fields, l *rowLayout, r *Row) {
	lp, _ := port(f, zTCP6LocalPort)
	rp, _ := port(f, zTCP6RemPort)
	r.Local = netip.AddrPortFrom(addr6(f, zTCP6LocalAddr), lp)
	r.Remote = netip.AddrPortFrom(addr6(f, zTCP6RemAddr), rp)
	r.IfIndex = f.u32(zTCP6IfIndex)
	r.MIBState = f.i32(zTCP6State)
	decodeTCPInfo(f, l, r)
}

// decodeTCPInfo reads tcpConnEntryInfo_t and the creation fields at the
// layout's offsets.
func decodeTCPInfo(f fields, l *rowLayout, r *Row) {
	if l == nil {
		return
	}
	r.HasInfo = true
	// Unprivileged callers get snxt-suna in ce_snxt and 0 in ce_suna (and
	// the same for rnxt/rack): the same subtraction serves both. netstat
	// prints snxt-suna-1 (the SYN or FIN in flight counts one) and
	// rnxt-rack, each clamped at 0; the differences are taken modulo 2^32
	// as sequence numbers are, so a wrapped sequence space still gives the
	// bytes in flight.
	if d := f.u32(l.Snxt) - f.u32(l.Suna); d > 0 && d < 1<<31 {
		r.SendQ = d - 1
	}
	if d := f.u32(l.Rnxt) - f.u32(l.Rack); d < 1<<31 {
		r.RecvQ = d
	}
	r.CEState = f.i32(l.CEState)
	creation(f, l, r)
}

func creation(f fields, l *rowLayout, r *Row) {
	if l == nil || l.CreationProcess < 0 || !f.has(l.CreationTime, 8) {
		return
	}
	r.HasCreation = true
	r.CreationProcess = f.u32(l.CreationProcess)
	r.CreationTime = f.u64(l.CreationTime)
	r.CreatorSince = r.CreationTime
}

func decodeUDP4(f fields, l *rowLayout, r *Row) {
	lp, _ := port(f, zUDP4LocalPort)
	rp, _ := port(f, zUDP4RemPort)
	r.Local = netip.AddrPortFrom(addr4(f, zUDP4LocalAddr), lp)
	r.Remote = netip.AddrPortFrom(addr4(f, zUDP4RemAddr), rp)
	r.MIBState = f.i32(zUDP4State)
	r.HasInfo = l != nil
	instance(f, l, zUDP4Instance, r)
	creation(f, l, r)
}

// instance reads udpInstance where the layout has it: every full UDP
// row; a legacy one ends just before it (MIB_FIRST_NEW_ELM, mib2.h:1550,
// 1590).
func instance(f fields, l *rowLayout, off int, r *Row) {
	if l == nil || l.Legacy || !f.has(off, 4) {
		return
	}
	r.HasInstance, r.Instance = true, f.u32(off)
}

func decodeUDP6(f fields, l *rowLayout, r *Row) {
	lp, _ := port(f, zUDP6LocalPort)
	rp, _ := port(f, zUDP6RemPort)
	r.Local = netip.AddrPortFrom(addr6(f, zUDP6LocalAddr), lp)
	r.Remote = netip.AddrPortFrom(addr6(f, zUDP6RemAddr), rp)
	r.IfIndex = f.u32(zUDP6IfIndex)
	r.MIBState = f.i32(zUDP6State)
	r.HasInfo = l != nil
	instance(f, l, zUDP6Instance, r)
	creation(f, l, r)
}

// ceStates maps the kernel's TCPS_* (inet/tcp.h) to the contract's names.
// BOUND and IDLE are sockets that never listened nor connected: netstat
// prints them as BOUND/IDLE, the contract as CLOSE.
var ceStates = map[int32]core.State{
	-6: core.Close,       // TCPS_CLOSED
	-5: core.Close,       // TCPS_IDLE
	-4: core.Close,       // TCPS_BOUND
	-3: core.Listen,      // TCPS_LISTEN
	-2: core.SynSent,     // TCPS_SYN_SENT
	-1: core.SynRecv,     // TCPS_SYN_RCVD
	0:  core.Established, // TCPS_ESTABLISHED
	1:  core.CloseWait,   // TCPS_CLOSE_WAIT
	2:  core.FinWait1,    // TCPS_FIN_WAIT_1
	3:  core.Closing,     // TCPS_CLOSING
	4:  core.LastAck,     // TCPS_LAST_ACK
	5:  core.FinWait2,    // TCPS_FIN_WAIT_2
	6:  core.TimeWait,    // TCPS_TIME_WAIT
}

// mibStates maps MIB2_TCP_* (inet/mib2.h): the state of a row whose
// layout is unknown, and a check on ce_state where it is known.
var mibStates = map[int32]core.State{
	1: core.Close, 2: core.Listen, 3: core.SynSent, 4: core.SynRecv,
	5: core.Established, 6: core.FinWait1, 7: core.FinWait2, 8: core.CloseWait,
	9: core.LastAck, 10: core.Closing, 11: core.TimeWait, 12: core.Close,
}

// tcpState is the row's state, from tcpConnState: it sits at the same
// offset in every layout, and the kernel derives it from the same
// tcp_state as ce_state (tcp_snmp_state), which only adds BOUND and IDLE,
// both CLOSE for the contract. Where the layout is known, a ce_state that
// is no TCPS_* value at all means the layout is not what its size says:
// an error, never a state read at a guessed offset. (The two are read
// one after the other without a lock, so they may legitimately differ by
// a transition; tcpConnState wins.)
func tcpState(r *Row) (core.State, bool) {
	ms, ok := mibStates[r.MIBState]
	if !ok {
		return "", false
	}
	if r.HasInfo {
		if _, ok := ceStates[r.CEState]; !ok {
			return "", false
		}
	}
	return ms, true
}

func rowStateOK(r *Row) bool {
	if r.Proto == core.UDP {
		return r.MIBState >= 1 && r.MIBState <= 4
	}
	_, ok := tcpState(r)
	return ok
}

// parseTable decodes a connection table of rows stride bytes apart. An
// unknown stride still gives every row from the fields that never move;
// known reports whether the layout was recognised.
func parseTable(data []byte, stride int, t table, bo binary.ByteOrder) (rows []Row, known bool, err error) {
	l := findLayout(t.layouts, stride, bo)
	if len(data) == 0 {
		return nil, l != nil, nil
	}
	if stride < t.stable {
		return nil, false, parseErr("%s: row size %d is smaller than the %d bytes every layout starts with", t.what, stride, t.stable)
	}
	if len(data)%stride != 0 {
		return nil, false, parseErr("%s: %d bytes is not a whole number of %d-byte rows", t.what, len(data), stride)
	}
	rows = make([]Row, 0, len(data)/stride)
	for off := 0; off < len(data); off += stride {
		f := fields{data[off : off+stride], bo}
		r := Row{Proto: t.proto, Family: t.family}
		if l != nil {
			r.Layout = l.name()
		}
		t.decode(f, l, &r)
		i := off / stride
		if !rowStateOK(&r) {
			return nil, false, parseErr("%s row %d (%s layout): state %d with ce_state %d is not a state", t.what, i, layoutName(l), r.MIBState, r.CEState)
		}
		if !portsOK(f, t) {
			return nil, false, parseErr("%s row %d: port out of range", t.what, i)
		}
		rows = append(rows, r)
	}
	return rows, l != nil, nil
}

func layoutName(l *rowLayout) string {
	if l == nil {
		return "unknown"
	}
	return l.name()
}

func portsOK(f fields, t table) bool {
	var offs [2]int
	switch {
	case t.proto == core.TCP && t.family == core.Inet:
		offs = [2]int{zTCP4LocalPort, zTCP4RemPort}
	case t.proto == core.TCP:
		offs = [2]int{zTCP6LocalPort, zTCP6RemPort}
	case t.family == core.Inet:
		offs = [2]int{zUDP4LocalPort, zUDP4RemPort}
	default:
		offs = [2]int{zUDP6LocalPort, zUDP6RemPort}
	}
	for _, o := range offs {
		if _, ok := port(f, o); !ok {
			return false
		}
	}
	return true
}
