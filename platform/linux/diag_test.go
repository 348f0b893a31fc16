package linux

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

// Builders of kernel messages, written from the uapi headers independently
// of the decoder's offsets where they can be.

func nlmsg(typ uint16, seq uint32, payload []byte) []byte {
	b := make([]byte, align4(nlmsgHdrLen+len(payload)))
	binary.NativeEndian.PutUint32(b[0:], uint32(nlmsgHdrLen+len(payload)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], 0x2) // NLM_F_MULTI
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[12:], 4242)
	copy(b[nlmsgHdrLen:], payload)
	return b
}

func nlattr(typ uint16, v []byte) []byte {
	b := make([]byte, align4(4+len(v)))
	binary.NativeEndian.PutUint16(b[0:], uint16(4+len(v)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[4:], v)
	return b
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

type inetMsgFields struct {
	family, state, timer uint8
	sport, dport         uint16
	src, dst             string
	ifindex              uint32
	cookie               uint64
	expires, rq, wq, uid uint32
	inode                uint32
	attrs                [][]byte
}

func (m inetMsgFields) bytes() []byte {
	b := []byte{m.family, m.state, m.timer, 0}
	b = binary.BigEndian.AppendUint16(b, m.sport)
	b = binary.BigEndian.AppendUint16(b, m.dport)
	for _, a := range []string{m.src, m.dst} {
		var raw [16]byte
		if a != "" {
			ip := netip.MustParseAddr(a)
			if ip.Is4() {
				a4 := ip.As4()
				copy(raw[:], a4[:])
			} else {
				raw = ip.As16()
			}
		}
		b = append(b, raw[:]...)
	}
	b = binary.NativeEndian.AppendUint32(b, m.ifindex)
	b = binary.NativeEndian.AppendUint32(b, uint32(m.cookie))
	b = binary.NativeEndian.AppendUint32(b, uint32(m.cookie>>32))
	for _, v := range []uint32{m.expires, m.rq, m.wq, m.uid, m.inode} {
		b = binary.NativeEndian.AppendUint32(b, v)
	}
	for _, a := range m.attrs {
		b = append(b, a...)
	}
	return b
}

func unixMsgBytes(typ, state uint8, ino uint32, cookie uint64, attrs ...[]byte) []byte {
	b := []byte{afUnix, typ, state, 0}
	b = binary.NativeEndian.AppendUint32(b, ino)
	b = binary.NativeEndian.AppendUint32(b, uint32(cookie))     // udiag_cookie[0]: low word
	b = binary.NativeEndian.AppendUint32(b, uint32(cookie>>32)) // udiag_cookie[1]
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func concat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func done(seq uint32, errno int32) []byte { return nlmsg(nlmsgDone, seq, u32(uint32(-errno))) }

func TestDecodeInetDiag(t *testing.T) {
	const seq = 7
	tests := []struct {
		name  string
		proto core.Proto
		msg   inetMsgFields
		want  core.Socket
	}{
		{"tcp listener", core.TCP,
			inetMsgFields{family: afInet, state: tcpListen, sport: 8080, src: "127.0.0.1", cookie: 0x1_0000_0002, wq: 4096, uid: 1000, inode: 11,
				attrs: [][]byte{nlattr(8, []byte{0}), nlattr(0x8000|99, make([]byte, 5))}}, // SHUTDOWN, an unknown nested one
			core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Listen, Local: ep("127.0.0.1", 8080),
				Inode: 11, UID: 1000, SendQ: 4096, BacklogKnown: true, Key: &DiagKey{Cookie: 0x1_0000_0002}}},
		{"tcp established v4-mapped", core.TCP,
			inetMsgFields{family: afInet6, state: tcpEstablished, timer: 2, sport: 8443, dport: 40000, src: "::ffff:127.0.0.1", dst: "::ffff:127.0.0.1",
				ifindex: 1, cookie: 9, expires: 1500, rq: 3, wq: 4, inode: 12},
			core.Socket{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.Established, Local: ep("::ffff:127.0.0.1", 8443),
				Remote: epp("::ffff:127.0.0.1", 40000), Inode: 12, RecvQ: 3, SendQ: 4, Timer: core.TimerKeepalive, Expires: 1500 * time.Millisecond,
				Key: &DiagKey{Cookie: 9, IfIndex: 1}}},
		{"tcp time-wait", core.TCP,
			inetMsgFields{family: afInet, state: tcpTimeWait, timer: 3, sport: 40694, dport: 80, src: "192.0.2.2", dst: "203.0.113.80", expires: 59000},
			core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.TimeWait, Local: ep("192.0.2.2", 40694),
				Remote: epp("203.0.113.80", 80), Timer: core.TimerTimeWait, Expires: 59 * time.Second, Key: &DiagKey{}, UID: -1}},
		{"tcp request socket", core.TCP,
			inetMsgFields{family: afInet6, state: tcpNewSynRecv, timer: 1, sport: 22, dport: 5555, src: "2001:db8::1", dst: "2001:db8::2", expires: 900},
			core.Socket{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.SynRecv, Local: ep("2001:db8::1", 22),
				Remote: epp("2001:db8::2", 5555), Timer: core.TimerRetrans, Expires: 900 * time.Millisecond, Key: &DiagKey{}, UID: -1}},
		{"tcp close, never connected", core.TCP,
			inetMsgFields{family: afInet, state: tcpClose, src: "0.0.0.0", dst: "0.0.0.0", expires: 77},
			core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Close, Local: ep("0.0.0.0", 0), Key: &DiagKey{}}},
		{"udp unconnected", core.UDP,
			inetMsgFields{family: afInet6, state: tcpClose, sport: 53, src: "::", dst: "::ffff:1.2.3.4", dport: 9},
			core.Socket{Proto: core.UDP, Family: core.Inet6, Type: core.Dgram, State: core.Unconn, Local: ep("::", 53), Key: &DiagKey{}}},
		{"udp connected", core.UDP,
			inetMsgFields{family: afInet, state: tcpEstablished, sport: 5000, dport: 53, src: "10.0.0.1", dst: "10.0.0.2", rq: 768},
			core.Socket{Proto: core.UDP, Family: core.Inet, Type: core.Dgram, State: core.Established, Local: ep("10.0.0.1", 5000),
				Remote: epp("10.0.0.2", 53), RecvQ: 768, Key: &DiagKey{}}},
		{"udplite", core.UDPLite,
			inetMsgFields{family: afInet, state: tcpClose, sport: 5001, src: "0.0.0.0"},
			core.Socket{Proto: core.UDPLite, Family: core.Inet, Type: core.Dgram, State: core.Unconn, Local: ep("0.0.0.0", 5001), Key: &DiagKey{}}},
		{"raw connected, no port", core.Raw,
			inetMsgFields{family: afInet, state: tcpEstablished, sport: 1, src: "0.0.0.0", dst: "10.0.0.9", attrs: [][]byte{nlattr(10, []byte{1})}},
			core.Socket{Proto: core.Raw, Family: core.Inet, Type: core.RawType, State: core.Established, Local: ep("0.0.0.0", 1),
				Remote: epp("10.0.0.9", 0), Key: &DiagKey{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diagDecoder{seq: seq, proto: tt.proto, netns: 4026531840}
			b := concat(nlmsg(sockDiagByFamily, seq, tt.msg.bytes()), done(seq, 0))
			got, fin, err := d.decode(b, nil)
			if err != nil || !fin {
				t.Fatalf("decode: done %v, err %v", fin, err)
			}
			tt.want.NetNS = 4026531840
			if d := cmp.Diff([]core.Socket{tt.want}, got, eqAddr); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeDiagErrors(t *testing.T) {
	const seq = 3
	good := inetMsgFields{family: afInet, state: tcpListen, sport: 80, src: "0.0.0.0"}.bytes()
	for _, tt := range []struct {
		name  string
		b     []byte
		is    error
		errno int32
		says  string
	}{
		{"short header", []byte{1, 2, 3}, core.ErrParse, 0, "too short for nlmsghdr"},
		{"length past the buffer", nlmsg(sockDiagByFamily, seq, good)[:40], core.ErrParse, 0, "nlmsg_len 88 with 40 bytes"},
		{"length below the header", func() []byte {
			b := nlmsg(sockDiagByFamily, seq, good)
			binary.NativeEndian.PutUint32(b, 8)
			return b
		}(), core.ErrParse, 0, "nlmsg_len 8"},
		{"short inet_diag_msg", nlmsg(sockDiagByFamily, seq, good[:40]), core.ErrParse, 0, "inet_diag_msg: 40 bytes"},
		{"unknown family", nlmsg(sockDiagByFamily, seq, append([]byte{99}, good[1:]...)), core.ErrParse, 0, "family 99"},
		{"unknown state", nlmsg(sockDiagByFamily, seq, append([]byte{afInet, 42}, good[2:]...)), core.ErrParse, 0, "state 42"},
		{"attribute past the end", nlmsg(sockDiagByFamily, seq, append(good, 200, 0, 1, 0)), core.ErrParse, 0, "nla_len 200"},
		{"attribute header cut", nlmsg(sockDiagByFamily, seq, append(good, 8, 0)), core.ErrParse, 0, "attribute header"},
		{"wrong sequence", nlmsg(sockDiagByFamily, seq+1, good), core.ErrParse, 0, "sequence 4, want 3"},
		{"unexpected type", nlmsg(99, seq, good), core.ErrParse, 0, "unexpected message type 99"},
		{"NLMSG_ERROR", nlmsg(nlmsgError, seq, errPayload(22)), nil, 22, ""},
		{"NLMSG_ERROR cut", nlmsg(nlmsgError, seq, []byte{1}), core.ErrParse, 0, "NLMSG_ERROR of 1 bytes"},
		{"NLMSG_DONE with errno", done(seq, 2), nil, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := diagDecoder{seq: seq, proto: core.TCP}
			got, _, err := d.decode(tt.b, nil)
			if len(got) != 0 {
				t.Errorf("decoded %d sockets from a bad message", len(got))
			}
			if tt.errno != 0 {
				var de *dumpError
				if !errors.As(err, &de) || de.Errno != tt.errno {
					t.Errorf("err = %v, want kernel errno %d", err, tt.errno)
				}
				return
			}
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want %v saying %q", err, tt.is, tt.says)
			}
		})
	}
}

func TestDecodeUnixDiag(t *testing.T) {
	const seq = 5
	rq := func(r, w uint32) []byte { return nlattr(unixDiagRQLen, append(u32(r), u32(w)...)) }
	// udiag_vfs_ino 777, udiag_vfs_dev 8:0x12345 in the kernel's encoding
	// (major << 20 | minor), which stat(2) gives as 0x12300845
	vfs := nlattr(unixDiagVFS, append(u32(777), u32(8<<20|0x12345)...))
	msgs := [][]byte{
		unixMsgBytes(sockStream, tcpListen, 100, 1, nlattr(unixDiagName, []byte("/run/app.sock\x00")), vfs, rq(2, 128), nlattr(unixDiagUID, u32(33))),
		unixMsgBytes(sockStream, tcpEstablished, 101, 2, nlattr(unixDiagPeer, u32(102)), rq(0, 0)),
		unixMsgBytes(sockStream, tcpEstablished, 102, 3, nlattr(unixDiagName, []byte("/run/app.sock\x00")), nlattr(unixDiagPeer, u32(101))),
		unixMsgBytes(sockSeqPacket, tcpListen, 103, 4, nlattr(unixDiagName, []byte("\x00gosof\x00x"))),
		unixMsgBytes(sockDgram, tcpClose, 104, 5, nlattr(unixDiagName, []byte("/dev/log\x00"))),
		// connected to: the kernel marks it established, but it has no peer
		unixMsgBytes(sockDgram, tcpEstablished, 105, 6, nlattr(unixDiagName, []byte("/run/d\x00"))),
		unixMsgBytes(sockDgram, tcpEstablished, 106, 7, nlattr(unixDiagPeer, u32(104)), nlattr(50, []byte("future"))),
		unixMsgBytes(sockStream, tcpEstablished, 107, 8, nlattr(unixDiagPeer, u32(999))), // peer in another namespace
		unixMsgBytes(sockStream, tcpSynSent, 108, 9),
	}
	var b []byte
	for _, m := range msgs {
		b = append(b, nlmsg(sockDiagByFamily, seq, m)...)
	}
	b = append(b, done(seq, 0)...)
	d := diagDecoder{seq: seq, unix: true, netns: 1}
	got, fin, err := d.decode(b, nil)
	if err != nil || !fin {
		t.Fatalf("decode: done %v, err %v", fin, err)
	}
	resolveUnixPeers(got, d.pending)
	u := func(typ core.SockType, st core.State, ino uint64, path string, peer uint64, peerPath string) core.Socket {
		s := core.Socket{Proto: core.Unix, Family: core.Local, Type: typ, State: st, Local: core.Endpoint{Path: path},
			Inode: ino, UID: -1, NetNS: 1, PeerInode: peer, Key: &DiagKey{Cookie: ino - 99}}
		if peer != 0 {
			s.Remote = &core.Endpoint{Path: peerPath}
		}
		return s
	}
	want := []core.Socket{
		u(core.Stream, core.Listen, 100, "/run/app.sock", 0, ""),
		u(core.Stream, core.Connected, 101, "", 102, "/run/app.sock"),
		u(core.Stream, core.Connected, 102, "/run/app.sock", 101, ""),
		u(core.SeqPacket, core.Listen, 103, "@gosof\x00x", 0, ""), // the NUL kept: renderers show it as @
		u(core.Dgram, core.Unconn, 104, "/dev/log", 0, ""),
		u(core.Dgram, core.Unconn, 105, "/run/d", 0, ""),
		u(core.Dgram, core.Connected, 106, "", 104, "/dev/log"),
		u(core.Stream, core.Connected, 107, "", 999, ""),
		u(core.Stream, core.Unconn, 108, "", 0, ""),
	}
	want[0].RecvQ, want[0].SendQ, want[0].UID, want[0].BacklogKnown = 2, 128, 33, true
	want[0].File = core.FileID{Dev: 0x12300845, Ino: 777}
	if d := cmp.Diff(want, got, eqAddr); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	for _, tt := range []struct {
		name string
		msg  []byte
		says string
	}{
		{"short", unixMsgBytes(sockStream, 1, 1, 1)[:10], "unix_diag_msg: 10 bytes"},
		{"type", unixMsgBytes(3, 1, 1, 1), "socket type 3"},
		{"peer", unixMsgBytes(sockStream, 1, 1, 1, nlattr(unixDiagPeer, []byte{1, 2})), "UNIX_DIAG_PEER of 2 bytes"},
		{"rqlen", unixMsgBytes(sockStream, 1, 1, 1, nlattr(unixDiagRQLen, u32(1))), "UNIX_DIAG_RQLEN of 4 bytes"},
		{"uid", unixMsgBytes(sockStream, 1, 1, 1, nlattr(unixDiagUID, nil)), "UNIX_DIAG_UID of 0 bytes"},
		{"attr", append(unixMsgBytes(sockStream, 1, 1, 1), 9, 0, 0, 0), "nla_len 9"},
	} {
		d := diagDecoder{seq: seq, unix: true}
		_, _, err := d.decode(nlmsg(sockDiagByFamily, seq, tt.msg), nil)
		if !errors.Is(err, core.ErrParse) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: err = %v, want ErrParse saying %q", tt.name, err, tt.says)
		}
	}
}

func TestStateMask(t *testing.T) {
	all := ^uint32(0)
	for _, tt := range []struct {
		proto  core.Proto
		states []core.State
		want   uint32
	}{
		{core.TCP, nil, all},
		{core.TCP, []core.State{core.Listen}, 1 << 10},
		{core.TCP, []core.State{core.SynRecv, core.TimeWait}, 1<<3 | 1<<12 | 1<<6},
		{core.TCP, []core.State{core.Close}, 1<<7 | 1<<13}, // TCP_BOUND_INACTIVE: the bound-only sockets
		{core.TCP, []core.State{core.Unconn}, 0},
		{core.UDP, []core.State{core.Established}, 1 << 1},
		{core.UDP, []core.State{core.Unconn}, all &^ (1 << 1)},
		{core.Raw, []core.State{core.Listen}, 0},
		{core.Unix, []core.State{core.Listen}, 1 << 10},
		{core.Unix, []core.State{core.Connected}, all &^ (1 << 10)},
		{core.Unix, []core.State{core.Established}, 0},
	} {
		if got := stateMask(&core.Filter{States: tt.states}, tt.proto); got != tt.want {
			t.Errorf("stateMask(%s, %v) = %#x, want %#x", tt.proto, tt.states, got, tt.want)
		}
	}
	// -t asks for holders: no TIME_WAIT and no request socket is read
	if got := stateMask(&core.Filter{Held: true}, core.TCP); got != all&^(1<<6|1<<12) {
		t.Errorf("stateMask(held tcp) = %#x, want every state but TIME_WAIT and NEW_SYN_RECV", got)
	}
	if got := stateMask(&core.Filter{Held: true, States: []core.State{core.TimeWait}}, core.TCP); got != 0 {
		t.Errorf("stateMask(held tcp, TIME_WAIT) = %#x, want 0", got)
	}
	if got := stateMask(&core.Filter{Held: true}, core.UDP); got != all {
		t.Errorf("stateMask(held udp) = %#x, want all", got)
	}
}

// bcRun is net/ipv4/inet_diag.c's audit and interpreter, written again for
// the ops portBytecode uses: it says whether the kernel would accept the
// program, and whether the program accepts a socket with these ports.
func bcRun(bc []byte, sport, dport uint16) (valid, match bool) {
	// inet_diag_bc_audit: walk the yes chain; every "no" must land on it
	// or 4 bytes past the end
	onChain := map[int]bool{}
	for off := 0; off < len(bc); {
		if len(bc)-off < 4 {
			return false, false
		}
		code, yes, no := bc[off], int(bc[off+1]), int(binary.NativeEndian.Uint16(bc[off+2:]))
		onChain[off] = true
		minLen := 4
		switch code {
		case bcSGE, bcSLE, bcDGE, bcDLE:
			if len(bc)-off < 8 {
				return false, false
			}
			minLen = 8
		case bcJmp:
		default:
			return false, false
		}
		rest := len(bc) - off
		if no < minLen || no > rest+4 || no&3 != 0 {
			return false, false
		}
		if yes < minLen || yes > rest+4 || yes&3 != 0 {
			return false, false
		}
		off += yes
	}
	for off := 0; off < len(bc); {
		code, yes, no := bc[off], int(bc[off+1]), int(binary.NativeEndian.Uint16(bc[off+2:]))
		if t := off + no; t < len(bc) && !onChain[t] {
			return false, false
		}
		_ = code
		off += yes
	}
	// inet_diag_bc_run
	n := len(bc)
	off := 0
	for n > 0 {
		code, yes, no := bc[off], int(bc[off+1]), int(binary.NativeEndian.Uint16(bc[off+2:]))
		ok := true
		switch code {
		case bcJmp:
			ok = false
		case bcSGE, bcSLE, bcDGE, bcDLE:
			port := binary.NativeEndian.Uint16(bc[off+6:])
			switch code {
			case bcSGE:
				ok = sport >= port
			case bcSLE:
				ok = sport <= port
			case bcDGE:
				ok = dport >= port
			case bcDLE:
				ok = dport <= port
			}
		}
		if ok {
			n -= yes
			off += yes
		} else {
			n -= no
			off += no
		}
	}
	return true, n == 0
}

func TestPortBytecode(t *testing.T) {
	if portBytecode(&core.Filter{}) != nil {
		t.Error("no ports: want no bytecode")
	}
	r := rand.New(rand.NewPCG(1, 2))
	port := func() uint16 { return uint16(1 + r.IntN(40)) } // small ports, so ranges hit
	for i := range 2000 {
		f := core.Filter{Side: core.Side(r.IntN(3))}
		for range 1 + r.IntN(4) {
			lo := port()
			f.Ports = append(f.Ports, core.PortRange{Lo: lo, Hi: lo + uint16(r.IntN(5))})
		}
		bc := portBytecode(&f)
		for range 20 {
			s := core.Socket{Proto: core.TCP, Family: core.Inet, Local: core.Endpoint{Port: port()}, Remote: &core.Endpoint{Port: port()}}
			valid, match := bcRun(bc, s.Local.Port, s.Remote.Port)
			if !valid {
				t.Fatalf("case %d: the kernel would refuse the bytecode for %+v: % x", i, f, bc)
			}
			if want := f.MatchTargets(&s); match != want {
				t.Fatalf("case %d: %+v on ports %d->%d: bytecode says %v, core says %v (% x)", i, f, s.Local.Port, s.Remote.Port, match, want, bc)
			}
		}
	}
	// too many ranges to encode: no kernel filter, core filters alone
	var f core.Filter
	for p := range 4000 {
		f.Ports = append(f.Ports, core.PortRange{Lo: uint16(p + 1), Hi: uint16(p + 1)})
	}
	if bc := portBytecode(&f); bc != nil {
		t.Errorf("4000 ranges: %d bytes of bytecode, want none", len(bc))
	}
}

func TestInetDumpRequest(t *testing.T) {
	bc := portBytecode(&core.Filter{Ports: []core.PortRange{{Lo: 80, Hi: 80}}})
	b := inetDumpRequest(9, afInet6, ipprotoTCP, 1<<10, bc, 0)
	if got, want := len(b), 16+56+4+len(bc); got != want {
		t.Fatalf("request of %d bytes, want %d", got, want)
	}
	if n := binary.NativeEndian.Uint32(b); int(n) != len(b) {
		t.Errorf("nlmsg_len %d, want %d", n, len(b))
	}
	if typ, fl, seq := binary.NativeEndian.Uint16(b[4:]), binary.NativeEndian.Uint16(b[6:]), binary.NativeEndian.Uint32(b[8:]); typ != 20 || fl != 0x301 || seq != 9 {
		t.Errorf("type %d flags %#x seq %d, want 20, 0x301, 9", typ, fl, seq)
	}
	if b[16] != 10 || b[17] != 6 || binary.NativeEndian.Uint32(b[20:]) != 1<<10 {
		t.Errorf("family %d proto %d states %#x", b[16], b[17], binary.NativeEndian.Uint32(b[20:]))
	}
	if l, typ := binary.NativeEndian.Uint16(b[72:]), binary.NativeEndian.Uint16(b[74:]); int(l) != 4+len(bc) || typ != 1 {
		t.Errorf("bytecode attribute len %d type %d", l, typ)
	}
}

func TestDestroyRequest(t *testing.T) {
	s := core.Socket{Proto: core.TCP, Family: core.Inet6, Local: ep("::ffff:127.0.0.1", 8443), Remote: epp("::ffff:127.0.0.1", 40000),
		Key: &DiagKey{Cookie: 0x0000_0002_0000_0001, IfIndex: 3}}
	b, err := destroyRequest(5, &s)
	if err != nil {
		t.Fatal(err)
	}
	if typ, fl := binary.NativeEndian.Uint16(b[4:]), binary.NativeEndian.Uint16(b[6:]); typ != 21 || fl != 0x5 {
		t.Errorf("type %d flags %#x, want SOCK_DESTROY, NLM_F_REQUEST|NLM_F_ACK", typ, fl)
	}
	id := b[16+8:]
	if id[0] != 0x20 || id[1] != 0xFB || id[2] != 0x9C || id[3] != 0x40 {
		t.Errorf("ports % x, want 20 fb 9c 40 (big-endian 8443, 40000)", id[:4])
	}
	wantAddr := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}
	if string(id[4:20]) != string(wantAddr) || string(id[20:36]) != string(wantAddr) {
		t.Errorf("addresses % x / % x", id[4:20], id[20:36])
	}
	if ifi, c0, c1 := binary.NativeEndian.Uint32(id[36:]), binary.NativeEndian.Uint32(id[40:]), binary.NativeEndian.Uint32(id[44:]); ifi != 3 || c0 != 1 || c1 != 2 {
		t.Errorf("if %d cookie %d,%d; want 3, 1,2", ifi, c0, c1)
	}
	// from /proc/net: no cookie, so no request that the kernel would
	// answer with whatever socket has these ends (INET_DIAG_NOCOOKIE)
	s.Key = nil
	if b, err := destroyRequest(5, &s); b != nil || !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "no socket cookie") {
		t.Errorf("no key: %d bytes, %v; want no request and an error naming the cookie", len(b), err)
	}
	s.Key = &DiagKey{Cookie: 7}
	s.Family = core.Inet
	if _, err := destroyRequest(5, &s); err == nil {
		t.Error("an IPv6 address in an inet socket: no error")
	}
}

