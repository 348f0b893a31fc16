package diagnose

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/gosof/gosof/core"
)

// BindProber tries to bind a port on this host, the way a new server would,
// so that `why` can say whether one could start now. The system calls live
// in the platform; the decisions here.
type BindProber interface {
	// MayBind reports whether this process has the privilege to bind port
	// at all (Linux: below net.ipv4.ip_unprivileged_port_start only root or
	// CAP_NET_BIND_SERVICE may); when not, why says so in words.
	MayBind(port uint16) (ok bool, why string)
	// HasIPv6 reports whether the host can bind IPv6 addresses.
	HasIPv6() bool
	// Bind binds a socket of proto (TCP, UDP, UDP-Lite or SCTP) to
	// addr:port, with the options opts sets, never listens on it and
	// closes it at once. A failure wraps ErrAddrInUse, ErrAddrNotAvail,
	// ErrPermission, or errors.ErrUnsupported where no socket of proto can
	// be opened (SCTP without its kernel module) or the system has no
	// such option (SO_REUSEPORT).
	Bind(proto core.Proto, addr netip.Addr, port uint16, opts BindOpts) error
	// UID is the user the probe's sockets belong to, the one SO_REUSEPORT's
	// rule compares (ReusePortGroup): gosof's effective uid; -1 if unknown.
	UID() int64
}

// BindOpts are the socket options a probe bind sets before bind(2).
type BindOpts struct {
	ReuseAddr bool // SO_REUSEADDR
	ReusePort bool // SO_REUSEPORT
}

// Errors a BindProber's Bind wraps.
var (
	ErrAddrInUse    = errors.New("address already in use")
	ErrAddrNotAvail = errors.New("address not available on this host")
)

// Verdict sums up a bind probe.
type Verdict string

const (
	VerdictFree       Verdict = "free"           // every address binds, with or without SO_REUSEADDR
	VerdictReuseAddr  Verdict = "reuseaddr_only" // binds only with SO_REUSEADDR
	VerdictReusePort  Verdict = "reuseport_only" // the wildcard binds only with SO_REUSEPORT, joining the group in the way
	VerdictSome       Verdict = "some_addresses" // some addresses bind, the wildcard does not
	VerdictUnknown    Verdict = "unknown"        // the wildcard does not bind without SO_REUSEADDR; with it, told unknown (tell)
	VerdictBlocked    Verdict = "blocked"        // no address binds
	VerdictNotProbed  Verdict = "not_probed"     // skipped, or not available
	VerdictInconclude Verdict = "inconclusive"   // every bind failed for other reasons
)

// ProbeReport is what the bind probe found.
type ProbeReport struct {
	Proto    core.Proto // the protocol the binds used (ProbeProtos)
	Port     uint16
	Skipped  string // why no bind was tried; "" when the probe ran
	Attempts []ProbeAttempt
	Verdict  Verdict
	// Group is what a server that sets SO_REUSEPORT meets where the
	// wildcard does not bind even with SO_REUSEADDR; nil elsewhere.
	Group *ReusePortGroup
}

// ProbeAttempt is one bind.
type ProbeAttempt struct {
	Addr netip.Addr
	BindOpts
	OK    bool
	InUse bool   // failed with EADDRINUSE
	Err   string // the failure in words; "" when OK
	// Blockers are the sockets on the port whose addresses overlap Addr,
	// the ones in the way when InUse: the listeners if any, else all.
	Blockers []*core.Socket
	// Told: decided from the options and users of the sockets in the
	// way, not bound, as a bind would take their datagrams (tell).
	Told bool
}

// ProbeProtos are the protocols the probe of a port binds: only, when it
// names one (why udp/53 binds UDP); else those of its sockets, in
// core.Protos' order, TCP when it has none: a UDP-only port is not free
// because a TCP bind works.
func ProbeProtos(socks []core.Socket, only core.Proto) []core.Proto {
	if only.HasPorts() {
		return []core.Proto{only}
	}
	var out []core.Proto
	for _, p := range core.Protos {
		if !p.HasPorts() {
			continue
		}
		for i := range socks {
			if socks[i].Proto == p {
				out = append(out, p)
				break
			}
		}
	}
	if len(out) == 0 {
		out = append(out, core.TCP)
	}
	return out
}

