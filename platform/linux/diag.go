package linux

// Encoding and decoding of NETLINK_SOCK_DIAG messages: pure functions over
// bytes, so they are tested (and fuzzed) on any host. The system calls are in
// diag_linux.go.
//
// Layouts come from the kernel uapi headers linux/netlink.h,
// linux/sock_diag.h, linux/inet_diag.h and linux/unix_diag.h. Netlink
// speaks the host's byte order, except where a header says __be16/__be32
// (ports and addresses in struct inet_diag_sockid).

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/hostorder"
)

// netlink constants (linux/netlink.h, linux/sock_diag.h).
const (
	nlmsgHdrLen = 16 // sizeof(struct nlmsghdr)
	nlaHdrLen   = 4  // sizeof(struct nlattr)

	nlmsgNoop  = 0x1 // NLMSG_NOOP
	nlmsgError = 0x2 // NLMSG_ERROR
	nlmsgDone  = 0x3 // NLMSG_DONE

	nlmFRequest = 0x1   // NLM_F_REQUEST
	nlmFAck     = 0x4   // NLM_F_ACK
	nlmFDump    = 0x300 // NLM_F_ROOT|NLM_F_MATCH

	nlaTypeMask = 0x3fff // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER

	tcpDiagGetSock   = 18 // TCPDIAG_GETSOCK (linux/inet_diag.h): the request before SOCK_DIAG_BY_FAMILY
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	sockDestroy      = 21 // SOCK_DESTROY

	afUnix  = 1  // AF_UNIX
	afInet  = 2  // AF_INET
	afInet6 = 10 // AF_INET6

	ipprotoTCP     = 6   // IPPROTO_TCP
	ipprotoUDP     = 17  // IPPROTO_UDP
	ipprotoUDPLite = 136 // IPPROTO_UDPLITE
	ipprotoRaw     = 255 // IPPROTO_RAW: raw_diag dumps every raw socket
)

// inet_diag sizes and constants (linux/inet_diag.h).
const (
	inetReqLen     = 56 // sizeof(struct inet_diag_req_v2)
	inetReqOldLen  = 60 // sizeof(struct inet_diag_req): TCPDIAG_GETSOCK's
	inetMsgLen     = 72 // sizeof(struct inet_diag_msg)
	inetNoCookie   = ^uint32(0)
	inetReqBytecod = 1 // INET_DIAG_REQ_BYTECODE

	// INET_DIAG_INFO: the attribute that carries struct tcp_info, and
	// the idiag_ext bit that asks for it (1 << (INET_DIAG_INFO - 1)).
	inetDiagInfo = 2
	// INET_DIAG_SKV6ONLY: a u8, IPV6_V6ONLY of an AF_INET6 socket in
	// LISTEN or CLOSE (unconnected UDP too), sent unasked
	// (inet_diag_msg_attrs_fill).
	inetDiagSkV6Only = 11
	inetExtInfo      = 1 << (inetDiagInfo - 1)
	tcpInfoLastMin   = 60 // struct tcp_info up to tcpi_last_ack_recv: every kernel since 2.6 sends more
	// Offsets in struct tcp_info (linux/tcp.h; checked with offsetof
	// against the header): the times since data was last sent, data last
	// received and an ACK last received, in milliseconds (__u32 each).
	tcpiLastDataSent = 44
	tcpiLastDataRecv = 52
	tcpiLastAckRecv  = 56

	bcJmp  = 1 // INET_DIAG_BC_JMP
	bcSGE  = 2 // INET_DIAG_BC_S_GE
	bcSLE  = 3 // INET_DIAG_BC_S_LE
	bcDGE  = 4 // INET_DIAG_BC_D_GE
	bcDLE  = 5 // INET_DIAG_BC_D_LE
	bcOpSz = 4 // sizeof(struct inet_diag_bc_op)
)

// unix_diag sizes and constants (linux/unix_diag.h).
const (
	unixReqLen = 24 // sizeof(struct unix_diag_req)
	unixMsgLen = 16 // sizeof(struct unix_diag_msg)

	udiagShowName  = 0x01 // UDIAG_SHOW_NAME
	udiagShowVFS   = 0x02 // UDIAG_SHOW_VFS
	udiagShowPeer  = 0x04 // UDIAG_SHOW_PEER
	udiagShowIcons = 0x08 // UDIAG_SHOW_ICONS
	udiagShowRQLen = 0x10 // UDIAG_SHOW_RQLEN
	udiagShowUID   = 0x40 // UDIAG_SHOW_UID (Linux 5.3; older kernels ignore the bit)

	unixDiagName  = 0 // UNIX_DIAG_NAME
	unixDiagVFS   = 1 // UNIX_DIAG_VFS: struct unix_diag_vfs, the bound file's inode and device
	unixDiagPeer  = 2 // UNIX_DIAG_PEER
	unixDiagIcons = 3 // UNIX_DIAG_ICONS: a listener's pending connections, as the connecting sockets' inodes (u32 each)
	unixDiagRQLen = 4 // UNIX_DIAG_RQLEN
	unixDiagUID   = 7 // UNIX_DIAG_UID
)