func fuzzSeeds(f *testing.F, unix bool) {
	const seq = 1
	if unix {
		f.Add(concat(nlmsg(sockDiagByFamily, seq, unixMsgBytes(sockStream, tcpListen, 100, 1,
			nlattr(unixDiagName, []byte("/run/app.sock\x00")), nlattr(unixDiagPeer, u32(5)), nlattr(unixDiagRQLen, make([]byte, 8)))), done(seq, 0)))
		f.Add(nlmsg(sockDiagByFamily, seq, unixMsgBytes(sockDgram, 7, 1, 1, nlattr(unixDiagName, []byte("\x00abs")))))
	} else {
		f.Add(concat(nlmsg(sockDiagByFamily, seq, inetMsgFields{family: afInet6, state: 1, sport: 1, dport: 2, src: "::1", dst: "::1",
			attrs: [][]byte{nlattr(8, []byte{0})}}.bytes()), done(seq, 0)))
		f.Add(nlmsg(nlmsgError, seq, errPayload(2)))
		f.Add(nlmsg(sockDiagByFamily, seq, inetMsgFields{family: afInet, state: tcpCloseWait, attrs: [][]byte{nlattr(inetDiagInfo, tcpInfoBytes(tcpCloseWait, 9, 8, 7))}}.bytes()))
	}
	f.Add([]byte{})
}

