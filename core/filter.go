package core

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Side says which end of a socket a port filter looks at.
type Side int

const (
	SideLocal  Side = iota // the socket's own port (default: the server side)
	SideRemote             // the peer's port (clients connected to PORT)
	SideAny                // either
)

// ParseSide reads --side.
func ParseSide(s string) (Side, error) {
	switch strings.ToLower(s) {
	case "", "local":
		return SideLocal, nil
	case "remote", "peer":
		return SideRemote, nil
	case "any", "both":
		return SideAny, nil
	}
	return 0, Usagef("--side: %q is not local, remote or any", s)
}

func (s Side) String() string {
	switch s {
	case SideRemote:
		return "remote"
	case SideAny:
		return "any"
	}
	return "local"
}

// PortRange is an inclusive range of ports; a single port has Lo == Hi.
// Proto, when set, limits the range to one protocol ("tcp:8080", "udp/53");
// empty means any.
type PortRange struct {
	Lo, Hi uint16
	Proto  Proto
	// Addr, when valid, limits the range to sockets on that address
	// ("127.0.0.1:8080"): see matchAddr.
	Addr netip.Addr
}

// Contains reports whether p is in the range.
func (r PortRange) Contains(p uint16) bool { return p >= r.Lo && p <= r.Hi }

func (r PortRange) String() string {
	s := strconv.Itoa(int(r.Lo))
	if r.Addr.Is4() {
		s = r.Addr.String() + ":" + s
	} else if r.Addr.IsValid() {
		s = "[" + r.Addr.String() + "]:" + s
	}
	if r.Lo != r.Hi {
		s += "-" + strconv.Itoa(int(r.Hi))
	}
	if r.Proto != "" {
		s += "/" + string(r.Proto)
	}
	return s
}

// ParsePort reads one PORT argument as users type it: a number, a range
// "8000-8080", or a service name looked up in services (nil when
// /etc/services is absent; names may hold '-', as http-alt does), each
// optionally spelled the lsof way (":8080", "tcp:8080") or the
// /etc/services way ("8080/tcp", "udp/53" is not, "53/udp" is; both
// orders are accepted). A protocol given so limits that port to it.
// one is FilterFlags.OnePort: when set, a range is refused with it, and
// no message offers one.
func ParsePort(arg string, services Services, one string) ([]PortRange, error) {
	orig := strings.TrimSpace(arg)
	arg = orig
	if arg == "" {
		return nil, Usagef("empty port")
	}
	if rs, ok, err := parseAddrPort(arg, services, one); ok {
		return rs, err
	}
	if strings.Count(arg, ":") > 1 {
		// ::1:8080: where the address ends cannot be told
		return nil, Usagef("%q: an IPv6 address with a port is written in brackets, [ADDR]:PORT, such as [::1]:8080", orig)
	}
	var proto Proto
	if head, tail, ok := strings.Cut(arg, ":"); ok {
		if head != "" {
			p, err := parsePortProto(head, orig)
			if err != nil {
				return nil, err
			}
			proto = p
		}
		arg = tail
	} else if head, tail, ok := strings.Cut(arg, "/"); ok {
		// 8080/tcp as /etc/services writes it; tcp/8080 read the same way.
		if p, err := ParseProto(tail); err == nil {
			arg = head
			proto = p
		} else if p, err := ParseProto(head); err == nil {
			arg = tail
			proto = p
		} else {
			return nil, Usagef("%q: %q is not a protocol (want tcp, udp, udplite or sctp)", orig, tail)
		}
		if proto != "" {
			if _, err := parsePortProto(string(proto), orig); err != nil {
				return nil, err
			}
		}
	}
	if arg == "" {
		return nil, Usagef("%q has no port", orig)
	}
	rs, err := parsePortBody(arg, orig, services, one)
	if err != nil {
		return nil, err
	}
	if proto == "" {
		return rs, nil
	}
	kept := rs[:0]
	for i := range rs {
		// a service name's own protocols (ParseServices) narrowed to
		// the one given; a number or a range takes it
		if rs[i].Proto == "" || rs[i].Proto == proto {
			rs[i].Proto = proto
			kept = append(kept, rs[i])
		}
	}
	if len(kept) == 0 {
		return nil, Usagef("%q: /etc/services gives %q no %s port (it is %s)", orig, arg, proto, describeRanges(rs))
	}
	return kept, nil
}

