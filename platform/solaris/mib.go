package solaris

import (
	"encoding/binary"
	"net/netip"

	"github.com/gosof/gosof/core"
)

// MIB is the connection tables of one MIB reply.
type MIB struct {
	TCP, TCP6, UDP, UDP6 []Row
	// ProcInfo is set when the kernel sent EXPER_XPORT_PROC_INFO tables
	// (illumos since 2016): the rows then carry their holders' pids.
	ProcInfo bool
}

// DecodeMIB picks the TCP and UDP tables out of a MIB reply. Row sizes are
// taken from the kernel (tcpConnTableSize, tcp6ConnTableSize, udpEntrySize,
// udp6EntrySize), never from our idea of the structs. Where a table has an
// EXPER_XPORT_PROC_INFO twin, the twin's rows are used: the kernel fills
// both in the same walk, entry for entry, and the twin also has the pids.
func DecodeMIB(groups []Group, bo binary.ByteOrder) (*MIB, error) {
	var tcpSize, tcp6Size, udpSize, udp6Size int
	var haveTCPStats, haveUDPStats bool
	for _, g := range groups {
		f := fields{g.Data, bo}
		switch {
		case g.Level == levelTCP && g.Name == nameStats:
			// mib2_tcp_t: tcpConnTableSize @48, tcp6ConnTableSize @208.
			if !f.has(48, 4) {
				return nil, parseErr("MIB2_TCP: %d bytes, too short for tcpConnTableSize", len(g.Data))
			}
			haveTCPStats = true
			tcpSize = int(f.i32(48))
			if f.has(208, 4) {
				tcp6Size = int(f.i32(208))
			}
		case g.Level == levelUDP && g.Name == nameStats:
			// mib2_udp_t: udpEntrySize @12, udp6EntrySize @16.
			if !f.has(16, 4) {
				return nil, parseErr("MIB2_UDP: %d bytes, too short for udpEntrySize", len(g.Data))
			}
			haveUDPStats = true
			udpSize, udp6Size = int(f.i32(12)), int(f.i32(16))
		}
	}
	type source struct {
		level, name uint32
		stride      *int
		have        bool
		t           table
		dst         *[]Row
		what        string
	}
	m := &MIB{}
	sources := []source{
		{levelTCP, nameTCPConn, &tcpSize, haveTCPStats, tcp4Table, &m.TCP, "MIB2_TCP_CONN"},
		{levelTCP6, nameTCP6Conn, &tcp6Size, haveTCPStats, tcp6Table, &m.TCP6, "MIB2_TCP6_CONN"},
		{levelUDP, nameUDPEntry, &udpSize, haveUDPStats, udp4Table, &m.UDP, "MIB2_UDP_ENTRY"},
		{levelUDP6, nameUDP6Entry, &udp6Size, haveUDPStats, udp6Table, &m.UDP6, "MIB2_UDP6_ENTRY"},
	}
	for _, s := range sources {
		var conn, proc *Group
		for i := range groups {
			g := &groups[i]
			if g.Level == s.level && g.Name == s.name {
				conn = g
			}
			if g.Level == s.level && g.Name == nameProcInfo {
				proc = g
			}
		}
		if (conn == nil || len(conn.Data) == 0) && (proc == nil || len(proc.Data) == 0) {
			continue
		}
		if !s.have {
			return nil, parseErr("%s: table without the group that gives its row size", s.what)
		}
		var rows []Row
		var err error
		if proc != nil && len(proc.Data) > 0 {
			m.ProcInfo = true
			rows, err = parseProcInfo(proc.Data, *s.stride, s.t, bo, s.what+" EXPER_XPORT_PROC_INFO")
		} else {
			rows, err = parseTable(conn.Data, *s.stride, s.t, bo, s.what)
		}
		if err != nil {
			return nil, err
		}
		*s.dst = rows
	}
	return m, nil
}

// Key is what gosof keeps in core.Socket.Key for a Solaris socket: the
// row it came from, so owners and the closer can find it again.
type Key struct {
	Row Row
}

// Sockets turns the rows into sockets. An IPv6 socket bound to :: without
// IPV6_V6ONLY, in a state up to LISTEN, is also reported in the IPv4 table
// as 0.0.0.0 (tcp_snmp_get, udp_snmp_get): it is printed once, as the
// inet6 :: socket. The two rows are the same socket when they share the
// port, the creation pid and the creation time; legacy rows have no
// creation fields, so there both rows are kept.
func (m *MIB) Sockets() ([]core.Socket, error) {
	var out []core.Socket
	add := func(rows []Row, dual []Row) error {
		for i := range rows {
			r := &rows[i]
			if dual != nil && isV6Twin(r, dual) {
				continue
			}
			s, err := r.socket()
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	}
	for _, t := range []struct{ rows, dual []Row }{
		{m.TCP, m.TCP6}, {m.TCP6, nil}, {m.UDP, m.UDP6}, {m.UDP6, nil},
	} {
		if err := add(t.rows, t.dual); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var v6Any = netip.IPv6Unspecified()

// isV6Twin reports whether IPv4 row r is the IPv4 view of an IPv6 row in v6.
func isV6Twin(r *Row, v6 []Row) bool {
	if !r.HasCreation || r.CreationTime == 0 || !r.Local.Addr().IsUnspecified() || r.Remote.Port() != 0 {
		return false
	}
	for i := range v6 {
		o := &v6[i]
		if o.HasCreation && o.Local.Addr() == v6Any && o.Local.Port() == r.Local.Port() &&
			o.CreationProcess == r.CreationProcess && o.CreationTime == r.CreationTime {
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
		UID:    -1, // the MIB does not say; no socket inodes either
		Key:    Key{Row: *r},
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
	return s, nil
}
