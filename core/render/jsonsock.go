package render

import (
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
)

// The contract's socket object (docs/contract.md), written in one place
// for every output that holds sockets: the --json array, --jsonl, and the
// sockets inside why, kill, close and fds. These objects are most of what
// gosof writes (50,000 of them for a busy server), so they are appended
// with the output held in a local slice (JSON.fields) rather than through
// the encoder's methods one member at a time: the bytes are the same.

// Sockets writes socks as an array of socket objects ([] when none).
func (e *JSON) Sockets(socks []core.Socket) {
	e.value()
	n := len(e.open) + 1 // of the array's elements
	t := e.tokens(n)
	l := e.levels(n + 1)
	b := append(e.b, '[')
	for i := range socks {
		warm(socks, i)
		b = appendToken(b, &t.elem[min1(i)])
		var f fields
		b, f = openObject(b, l.sock)
		b = e.appendSocket(b, l, &f, &socks[i])
		b = f.end(b)
		if len(b) >= flushSize {
			e.b = b
			e.Flush()
			b = e.b
		}
	}
	if len(socks) == 0 {
		e.b = append(b, ']')
	} else {
		e.b = appendToken(b, &t.endArray)
	}
	e.empty = false
}

// Socket writes s as the contract's socket object.
func (e *JSON) Socket(s *core.Socket) {
	e.value()
	n := len(e.open) + 1
	l := e.levels(n)
	b, f := openObject(e.b, l.sock)
	b = e.appendSocket(b, l, &f, s)
	e.b = f.end(b)
	e.empty = false
	if len(e.b) >= flushSize {
		e.Flush()
	}
}

// SocketFields writes the members of s's object into the object open, for
// an object that adds its own after them (close's sockets).
func (e *JSON) SocketFields(s *core.Socket) {
	f := e.fields()
	e.b = e.appendSocket(e.b, e.levels(len(e.open)), &f, s)
	e.empty = false
}

// levels are the tokens of a socket's members, of its ends' and owners
// array's, and of its owners' members.
type levels struct{ sock, inner, owner *tokens }

// levels are the tokens of a socket whose members are at depth n.
func (e *JSON) levels(n int) levels {
	return levels{e.tokens(n), e.tokens(n + 1), e.tokens(n + 2)}
}

// appendSocket appends the members of s's object.
func (e *JSON) appendSocket(b []byte, l levels, f *fields, s *core.Socket) []byte {
	b = f.first(b, kProto)
	b = appendString(b, string(s.Proto))
	b = f.key(b, kFamily)
	b = appendString(b, s.Family.String())
	if s.Type != core.TypeUnknown {
		b = f.key(b, kType)
		b = appendString(b, s.Type.String())
	}
	b = f.key(b, kState)
	b = appendString(b, string(s.State))
	b = f.key(b, kLocal)
	b = appendEndpoint(b, l.inner, s.Family, &s.Local)
	b = f.key(b, kRemote)
	if s.Remote == nil {
		b = append(b, "null"...)
	} else {
		b = appendEndpoint(b, l.inner, s.Family, s.Remote)
	}
	b = f.key(b, kInode)
	b = strconv.AppendUint(b, s.Inode, 10)
	b = f.key(b, kUID)
	if s.UID >= 0 {
		b = strconv.AppendInt(b, s.UID, 10)
	} else {
		b = append(b, "null"...)
	}
	b = f.key(b, kNetNS)
	if s.NetNS != 0 {
		b = strconv.AppendUint(b, s.NetNS, 10)
	} else {
		b = append(b, "null"...)
	}
	if l := s.NSLabel; l != nil {
		if l.Name != "" {
			b = f.key(b, kNetNSName)
			b = appendString(b, l.Name)
		}
		if l.Container != "" {
			b = f.key(b, kContainer)
			b = appendString(b, l.Container)
		}
	}
	if d := s.Dev; d != nil {
		if d.Name != "" {
			b = f.key(b, kDev)
			b = appendString(b, d.Name)
		}
		b = f.key(b, kIfIndex)
		b = strconv.AppendUint(b, uint64(d.Index), 10)
	}
	b = f.key(b, kRecvQ)
	b = strconv.AppendUint(b, s.RecvQ, 10)
	b = f.key(b, kSendQ)
	b = strconv.AppendUint(b, s.SendQ, 10)
	if s.Timer != core.TimerNone {
		b = f.key(b, kTimer)
		b = appendString(b, s.Timer.String())
		b = f.key(b, kExpiresMS)
		b = strconv.AppendInt(b, s.Expires.Milliseconds(), 10)
	}
	if s.Idle.Known() {
		b = appendIdle(b, f, s.Idle)
	}
	if s.PeerInode != 0 {
		b = f.key(b, kPeerInode)
		b = strconv.AppendUint(b, s.PeerInode, 10)
	}
	b = f.key(b, kOwners)
	b = e.appendOwners(b, l.inner, l.owner, s.Owners)
	if len(s.PeerOwners) > 0 {
		b = f.key(b, kPeerOwners)
		b = e.appendOwners(b, l.inner, l.owner, s.PeerOwners)
	}
	return b
}