// fuzzDecode decodes b, checking what every result must satisfy.
func fuzzDecode(t *testing.T, d *diagDecoder, b []byte) {
	socks, _, err := d.decode(b, nil)
	var de *dumpError
	if err != nil && !errors.Is(err, core.ErrParse) && !errors.As(err, &de) {
		t.Fatalf("error neither ErrParse nor from the kernel: %v", err)
	}
	resolveUnixPeers(socks, nil)
	for _, s := range socks {
		if s.State == "" || s.Type == core.TypeUnknown || s.Proto == "" {
			t.Fatalf("half-filled socket %+v", s)
		}
	}
}

func FuzzParseInetDiag(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzDecode(t, &diagDecoder{seq: 1, proto: core.TCP}, b)
		fuzzDecode(t, &diagDecoder{seq: 1, proto: core.TCP, idle: true}, b)
		fuzzDecode(t, &diagDecoder{seq: 1, proto: core.UDP}, b)
	})
}

func FuzzParseUnixDiag(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzDecode(t, &diagDecoder{seq: 1, unix: true}, b)
	})
}

// errPayload is NLMSG_ERROR's payload: a negative errno.
func errPayload(errno int32) []byte { return u32(uint32(-errno)) }

// tcpInfoBytes is struct tcp_info (linux/tcp.h) up to tcpi_rtt, written field
// by field in the header's order: eight __u8, then __u32s.
func tcpInfoBytes(state uint8, lastDataSent, lastDataRecv, lastAckRecv uint32) []byte {
	b := []byte{state, 0, 0, 0, 0, 0, 0, 0} // tcpi_state ... the two bit-field bytes
	for _, v := range []uint32{
		200000, 40000, 1448, 536, // rto, ato, snd_mss, rcv_mss
		0, 0, 0, 0, 0, // unacked, sacked, lost, retrans, fackets
		lastDataSent, 0, lastDataRecv, lastAckRecv, // last_data_sent, last_ack_sent (not remembered), last_data_recv, last_ack_recv
		65535, 65483, 12000, // pmtu, rcv_ssthresh, rtt
	} {
		b = binary.NativeEndian.AppendUint32(b, v)
	}
	return b
}