// Kernel socket states (include/net/tcp_states.h). UDP and raw sockets use
// TCP_ESTABLISHED when connected and TCP_CLOSE otherwise; unix sockets use
// TCP_LISTEN, TCP_ESTABLISHED and TCP_CLOSE.
const (
	tcpEstablished = 1
	tcpSynSent     = 2
	tcpSynRecv     = 3
	tcpFinWait1    = 4
	tcpFinWait2    = 5
	tcpTimeWait    = 6
	tcpClose       = 7
	tcpCloseWait   = 8
	tcpLastAck     = 9
	tcpListen      = 10
	tcpClosing     = 11
	tcpNewSynRecv  = 12
	// tcpBoundInactive is TCP_BOUND_INACTIVE (Linux 6.5), a pseudo-state
	// for inet_diag only: its bit in idiag_states asks for the sockets that
	// are bound and nothing more, which the dump reports as TCP_CLOSE.
	// Without it a mask of TCPF_CLOSE alone lists none of them.
	tcpBoundInactive = 13
)

// Kernel socket types (SOCK_STREAM...), as unix_diag_msg.udiag_type and the
// Type column of /proc/net/unix give them.
const (
	sockStream    = 1
	sockDgram     = 2
	sockRaw       = 3
	sockSeqPacket = 5
)

// sockTypeName names a kernel socket type (unix_diag, /proc/net/unix,
// SO_TYPE); TypeUnknown for one gosof does not know.
func sockTypeName(t int) core.SockType {
	switch t {
	case sockStream:
		return core.Stream
	case sockDgram:
		return core.Dgram
	case sockRaw:
		return core.RawType
	case sockSeqPacket:
		return core.SeqPacket
	}
	return core.TypeUnknown
}

// unixSockType is sockTypeName for AF_UNIX, which has no raw sockets.
func unixSockType(t int) core.SockType {
	if t == sockRaw {
		return core.TypeUnknown
	}
	return sockTypeName(t)
}

// DiagKey names an inet socket exactly as NETLINK_SOCK_DIAG does, beyond its
// addresses and ports: Sockets puts a *DiagKey in core.Socket.Key for every
// socket it read through netlink (nil for those from /proc/net), and Destroy
// uses it to reset that socket and no other.
type DiagKey struct {
	Cookie  uint64 // inet_diag_sockid.idiag_cookie (sock_gen_cookie), unix_diag_msg.udiag_cookie
	IfIndex uint32 // inet_diag_sockid.idiag_if: the interface the socket is bound to, 0 if none
}

// tcpStates maps a kernel TCP state to the contract's name.
var tcpStates = [...]core.State{
	tcpEstablished: core.Established,
	tcpSynSent:     core.SynSent,
	tcpSynRecv:     core.SynRecv,
	tcpFinWait1:    core.FinWait1,
	tcpFinWait2:    core.FinWait2,
	tcpTimeWait:    core.TimeWait,
	tcpClose:       core.Close,
	tcpCloseWait:   core.CloseWait,
	tcpLastAck:     core.LastAck,
	tcpListen:      core.Listen,
	tcpClosing:     core.Closing,
	tcpNewSynRecv:  core.SynRecv, // a request socket: ss also calls it SYN-RECV
}

// inetState names kernel state st of a socket of protocol p.
func inetState(p core.Proto, st uint8) (core.State, bool) {
	if p != core.TCP {
		if st == tcpEstablished {
			return core.Established, true
		}
		return core.Unconn, true
	}
	if int(st) < len(tcpStates) && tcpStates[st] != "" {
		return tcpStates[st], true
	}
	return "", false
}

// inetTimers maps idiag_timer (and the tr column of /proc/net/tcp) to a timer.
var inetTimers = [...]core.Timer{
	0: core.TimerNone,
	1: core.TimerRetrans,
	2: core.TimerKeepalive,
	3: core.TimerTimeWait,
	4: core.TimerProbe,
}

func inetTimer(t uint8) core.Timer {
	if int(t) < len(inetTimers) {
		return inetTimers[t]
	}
	return core.TimerNone
}

// stateMask is the idiag_states (or udiag_states) bit mask that lets the
// kernel skip sockets in states f cannot match. It may ask for more than f
// wants, never less. A zero mask means no socket of protocol p can match.
func stateMask(f *core.Filter, p core.Proto) uint32 {
	const all = ^uint32(0)
	if f != nil && f.Held && p == core.TCP {
		// no process holds a TIME_WAIT or a request socket (core.MayBeHeld):
		// on a server with 50,000 TIME_WAITs, -t need not read them at all
		return stateMaskOf(f, p) &^ (1<<tcpTimeWait | 1<<tcpNewSynRecv)
	}
	return stateMaskOf(f, p)
}

// stateMaskOf is stateMask for f's states alone.
func stateMaskOf(f *core.Filter, p core.Proto) uint32 {
	const all = ^uint32(0)
	if f == nil || len(f.States) == 0 {
		return all
	}
	var m uint32
	for _, st := range f.States {
		switch p {
		case core.TCP:
			for i, s := range tcpStates {
				if s == st {
					m |= 1 << i
				}
			}
			if st == core.Close {
				m |= 1 << tcpBoundInactive
			}
		case core.Unix:
			switch st {
			case core.Listen:
				m |= 1 << tcpListen
			case core.Connected, core.Unconn:
				// Whether a datagram socket is connected shows only in
				// its peer, not its state: ask for every state but LISTEN.
				m |= all &^ (1 << tcpListen)
			}
		default: // udp, udplite, raw: see inetState
			switch st {
			case core.Established:
				m |= 1 << tcpEstablished
			case core.Unconn:
				m |= all &^ (1 << tcpEstablished)
			}
		}
	}
	return m
}