// describeRanges is "513/udp, 513/tcp".
func describeRanges(rs []PortRange) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

// parseAddrPort reads a PORT argument that names an address too:
// "127.0.0.1:8080", "[::1]:8080", "tcp:[fe80::1%eth0]:8443",
// "10.0.0.5:53/udp"; ok is false for every other spelling.
func parseAddrPort(arg string, services Services, one string) (rs []PortRange, ok bool, err error) {
	prefix, rest := "", arg
	if head, tail, found := strings.Cut(arg, ":"); found {
		if _, err := ParseProto(head); err == nil {
			prefix, rest = head+":", tail
		}
	}
	addr, port, ok, err := cutAddr(rest)
	if !ok || err != nil {
		return nil, ok, err
	}
	if port == "" {
		return nil, true, Usagef("%q has no port", arg)
	}
	if _, _, again, _ := cutAddr(port); again {
		return nil, true, Usagef("%q: two addresses", arg)
	}
	rs, err = ParsePort(prefix+port, services, one)
	if err != nil {
		return nil, true, err
	}
	for i := range rs {
		rs[i].Addr = addr
	}
	return rs, true, nil
}

// parsePortProto reads the protocol part of "tcp:8080": only protocols
// that have ports.
func parsePortProto(s, orig string) (Proto, error) {
	p, err := ParseProto(s)
	if err != nil {
		return "", Usagef("%q: %q is not a protocol (want tcp, udp, udplite or sctp), nor an address (gosof resolves no names: 127.0.0.1:8080, [::1]:8080)", orig, s)
	}
	if !p.HasPorts() {
		return "", Usagef("%q: %s sockets have no ports", orig, p)
	}
	return p, nil
}

// parsePortBody reads a number, a range (refused with one, when set:
// ParsePort) or a service name.
func parsePortBody(arg, orig string, services Services, one string) ([]PortRange, error) {
	if lo, hi, ok := strings.Cut(arg, "-"); ok && isDigits(lo) {
		if one != "" {
			return nil, Usagef("%s; %q is a range", one, orig)
		}
		l, err1 := parsePortNumber(lo)
		h, err2 := parsePortNumber(hi)
		if err1 != nil || err2 != nil {
			return nil, Usagef("%q is not a port range like 8000-8080", orig)
		}
		if l > h {
			return nil, Usagef("port range %q runs backwards", orig)
		}
		return []PortRange{{Lo: l, Hi: h}}, nil
	}
	if numeric(arg) {
		p, err := parsePortNumber(arg)
		if err != nil {
			want := "1-65535, a range like 8000-8080, or a service name"
			if one != "" {
				want = "1-65535 or a service name"
			}
			return nil, Usagef("%q is not a port: want %s", orig, want)
		}
		return []PortRange{{Lo: p, Hi: p}}, nil
	}
	rs := services.Ranges(arg)
	if len(rs) == 0 {
		if p, err := ParseProto(arg); err == nil {
			return nil, Usagef("%q is a protocol, not a port: use --proto %s, or %s:PORT", orig, p, p)
		}
		if services == nil {
			return nil, Usagef("%q is not a port number, and there is no /etc/services to look it up in", orig)
		}
		return nil, Usagef("unknown service %q (not in /etc/services)", arg)
	}
	// each with its own protocol: copied, the caller may narrow them
	return append([]PortRange(nil), rs...), nil
}

// PortNeedsServices reports whether ParsePort would look arg up in
// /etc/services, so callers read that file only when it is needed.
func PortNeedsServices(arg string) bool {
	arg = strings.TrimSpace(arg)
	if _, tail, ok := strings.Cut(arg, ":"); ok {
		arg = tail
	} else if head, tail, ok := strings.Cut(arg, "/"); ok {
		if _, err := ParseProto(tail); err == nil {
			arg = head
		} else {
			arg = tail
		}
	}
	return arg != "" && !numeric(arg)
}