// appendIdle appends "idle_ms" (the idle time measured) or "age_ms" (how
// long ago the socket was made, all that Solaris and illumos tell).
func appendIdle(b []byte, f *fields, i core.Idle) []byte {
	if d, ok := i.Exact(); ok {
		b = f.key(b, kIdleMS)
		return strconv.AppendInt(b, d.Milliseconds(), 10)
	}
	d, _ := i.Age()
	b = f.key(b, kAgeMS)
	return strconv.AppendInt(b, d.Milliseconds(), 10)
}

// appendEndpoint appends one end of a socket, its members at t's depth:
// {"addr", "port"} with "zone" for an IPv6 link-local address (the
// address itself without it), or {"path"} for a unix socket, with
// "path_bytes" when the path printed is not the exact name.
func appendEndpoint(b []byte, t *tokens, fam core.Family, ep *core.Endpoint) []byte {
	b, f := openObject(b, t)
	if fam == core.Local {
		shown := core.ShownPath(ep.Path)
		b = f.first(b, kPath)
		b = appendString(b, shown)
		if shown != ep.Path || !utf8.ValidString(ep.Path) {
			b = f.key(b, kPathBytes)
			b = appendBase64(b, ep.Path)
		}
	} else {
		b = f.first(b, kAddr)
		if ep.Addr.IsValid() {
			// digits, dots, colons, hex letters: nothing to escape
			b = append(b, '"')
			b = core.AppendAddr(b, ep.Addr.WithZone(""))
			b = append(b, '"')
		} else {
			b = appendString(b, Addr(ep.Addr))
		}
		b = f.key(b, kPort)
		b = strconv.AppendUint(b, uint64(ep.Port), 10)
		if z := ep.Addr.Zone(); z != "" {
			b = f.key(b, kZone)
			b = appendString(b, z)
		}
	}
	return f.end(b)
}

// Addr is an address as JSON gives it: as netip prints it, "*" when
// there is none.
func Addr(a netip.Addr) string {
	if !a.IsValid() {
		return "*"
	}
	return a.String()
}

// Owners writes owners as an array ([] when none).
func (e *JSON) Owners(owners []core.Owner) {
	e.value()
	n := len(e.open) + 1
	e.b = e.appendOwners(e.b, e.tokens(n), e.tokens(n+1), owners)
	e.empty = false
}

// appendOwners appends owners as an array whose elements are at t's
// depth, their members at to's.
func (e *JSON) appendOwners(b []byte, t, to *tokens, owners []core.Owner) []byte {
	b = append(b, '[')
	if len(owners) == 0 {
		return append(b, ']')
	}
	for i := range owners {
		b = appendToken(b, &t.elem[min1(i)])
		var f fields
		b, f = openObject(b, to)
		b = e.appendOwner(b, &f, &owners[i])
		b = f.end(b)
	}
	return appendToken(b, &t.endArray)
}

// Owner writes one process holding a socket.
func (e *JSON) Owner(o *core.Owner) {
	e.Object()
	e.OwnerFields(o)
	e.End()
}

// OwnerFields writes the members of o's object into the object open, for
// an object that adds its own after them (why's counts).
func (e *JSON) OwnerFields(o *core.Owner) {
	f := e.fields()
	e.b = e.appendOwner(e.b, &f, o)
	e.empty = false
}

