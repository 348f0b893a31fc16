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

	// MIBState is tcpConnState (MIB2_TCP_*: 1 closed ... 11 timeWait) or
	// ue_state (MIB2_UDP_*: 1 unbound, 2 idle, 3 connected, 4 unknown).
	MIBState int32
	// CEState is the TCP ce_state, the kernel's own TCPS_* value (-6
	// CLOSED ... 6 TIME_WAIT); it tells BOUND and IDLE apart.
	CEState int32

	SendQ, RecvQ uint32 // TCP: ce_snxt-ce_suna and ce_rnxt-ce_rack, as netstat computes them

	// Creation fields are absent from legacy rows (Solaris 10 layouts).
	HasCreation     bool
	CreationProcess uint32
	CreationTime    uint64

	// ProcInfo is set when the row came from an EXPER_XPORT_PROC_INFO
	// table: PIDs are then the processes holding the socket now.
	ProcInfo bool
	Contents uint16 // cpi_contents: 0 none, 1 socket, 2 XTI
	PIDs     []int
}

// layout holds the offsets that differ between amd64 (mib2.h uses
// #pragma pack(4), so uint64 fields sit on 4-byte boundaries) and SPARC
// (natural alignment). The byte order tells which: little-endian captures
// come from x86, big-endian ones from SPARC.
type layout struct {
	tcpCreateTime int // mib2_tcpConnEntry_t.tcpConnCreationTime
	tcpSize       int // sizeof(mib2_tcpConnEntry_t)
	udpCreateTime int // mib2_udpEntry_t.udpCreationTime
	udpSize       int // sizeof(mib2_udpEntry_t)
}

func layoutFor(bo binary.ByteOrder) layout {
	if bo == binary.BigEndian {
		return layout{tcpCreateTime: 64, tcpSize: 72, udpCreateTime: 32, udpSize: 40}
	}
	return layout{tcpCreateTime: 60, tcpSize: 68, udpCreateTime: 28, udpSize: 36}
}

// Sizes below which a row lacks the fields gosof needs: the legacy
// (LEGACY_MIB_SIZE) layouts end just before the creation fields.
const (
	tcpLegacySize  = 56 // through tcpConnEntryInfo.ce_state
	tcp6LegacySize = 84
	udpLegacySize  = 20 // through udpEntryInfo.ue_RemotePort
	udp6LegacySize = 48
	tcp6Size       = 96 // same on amd64 and SPARC
	udp6Size       = 64
	cpiHeader      = 12 // conn_pid_info_t up to cpi_pids (sys/pidnode.h)
)

// table says how to decode one kind of row.
type table struct {
	proto   core.Proto
	family  core.Family
	legacy  int                              // smallest stride accepted
	full    func(l layout) int               // stride with creation fields
	decode  func(f fields, l layout, r *Row) // fields of one row
	stateOK func(r *Row) bool                // rejects garbage states
}

