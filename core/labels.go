package core

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// How sockets and their owners are named in text: the cells of the
// tables (core/render) and the sentences of why, kill and close. Text
// from other processes is escaped.

// Dash is s, or "-" when there is none (!ok or empty).
func Dash(ok bool, s string) string {
	if !ok || s == "" {
		return "-"
	}
	return s
}

// NetNSLabel names a socket's network namespace for the table: its
// container (runtime and a 12-digit id, as docker ps shows it), else its
// /run/netns name, else its inode.
func NetNSLabel(s *Socket) string {
	if s.Container() != "" {
		return ContainerLabel(s.Container(), "")
	}
	if s.NetNSName() != "" {
		return Escape(s.NetNSName())
	}
	return Dash(s.NetNS != 0, strconv.FormatUint(s.NetNS, 10))
}

// ManyNetNS reports whether socks come from more than one network
// namespace: then every table and plan that lists them says which
// namespace each is in (NetNSLabel), as who -A's NETNS column does.
func ManyNetNS(socks []Socket) bool {
	var sp NetNSSpan
	for i := range socks {
		sp.Add(&socks[i])
	}
	return sp.Many()
}

// NetNSSpan is ManyNetNS socket by socket, for sockets that are not in
// one slice (a plan's items): Add each, then ask Many.
type NetNSSpan struct {
	first      uint64
	seen, many bool
}

// Add counts s.
func (sp *NetNSSpan) Add(s *Socket) {
	switch {
	case !sp.seen:
		sp.first, sp.seen = s.NetNS, true
	case s.NetNS != sp.first:
		sp.many = true
	}
}

// Many reports whether the sockets added come from more than one network
// namespace.
func (sp *NetNSSpan) Many() bool { return sp.many }

// ProtoLabel is the protocol as netstat prints it: tcp, tcp6, udp6, unix...
func ProtoLabel(s *Socket) string {
	if s.Family != Inet6 {
		return string(s.Proto)
	}
	switch s.Proto {
	case TCP:
		return "tcp6"
	case UDP:
		return "udp6"
	}
	return string(s.Proto) + "6"
}

// OwnerLabel is "pid/command", escaped; "(thread TID)" marks a descriptor
// in one thread's own table, "(creator)" a Solaris creation-process owner
// that may no longer hold the socket, "(creator, unverified)" one not
// proven to be that process.
func OwnerLabel(o Owner) string { return string(AppendOwnerLabel(nil, &o)) }

// AppendOwnerLabel appends OwnerLabel(*o).
func AppendOwnerLabel(b []byte, o *Owner) []byte {
	b = strconv.AppendInt(b, int64(o.PID), 10)
	b = append(b, '/')
	b = append(b, Escape(CommLabel(o.Proc))...)
	b = AppendThread(b, o.TID)
	switch {
	case o.Creator && o.Unverified:
		b = append(b, "(creator, unverified)"...)
	case o.Creator:
		b = append(b, "(creator)"...)
	}
	return b
}

// CommLabel is p's command as gosof names it, raw (whoever prints it
// escapes it): "?" when p is not known or its name is empty (prctl
// PR_SET_NAME ""), since "" would name no one.
func CommLabel(p *Process) string {
	if p == nil || p.Comm == "" {
		return "?"
	}
	return p.Comm
}

// AppendThread appends "(thread TID)", the mark of a descriptor in one
// thread's own table (who's owners, fds' descriptors); nothing for tid 0,
// the process's table.
func AppendThread(b []byte, tid int) []byte {
	if tid == 0 {
		return b
	}
	b = append(b, "(thread "...)
	b = strconv.AppendInt(b, int64(tid), 10)
	return append(b, ')')
}

// OwnerUser is the owner's user name, escaped; "-" when unknown.
func OwnerUser(o Owner) string {
	if o.Proc == nil || o.Proc.User == "" {
		return "-"
	}
	return Escape(o.Proc.User)
}

// ShownPath is a unix socket's name as gosof prints it: the NULs an
// abstract name holds after its '@' (the leading NUL) as '@' too, as ss
// and /proc/net/unix show them. JSON gives the exact name in path_bytes
// when it differs.
func ShownPath(p string) string {
	if strings.IndexByte(p, 0) < 0 {
		return p
	}
	return strings.ReplaceAll(p, "\x00", "@")
}

// FormatEndpoint prints addr:port with IPv6 in brackets ("[::1]:8080"), and
// a unix path escaped ("-" when unnamed).
func FormatEndpoint(fam Family, e *Endpoint) string {
	return string(AppendEndpoint(nil, fam, e))
}

