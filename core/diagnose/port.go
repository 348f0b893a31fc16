package diagnose

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// PortFilter is what why looks at: every socket whose local port is port,
// in every protocol a server binds.
func PortFilter(port uint16) *core.Filter {
	return &core.Filter{
		Ports:  []core.PortRange{{Lo: port, Hi: port}},
		Side:   core.SideLocal,
		Protos: []core.Proto{core.TCP, core.UDP, core.UDPLite, core.SCTP},
	}
}

// ProbeSource is where why's bind probes come from.
type ProbeSource struct {
	// Open is the probe inside the network namespace with inode netns;
	// it may return nil (the probe is then "not available"). A nil Open
	// means no probe runs, and Skipped says why.
	Open    func(netns uint64) BindProber
	Skipped string
}

// Probes is one probe per protocol on the port (ProbeProtos) for one
// namespace's sockets: a UDP-only port is not "free" because a TCP bind
// works. only is the protocol asked about, "" for every one. Without a
// probe it is one report that says why not.
func Probes(ps ProbeSource, port uint16, g NetNSGroup, only core.Proto) []*ProbeReport {
	if ps.Open == nil {
		return []*ProbeReport{{Port: port, Proto: ProbeProtos(nil, only)[0], Skipped: ps.Skipped, Verdict: VerdictNotProbed}}
	}
	prober := ps.Open(g.NetNS)
	var out []*ProbeReport
	for _, proto := range ProbeProtos(g.Sockets, only) {
		out = append(out, ProbeProto(prober, proto, port, g.Sockets))
	}
	return out
}

// DiagnosePort diagnoses port from what the resolver found (every
// protocol's sockets on it): a port conflict is per network namespace, so
// with perNetNS (--all-netns) it is one diagnosis, and one set of probes
// inside it, per namespace using the port; otherwise one. proto is the
// protocol asked about (why udp/53), "" for every one: the diagnosis is
// of its sockets, and names the others on the port (Why.Elsewhere).
// missing is why some sockets' options are unknown.
func DiagnosePort(port uint16, proto core.Proto, res *core.Result, missing core.OptionsMissing, perNetNS, namedNetNS bool, ps ProbeSource) []*Why {
	var ds []*Why
	for _, g := range ByNetNS(res.Sockets, perNetNS) {
		var elsewhere []core.Socket
		if proto != "" {
			var asked []core.Socket
			for _, s := range g.Sockets {
				if s.Proto == proto {
					asked = append(asked, s)
				} else {
					elsewhere = append(elsewhere, s)
				}
			}
			g.Sockets = asked
		}
		probes := Probes(ps, port, g, proto)
		d := Diagnose(port, g.Sockets, probes[0])
		d.Probes = probes
		d.Proto, d.Elsewhere = proto, elsewhere
		d.Unseen, d.Missing = res.Unseen, missing
		if namedNetNS {
			switch {
			case len(g.Sockets) > 0:
				d.NetNSArg = NetNSArg(&g.Sockets[0])
			case len(elsewhere) > 0:
				d.NetNSArg = NetNSArg(&elsewhere[0])
			}
		}
		ds = append(ds, d)
	}
	return ds
}

// NetNSArg is how a pasted command names s's namespace with --netns: its
// name under /run/netns when that is a plain word, else its inode, which
// --netns takes too.
func NetNSArg(s *core.Socket) string {
	if n := s.NetNSName(); n != "" && strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == "" {
		return n
	}
	return strconv.FormatUint(s.NetNS, 10)
}

// AnyInUse reports whether the port is in use in any of ds.
func AnyInUse(ds []*Why) bool {
	for _, d := range ds {
		if d.InUse() {
			return true
		}
	}
	return false
}

// NetNSGroup is the sockets of one network namespace.
type NetNSGroup struct {
	NetNS   uint64
	Sockets []core.Socket
}