// maxBytecode keeps every jump of a filter inside inet_diag_bc_op.no (u16).
const maxBytecode = 60000

// portBytecode builds an INET_DIAG_REQ_BYTECODE program that accepts a socket
// whose local (S_GE/S_LE) or remote (D_GE/D_LE) port is in one of f's ranges,
// as f.Side says. It returns nil when the kernel should not filter by port.
//
// The kernel (net/ipv4/inet_diag.c inet_diag_bc_run) runs the ops in order;
// each is a conditional jump forward by op.yes or op.no bytes, and the socket
// is accepted when the program ends exactly at its last byte, rejected when a
// jump lands 4 bytes past it. Each range is a term
//
//	GE lo (yes: next op, no: next term)
//	LE hi (yes: next op, no: next term)
//	JMP   (no: to the end: accept)
//
// and the last term needs no JMP: falling off its end accepts. The audit
// (inet_diag_bc_audit) wants every "no" target to be an op on the yes chain,
// which term starts are.
func portBytecode(f *core.Filter) []byte {
	if f == nil || len(f.Ports) == 0 {
		return nil
	}
	type cond struct {
		ge, le uint8
		r      core.PortRange
	}
	var conds []cond
	for _, r := range f.Ports {
		if f.Side != core.SideRemote {
			conds = append(conds, cond{bcSGE, bcSLE, r})
		}
		if f.Side != core.SideLocal {
			conds = append(conds, cond{bcDGE, bcDLE, r})
		}
	}
	const termLen = 4 * bcOpSz // GE op + port, LE op + port
	n := len(conds)*(termLen+bcOpSz) - bcOpSz
	if n > maxBytecode {
		return nil // too long to encode: let core filter
	}
	b := make([]byte, n)
	off := 0
	for i, c := range conds {
		last := i == len(conds)-1
		end := off + termLen
		if !last {
			end += bcOpSz
		}
		// fail: the next term, or past the end (reject) after the last one
		fail := end - off
		if last {
			fail += bcOpSz
		}
		putOp(b[off:], c.ge, 2*bcOpSz, uint16(fail))
		putOp(b[off+bcOpSz:], 0, 0, c.r.Lo)
		putOp(b[off+2*bcOpSz:], c.le, 2*bcOpSz, uint16(fail-2*bcOpSz))
		putOp(b[off+3*bcOpSz:], 0, 0, c.r.Hi)
		if !last {
			j := off + termLen
			putOp(b[j:], bcJmp, bcOpSz, uint16(n-j)) // to the end: accept
		}
		off = end
	}
	return b
}

// putOp writes struct inet_diag_bc_op {u8 code; u8 yes; u16 no} (host order).
// A port comparison is followed by an op whose "no" holds the port.
func putOp(b []byte, code, yes uint8, no uint16) {
	b[0] = code
	b[1] = yes
	hostorder.Native.PutUint16(b[2:], no)
}

// putNlmsghdr writes struct nlmsghdr.
func putNlmsghdr(b []byte, length uint32, typ, flags uint16, seq uint32) {
	hostorder.Native.PutUint32(b[0:], length) // nlmsg_len
	hostorder.Native.PutUint16(b[4:], typ)    // nlmsg_type
	hostorder.Native.PutUint16(b[6:], flags)  // nlmsg_flags
	hostorder.Native.PutUint32(b[8:], seq)    // nlmsg_seq
	hostorder.Native.PutUint32(b[12:], 0)     // nlmsg_pid: to the kernel
}

func align4(n int) int { return (n + 3) &^ 3 }

// inetExt is the idiag_ext of a dump: struct tcp_info (INET_DIAG_INFO)
// when idle times are wanted, else nothing. tcp_info adds some 240
// bytes to every TCP socket's message and the kernel takes each
// socket's lock to fill it (tcp_get_info), so it is asked for only then.
func inetExt(idle bool, proto uint8) uint8 {
	if idle && proto == ipprotoTCP {
		return inetExtInfo
	}
	return 0
}

// inetDumpRequest encodes a SOCK_DIAG_BY_FAMILY dump request (struct
// inet_diag_req_v2) for one family and protocol, with an optional
// INET_DIAG_REQ_BYTECODE filter, asking for the extensions ext.
func inetDumpRequest(seq uint32, family, proto uint8, states uint32, bytecode []byte, ext uint8) []byte {
	b, r := newDumpRequest(seq, sockDiagByFamily, inetReqLen, bytecode)
	r[0] = family // sdiag_family
	r[1] = proto  // sdiag_protocol
	r[2] = ext    // idiag_ext
	if proto == ipprotoRaw {
		r[3] = ipprotoRaw // sdiag_raw_protocol (struct inet_diag_req_raw): every raw socket
	}
	hostorder.Native.PutUint32(r[4:], states) // idiag_states
	// id (struct inet_diag_sockid) at r[8:56] stays zero for a dump, but
	// the cookie says "none" as ss sends it.
	hostorder.Native.PutUint32(r[8+40:], inetNoCookie)
	hostorder.Native.PutUint32(r[8+44:], inetNoCookie)
	return b
}