// appendOwner appends the members of o's object.
func (e *JSON) appendOwner(b []byte, f *fields, o *core.Owner) []byte {
	b = f.first(b, kPID)
	b = strconv.AppendInt(b, int64(o.PID), 10)
	b = f.key(b, kComm)
	p := o.Proc
	if p != nil {
		b = appendString(b, p.Comm)
		if !utf8.ValidString(p.Comm) {
			b = f.key(b, kCommBytes)
			b = appendBase64(b, p.Comm)
		}
	} else {
		b = append(b, "null"...)
	}
	b = f.key(b, kFD)
	if o.FD >= 0 {
		b = strconv.AppendInt(b, int64(o.FD), 10)
	} else {
		b = append(b, "null"...)
	}
	if o.TID != 0 {
		b = f.key(b, kTID)
		b = strconv.AppendInt(b, int64(o.TID), 10)
	}
	if p != nil && p.UID >= 0 {
		b = f.key(b, kUID)
		b = strconv.AppendInt(b, p.UID, 10)
		b = f.key(b, kUser)
		b = appendString(b, p.User)
	} else {
		b = f.key(b, kUID)
		b = append(b, "null"...)
		b = f.key(b, kUser)
		b = append(b, "null"...)
	}
	if o.Creator {
		b = f.key(b, kCreator)
		b = append(b, "true"...)
	}
	if o.Unverified {
		b = f.key(b, kCreatorUnverified)
		b = append(b, "true"...)
	}
	if p != nil && core.HasCmdline(p.Cmdline) {
		b = f.key(b, kCmdline)
		b = e.appendTexts(b, f.t.depth+1, p.Cmdline)
		if !validUTF8(p.Cmdline) {
			b = f.key(b, kCmdlineBytes)
			b = e.appendBase64s(b, f.t.depth+1, p.Cmdline)
		}
	}
	if p != nil && p.Context != nil {
		b = appendContext(b, f, p.Context)
	}
	if o.Options != nil {
		b = f.key(b, kOptions)
		b = e.appendOptions(b, f.t.depth+1, o.Options)
	}
	return b
}

// appendContext appends a process's unit and container, each member
// omitted when there is none.
func appendContext(b []byte, f *fields, c *core.Context) []byte {
	for _, m := range [...]struct {
		k int
		v string
	}{{kUnit, c.Unit}, {kUserUnit, c.UserUnit}, {kContainer, c.Container}, {kContainerName, c.ContainerName}} {
		if m.v != "" {
			b = f.key(b, m.k)
			b = appendString(b, m.v)
		}
	}
	return b
}

// Options writes socket options as the "options" object, each member
// omitted when unknown (docs/why.md).
func (e *JSON) Options(o *core.SockOptions) {
	e.value()
	e.b = e.appendOptions(e.b, len(e.open)+1, o)
	e.empty = false
}

// appendOptions appends the options object, its members at depth n.
func (e *JSON) appendOptions(b []byte, n int, o *core.SockOptions) []byte {
	b, f := e.object(b, n)
	some := false // a member was written
	key := func(k int) {
		if some {
			b = f.key(b, k)
		} else {
			b = f.first(b, k)
			some = true
		}
	}
	boolKey := func(k int, v *bool) {
		if v != nil {
			key(k)
			b = strconv.AppendBool(b, *v)
		}
	}
	intKey := func(k int, v *int) {
		if v != nil {
			key(k)
			b = strconv.AppendInt(b, int64(*v), 10)
		}
	}
	boolKey(kReuseAddr, o.ReuseAddr)
	boolKey(kReusePort, o.ReusePort)
	boolKey(kKeepAlive, o.KeepAlive)
	if l := o.Linger; l != nil {
		key(kLinger)
		var g fields
		b, g = e.object(b, n+1)
		b = g.first(b, kOn)
		b = strconv.AppendBool(b, l.On)
		b = g.key(b, kSeconds)
		b = strconv.AppendInt(b, int64(l.Seconds), 10)
		b = g.end(b)
	}
	intKey(kSndBuf, o.SndBuf)
	intKey(kRcvBuf, o.RcvBuf)
	if o.Type != core.TypeUnknown {
		key(kType)
		b = appendString(b, o.Type.String())
	}
	boolKey(kNoDelay, o.NoDelay)
	boolKey(kV6Only, o.V6Only)
	if o.Congestion != "" {
		key(kCongestion)
		b = appendString(b, o.Congestion)
	}
	if t := o.TCPInfo; t != nil {
		key(kTCPInfo)
		var g fields
		b, g = e.object(b, n+1)
		b = g.first(b, kRTTUS)
		b = strconv.AppendInt(b, t.RTT.Microseconds(), 10)
		b = g.key(b, kRTTVarUS)
		b = strconv.AppendInt(b, t.RTTVar.Microseconds(), 10)
		b = g.key(b, kRetransmits)
		b = strconv.AppendUint(b, uint64(t.Retransmits), 10)
		b = g.key(b, kTotalRetrans)
		b = strconv.AppendUint(b, uint64(t.TotalRetrans), 10)
		b = g.end(b)
	}
	if !some {
		return append(b, '}')
	}
	return f.end(b)
}

// min1 is 0 for 0, else 1: which separator goes before element i.
func min1(i int) int {
	if i == 0 {
		return 0
	}
	return 1
}