// AppendEndpoint appends FormatEndpoint(fam, e).
func AppendEndpoint(b []byte, fam Family, e *Endpoint) []byte {
	if fam == Local {
		if e.Path == "" {
			return append(b, '-')
		}
		return append(b, Escape(ShownPath(e.Path))...)
	}
	b = appendHost(b, e)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(e.Port), 10)
}

// AppendAddr appends a as netip.Addr.AppendTo does, faster for IPv4.
func AppendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		return appendV4(b, a.As4())
	}
	return a.AppendTo(b)
}

// appendV4 appends a as netip.Addr.AppendTo does, dotted decimal: a
// listing of 50,000 connections formats 100,000 addresses, twice (the
// table measures its cells before it prints them).
func appendV4(b []byte, a [4]byte) []byte {
	for i, x := range a {
		if i > 0 {
			b = append(b, '.')
		}
		switch {
		case x >= 100:
			b = append(b, '0'+x/100, '0'+x/10%10, '0'+x%10)
		case x >= 10:
			b = append(b, '0'+x/10, '0'+x%10)
		default:
			b = append(b, '0'+x)
		}
	}
	return b
}

// appendHost appends an inet end's address as FormatEndpoint prints it,
// without the port: "*" when there is none, IPv6 in brackets with its
// zone inside them ([fe80::1%eth0]).
func appendHost(b []byte, e *Endpoint) []byte {
	switch {
	case !e.Addr.IsValid():
		return append(b, '*')
	case e.Addr.Is4():
		return appendV4(b, e.Addr.As4())
	case e.Addr.Zone() == "":
		b = append(b, '[')
		b = AppendAddr(b, e.Addr)
		return append(b, ']')
	}
	// the zone is an interface's name, which may hold anything but '/', ':' and spaces
	b = append(b, '[')
	b = append(b, Escape(e.Addr.String())...)
	return append(b, ']')
}

// FormatLocal prints the socket's local end, with the device it is bound
// to (AppendLocal).
func FormatLocal(s *Socket) string { return string(AppendLocal(nil, s)) }

// AppendLocal appends s's local end as FormatEndpoint prints it, and the
// device s is bound to as ss prints it, after the address:
// 0.0.0.0%eth0:68, [::]%eth0:547. An address that carries the device as
// its zone ([fe80::1%eth0]:8443, SetDevice) names it once.
func AppendLocal(b []byte, s *Socket) []byte {
	d := ShownDevice(s)
	if d == nil {
		return AppendEndpoint(b, s.Family, &s.Local)
	}
	b = appendHost(b, &s.Local)
	b = append(b, '%')
	b = append(b, Escape(d.Zone())...)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(s.Local.Port), 10)
}

// ShownDevice is the device written after s's local address
// (0.0.0.0%eth0), nil when none is: s is bound to none, or its address
// names it as its zone (fe80::1%eth0). The table and the metrics' addr
// label ask it.
func ShownDevice(s *Socket) *Device {
	if s.Dev == nil || s.Family == Local || s.Local.Addr.Zone() != "" {
		return nil
	}
	return s.Dev
}

// FormatRemote prints the socket's remote end, "*" when not connected.
func FormatRemote(s *Socket) string { return string(AppendRemote(nil, s)) }

// AppendRemote appends FormatRemote(s).
func AppendRemote(b []byte, s *Socket) []byte {
	if s.Remote == nil {
		if s.Family == Local {
			return append(b, '-')
		}
		return append(b, '*')
	}
	if s.Family == Local && s.Remote.Path == "" && s.PeerInode != 0 {
		b = append(b, "peer:"...)
		return strconv.AppendUint(b, s.PeerInode, 10)
	}
	return AppendEndpoint(b, s.Family, s.Remote)
}

// OwnerPIDs returns the distinct PIDs holding any of socks, ascending;
// never an unverified creator's (Owner.Unverified).
func OwnerPIDs(socks []Socket) []int {
	var pids []int
	for i := range socks {
		for _, o := range socks[i].Owners {
			if !o.Unverified {
				pids = append(pids, o.PID)
			}
		}
	}
	sort.Ints(pids)
	return uniqInts(pids)
}

// SocketLine is one socket on one line: its protocol, ends and state,
// "tcp 127.0.0.1:30116 -> 127.0.0.1:51422 ESTABLISHED".
func SocketLine(s *Socket) string { return string(AppendSocketLine(nil, s)) }

// AppendSocketLine appends SocketLine(s).
func AppendSocketLine(b []byte, s *Socket) []byte {
	b = append(b, ProtoLabel(s)...)
	b = append(b, ' ')
	b = AppendLocal(b, s)
	if s.Remote != nil {
		b = append(b, " -> "...)
		b = AppendRemote(b, s)
	}
	b = append(b, ' ')
	return append(b, s.State...)
}