// newDumpRequest allocates a dump request of type typ whose fixed part is
// reqLen bytes, followed by bytecode (if any) as INET_DIAG_REQ_BYTECODE,
// and returns the message and its fixed part, zero, to fill in.
func newDumpRequest(seq uint32, typ uint16, reqLen int, bytecode []byte) (b, r []byte) {
	n := nlmsgHdrLen + reqLen
	if len(bytecode) > 0 {
		n += nlaHdrLen + align4(len(bytecode))
	}
	b = make([]byte, n)
	putNlmsghdr(b, uint32(n), typ, nlmFRequest|nlmFDump, seq)
	r = b[nlmsgHdrLen:]
	if len(bytecode) > 0 {
		a := r[reqLen:]
		hostorder.Native.PutUint16(a[0:], uint16(nlaHdrLen+len(bytecode))) // nla_len
		hostorder.Native.PutUint16(a[2:], inetReqBytecod)                  // nla_type
		copy(a[nlaHdrLen:], bytecode)
	}
	return b, r
}

// tcpBothDumpRequest encodes a TCPDIAG_GETSOCK dump request (struct
// inet_diag_req, the interface SOCK_DIAG_BY_FAMILY succeeded), which the
// kernel answers with the TCP sockets of both families in one walk of its
// tables (inet_diag_dump_compat asks for sdiag_family AF_UNSPEC). Two
// SOCK_DIAG_BY_FAMILY dumps, one per family, walk the established hash
// twice, however few sockets it holds.
// The answers are the same inet_diag_msg messages, each naming its family.
func tcpBothDumpRequest(seq uint32, states uint32, bytecode []byte, ext uint8) []byte {
	b, r := newDumpRequest(seq, tcpDiagGetSock, inetReqOldLen, bytecode)
	r[0] = afInet // idiag_family: ignored by the kernel for a dump
	// idiag_src_len, idiag_dst_len: 0.
	r[3] = ext // idiag_ext
	// id at r[4:52] zero but for the cookie, as in inetDumpRequest.
	hostorder.Native.PutUint32(r[4+40:], inetNoCookie)
	hostorder.Native.PutUint32(r[4+44:], inetNoCookie)
	hostorder.Native.PutUint32(r[52:], states) // idiag_states
	// idiag_dbs at r[56:60]: 0
	return b
}

// unixShow is what a unix dump asks the kernel to add to each socket.
const unixShow = udiagShowName | udiagShowVFS | udiagShowPeer | udiagShowIcons | udiagShowRQLen | udiagShowUID

// unixDumpRequest encodes a SOCK_DIAG_BY_FAMILY dump request (struct
// unix_diag_req) for AF_UNIX.
func unixDumpRequest(seq uint32, states uint32) []byte {
	b := make([]byte, nlmsgHdrLen+unixReqLen)
	putNlmsghdr(b, uint32(len(b)), sockDiagByFamily, nlmFRequest|nlmFDump, seq)
	r := b[nlmsgHdrLen:]
	r[0] = afUnix                                // sdiag_family
	hostorder.Native.PutUint32(r[4:], states)    // udiag_states
	hostorder.Native.PutUint32(r[12:], unixShow) // udiag_show
	// udiag_ino and udiag_cookie stay zero: a dump ignores them
	return b
}

// destroyRequest encodes SOCK_DESTROY for the inet socket s: struct
// inet_diag_req_v2 with the socket's exact id (inet_diag_sockid),
// cookie included. A socket without one (read from /proc/net) is
// refused: the kernel looks the socket up by its ends when the request
// comes, and checks the cookie only when one is given
// (inet_diag_find_one_icsk), so it would reset whatever socket has
// those ends by then: a new connection that took them, say.
func destroyRequest(seq uint32, s *core.Socket) ([]byte, error) {
	var family, proto uint8
	switch s.Family {
	case core.Inet:
		family = afInet
	case core.Inet6:
		family = afInet6
	default:
		return nil, fmt.Errorf("SOCK_DESTROY: %s socket: %w", s.Family, core.ErrUnsupported)
	}
	switch s.Proto {
	case core.TCP:
		proto = ipprotoTCP
	case core.UDP:
		proto = ipprotoUDP
	case core.UDPLite:
		proto = ipprotoUDPLite
	default:
		return nil, fmt.Errorf("SOCK_DESTROY: %s socket: %w", s.Proto, core.ErrUnsupported)
	}
	key, _ := s.Key.(*DiagKey)
	if key == nil {
		return nil, fmt.Errorf("SOCK_DESTROY not sent: the socket was read from /proc/net, which gives no socket cookie, "+
			"and without one the kernel resets whatever socket has its ends by then (a new connection may have taken them); "+
			"run without --proc-net: %w", core.ErrUnsupported)
	}
	b := make([]byte, nlmsgHdrLen+inetReqLen)
	putNlmsghdr(b, uint32(len(b)), sockDestroy, nlmFRequest|nlmFAck, seq)
	r := b[nlmsgHdrLen:]
	r[0] = family
	r[1] = proto
	hostorder.Native.PutUint32(r[4:], ^uint32(0)) // idiag_states: any
	id := r[8:]
	binary.BigEndian.PutUint16(id[0:], s.Local.Port) // idiag_sport (__be16)
	if s.Remote != nil {
		binary.BigEndian.PutUint16(id[2:], s.Remote.Port) // idiag_dport
	}
	if err := putAddr(id[4:20], family, s.Local.Addr); err != nil { // idiag_src
		return nil, err
	}
	if s.Remote != nil { // idiag_dst
		if err := putAddr(id[20:36], family, s.Remote.Addr); err != nil {
			return nil, err
		}
	}
	hostorder.Native.PutUint32(id[36:], key.IfIndex)            // idiag_if
	hostorder.Native.PutUint32(id[40:], uint32(key.Cookie))     // idiag_cookie[0]
	hostorder.Native.PutUint32(id[44:], uint32(key.Cookie>>32)) // idiag_cookie[1]
	return b, nil
}

