package main

import (
	"fmt"

	"github.com/gosof/gosof/core/diagnose"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// whyOptionsLimit bounds how many sockets' options why reads (one
// pidfd_getfd and a few getsockopt each): enough for any port a person
// reads about, cheap on a port with a hundred thousand connections.
const whyOptionsLimit = 4096

func whyCommand() *cli.Command {
	return &cli.Command{
		Name:      "why",
		Usage:     "explain what holds PORT, what its states mean, and whether a server could bind it now",
		ArgsUsage: "PORT",
		Description: `Explains one port in plain words: who listens on it (process, user, bound
address, SO_REUSEADDR/SO_REUSEPORT), its connections by state and process,
what CLOSE_WAIT, TIME_WAIT and orphaned FIN_WAIT2 sockets mean and how to
get rid of them, warnings (SO_LINGER {1,0}, unread Recv-Q, a full accept
queue), and a bind probe: gosof binds the port itself (with TCP, and with
UDP too when UDP sockets use the port; 0.0.0.0, 127.0.0.1, :: and ::1;
without and with SO_REUSEADDR; never listening, closed at once) and says,
per protocol, whether a new server could start now, and if not, which
socket is in the way. Exits 0 when the port is in use, 1 when free.

Examples:
   gosof why 8080
   gosof why 8080 --no-probe
   gosof why https --json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print the diagnosis as a JSON object (see docs/why.md)"},
			&cli.BoolFlag{Name: "no-probe", Usage: "do not try to bind the port"},
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			netnsFlag(),
			allNetnsFlag(),
			&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture `DIR` instead of this host (no probe)", TakesFile: true},
		},
		Action: whyAction,
	}
}

func whyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return core.Usagef("why needs exactly one PORT (a number or a service name)")
	}
	pr, err := onePort(c.Args().First())
	if err != nil {
		return err
	}
	port := pr.Lo
	opt := backendFromFlags(c)
	b, err := openBackend(opt)
	if err != nil {
		return err
	}
	f := &core.Filter{
		Ports:  []core.PortRange{{Lo: port, Hi: port}},
		Side:   core.SideLocal,
		Protos: []core.Proto{core.TCP, core.UDP, core.UDPLite, core.SCTP},
	}
	if pr.Proto != "" {
		f.Protos = []core.Proto{pr.Proto} // why udp/53: that protocol only
	}
	res, err := b.resolver().Resolve(f)
	if err != nil {
		return err
	}
	missing := core.AttachOptions(b.options, res.Sockets, whyOptionsLimit)
	// A port conflict is per network namespace: with --all-netns, one
	// diagnosis (and one probe, inside it) per namespace using the port.
	var ds []*diagnose.Why
	for _, g := range byNetNS(res.Sockets, opt.allNetns) {
		probes := whyProbes(c, b, pr, g)
		d := diagnose.Diagnose(port, g.socks, probes[0])
		d.Probes = probes
		d.Unseen, d.Missing = res.Unseen, missing
		ds = append(ds, d)
	}
	if err := writeWhys(c, ds, res.Sockets, opt.allNetns); err != nil {
		return err
	}
	reportUnseen(c.App.ErrWriter, res.Unseen)
	if s := missing.String(); s != "" && len(res.Sockets) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "gosof: %s\n", s)
	}
	for _, d := range ds {
		if d.InUse() {
			return nil
		}
	}
	return core.ErrNoMatch
}

// whyProbe runs the bind probe for one namespace's sockets, or says why not.
func whyProbe(c *cli.Context, b *backend, port uint16, g nsGroup) *diagnose.ProbeReport {
	switch {
	case c.Bool("no-probe"):
		return &diagnose.ProbeReport{Port: port, Skipped: "--no-probe was given", Verdict: diagnose.VerdictNotProbed}
	case b.prober == nil:
		return &diagnose.ProbeReport{Port: port, Skipped: b.probeSkipped, Verdict: diagnose.VerdictNotProbed}
	}
	return diagnose.Probe(b.prober(g.netns), port, g.socks)
}

// whyProbes is one probe per protocol on the port (diagnose.ProbeProtos):
// a UDP-only port is not "free" because a TCP bind works. A port spelled
// with its protocol (udp/53, tcp:8080) is probed in that protocol only.
func whyProbes(c *cli.Context, b *backend, pr core.PortRange, g nsGroup) []*diagnose.ProbeReport {
	port := pr.Lo
	if c.Bool("no-probe") || b.prober == nil {
		r := whyProbe(c, b, port, g)
		r.Proto = core.TCP
		if pr.Proto != "" {
			r.Proto = pr.Proto
		}
		return []*diagnose.ProbeReport{r}
	}
	prober := b.prober(g.netns)
	protos := diagnose.ProbeProtos(g.socks)
	if pr.Proto == core.TCP || pr.Proto == core.UDP {
		protos = []core.Proto{pr.Proto}
	}
	var out []*diagnose.ProbeReport
	for _, proto := range protos {
		out = append(out, diagnose.ProbeProto(prober, proto, port, g.socks))
	}
	return out
}

// writeWhys prints the diagnoses: one text or JSON object, or (--all-netns)
// one headed text per namespace or a JSON array.
func writeWhys(c *cli.Context, ds []*diagnose.Why, socks []core.Socket, perNetNS bool) error {
	w := c.App.Writer
	switch {
	case c.Bool("json") && perNetNS:
		js := make([]any, len(ds))
		for i, d := range ds {
			js[i] = diagnose.ToJSONWhy(d)
		}
		return core.EncodeJSON(w, js)
	case c.Bool("json"):
		return diagnose.WriteWhyJSON(w, ds[0])
	}
	for i, d := range ds {
		if perNetNS {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Network namespace %s\n", nsLabel(d, socks))
		}
		if err := diagnose.WriteWhy(w, d); err != nil {
			return err
		}
	}
	return nil
}

// onePort reads a PORT argument that must name exactly one port.
func onePort(arg string) (core.PortRange, error) {
	var services core.Services
	if core.PortNeedsServices(arg) {
		services = readServices()
	}
	rs, err := core.ParsePort(arg, services)
	if err != nil {
		return core.PortRange{}, err
	}
	if len(rs) != 1 || rs[0].Lo != rs[0].Hi {
		return core.PortRange{}, core.Usagef("why explains one port; %q names %s", arg, describeRanges(rs))
	}
	return rs[0], nil
}

func describeRanges(rs []core.PortRange) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += r.String()
	}
	return s
}

// nsGroup is the sockets of one network namespace.
type nsGroup struct {
	netns uint64
	socks []core.Socket
}

// byNetNS splits sockets by namespace when split is set (--all-netns),
// keeping the order sockets come in (gosof's own namespace first); with
// nothing to split it is one group, possibly empty (a free port).
func byNetNS(socks []core.Socket, split bool) []nsGroup {
	if !split || len(socks) == 0 {
		var ns uint64
		if len(socks) > 0 {
			ns = socks[0].NetNS
		}
		return []nsGroup{{netns: ns, socks: socks}}
	}
	var groups []nsGroup
	for _, s := range socks {
		i := -1
		for j := range groups {
			if groups[j].netns == s.NetNS {
				i = j
				break
			}
		}
		if i < 0 {
			groups = append(groups, nsGroup{netns: s.NetNS})
			i = len(groups) - 1
		}
		groups[i].socks = append(groups[i].socks, s)
	}
	return groups
}

// nsLabel names the namespace of a diagnosis for its heading.
func nsLabel(d *diagnose.Why, socks []core.Socket) string {
	for i := range socks {
		if len(d.Sockets) > 0 && socks[i].NetNS == d.Sockets[0].NetNS {
			s := &socks[i]
			return fmt.Sprintf("%d (%s)", s.NetNS, core.NetNSLabel(s))
		}
	}
	return "(this one)"
}