// TestDecodeTCPInfoIdle: with tcp_info asked for (INET_DIAG_INFO), a TCP
// socket past its handshake gets the smallest of the three times as its
// idle time, a TIME_WAIT its time in the state from its timer; the
// others, and every socket of a dump that did not ask, get none.
func TestDecodeTCPInfoIdle(t *testing.T) {
	const seq = 4
	info := func(st uint8, s, r, a uint32) [][]byte {
		return [][]byte{nlattr(inetDiagInfo, tcpInfoBytes(st, s, r, a))}
	}
	tests := []struct {
		name string
		msg  inetMsgFields
		ask  bool
		want core.Idle
	}{
		{"established: data received last", inetMsgFields{family: afInet, state: tcpEstablished, attrs: info(tcpEstablished, 5000, 3000, 7000)}, true,
			core.ExactIdle(3 * time.Second)},
		{"close-wait: the peer's FIN, an ACK, last", inetMsgFields{family: afInet, state: tcpCloseWait, attrs: info(tcpCloseWait, 600000, 600500, 599000)}, true,
			core.ExactIdle(599 * time.Second)},
		{"fin-wait2 held by its process", inetMsgFields{family: afInet6, state: tcpFinWait2, attrs: info(tcpFinWait2, 12, 4000, 90)}, true,
			core.ExactIdle(12 * time.Millisecond)},
		{"not asked for", inetMsgFields{family: afInet, state: tcpEstablished, attrs: info(tcpEstablished, 5000, 3000, 7000)}, false, 0},
		{"listener: tcp_get_info leaves the times zero", inetMsgFields{family: afInet, state: tcpListen, attrs: info(tcpListen, 0, 0, 0)}, true, 0},
		{"syn-sent: no times yet", inetMsgFields{family: afInet, state: tcpSynSent, attrs: info(tcpSynSent, 1, 2, 3)}, true, 0},
		{"tcp_info too short", inetMsgFields{family: afInet, state: tcpEstablished, attrs: [][]byte{nlattr(inetDiagInfo, tcpInfoBytes(tcpEstablished, 1, 2, 3)[:56])}}, true, 0},
		{"established without tcp_info", inetMsgFields{family: afInet, state: tcpEstablished}, true, 0},
		{"time-wait: from its timer", inetMsgFields{family: afInet, state: tcpTimeWait, timer: 3, expires: 45500}, true, core.ExactIdle(14500 * time.Millisecond)},
		{"time-wait not asked for", inetMsgFields{family: afInet, state: tcpTimeWait, timer: 3, expires: 45500}, false, 0},
		{"orphaned fin-wait2: its timer's length is not told", inetMsgFields{family: afInet, state: tcpFinWait2, timer: 3, expires: 30000}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diagDecoder{seq: seq, proto: core.TCP, idle: tt.ask}
			got, _, err := d.decode(concat(nlmsg(sockDiagByFamily, seq, tt.msg.bytes()), done(seq, 0)), nil)
			if err != nil || len(got) != 1 {
				t.Fatalf("decode: %d sockets, %v", len(got), err)
			}
			if got[0].Idle != tt.want {
				t.Errorf("idle %s, want %s", core.IdleLabel(got[0].Idle), core.IdleLabel(tt.want))
			}
		})
	}
}

// TestDumpRequestAsksForTCPInfo: tcp_info is asked for (idiag_ext) in
// both kinds of request only when idle times are wanted, and only of TCP.
func TestDumpRequestAsksForTCPInfo(t *testing.T) {
	for _, tt := range []struct {
		idle  bool
		proto uint8
		want  uint8
	}{{true, ipprotoTCP, 1 << 1}, {false, ipprotoTCP, 0}, {true, ipprotoUDP, 0}} {
		ext := inetExt(tt.idle, tt.proto)
		if got := inetDumpRequest(1, afInet, tt.proto, ^uint32(0), nil, ext)[16+2]; got != tt.want {
			t.Errorf("idle %v proto %d: SOCK_DIAG_BY_FAMILY idiag_ext %#x, want %#x", tt.idle, tt.proto, got, tt.want)
		}
		if tt.proto == ipprotoTCP {
			if got := tcpBothDumpRequest(1, ^uint32(0), nil, ext)[16+3]; got != tt.want {
				t.Errorf("idle %v: TCPDIAG_GETSOCK idiag_ext %#x, want %#x", tt.idle, got, tt.want)
			}
		}
	}
}