// putAddr writes a in the __be32[4] form of inet_diag_sockid.
func putAddr(b []byte, family uint8, a netip.Addr) error {
	switch {
	case !a.IsValid():
		// unconnected: zero
	case family == afInet && a.Is4():
		a4 := a.As4()
		copy(b, a4[:])
	case family == afInet6 && a.Is6():
		a16 := a.As16()
		copy(b, a16[:])
	default:
		return fmt.Errorf("SOCK_DESTROY: address %s does not fit family %d", a, family)
	}
	return nil
}

// diagDecoder turns the messages of one SOCK_DIAG_BY_FAMILY dump into
// sockets. One decoder serves one request: it checks sequence numbers.
type diagDecoder struct {
	seq    uint32
	unix   bool        // AF_UNIX dump: unix_diag_msg; else inet_diag_msg
	proto  core.Proto  // inet: the protocol asked for
	family core.Family // inet: the family asked for
	netns  uint64
	// msgType is the type of the messages that carry sockets: the
	// request's (TCPDIAG_GETSOCK is answered in kind); 0 means
	// SOCK_DIAG_BY_FAMILY.
	msgType uint16
	// idle: the request asked for tcp_info (inetExt), whose times give
	// each socket its idle time; TIME_WAIT's comes from its timer.
	idle bool
	slab []core.Endpoint // Remote endpoints, allocated in chunks
	keys []DiagKey       // Keys, likewise
	// pending maps the inode of a unix socket whose connection is not yet
	// accepted to the inode of the listener it waits on (UNIX_DIAG_ICONS).
	pending map[uint64]uint64
	// devs, when set, collects the interfaces sockets are bound to
	// (idiag_if), one Device per index, for the caller to name; nil
	// leaves Socket.Dev unset.
	devs *devTable
}

// devTable is the interfaces the sockets of one listing are bound to, by
// index: one Device each, shared by all their sockets, named once
// (nameDevices) after the dumps.
type devTable struct {
	m map[uint32]*core.Device
}

// get is the Device of interface index idx.
func (t *devTable) get(idx uint32) *core.Device {
	if d := t.m[idx]; d != nil {
		return d
	}
	if t.m == nil {
		t.m = make(map[uint32]*core.Device)
	}
	d := &core.Device{Index: idx}
	t.m[idx] = d
	return d
}

func (d *diagDecoder) sockType() uint16 {
	if d.msgType != 0 {
		return d.msgType
	}
	return sockDiagByFamily
}

// dumpError is an error the kernel reported for a dump: in NLMSG_ERROR, or
// as the (negative) errno in NLMSG_DONE's payload.
type dumpError struct {
	Errno int32 // positive
}

func (e *dumpError) Error() string { return fmt.Sprintf("kernel error %d", e.Errno) }

// decode appends the sockets in one buffer of netlink messages (one recv) to
// out. done reports NLMSG_DONE. A truncated or malformed message is an error
// wrapping core.ErrParse; an error from the kernel is a *dumpError.
func (d *diagDecoder) decode(b []byte, out []core.Socket) (_ []core.Socket, done bool, err error) {
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return out, false, fmt.Errorf("netlink: %d bytes left, too short for nlmsghdr (% x): %w", len(b), b, core.ErrParse)
		}
		n := hostorder.Native.Uint32(b[0:]) // nlmsg_len
		typ := hostorder.Native.Uint16(b[4:])
		seq := hostorder.Native.Uint32(b[8:])
		if n < nlmsgHdrLen || uint64(n) > uint64(len(b)) {
			return out, false, fmt.Errorf("netlink: nlmsg_len %d with %d bytes left (% x): %w", n, len(b), b[:nlmsgHdrLen], core.ErrParse)
		}
		msg := b[nlmsgHdrLen:n]
		if next := align4(int(n)); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
		if seq != d.seq {
			return out, false, fmt.Errorf("netlink: message type %d has sequence %d, want %d: %w", typ, seq, d.seq, core.ErrParse)
		}
		switch typ {
		case nlmsgNoop:
			continue
		case nlmsgDone:
			if len(msg) >= 4 {
				if e := int32(hostorder.Native.Uint32(msg)); e < 0 {
					return out, true, &dumpError{Errno: -e}
				}
			}
			return out, true, nil
		case nlmsgError:
			if len(msg) < 4 {
				return out, false, fmt.Errorf("netlink: NLMSG_ERROR of %d bytes: %w", len(msg), core.ErrParse)
			}
			e := int32(hostorder.Native.Uint32(msg))
			if e == 0 { // an ACK: not expected in a dump, harmless
				continue
			}
			if e > 0 {
				e = -e
			}
			return out, true, &dumpError{Errno: -e}
		case d.sockType():
			out = append(out, core.Socket{})
			s := &out[len(out)-1]
			if d.unix {
				err = d.unixMsg(msg, s)
			} else {
				err = d.inetMsg(msg, s)
			}
			if err != nil {
				return out[:len(out)-1], false, err
			}
		default:
			return out, false, fmt.Errorf("netlink: unexpected message type %d: %w", typ, core.ErrParse)
		}
	}
	return out, false, nil
}