// ByNetNS splits sockets by namespace when split is set (--all-netns),
// keeping the order sockets come in (gosof's own namespace first); with
// nothing to split it is one group, possibly empty (a free port).
func ByNetNS(socks []core.Socket, split bool) []NetNSGroup {
	if !split || len(socks) == 0 {
		var ns uint64
		if len(socks) > 0 {
			ns = socks[0].NetNS
		}
		return []NetNSGroup{{NetNS: ns, Sockets: socks}}
	}
	var groups []NetNSGroup
	for _, s := range socks {
		i := -1
		for j := range groups {
			if groups[j].NetNS == s.NetNS {
				i = j
				break
			}
		}
		if i < 0 {
			groups = append(groups, NetNSGroup{NetNS: s.NetNS})
			i = len(groups) - 1
		}
		groups[i].Sockets = append(groups[i].Sockets, s)
	}
	return groups
}

// WriteWhys prints the diagnoses: one text or JSON object, or (perNetNS,
// --all-netns) one headed text per namespace or a JSON array. socks are
// all the sockets resolved, which name the namespaces in the headings.
func WriteWhys(w io.Writer, ds []*Why, socks []core.Socket, perNetNS, asJSON bool) error {
	switch {
	case asJSON && perNetNS:
		return writeWhysJSON(w, ds)
	case asJSON:
		return WriteWhyJSON(w, ds[0])
	}
	for i, d := range ds {
		if perNetNS {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Network namespace %s\n", netNSLabel(d, socks))
		}
		if err := WriteWhy(w, d); err != nil {
			return err
		}
	}
	return nil
}

// nsSocket is a socket of the namespace d diagnoses, which names it (its
// inode, name, container): one of d's own, else one of another protocol
// on the port (why tcp:53 in a namespace where only UDP uses it); nil
// when there is none.
func (d *Why) nsSocket() *core.Socket {
	switch {
	case len(d.Sockets) > 0:
		return &d.Sockets[0]
	case len(d.Elsewhere) > 0:
		return &d.Elsewhere[0]
	}
	return nil
}

// netNSLabel names the namespace of a diagnosis for its heading.
func netNSLabel(d *Why, socks []core.Socket) string {
	mine := d.nsSocket()
	for i := range socks {
		if mine != nil && socks[i].NetNS == mine.NetNS {
			s := &socks[i]
			ino := strconv.FormatUint(s.NetNS, 10)
			if l := core.NetNSLabel(s); l != ino {
				return ino + " (" + l + ")"
			}
			return ino // no name, no container: "4026531840 (4026531840)" said it twice
		}
	}
	return "(this one)"
}

// StillBound is the check close runs on each listener it shut down: does
// it still hold its port, and against which new servers? Two binds of its
// address, without and with SO_REUSEADDR (never listening, closed at
// once, in the listener's namespace), judged as why judges its probe
// (verdict): VerdictFree, the port is not bound any more;
// VerdictReuseAddr, it stays bound (in CLOSE, while its holder keeps the
// descriptor) but a server that sets SO_REUSEADDR binds, as the shut-down
// socket set it too; VerdictBlocked, no new server binds it;
// VerdictNotProbed or VerdictInconclude when that cannot be told. nil
// when nothing can be probed.
func StillBound(prober func(netns uint64) BindProber) func(s *core.Socket) Verdict {
	if prober == nil {
		return nil
	}
	return func(s *core.Socket) Verdict {
		p := prober(s.NetNS)
		if p == nil {
			return VerdictNotProbed
		}
		addr := s.Local.Addr
		if s.Family == core.Inet {
			addr = addr.Unmap()
		}
		atts, err := binds(p, s.Proto, []netip.Addr{addr}, s.Local.Port, []core.Socket{*s}, BindOpts{}, BindOpts{ReuseAddr: true})
		if err != nil {
			return VerdictNotProbed
		}
		return verdict(atts, func(a netip.Addr) bool { return a == addr })
	}
}
