package main

import (
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/platform"

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
			quietFlag(),
			procFDFlag(),
			netnsFlag(),
			allNetnsFlag(),
			&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture DIR instead of this host (no probe)", TakesFile: true},
		},
		Action: whyAction,
	}
}

func whyAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.why())
}

func (s *session) why() error {
	c := s.c
	if c.NArg() != 1 {
		return core.Usagef("why needs exactly one PORT (a number or a service name)")
	}
	pr, err := onePort(c.Args().First())
	if err != nil {
		return err
	}
	port := pr.Lo
	if err := s.open(); err != nil {
		return err
	}
	f := diagnose.PortFilter(port)
	f.Idle = true // a leak or a burst: how long the CLOSE_WAITs have been idle
	if pr.Proto != "" {
		f.Protos = []core.Proto{pr.Proto} // why udp/53: that protocol only
	}
	res, err := s.b.Resolver().ResolvePeers(f) // the peers of CLOSE_WAIT connections
	s.saw(res)
	if err != nil {
		return err
	}
	s.unseenMatters = unknownHolders(res)
	missing := core.AttachOptions(s.b.Options, res.Sockets, whyOptionsLimit)
	if len(res.Sockets) > 0 {
		s.missing = missing
	}
	ds := diagnose.DiagnosePort(port, res, missing, s.opt.AllNetNS, whyProbes(c, s.b))
	if err := diagnose.WriteWhys(c.App.Writer, ds, res.Sockets, s.opt.AllNetNS, c.Bool("json")); err != nil {
		return err
	}
	if !diagnose.AnyInUse(ds) {
		return core.ErrNoMatch
	}
	return nil
}

// whyProbes is where why's bind probes come from: the backend's prober,
// none with --no-probe.
func whyProbes(c *cli.Context, b *platform.Backend) diagnose.ProbeSource {
	if c.Bool("no-probe") {
		return diagnose.ProbeSource{Skipped: "--no-probe was given"}
	}
	return diagnose.ProbeSource{Open: b.Prober, Skipped: b.ProbeSkipped}
}

// onePort reads a PORT argument that must name exactly one port.
func onePort(arg string) (core.PortRange, error) {
	f, err := core.ParseFilter(core.FilterFlags{Ports: []string{arg}})
	if err != nil {
		return core.PortRange{}, err
	}
	rs := f.Ports
	one, ok := core.OnePort(rs)
	if !ok {
		return core.PortRange{}, core.Usagef("why explains one port; %q names %s", arg, describeRanges(rs))
	}
	if one.Addr.IsValid() {
		return core.PortRange{}, core.Usagef("why explains a whole port, every address of it: give %d, not %q", one.Lo, arg)
	}
	return one, nil
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