var (
	tcp4Table = table{core.TCP, core.Inet, tcpLegacySize, func(l layout) int { return l.tcpSize }, decodeTCP4, tcpStateOK}
	tcp6Table = table{core.TCP, core.Inet6, tcp6LegacySize, func(layout) int { return tcp6Size }, decodeTCP6, tcpStateOK}
	udp4Table = table{core.UDP, core.Inet, udpLegacySize, func(l layout) int { return l.udpSize }, decodeUDP4, udpStateOK}
	udp6Table = table{core.UDP, core.Inet6, udp6LegacySize, func(layout) int { return udp6Size }, decodeUDP6, udpStateOK}
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

// mib2_tcpConnEntry_t: State 0, LocalAddress 4, LocalPort 8, RemAddress 12,
// RemPort 16, tcpConnEntryInfo 20..56 (ce_snxt 20, ce_suna 24, ce_rnxt 32,
// ce_rack 36, ce_state 52), CreationProcess 56, CreationTime 60 (SPARC 64).
func decodeTCP4(f fields, l layout, r *Row) {
	lp, _ := port(f, 8)
	rp, _ := port(f, 16)
	r.Local = netip.AddrPortFrom(addr4(f, 4), lp)
	r.Remote = netip.AddrPortFrom(addr4(f, 12), rp)
	r.MIBState = f.i32(0)
	decodeTCPInfo(f, 20, r)
	if f.has(l.tcpCreateTime, 8) {
		r.HasCreation = true
		r.CreationProcess = f.u32(56)
		r.CreationTime = f.u64(l.tcpCreateTime)
	}
}

// mib2_tcp6ConnEntry_t: LocalAddress 0, LocalPort 16, RemAddress 20,
// RemPort 36, IfIndex 40, State 44, tcp6ConnEntryInfo 48..84 (ce_state 80),
// CreationProcess 84, CreationTime 88 (8-aligned on every ISA).
func decodeTCP6(f fields, _ layout, r *Row) {
	lp, _ := port(f, 16)
	rp, _ := port(f, 36)
	r.Local = netip.AddrPortFrom(addr6(f, 0), lp)
	r.Remote = netip.AddrPortFrom(addr6(f, 20), rp)
	r.MIBState = f.i32(44)
	decodeTCPInfo(f, 48, r)
	if f.has(88, 8) {
		r.HasCreation = true
		r.CreationProcess = f.u32(84)
		r.CreationTime = f.u64(88)
	}
}

// decodeTCPInfo reads struct tcpConnEntryInfo_s at off.
func decodeTCPInfo(f fields, off int, r *Row) {
	snxt, suna := f.u32(off), f.u32(off+4)
	rnxt, rack := f.u32(off+12), f.u32(off+16)
	// Unprivileged callers get the differences in snxt/rnxt and 0 in
	// suna/rack, so the same subtraction works for both.
	r.SendQ, r.RecvQ = snxt-suna, rnxt-rack
	r.CEState = f.i32(off + 32)
}

// mib2_udpEntry_t: LocalAddress 0, LocalPort 4, ue_state 8,
// ue_RemoteAddress 12, ue_RemotePort 16, Instance 20, CreationProcess 24,
// CreationTime 28 (SPARC 32).
func decodeUDP4(f fields, l layout, r *Row) {
	lp, _ := port(f, 4)
	rp, _ := port(f, 16)
	r.Local = netip.AddrPortFrom(addr4(f, 0), lp)
	r.Remote = netip.AddrPortFrom(addr4(f, 12), rp)
	r.MIBState = f.i32(8)
	if f.has(l.udpCreateTime, 8) {
		r.HasCreation = true
		r.CreationProcess = f.u32(24)
		r.CreationTime = f.u64(l.udpCreateTime)
	}
}

// mib2_udp6Entry_t: LocalAddress 0, LocalPort 16, IfIndex 20, ue_state 24,
// ue_RemoteAddress 28, ue_RemotePort 44, Instance 48, CreationProcess 52,
// CreationTime 56.
func decodeUDP6(f fields, _ layout, r *Row) {
	lp, _ := port(f, 16)
	rp, _ := port(f, 44)
	r.Local = netip.AddrPortFrom(addr6(f, 0), lp)
	r.Remote = netip.AddrPortFrom(addr6(f, 28), rp)
	r.MIBState = f.i32(24)
	if f.has(56, 8) {
		r.HasCreation = true
		r.CreationProcess = f.u32(52)
		r.CreationTime = f.u64(56)
	}
}

func tcpStateOK(r *Row) bool {
	_, ok := tcpState(r)
	return ok
}

func udpStateOK(r *Row) bool { return r.MIBState >= 1 && r.MIBState <= 4 }

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

// mibStates maps MIB2_TCP_* (inet/mib2.h), the fallback when ce_state is
// not a value we know.
var mibStates = map[int32]core.State{
	1: core.Close, 2: core.Listen, 3: core.SynSent, 4: core.SynRecv,
	5: core.Established, 6: core.FinWait1, 7: core.FinWait2, 8: core.CloseWait,
	9: core.LastAck, 10: core.Closing, 11: core.TimeWait, 12: core.Close,
}

func tcpState(r *Row) (core.State, bool) {
	if s, ok := ceStates[r.CEState]; ok {
		return s, true
	}
	s, ok := mibStates[r.MIBState]
	return s, ok
}

// parseTable decodes a connection table of rows stride bytes apart.
func parseTable(data []byte, stride int, t table, bo binary.ByteOrder, what string) ([]Row, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if stride < t.legacy {
		return nil, parseErr("%s: row size %d is smaller than the %d-byte legacy row", what, stride, t.legacy)
	}
	if len(data)%stride != 0 {
		return nil, parseErr("%s: %d bytes is not a whole number of %d-byte rows", what, len(data), stride)
	}
	rows := make([]Row, 0, len(data)/stride)
	for off := 0; off < len(data); off += stride {
		r, err := decodeRow(data[off:off+stride], t, bo, what, off/stride)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func decodeRow(b []byte, t table, bo binary.ByteOrder, what string, i int) (Row, error) {
	l := layoutFor(bo)
	f := fields{b, bo}
	if len(b) < t.full(l) {
		// A legacy row: decode only what it has.
		f.b = b
		if len(b) > t.legacy {
			f.b = b[:t.legacy]
		}
	}
	r := Row{Proto: t.proto, Family: t.family}
	t.decode(f, l, &r)
	if !t.stateOK(&r) {
		return r, parseErr("%s row %d: unknown state %d (ce_state %d)", what, i, r.MIBState, r.CEState)
	}
	if !portsOK(f, t) {
		return r, parseErr("%s row %d: port out of range", what, i)
	}
	return r, nil
}

func portsOK(f fields, t table) bool {
	var offs [2]int
	switch {
	case t.proto == core.TCP && t.family == core.Inet:
		offs = [2]int{8, 16}
	case t.proto == core.TCP:
		offs = [2]int{16, 36}
	case t.family == core.Inet:
		offs = [2]int{4, 16}
	default:
		offs = [2]int{16, 44}
	}
	for _, o := range offs {
		if _, ok := port(f, o); !ok {
			return false
		}
	}
	return true
}

// parseProcInfo decodes an EXPER_XPORT_PROC_INFO table: each row is a
// connection entry of stride bytes followed by a conn_pid_info_t
// {uint16 cpi_contents @0; uint32 cpi_pids_cnt @4; uint32 cpi_tot_size @8;
// pid_t cpi_pids[] @12} of cpi_tot_size bytes.
func parseProcInfo(data []byte, stride int, t table, bo binary.ByteOrder, what string) ([]Row, error) {
	if stride < t.legacy {
		return nil, parseErr("%s: row size %d is smaller than the %d-byte legacy row", what, stride, t.legacy)
	}
	var rows []Row
	for off, i := 0, 0; off < len(data); i++ {
		if len(data)-off < stride+cpiHeader {
			return nil, parseErr("%s row %d at offset %d: %d bytes left, want %d+%d", what, i, off, len(data)-off, stride, cpiHeader)
		}
		r, err := decodeRow(data[off:off+stride], t, bo, what, i)
		if err != nil {
			return nil, err
		}
		off += stride
		f := fields{data[off:], bo}
		contents, cnt, tot := f.u16(0), f.u32(4), f.u32(8)
		// The kernel side (conn_get_pid_mblk) was not read: accept any
		// total that holds the header and the pids, 4-byte aligned.
		if uint64(tot) < cpiHeader+4*uint64(cnt) || tot%4 != 0 || uint64(tot) > uint64(len(data)-off) {
			return nil, parseErr("%s row %d: conn_pid_info_t claims %d pids in %d bytes, %d left", what, i, cnt, tot, len(data)-off)
		}
		if contents > 2 {
			return nil, parseErr("%s row %d: cpi_contents %d is not 0, 1 or 2", what, i, contents)
		}
		r.ProcInfo, r.Contents = true, contents
		r.PIDs = make([]int, 0, cnt)
		for k := 0; k < int(cnt); k++ {
			if pid := f.i32(cpiHeader + 4*k); pid > 0 {
				r.PIDs = append(r.PIDs, int(pid))
			}
		}
		off += int(tot)
		rows = append(rows, r)
	}
	return rows, nil
}