// numeric says whether a port argument is meant as a number: it starts
// with a digit, or is a negative number ("-22", which no service is
// called), which is then refused as a number rather than looked up.
func numeric(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' && isDigits(s[1:]))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parsePortNumber(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, Usagef("bad port %q", s)
	}
	return uint16(n), nil
}

// ParseState reads a state name as users type it: "close-wait",
// "CLOSE_WAIT", "close_wait", and the aliases ss and lsof use.
func ParseState(s string) (State, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	n = strings.ReplaceAll(n, "-", "_")
	switch n {
	case "ESTAB":
		n = "ESTABLISHED"
	case "LISTENING":
		n = "LISTEN"
	case "CLOSED":
		n = "CLOSE"
	case "FIN_WAIT_1":
		n = "FIN_WAIT1"
	case "FIN_WAIT_2":
		n = "FIN_WAIT2"
	case "SYN_RCVD", "SYN_RECEIVED":
		n = "SYN_RECV"
	case "UNCONNECTED":
		n = "UNCONN"
	}
	if st := State(n); hasState(AllStates, st) {
		return st, nil
	}
	return "", Usagef("unknown state %q (want one of %s)", s, stateNames())
}

// StateArg is st as --state takes it, and as a command gosof suggests
// spells it: "close-wait".
func StateArg(st State) string { return strings.ToLower(strings.ReplaceAll(string(st), "_", "-")) }

func stateNames() string {
	var b strings.Builder
	for i, s := range AllStates {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(StateArg(s))
	}
	return b.String()
}

// ParseProto reads one protocol name.
func ParseProto(s string) (Proto, error) {
	p := Proto(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case "udp-lite":
		p = UDPLite
	case "unix-stream", "local":
		p = Unix
	}
	if hasProto(Protos, p) {
		return p, nil
	}
	return "", Usagef("unknown protocol %q (want tcp, udp, udplite, raw, unix or sctp)", s)
}

// Filter is what a user asked for. Empty lists match everything.
type Filter struct {
	Ports []PortRange
	// Paths are the PATH arguments: unix sockets by name (path.go). A
	// socket matches the targets when it matches one PORT or one PATH.
	Paths    []*PathTarget
	Side     Side
	Protos   []Proto
	Families []Family // inet and/or inet6 from -4/-6; empty is all
	States   []State
	Listen   bool // --listen was given (States then holds LISTEN and UNCONN, or fewer)
	PIDs     []int
	UIDs     []int64 // from --user, matched against owner processes
	// users is --user as given (names or uids), for messages; UIDs decide.
	users string
	// Local and Remote (--local, --remote) narrow to sockets whose end is
	// in one of them; inet sockets only.
	Local, Remote []AddrMatch
	// Commands (-c) narrow to owners whose command matches one of them.
	Commands []CommandMatch
	// Held narrows to the sockets a process may hold (MayBeHeld): the
	// answer is their holders (-t), so a socket no process can hold is
	// no part of it, and need not even be read (a platform may ask the
	// kernel to leave such states out).
	Held bool
	// Devs (--dev) narrow to sockets bound to one of these interfaces,
	// each a name or an index (Socket.Dev); inet sockets only.
	Devs []string
	// Units (--unit) narrow to owners running in one of these systemd
	// units (Context.MatchUnit); the resolver reads the owners' context
	// for it.
	Units []string
	// IdleOver (--idle) narrows to TCP sockets idle for longer than it
	// (MatchIdle); 0: no such filter.
	IdleOver time.Duration
	// Idle asks the socket source for idle times (Socket.Idle) without
	// filtering by them: an IDLE column, why, the metrics. It is no
	// filter; reading them costs a larger dump (WantsIdle).
	Idle bool
}

// MayBeHeld reports whether a process may hold s: not a TIME_WAIT socket
// (the program closed it; the kernel keeps it), nor a connection still
// being set up (a request socket: SYN_RECV with no inode, no file).
func MayBeHeld(s *Socket) bool {
	switch {
	case s.State == TimeWait:
		return false
	case s.State == SynRecv && s.Inode == 0 && s.Family != Local:
		return false
	}
	return true
}