// nlMessages calls fn with each message of datagram b: its sequence
// number, and the message, header included. An error when b does not
// split into messages.
func nlMessages(b []byte, fn func(seq uint32, m []byte)) error {
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return fmt.Errorf("netlink: %d bytes left, too short for nlmsghdr (% x): %w", len(b), b, core.ErrParse)
		}
		n := hostorder.Native.Uint32(b[0:])
		if n < nlmsgHdrLen || uint64(n) > uint64(len(b)) {
			return fmt.Errorf("netlink: nlmsg_len %d with %d bytes left: %w", n, len(b), core.ErrParse)
		}
		fn(hostorder.Native.Uint32(b[8:]), b[:n])
		if next := align4(int(n)); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
	}
	return nil
}

// ackError reads m, the answer to a request sent with NLM_F_ACK: nil when
// the kernel acknowledged it (NLMSG_ERROR with error 0), a *dumpError
// when it refused.
func ackError(m []byte) error {
	if typ := hostorder.Native.Uint16(m[4:]); typ != nlmsgError {
		return fmt.Errorf("netlink: message type %d, not the acknowledgement: %w", typ, core.ErrParse)
	}
	msg := m[nlmsgHdrLen:]
	if len(msg) < 4 {
		return fmt.Errorf("netlink: NLMSG_ERROR of %d bytes: %w", len(msg), core.ErrParse)
	}
	if e := int32(hostorder.Native.Uint32(msg)); e != 0 {
		if e > 0 {
			e = -e
		}
		return &dumpError{Errno: -e}
	}
	return nil
}

// newEndpoint returns a pointer to a copy of e, from a chunk shared by many
// sockets so that a dump does not allocate once per connected socket.
func (d *diagDecoder) newEndpoint(e core.Endpoint) *core.Endpoint {
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]core.Endpoint, 0, 256)
	}
	d.slab = append(d.slab, e)
	return &d.slab[len(d.slab)-1]
}

// newKey is newEndpoint for keys: boxing a DiagKey value in core.Socket.Key
// would allocate once per socket, a pointer into a chunk does not.
func (d *diagDecoder) newKey(k DiagKey) *DiagKey {
	if len(d.keys) == cap(d.keys) {
		d.keys = make([]DiagKey, 0, 256)
	}
	d.keys = append(d.keys, k)
	return &d.keys[len(d.keys)-1]
}

// inetMsg decodes struct inet_diag_msg and its attributes.
func (d *diagDecoder) inetMsg(m []byte, s *core.Socket) error {
	if len(m) < inetMsgLen {
		return fmt.Errorf("inet_diag_msg: %d bytes, want %d (% x): %w", len(m), inetMsgLen, m, core.ErrParse)
	}
	family := m[0] // idiag_family
	st := m[1]     // idiag_state
	timer := m[2]  // idiag_timer
	id := m[4:52]  // id: struct inet_diag_sockid
	sport := binary.BigEndian.Uint16(id[0:])
	dport := binary.BigEndian.Uint16(id[2:])
	var src, dst netip.Addr
	switch family {
	case afInet:
		var s4, d4 [4]byte
		copy(s4[:], id[4:8])
		copy(d4[:], id[20:24])
		src, dst = netip.AddrFrom4(s4), netip.AddrFrom4(d4)
		s.Family = core.Inet
	case afInet6:
		var s16, d16 [16]byte
		copy(s16[:], id[4:20])
		copy(d16[:], id[20:36])
		src, dst = netip.AddrFrom16(s16), netip.AddrFrom16(d16)
		s.Family = core.Inet6
	default:
		return fmt.Errorf("inet_diag_msg: family %d (% x): %w", family, m[:inetMsgLen], core.ErrParse)
	}
	state, ok := inetState(d.proto, st)
	if !ok {
		return fmt.Errorf("inet_diag_msg: %s state %d (% x): %w", d.proto, st, m[:inetMsgLen], core.ErrParse)
	}
	if err := walkAttrs(m[inetMsgLen:], func(typ uint16, v []byte) error {
		if typ == inetDiagInfo && d.idle && len(v) >= tcpInfoLastMin {
			s.Idle = core.TCPIdle(state,
				time.Duration(hostorder.Native.Uint32(v[tcpiLastDataSent:]))*time.Millisecond,
				time.Duration(hostorder.Native.Uint32(v[tcpiLastDataRecv:]))*time.Millisecond,
				time.Duration(hostorder.Native.Uint32(v[tcpiLastAckRecv:]))*time.Millisecond)
		}
		if typ == inetDiagSkV6Only && len(v) >= 1 {
			s.V6Only = v[0] != 0
		}
		return nil
	}); err != nil {
		return fmt.Errorf("inet_diag_msg attributes: %w", err)
	}
	s.Proto = d.proto
	s.Type = sockTypeOf(d.proto)
	s.State = state
	s.Local = core.Endpoint{Addr: src, Port: sport}
	if hasRemote(state, dst, dport) {
		s.Remote = d.newEndpoint(core.Endpoint{Addr: dst, Port: dport})
	}
	ifIndex := hostorder.Native.Uint32(id[36:]) // idiag_if: sk_bound_dev_if
	s.Key = d.newKey(DiagKey{
		IfIndex: ifIndex,
		Cookie:  uint64(hostorder.Native.Uint32(id[40:])) | uint64(hostorder.Native.Uint32(id[44:]))<<32,
	})
	if ifIndex != 0 && d.devs != nil {
		s.Dev = d.devs.get(ifIndex) // named, and zones set, once the dumps are done
	}
	s.Timer = inetTimer(timer)
	if s.Timer != core.TimerNone {
		s.Expires = time.Duration(hostorder.Native.Uint32(m[52:])) * time.Millisecond // idiag_expires
	}
	if d.idle {
		setTimeWaitIdle(s, state)
	}
	s.RecvQ = uint64(hostorder.Native.Uint32(m[56:])) // idiag_rqueue
	s.SendQ = uint64(hostorder.Native.Uint32(m[60:])) // idiag_wqueue
	s.BacklogKnown = state == core.Listen             // then rqueue and wqueue are the accept queue and its limit
	s.UID = int64(hostorder.Native.Uint32(m[64:]))    // idiag_uid
	s.Inode = uint64(hostorder.Native.Uint32(m[68:])) // idiag_inode
	s.UID = knownUID(s.State, s.UID, s.Inode)
	s.NetNS = d.netns
	return nil
}

