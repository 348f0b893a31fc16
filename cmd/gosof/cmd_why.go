package main

import (
	"fmt"

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
queue), and a bind probe: gosof binds the port itself (TCP; 0.0.0.0,
127.0.0.1, :: and ::1; without and with SO_REUSEADDR; never listening,
closed at once) and says whether a new server could start now, and if not,
which socket is in the way. Exits 0 when the port is in use, 1 when free.

Examples:
   gosof why 8080
   gosof why 8080 --no-probe
   gosof why https --json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print the diagnosis as a JSON object (see docs/why.md)"},
			&cli.BoolFlag{Name: "no-probe", Usage: "do not try to bind the port"},
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture DIR instead of this host (no probe)", TakesFile: true},
		},
		Action: whyAction,
	}
}

func whyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return core.Usagef("why needs exactly one PORT (a number or a service name)")
	}
	port, err := onePort(c.Args().First())
	if err != nil {
		return err
	}
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
	res, err := b.resolver().Resolve(f)
	if err != nil {
		return err
	}
	missing := core.AttachOptions(optionReader(opt), res.Sockets, whyOptionsLimit)
	var probe *core.ProbeReport
	switch {
	case c.Bool("no-probe"):
		probe = &core.ProbeReport{Port: port, Skipped: "--no-probe was given", Verdict: core.VerdictNotProbed}
	case opt.replay != "":
		probe = &core.ProbeReport{Port: port, Skipped: "a --replay capture is not this host", Verdict: core.VerdictNotProbed}
	default:
		probe = core.Probe(bindProber(opt), port, res.Sockets)
	}
	d := core.Diagnose(port, res.Sockets, probe)
	d.Unseen, d.Missing = res.Unseen, missing
	if c.Bool("json") {
		err = core.WriteWhyJSON(c.App.Writer, d)
	} else {
		err = core.WriteWhy(c.App.Writer, d)
	}
	if err != nil {
		return err
	}
	reportUnseen(c.App.ErrWriter, res.Unseen)
	if s := missing.String(); s != "" && len(res.Sockets) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "gosof: %s\n", s)
	}
	if !d.InUse() {
		return core.ErrNoMatch
	}
	return nil
}

// onePort reads a PORT argument that must name exactly one port.
func onePort(arg string) (uint16, error) {
	var services core.Services
	if arg != "" && (arg[0] < '0' || arg[0] > '9') {
		services = readServices()
	}
	rs, err := core.ParsePort(arg, services)
	if err != nil {
		return 0, err
	}
	if len(rs) != 1 || rs[0].Lo != rs[0].Hi {
		return 0, core.Usagef("why explains one port; %q names %s", arg, describeRanges(rs))
	}
	return rs[0].Lo, nil
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