// WantsProto reports whether sockets of protocol p can match.
func (f *Filter) WantsProto(p Proto) bool {
	if len(f.Protos) > 0 && !hasProto(f.Protos, p) {
		return false
	}
	if f.IdleOver > 0 && p != TCP { // only TCP sockets have an idle time
		return false
	}
	if p == Unix {
		// A port, address or device filter never matches a unix socket;
		// a PATH matches nothing else.
		if len(f.Local) > 0 || len(f.Remote) > 0 || len(f.Devs) > 0 {
			return false
		}
		return len(f.Paths) > 0 || len(f.Ports) == 0
	}
	// A PORT or PATH argument never matches a protocol without ports (raw:
	// its "port" is the IP protocol, Proto.HasPorts), so such a query
	// neither reads those tables nor notes what it could not read of them.
	if f.HasTargets() && !p.HasPorts() {
		return false
	}
	// Every port names its protocol (tcp:8080 udp/53): only those.
	for _, r := range f.Ports {
		if r.Proto == "" || r.Proto == p {
			return true
		}
	}
	return len(f.Ports) == 0 && len(f.Paths) == 0
}

// WantsFamily reports whether sockets of family fam can match.
func (f *Filter) WantsFamily(fam Family) bool {
	return len(f.Families) == 0 || hasFamily(f.Families, fam)
}

// WantsState reports whether a socket in state st can match.
func (f *Filter) WantsState(st State) bool {
	if f.IdleOver > 0 && !HasIdleState(st) {
		return false
	}
	return len(f.States) == 0 || hasState(f.States, st)
}

// TargetProtos are the protocols watch and close read when --proto names
// none: those the PORT and PATH arguments name (NamedProtos), TCP for a
// port that names none or when there are no arguments (CLOSE_WAIT leaks
// are TCP's). close lists what it cannot release (UDP) as left alone,
// with the reason.
func (f *Filter) TargetProtos() []Proto {
	ps, _ := f.targetProtos(TCP)
	if len(ps) == 0 {
		ps = []Proto{TCP}
	}
	return ps
}

// NamedProtos are the protocols f asks for by name: --proto's, else those
// its PORT and PATH arguments name (udp for udp/53, unix for a PATH), in
// order. every says f asks for nothing else: --proto was given, or every
// argument names its protocol (8080 names none: every protocol with
// ports). What a source cannot list is judged by these
// (platform.Backend.Blind), and which flags exclude each other (canMatch).
func (f *Filter) NamedProtos() (ps []Proto, every bool) {
	if len(f.Protos) > 0 {
		return f.Protos, true
	}
	ps, unnamed := f.targetProtos("")
	return ps, len(ps) > 0 && !unnamed
}

// targetProtos are the protocols the PORT and PATH arguments name, in
// order, with for a PORT that names none, when not "", the protocol
// given; unnamed says there is such a PORT.
func (f *Filter) targetProtos(orUnnamed Proto) (ps []Proto, unnamed bool) {
	add := func(p Proto) {
		if p != "" && !hasProto(ps, p) {
			ps = append(ps, p)
		}
	}
	for _, r := range f.Ports {
		if r.Proto == "" {
			unnamed = true
			add(orUnnamed)
		} else {
			add(r.Proto)
		}
	}
	if len(f.Paths) > 0 {
		add(Unix)
	}
	return ps, unnamed
}

// HasTargets reports whether PORT or PATH arguments were given.
func (f *Filter) HasTargets() bool { return len(f.Ports) > 0 || len(f.Paths) > 0 }

// MatchTargets reports whether the PORT and PATH arguments match s, on
// f's side: one of them does, or none was given.
func (f *Filter) MatchTargets(s *Socket) bool {
	if !f.HasTargets() {
		return true
	}
	return f.matchPorts(s) || f.matchPaths(s)
}

