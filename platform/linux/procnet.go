package linux

// Parsers of /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6,unix}:
// pure functions over the file's bytes, used when NETLINK_SOCK_DIAG is
// refused or lacks a protocol.
//
// Not prometheus/procfs: its parsers assume a little-endian host for the hex
// addresses and drop the timer columns, and gosof needs both.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/gosof/gosof/core"
)

// userHZ is USER_HZ, the unit of the tm->when column (clock_t ticks); it is
// 100 on every Linux architecture's userspace ABI.
const userHZ = 100

// soAcceptCon is __SO_ACCEPTCON in the Flags column of /proc/net/unix: a
// listening socket.
const soAcceptCon = 1 << 16

// ssConnected is SS_CONNECTED in the St column of /proc/net/unix.
const ssConnected = 3

// parseProcNetInet parses one of /proc/net/{tcp,tcp6,udp,udp6,udplite,
// udplite6,raw,raw6}, whose sockets are all of protocol proto and family
// family.
//
// The kernel prints each address as its raw network-order 32-bit words, each
// read as a host integer ("%08X"): 127.0.0.1 is "0100007F" on a
// little-endian host and "7F000001" on a big-endian one. order is the byte
// order of the host that wrote b (the running kernel's, see kernelOrder, for the live /proc).
// Ports are plain host numbers.
//
// A malformed line is an error wrapping core.ErrParse with its line number
// and text.
func parseProcNetInet(b []byte, order binary.ByteOrder, proto core.Proto, family core.Family) ([]core.Socket, error) {
	return appendProcNetInet(nil, b, order, proto, family, 0, nil)
}

// parseProcNetUnix parses /proc/net/unix.
func parseProcNetUnix(b []byte) ([]core.Socket, error) {
	return appendProcNetUnix(nil, b, 0, nil)
}

// lines calls fn for each line of b after the header, with 1-based line
// numbers. The header must start with want.
func lines(b []byte, want string, fn func(n int, line []byte) error) error {
	n := 0
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		n++
		if n == 1 {
			if !bytes.HasPrefix(bytes.TrimLeft(line, " "), []byte(want)) {
				return fmt.Errorf("line 1: %q: header does not start with %q: %w", line, want, core.ErrParse)
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return nil
}

// field returns the next space-separated field of line from *pos on.
func field(line []byte, pos *int) []byte {
	i := *pos
	for i < len(line) && line[i] == ' ' {
		i++
	}
	j := i
	for j < len(line) && line[j] != ' ' {
		j++
	}
	*pos = j
	return line[i:j]
}

// parseHex parses up to 16 hex digits.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

// parseDec parses a decimal number.
func parseDec(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// hexPair splits "AAAA:BBBB" and parses both halves.
func hexPair(b []byte) (uint64, uint64, bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return 0, 0, false
	}
	x, ok1 := parseHex(b[:i])
	y, ok2 := parseHex(b[i+1:])
	return x, y, ok1 && ok2
}

// procAddr parses "ADDR:PORT" as /proc/net/tcp prints it; bigEndian is the
// byte order of the host that printed it.
func procAddr(b []byte, bigEndian bool, family core.Family) (core.Endpoint, bool) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return core.Endpoint{}, false
	}
	a, p := b[:i], b[i+1:]
	if len(p) != 4 {
		return core.Endpoint{}, false
	}
	port, ok := parseHex(p)
	if !ok {
		return core.Endpoint{}, false
	}
	var raw [16]byte
	words := 4
	if family == core.Inet {
		words = 1
	}
	if len(a) != 8*words {
		return core.Endpoint{}, false
	}
	for w := 0; w < words; w++ {
		v, ok := parseHex(a[8*w : 8*w+8])
		if !ok {
			return core.Endpoint{}, false
		}
		// concrete types, not a binary.ByteOrder: an interface call would
		// move raw to the heap
		if bigEndian {
			binary.BigEndian.PutUint32(raw[4*w:], uint32(v))
		} else {
			binary.LittleEndian.PutUint32(raw[4*w:], uint32(v))
		}
	}
	var addr netip.Addr
	if family == core.Inet {
		addr = netip.AddrFrom4([4]byte{raw[0], raw[1], raw[2], raw[3]})
	} else {
		addr = netip.AddrFrom16(raw)
	}
	return core.Endpoint{Addr: addr, Port: uint16(port)}, true
}

