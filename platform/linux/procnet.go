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

// parseProcNetUnix parses /proc/net/unix. With nothing to check its rows
// against, a row that could be the end of a socket name before it is kept
// unless its inode is listed twice.
func parseProcNetUnix(b []byte) ([]core.Socket, error) {
	socks, _, err := appendProcNetUnix(nil, b, 0, nil, nil)
	return socks, err
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
		if hasRemote(s.State, remote.Addr, remote.Port) {
			if len(slab) == cap(slab) {
				slab = make([]core.Endpoint, 0, 256)
			}
			slab = append(slab, remote)
			s.Remote = &slab[len(slab)-1]
		}
		if f.WantsIdle() {
			setTimeWaitIdle(&s, s.State) // /proc/net tells no other idle time
		}
		if f.Admits(&s) { // Resolve filters; what --idle cannot tell is counted there
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
		UID:    knownUID(state, int64(uid), inode),
		RecvQ:  rx,
		SendQ:  tx,
		Timer:  inetTimer(uint8(tr)),
	}
	if s.Timer != core.TimerNone {
		s.Expires = time.Duration(when) * (time.Second / userHZ)
	}
	return s, remote, ""
}

// unixNameMax bounds the name /proc/net/unix prints for a socket: sun_path
// is 108 bytes (UNIX_PATH_MAX, linux/un.h).
const unixNameMax = 108

// unixRow is one socket row of /proc/net/unix.
type unixRow struct {
	s     core.Socket
	path  []byte
	line  []byte
	after int  // the named row whose name this row could be the end of, -1 if none
	drop  bool // not a socket: an embryo, or text from another socket's name
}

// parseUnixRows reads the rows of /proc/net/unix. Its lines are
//
//	Num: RefCount Protocol Flags Type St Inode[ Path]
//
// with Path printed raw: a name with a newline in it continues on the next
// line. A line that is not a row is taken as part of the previous row's
// name; a line that is a row, but close enough after a named row to fit in
// that name, is marked (after) for resolveUnixRows to check, since a name
// can hold a whole forged row.
func parseUnixRows(b []byte) ([]unixRow, error) {
	var rows []unixRow
	last := -1 // the row the next line may continue
	err := lines(b, "Num", func(n int, line []byte) error {
		s, path, err := procUnixLine(line)
		if err != nil {
			if last >= 0 && len(rows[last].path) > 0 {
				r := &rows[last]
				r.path = append(append(r.path, '\n'), line...)
				return nil
			}
			return fmt.Errorf("line %d: %q: %s: %w", n, line, err, core.ErrParse)
		}
		r := unixRow{s: s, path: path, line: line, after: -1}
		if last >= 0 {
			if p := &rows[last]; len(p.path) > 0 && len(p.path)+1+len(line) <= unixNameMax {
				r.after = last
			}
		}
		rows = append(rows, r)
		last = len(rows) - 1
		return nil
	})
	return rows, err
}

// realUnix are the unix sockets that exist, by inode, as exists tells
// them to resolveUnixRows: with the name the kernel gives each when a
// netlink dump told (named), or only that it exists (a descriptor scan).
type realUnix map[uint64]realName

type realName struct {
	path  string
	named bool
}

// resolveUnixRows drops the rows that are not sockets: embryos (the server
// end of a connection not yet accepted, inode 0, which sock_diag does not
// list either), and rows that are really the end of the name before them.
// A marked row is such text when exists, given the marked inodes, says
// which are real, and that the list is complete (checked), and this one is
// not in it; or when its inode is listed twice, and another of its rows is
// unmarked (so a row, not text) or the kernel names that socket otherwise.
// unchecked counts the marked rows that could not be checked.
func resolveUnixRows(rows []unixRow, exists func([]uint64) (realUnix, bool)) (unchecked int) {
	count := make(map[uint64]int)
	unmarked := make(map[uint64]bool)
	listeners := make(map[string]bool)
	var marked []uint64
	for i := range rows {
		r := &rows[i]
		count[r.s.Inode]++
		if r.after < 0 {
			unmarked[r.s.Inode] = true
		}
		if r.s.State == core.Listen && len(r.path) > 0 {
			listeners[string(r.path)] = true
		}
		if r.after >= 0 && r.s.Inode != 0 {
			marked = append(marked, r.s.Inode)
		}
	}
	var real realUnix
	checked := false
	if len(marked) > 0 && exists != nil {
		real, checked = exists(marked)
	}
	into := make(map[int]int) // merged row -> the row whose name it is part of
	for i := range rows {
		r := &rows[i]
		if r.after < 0 {
			if r.s.Inode == 0 {
				r.drop = true
			}
			continue
		}
		p := r.after
		if q, ok := into[p]; ok {
			p = q
		}
		var forged bool
		switch {
		case r.s.Inode == 0:
			// an embryo carries its listener's name; anything else is text
			forged = !listeners[string(r.path)]
			r.drop = true
		case count[r.s.Inode] > 1:
			// One of the rows is the socket, the others text: an unmarked
			// row cannot be text, and the kernel's name tells the rest.
			// Where neither tells, none is taken for the socket, and
			// the note counts it.
			n, ok := real[r.s.Inode]
			forged = unmarked[r.s.Inode] || !ok || !n.named || n.path != string(r.path)
			if !unmarked[r.s.Inode] && ok && !n.named {
				unchecked++
			}
		case real.has(r.s.Inode):
			// a socket the kernel or a process has: real
		case checked:
			forged = true
		default:
			unchecked++
		}
		if forged {
			rows[p].path = append(append(rows[p].path, '\n'), r.line...)
			r.drop = true
			into[i] = p
		}
	}
	return unchecked
}

func (r realUnix) has(ino uint64) bool { _, ok := r[ino]; return ok }

// appendProcNetUnix parses /proc/net/unix and appends the sockets f can
// match to out; see parseUnixRows and resolveUnixRows.
func appendProcNetUnix(out []core.Socket, b []byte, netns uint64, f *core.Filter, exists func([]uint64) (realUnix, bool)) ([]core.Socket, int, error) {
	rows, err := parseUnixRows(b)
	if err != nil {
		return out, 0, err
	}
	unchecked := resolveUnixRows(rows, exists)
	var slab []core.Endpoint
	if cap(out)-len(out) < len(rows) {
		grown := make([]core.Socket, len(out), len(out)+len(rows))
		copy(grown, out)
		out = grown
	}
	for i := range rows {
		r := &rows[i]
		if r.drop {
			continue
		}
		s := r.s
		s.Local.Path = string(r.path)
		s.NetNS = netns
		if s.State == core.Connected {
			// /proc/net/unix does not tell the peer
			if len(slab) == cap(slab) {
				slab = make([]core.Endpoint, 0, 256)
			}
			slab = append(slab, core.Endpoint{})
			s.Remote = &slab[len(slab)-1]
		}
		if f.WantsIdle() {
			setTimeWaitIdle(&s, s.State) // /proc/net tells no other idle time
		}
		if f.Admits(&s) { // Resolve filters; what --idle cannot tell is counted there
			out = append(out, s)
		}
	}
	return out, unchecked, nil
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
	if s.Type = unixSockType(int(typ)); s.Type == core.TypeUnknown {
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