// matchPorts reports whether one of f's ports matches s.
func (f *Filter) matchPorts(s *Socket) bool {
	if s.Family != Inet && s.Family != Inet6 || !s.Proto.HasPorts() {
		return false
	}
	for _, r := range f.Ports {
		if r.Proto != "" && r.Proto != s.Proto {
			continue
		}
		if f.Side != SideRemote && r.Contains(s.Local.Port) && (!r.Addr.IsValid() || matchAddr(r.Addr, &s.Local, true)) {
			return true
		}
		if f.Side != SideLocal && s.Remote != nil && r.Contains(s.Remote.Port) && (!r.Addr.IsValid() || matchAddr(r.Addr, s.Remote, false)) {
			return true
		}
	}
	return false
}

// MatchAddrs reports whether --local and --remote match s.
func (f *Filter) MatchAddrs(s *Socket) bool {
	if len(f.Local) == 0 && len(f.Remote) == 0 {
		return true
	}
	if s.Family != Inet && s.Family != Inet6 {
		return false
	}
	return anyAddr(f.Local, &s.Local) && anyAddr(f.Remote, s.Remote)
}

// anyAddr reports whether e is in one of ms (true when ms is empty).
func anyAddr(ms []AddrMatch, e *Endpoint) bool {
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if m.Match(e) {
			return true
		}
	}
	return false
}

// MatchDev reports whether --dev matches s: s is bound to an interface
// named, or with the index, one of f.Devs. A socket bound to no device
// never matches, though it may receive on every interface.
func (f *Filter) MatchDev(s *Socket) bool {
	if len(f.Devs) == 0 {
		return true
	}
	if s.Dev == nil {
		return false
	}
	for _, d := range f.Devs {
		if d == s.Dev.Name || d == strconv.FormatUint(uint64(s.Dev.Index), 10) {
			return true
		}
	}
	return false
}

// MatchSocket applies every filter that needs no owner information.
func (f *Filter) MatchSocket(s *Socket) bool {
	return f.WantsProto(s.Proto) && f.WantsFamily(s.Family) &&
		f.WantsState(s.State) && f.MatchTargets(s) && f.MatchAddrs(s) && f.MatchDev(s) &&
		f.MatchIdle(s) && (!f.Held || MayBeHeld(s))
}

// Admits reports whether a socket source that filters as it reads must
// hand s to Resolve: f matches it, or --idle alone leaves it out for an
// idle time that is not known, which Resolve counts (IdleUnknown) so that
// the note says so rather than a bare "no match".
func (f *Filter) Admits(s *Socket) bool {
	return f == nil || f.MatchSocket(s) || f.IdleUnknown(s)
}

// IdleUnknown reports whether s is left out by --idle alone because its
// idle time is not known (MatchIdle): what the note on such sockets counts.
func (f *Filter) IdleUnknown(s *Socket) bool {
	if f.IdleOver <= 0 {
		return false
	}
	if _, ok := s.Idle.Exact(); ok {
		return false
	}
	return f.WantsProto(s.Proto) && f.WantsFamily(s.Family) && f.WantsState(s.State) &&
		f.MatchTargets(s) && f.MatchAddrs(s) && f.MatchDev(s) && (!f.Held || MayBeHeld(s))
}

// HasOwnerFilter reports whether --pid, --user, -c or --unit were given.
func (f *Filter) HasOwnerFilter() bool {
	return len(f.PIDs) > 0 || len(f.UIDs) > 0 || len(f.Commands) > 0 || len(f.Units) > 0
}

// matchUnit reports whether o runs in one of f.Units.
func (f *Filter) matchUnit(o *Owner) bool {
	if o.Proc == nil {
		return false
	}
	for _, u := range f.Units {
		if o.Proc.Context.MatchUnit(u) {
			return true
		}
	}
	return false
}

// MatchOwner reports whether owner o passes --pid and --user.
func (f *Filter) MatchOwner(o *Owner) bool {
	if len(f.PIDs) > 0 && !hasInt(f.PIDs, o.PID) {
		return false
	}
	if len(f.UIDs) > 0 && (o.Proc == nil || !hasInt64(f.UIDs, o.Proc.UID)) {
		return false
	}
	if len(f.Commands) > 0 && (o.Proc == nil || !anyCommand(f.Commands, o.Proc.Comm)) {
		return false
	}
	if len(f.Units) > 0 && !f.matchUnit(o) {
		return false
	}
	return true
}