// hasRemote reports whether a socket in state st with destination dst:dport
// has a remote end to show. Listening and unconnected sockets have none, and
// neither has a TCP socket in CLOSE: one whose connect failed (ECONNREFUSED,
// a reset, a timeout) keeps the address it tried in inet_daddr, and the
// dump shows it, but getpeername(2) says ENOTCONN. SYN_SENT keeps its
// remote: it is the address being connected to, as ss and lsof show it.
func hasRemote(st core.State, dst netip.Addr, dport uint16) bool {
	switch st {
	case core.Listen, core.Unconn, core.Close:
		return false
	}
	return dport != 0 || !dst.IsUnspecified()
}

// setTimeWaitIdle gives a TIME_WAIT socket its idle time from its timer
// (core.TimeWaitIdle): Linux keeps it TCP_TIMEWAIT_LEN from when it began,
// or from the last segment the peer sent into it (tcp_minisocks.c
// inet_twsk_reschedule). An orphaned FIN_WAIT2, also a timewait socket,
// runs for net.ipv4.tcp_fin_timeout or the socket's TCP_LINGER2, which
// the dump does not tell: its idle time is unknown.
func setTimeWaitIdle(s *core.Socket, st core.State) {
	if st == core.TimeWait && s.Timer == core.TimerTimeWait {
		s.Idle = core.TimeWaitIdle(core.LinuxTimeWait, s.Expires)
	}
}

// knownUID is the socket's uid as reported, or -1 where the kernel keeps
// none and reports 0: a TIME_WAIT socket (inet_twsk_diag_fill and
// /proc/net/tcp's timewait rows print 0), and a SYN_RECV connection that is
// still a request socket, with no inode (inet_req_diag_fill prints 0;
// /proc/net/tcp prints its listener's uid, dropped here so both paths
// agree).
func knownUID(st core.State, uid int64, inode uint64) int64 {
	switch {
	case st == core.TimeWait:
		return -1
	case st == core.SynRecv && inode == 0:
		return -1
	}
	return uid
}

func sockTypeOf(p core.Proto) core.SockType {
	switch p {
	case core.TCP:
		return core.Stream
	case core.Raw:
		return core.RawType
	}
	return core.Dgram
}