// ProbeProto is Probe with sockets of proto.
func ProbeProto(p BindProber, proto core.Proto, port uint16, socks []core.Socket) *ProbeReport {
	r := &ProbeReport{Proto: proto, Port: port, Verdict: VerdictNotProbed}
	if p == nil {
		r.Skipped = "probe not available on this platform"
		return r
	}
	if ok, why := p.MayBind(port); !ok {
		r.Skipped = why
		return r
	}
	addrs := []netip.Addr{netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	if p.HasIPv6() {
		addrs = append(addrs, netip.IPv6Unspecified(), ipv6Loopback)
	}
	atts, err := binds(p, proto, addrs, port, socks, BindOpts{}, BindOpts{ReuseAddr: true})
	if err != nil {
		r.Skipped = "probe not available: " + err.Error()
		return r
	}
	r.Attempts = atts
	r.Verdict = verdict(r.Attempts, netip.Addr.IsUnspecified)
	// Where SO_REUSEADDR does not get the wildcard, SO_REUSEPORT may:
	// tried for real, unless the sockets in the way are known not to set
	// it. A system without it keeps the answer the holders' options give.
	uid := p.UID()
	if g := reusePortGroup(r, uid); g != nil && g.Join != JoinNo {
		atts, _ = binds(p, proto, addrs, port, socks, BindOpts{ReusePort: true})
		r.Attempts = append(r.Attempts, atts...)
	}
	if r.Group = reusePortGroup(r, uid); r.Group != nil && r.Group.Join == JoinYes {
		r.Verdict = VerdictReusePort
	}
	return r
}

// binds binds each of addrs with each of opts in turn; nil and the error
// when the platform cannot bind at all (errors.ErrUnsupported).
func binds(p BindProber, proto core.Proto, addrs []netip.Addr, port uint16, socks []core.Socket, opts ...BindOpts) ([]ProbeAttempt, error) {
	atts := make([]ProbeAttempt, len(addrs)*len(opts))
	as := p.UID()
	for i := range atts {
		at := &atts[i]
		at.Addr, at.BindOpts = addrs[i/len(opts)], opts[i%len(opts)]
		var err error
		if at.Told, err = tell(proto, at.Addr, at.BindOpts, as, socks); !at.Told {
			err = p.Bind(proto, at.Addr, port, at.BindOpts)
		}
		switch {
		case err == nil:
			at.OK = true
		case core.IsUnsupported(err):
			return nil, err
		case errors.Is(err, ErrAddrInUse):
			at.InUse = true
			at.Err = "address already in use"
			at.Blockers = blockers(socks, proto, at.Addr)
		default:
			at.Err = err.Error()
		}
	}
	return atts, nil
}

// errUnknown is what a told bind gets where the options or uid of a
// socket in the way could not be read.
var errUnknown = errors.New("unknown")

// tell decides whether binds bind (told false) or tells what the bind
// would get (told true, err as Bind's): a UDP or UDP-Lite bind with
// SO_REUSEADDR or SO_REUSEPORT at a, where a socket of proto on the port
// overlaps a, is told. Bound so beside a server it would receive the
// server's datagrams at once (both with SO_REUSEADDR: all those to its
// address; in a SO_REUSEPORT group, its share) and drop them as it
// closes. The kernel's rule tells it (net/ipv4/udp.c,
// udp_lib_lport_inuse, which IPv6's binds go through too): it conflicts
// with each overlapping socket unless both set SO_REUSEADDR, or both set
// SO_REUSEPORT and have one uid (sk_uid; as is the probe's). A bind
// without either option fails beside any of them, one where nothing
// overlaps takes no one's datagrams, and TCP's and SCTP's never listen:
// those bind.
func tell(proto core.Proto, a netip.Addr, o BindOpts, as int64, socks []core.Socket) (told bool, err error) {
	if proto != core.UDP && proto != core.UDPLite || !o.ReuseAddr && !o.ReusePort {
		return false, nil
	}
	way := overlapping(socks, proto, a)
	for _, s := range way {
		var ra, rp *bool
		if so := optionsOf(s); so != nil {
			ra, rp = so.ReuseAddr, so.ReusePort
		}
		admits := o.ReuseAddr && ra != nil && *ra || o.ReusePort && rp != nil && *rp && s.UID >= 0 && s.UID == as
		// known not to: neither option can admit it, as far as is read
		refuses := (!o.ReuseAddr || ra != nil) && (!o.ReusePort || rp != nil && (!*rp || s.UID >= 0 && as >= 0))
		switch {
		case admits:
		case refuses:
			return true, ErrAddrInUse
		default:
			err = errUnknown
		}
	}
	return len(way) > 0, err
}

// verdict judges the probe as a server would meet it that binds the
// addresses served accepts: why asks for a typical one, which binds the
// wildcard address (0.0.0.0 or ::); close, for a listener it shut down,
// for one binding that listener's address. The binds with SO_REUSEPORT
// are the group's to judge (reusePortGroup).
func verdict(atts []ProbeAttempt, served func(netip.Addr) bool) Verdict {
	n, ok, inUse := 0, 0, 0
	wildPlain, wildReuse, unknown := true, true, false
	for _, a := range atts {
		if a.ReusePort {
			continue
		}
		n++
		if a.OK {
			ok++
		}
		if a.InUse {
			inUse++
		}
		if served(a.Addr) && !a.OK {
			switch {
			case !a.ReuseAddr:
				wildPlain = false
			case a.Told && !a.InUse:
				unknown = true
			default:
				wildReuse = false
			}
		}
	}
	switch {
	case ok == n:
		return VerdictFree
	case !wildPlain && wildReuse && unknown:
		return VerdictUnknown
	case ok == 0 && inUse == 0:
		return VerdictInconclude
	case ok == 0:
		return VerdictBlocked
	case !wildPlain && wildReuse:
		return VerdictReuseAddr
	}
	return VerdictSome
}

// blockers picks the sockets of proto on the port whose local address
// overlaps a: with SO_REUSEADDR, listeners (bound UDP sockets) first.
func blockers(socks []core.Socket, proto core.Proto, a netip.Addr) []*core.Socket {
	all := overlapping(socks, proto, a)
	var listeners []*core.Socket
	for _, s := range all {
		if s.State == core.Listen || s.State == core.Unconn {
			listeners = append(listeners, s)
		}
	}
	if len(listeners) > 0 {
		return listeners
	}
	return all
}

// overlapping is every socket of proto on the port whose local address
// overlaps a.
func overlapping(socks []core.Socket, proto core.Proto, a netip.Addr) []*core.Socket {
	var all []*core.Socket
	for i := range socks {
		if s := &socks[i]; s.Proto == proto && overlaps(a, s) {
			all = append(all, s)
		}
	}
	return all
}

// overlaps reports whether binding probe address a (with IPV6_V6ONLY off
// for "::", as Go, Java and most servers leave it) conflicts by address
// with socket s's local address.
func overlaps(a netip.Addr, s *core.Socket) bool {
	l := s.Local.Addr
	if !l.IsValid() {
		return true
	}
	v6only := s.IPv6Only()
	// What the socket covers: the IPv4 addresses (l4) and IPv6 ones (l6).
	lu := l.Unmap()
	coversV4 := func(x netip.Addr) bool {
		switch {
		case s.Family == core.Inet:
			return lu.IsUnspecified() || lu == x
		case l.IsUnspecified():
			return !v6only
		case l.Is4In6():
			return lu == x
		}
		return false
	}
	coversV6 := func(x netip.Addr) bool {
		return s.Family == core.Inet6 && !l.Is4In6() && (l.IsUnspecified() || l == x)
	}
	switch {
	case a.Is4() && a.IsUnspecified():
		return s.Family == core.Inet || l.Is4In6() || (l.IsUnspecified() && !v6only)
	case a.Is4():
		return coversV4(a)
	case a.IsUnspecified(): // "::", dual-stack: every address
		return true
	}
	return coversV6(a)
}

// Message says what the probe means in one sentence, naming the protocol
// its binds used: a UDP port is not free for TCP's sake.
func (r *ProbeReport) Message() string {
	p := strconv.Itoa(int(r.Port))
	proto := r.Proto.Name()
	if proto == "" {
		proto = "TCP"
	}
	server := "A new " + proto + " server"
	switch r.Verdict {
	case VerdictFree:
		return server + " can bind port " + p + " now, on any address."
	case VerdictReuseAddr:
		return server + " can bind port " + p + " on every address now only if it sets SO_REUSEADDR; without it, bind fails with \"address already in use\"."
	case VerdictReusePort:
		return server + " can bind port " + p + " now only if it sets SO_REUSEPORT and runs as " + userLabel(r.Group.As) +
			", as gosof's bind " + r.Group.did("did", "would") + ": it joins the SO_REUSEPORT group in the way and shares the port with it; without SO_REUSEPORT, bind fails with \"address already in use\"."
	case VerdictSome:
		var ok []string
		for _, a := range r.Attempts {
			if a.OK && !a.ReusePort && !hasString(ok, netip.AddrPortFrom(a.Addr, r.Port).String()) {
				ok = append(ok, netip.AddrPortFrom(a.Addr, r.Port).String())
			}
		}
		return server + " cannot bind port " + p + " on every address now; only " + joinAnd(ok) + " would work." + r.Group.sentence()
	case VerdictBlocked:
		return "No new " + proto + " server can bind port " + p + " now." + r.Group.sentence()
	case VerdictUnknown:
		return server + " cannot bind port " + p + " now without SO_REUSEADDR; whether it can with it is unknown: gosof could not read the options of the sockets in the way."
	case VerdictInconclude:
		return "Every " + proto + " bind failed for reasons other than the port being in use; see above."
	}
	return "Whether port " + p + " could be bound now (" + proto + ") was not tested: " + r.Skipped + "."
}

// inTheWay names the distinct sockets blocking the failed attempts.
func (r *ProbeReport) inTheWay() []*core.Socket {
	var out []*core.Socket
	for _, a := range r.Attempts {
		for _, b := range a.Blockers {
			if !hasSocketPtr(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// ipv6Loopback is ::1 (netip.IPv6Loopback is Go 1.20; the SPARC build's
// library is 1.18).
var ipv6Loopback = netip.AddrFrom16([16]byte{15: 1})

func hasString(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func hasSocketPtr(l []*core.Socket, v *core.Socket) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