// appendProcNetInet parses b (see parseProcNetInet) and appends the sockets
// f can match to out.
func appendProcNetInet(out []core.Socket, b []byte, order binary.ByteOrder, proto core.Proto, family core.Family, netns uint64, f *core.Filter) ([]core.Socket, error) {
	var slab []core.Endpoint
	bigEndian := order.Uint16([]byte{0, 1}) == 1
	out = growSockets(out, bytes.Count(b, []byte{'\n'}))
	err := lines(b, "sl", func(n int, line []byte) error {
		s, remote, what := procInetLine(line, bigEndian, proto, family)
		if what != "" {
			return fmt.Errorf("line %d: %q: %s: %w", n, line, what, core.ErrParse)
		}
		s.NetNS = netns
		if s.State != core.Listen && s.State != core.Unconn && (remote.Port != 0 || !remote.Addr.IsUnspecified()) {
			if len(slab) == cap(slab) {
				slab = make([]core.Endpoint, 0, 256)
			}
			slab = append(slab, remote)
			s.Remote = &slab[len(slab)-1]
		}
		if f == nil || f.MatchSocket(&s) {
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// procInetLine parses one socket line of /proc/net/tcp and the like; what
// says what is wrong with it, "" if nothing.
func procInetLine(line []byte, bigEndian bool, proto core.Proto, family core.Family) (s core.Socket, remote core.Endpoint, what string) {
	bad := func(w string) (core.Socket, core.Endpoint, string) { return core.Socket{}, core.Endpoint{}, w }
	pos := 0
	if sl := field(line, &pos); len(sl) < 2 || sl[len(sl)-1] != ':' {
		return bad("no slot number")
	}
	local, ok := procAddr(field(line, &pos), bigEndian, family)
	if !ok {
		return bad("bad local address")
	}
	remote, ok = procAddr(field(line, &pos), bigEndian, family)
	if !ok {
		return bad("bad remote address")
	}
	st, ok := parseHex(field(line, &pos))
	if !ok || st > 0xff {
		return bad("bad state")
	}
	state, ok := inetState(proto, uint8(st))
	if !ok {
		return bad("unknown state")
	}
	tx, rx, ok := hexPair(field(line, &pos))
	if !ok {
		return bad("bad tx_queue:rx_queue")
	}
	tr, when, ok := hexPair(field(line, &pos))
	if !ok || tr > 0xff {
		return bad("bad tr:tm->when")
	}
	if _, ok := parseHex(field(line, &pos)); !ok {
		return bad("bad retrnsmt")
	}
	uid, ok := parseDec(field(line, &pos))
	if !ok {
		return bad("bad uid")
	}
	if _, ok := parseDec(field(line, &pos)); !ok {
		return bad("bad timeout")
	}
	inode, ok := parseDec(field(line, &pos))
	if !ok {
		return bad("bad inode")
	}
	s = core.Socket{
		Proto:  proto,
		Family: family,
		Type:   sockTypeOf(proto),
		State:  state,
		Local:  local,
		Inode:  inode,
		UID:    int64(uid),
		RecvQ:  rx,
		SendQ:  tx,
		Timer:  inetTimer(uint8(tr)),
	}
	if s.Timer != core.TimerNone {
		s.Expires = time.Duration(when) * (time.Second / userHZ)
	}
	return s, remote, ""
}

// appendProcNetUnix parses /proc/net/unix and appends the sockets f can
// match to out. Its lines are
//
//	Num: RefCount Protocol Flags Type St Inode[ Path]
//
// with Path printed raw: a name with a newline in it continues on the next
// line, which is then taken as part of the previous socket's path.
func appendProcNetUnix(out []core.Socket, b []byte, netns uint64, f *core.Filter) ([]core.Socket, error) {
	var slab []core.Endpoint
	var prevPath []byte // path of the line before, for names holding '\n'
	out = growSockets(out, bytes.Count(b, []byte{'\n'}))
	prevKept := false
	err := lines(b, "Num", func(n int, line []byte) error {
		s, path, err := procUnixLine(line)
		if err != nil {
			if len(prevPath) > 0 {
				prevPath = append(append(prevPath, '\n'), line...)
				if prevKept {
					out[len(out)-1].Local.Path = string(prevPath)
				}
				return nil
			}
			return fmt.Errorf("line %d: %q: %s: %w", n, line, err, core.ErrParse)
		}
		prevPath = append(prevPath[:0], path...)
		s.Local.Path = string(path)
		s.NetNS = netns
		if s.State == core.Connected {
			// /proc/net/unix does not tell the peer
			if len(slab) == cap(slab) {
				slab = make([]core.Endpoint, 0, 256)
			}
			slab = append(slab, core.Endpoint{})
			s.Remote = &slab[len(slab)-1]
		}
		prevKept = f == nil || f.MatchSocket(&s)
		if prevKept {
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// procUnixLine parses one socket line of /proc/net/unix.
func procUnixLine(line []byte) (core.Socket, []byte, error) {
	pos := 0
	if num := field(line, &pos); len(num) < 2 || num[len(num)-1] != ':' {
		return core.Socket{}, nil, fmt.Errorf("no Num")
	}
	if _, ok := parseHex(field(line, &pos)); !ok {
		return core.Socket{}, nil, fmt.Errorf("bad RefCount")
	}
	if _, ok := parseHex(field(line, &pos)); !ok {
		return core.Socket{}, nil, fmt.Errorf("bad Protocol")
	}
	flags, ok := parseHex(field(line, &pos))
	if !ok {
		return core.Socket{}, nil, fmt.Errorf("bad Flags")
	}
	typ, ok := parseHex(field(line, &pos))
	if !ok {
		return core.Socket{}, nil, fmt.Errorf("bad Type")
	}
	st, ok := parseHex(field(line, &pos))
	if !ok {
		return core.Socket{}, nil, fmt.Errorf("bad St")
	}
	inode, ok := parseDec(field(line, &pos))
	if !ok {
		return core.Socket{}, nil, fmt.Errorf("bad Inode")
	}
	var path []byte
	if rest := line[pos:]; len(rest) > 0 {
		if len(rest) < 2 || rest[0] != ' ' {
			return core.Socket{}, nil, fmt.Errorf("bad Path")
		}
		path = rest[1:]
	}
	s := core.Socket{Proto: core.Unix, Family: core.Local, Inode: inode, UID: -1}
	if s.Type = unixSockType(int(typ)); s.Type == "" {
		return core.Socket{}, nil, fmt.Errorf("unknown Type %d", typ)
	}
	switch {
	case flags&soAcceptCon != 0:
		s.State = core.Listen
	case st == ssConnected:
		s.State = core.Connected
	default:
		s.State = core.Unconn
	}
	return s, path, nil
}

// growSockets makes room for n more sockets in out (slices.Grow, which the
// Go 1.18 library of the SPARC build lacks).
func growSockets(out []core.Socket, n int) []core.Socket {
	if n <= cap(out)-len(out) {
		return out
	}
	grown := make([]core.Socket, len(out), len(out)+n)
	copy(grown, out)
	return grown
}