// unixMsg decodes struct unix_diag_msg and its attributes. Remote.Path is
// filled later (resolveUnixPeers), once the whole dump is known.
func (d *diagDecoder) unixMsg(m []byte, s *core.Socket) error {
	if len(m) < unixMsgLen {
		return fmt.Errorf("unix_diag_msg: %d bytes, want %d (% x): %w", len(m), unixMsgLen, m, core.ErrParse)
	}
	typ := m[1] // udiag_type
	st := m[2]  // udiag_state
	if s.Type = unixSockType(int(typ)); s.Type == core.TypeUnknown {
		return fmt.Errorf("unix_diag_msg: socket type %d (% x): %w", typ, m[:unixMsgLen], core.ErrParse)
	}
	s.Proto = core.Unix
	s.Family = core.Local
	s.Inode = uint64(hostorder.Native.Uint32(m[4:])) // udiag_ino
	s.Key = d.newKey(DiagKey{Cookie: uint64(hostorder.Native.Uint32(m[8:])) | uint64(hostorder.Native.Uint32(m[12:]))<<32})
	s.UID = -1
	s.NetNS = d.netns
	rqlen := false
	err := walkAttrs(m[unixMsgLen:], func(at uint16, v []byte) error {
		switch at {
		case unixDiagName:
			s.Local.Path = unixName(v)
		case unixDiagVFS:
			if len(v) < 8 {
				return fmt.Errorf("UNIX_DIAG_VFS of %d bytes: %w", len(v), core.ErrParse)
			}
			s.File = vfsFile(hostorder.Native.Uint32(v[4:]), hostorder.Native.Uint32(v[0:])) // udiag_vfs_dev, udiag_vfs_ino
		case unixDiagPeer:
			if len(v) < 4 {
				return fmt.Errorf("UNIX_DIAG_PEER of %d bytes: %w", len(v), core.ErrParse)
			}
			s.PeerInode = uint64(hostorder.Native.Uint32(v))
		case unixDiagIcons:
			for ; len(v) >= 4; v = v[4:] {
				if ino := hostorder.Native.Uint32(v); ino != 0 {
					if d.pending == nil {
						d.pending = make(map[uint64]uint64)
					}
					d.pending[uint64(ino)] = s.Inode
				}
			}
		case unixDiagRQLen:
			if len(v) < 8 {
				return fmt.Errorf("UNIX_DIAG_RQLEN of %d bytes: %w", len(v), core.ErrParse)
			}
			s.RecvQ = uint64(hostorder.Native.Uint32(v[0:])) // udiag_rqueue
			s.SendQ = uint64(hostorder.Native.Uint32(v[4:])) // udiag_wqueue
			rqlen = true
		case unixDiagUID:
			if len(v) < 4 {
				return fmt.Errorf("UNIX_DIAG_UID of %d bytes: %w", len(v), core.ErrParse)
			}
			s.UID = int64(hostorder.Native.Uint32(v))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unix_diag_msg inode %d attributes: %w", s.Inode, err)
	}
	switch {
	case s.Type != core.Dgram && st == tcpListen:
		s.State = core.Listen
		s.BacklogKnown = rqlen // a listener's: its accept queue and backlog
	case s.Type != core.Dgram && st == tcpEstablished:
		s.State = core.Connected
	case s.Type == core.Dgram && s.PeerInode != 0:
		s.State = core.Connected
	default:
		s.State = core.Unconn
	}
	if s.PeerInode != 0 {
		s.Remote = d.newEndpoint(core.Endpoint{})
	}
	return nil
}

// vfsFile is the FileID of struct unix_diag_vfs (net/unix/diag.c
// sk_diag_dump_vfs): udiag_vfs_dev is the superblock's s_dev in the
// kernel's own encoding (include/linux/kdev_t.h: 12 bits of major above
// MINORBITS 20 of minor), which stat(2) reports as new_encode_dev does:
// minor's low byte, then major, then minor's upper 12 bits. udiag_vfs_ino
// is i_ino cut to 32 bits.
func vfsFile(dev, ino uint32) core.FileID {
	major, minor := dev>>20, dev&0xfffff
	return core.FileID{Dev: minor&0xff | major<<8 | (minor&^0xff)<<12, Ino: ino}
}

// unixName turns sun_path bytes as UNIX_DIAG_NAME carries them into the
// contract's form: a path up to its NUL, or an abstract name (leading NUL)
// as "@name", every byte after the '@' kept as it is, NULs too: the
// renderers show those as '@' (core.ShownPath), as /proc/net/unix does,
// and JSON gives the exact name beside.
func unixName(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if v[0] != 0 {
		for i, c := range v {
			if c == 0 {
				return string(v[:i])
			}
		}
		return string(v)
	}
	return "@" + string(v[1:])
}

// resolveUnixPeers names each connected unix socket's peer after the peer's
// own name, when the peer is in socks. A connection not yet accepted has no
// peer socket yet (the kernel's end is an embryo with no inode): its remote
// is the listener it waits on, from pending (see diagDecoder).
func resolveUnixPeers(socks []core.Socket, pending map[uint64]uint64) {
	names := make(map[uint64]string)
	for i := range socks {
		if s := &socks[i]; s.Proto == core.Unix && s.Local.Path != "" {
			names[s.Inode] = s.Local.Path
		}
	}
	for i := range socks {
		s := &socks[i]
		if s.Proto != core.Unix {
			continue
		}
		switch {
		case s.Remote != nil && s.PeerInode != 0:
			s.Remote.Path = names[s.PeerInode]
		case s.Remote == nil && s.State == core.Connected && pending[s.Inode] != 0:
			s.Remote = &core.Endpoint{Path: names[pending[s.Inode]]}
		}
	}
}

// walkAttrs calls fn for each netlink attribute (struct nlattr, 4-byte
// aligned) in b, with NLA_F_NESTED and NLA_F_NET_BYTEORDER stripped from the
// type. A length that runs past b is an error.
func walkAttrs(b []byte, fn func(typ uint16, v []byte) error) error {
	for len(b) > 0 {
		if len(b) < nlaHdrLen {
			return fmt.Errorf("attribute header: %d bytes left (% x): %w", len(b), b, core.ErrParse)
		}
		n := int(hostorder.Native.Uint16(b[0:])) // nla_len
		typ := hostorder.Native.Uint16(b[2:]) & nlaTypeMask
		if n < nlaHdrLen || n > len(b) {
			return fmt.Errorf("attribute type %d: nla_len %d with %d bytes left: %w", typ, n, len(b), core.ErrParse)
		}
		if err := fn(typ, b[nlaHdrLen:n]); err != nil {
			return err
		}
		if next := align4(n); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
	}
	return nil
}
