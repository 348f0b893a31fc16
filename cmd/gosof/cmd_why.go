package main

import (
	"fmt"
	"strings"

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
		Usage:     "explain what holds PORT or unix socket PATH, what its states mean, and whether a server could bind it now",
		ArgsUsage: "PORT|PATH",
		Description: `Explains one port in plain words: who listens on it (process, user, bound
address, SO_REUSEADDR/SO_REUSEPORT), its connections by state and process,
what CLOSE_WAIT, TIME_WAIT and orphaned FIN_WAIT2 sockets mean and how to
get rid of them, warnings (SO_LINGER {1,0}, unread Recv-Q, a full accept
queue), and a bind probe: gosof binds the port itself (with TCP, and with
UDP, UDP-Lite or SCTP too when such sockets use the port; 0.0.0.0, 127.0.0.1, :: and ::1;
without and with SO_REUSEADDR, and with SO_REUSEPORT where that may join
the sockets in the way; never listening, closed at once; beside a UDP
socket a bind with an option would take its datagrams: it is told from that
socket's options, not made) and says, per
protocol, whether a new server could start now, and if not, which socket
is in the way, and whether a server of which user could join their
SO_REUSEPORT group. Exits 0 when the port is in use, 1 when free.

With a PATH (a unix socket's name: /run/app.sock, @name), why says what
the file is (a socket node, another kind of file, none), which socket is
bound to it and who holds it, its connections and the processes at their
other ends, the clients waiting in its accept queue, and what a client's
connect() and a new server's bind() get now. A socket file no socket is
bound to is stale: safe to remove (unless a server in another network
namespace holds it: -A reads them all). For a PATH nothing is bound (a
bind would make the file): the answer comes from the file and the socket
table. Exits 0 when a socket is bound under the name, 1 otherwise.

Examples:
   gosof why 8080
   gosof why 8080 --no-probe
   gosof why https --json
   gosof why /run/app.sock          # live, stale, or no file at all?`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print the diagnosis as a JSON object (see docs/why.md)"},
			&cli.BoolFlag{Name: "no-probe", Usage: "do not try to bind the port"},
			wideFlag(),
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			quietFlag(),
			procFDFlag(),
			netnsFlag(),
			allNetnsFlag(),
			replayFlag(" (no probe)"),
		},
		Action: whyAction,
	}
}

func whyAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.why())
}

// whyOnePort is what why says of a PORT that names more than one.
const whyOnePort = "why explains one port"

func (s *session) why() error {
	c := s.c
	if c.NArg() != 1 {
		return core.Usagef("why needs exactly one PORT (a number or a service name) or PATH (a unix socket's name)")
	}
	arg := c.Args().First()
	tf, err := core.ParseFilter(core.FilterFlags{Ports: []string{arg}, OnePort: whyOnePort})
	if err != nil {
		return err
	}
	if len(tf.Paths) == 1 {
		return s.whyPath(tf.Paths[0])
	}
	pr, _ := core.OnePort(tf.Ports) // ParseFilter refused every other (OnePort)
	if pr.Addr.IsValid() {
		return core.Usagef("why explains a whole port, every address of it: give %d, not %q", pr.Lo, arg)
	}
	port := pr.Lo
	if err := s.open(); err != nil {
		return err
	}
	// every protocol's sockets, also for why udp/53: the diagnosis is of
	// UDP's, and names the others (diagnose.DiagnosePort)
	f := diagnose.PortFilter(port)
	f.Idle = true                                          // a leak or a burst: how long the CLOSE_WAITs have been idle
	res, err := s.resolver(c.Bool("json")).ResolvePeers(f) // the peers of CLOSE_WAIT connections
	s.saw(res)
	if err != nil {
		return err
	}
	s.unseenMatters = unknownHolders(res)
	missing := core.AttachOptions(s.b.Options, res.Sockets, whyOptionsLimit)
	if len(res.Sockets) > 0 {
		s.missing = missing
	}
	ds := diagnose.DiagnosePort(port, pr.Proto, res, missing, s.opt.AllNetNS, s.namedNetNS(), whyProbes(c, s.b))
	if s.b.ProcNetRead != nil && s.b.ProcNetRead() { // --proc-net, or netlink refused
		for _, d := range ds {
			d.Unlistable = procNetUnlistable
		}
	}
	if !diagnose.AnyInUse(ds) {
		// "free" only where every protocol it judges was read; one the
		// source never lists (why sctp:P on Solaris) only where a probe
		// bound it: the listing cannot tell, as for who (Blind)
		if !probed(ds) {
			if err := s.blind(tf); err != nil {
				return err
			}
		}
		judged := *f
		if pr.Proto != "" {
			judged.Protos = []core.Proto{pr.Proto}
		}
		if err := s.unread(&judged, fmt.Sprintf("whether port %d is free", port)); err != nil {
			return err
		}
	}
	if err := diagnose.WriteWhys(output(c), ds, res.Sockets, s.opt.AllNetNS, c.Bool("json")); err != nil {
		return err
	}
	if !diagnose.AnyInUse(ds) {
		return core.ErrNoMatch
	}
	return nil
}

// probed reports whether a bind probe of ds bound or was refused the
// port: the kernel answered, not the listing alone.
func probed(ds []*diagnose.Why) bool {
	for _, d := range ds {
		for _, r := range d.Probes {
			if r.Skipped == "" && r.Verdict != diagnose.VerdictNotProbed && r.Verdict != diagnose.VerdictInconclude {
				return true
			}
		}
	}
	return false
}

// whyProbes is where why's bind probes come from: the backend's prober,
// none with --no-probe.
func whyProbes(c *cli.Context, b *platform.Backend) diagnose.ProbeSource {
	if c.Bool("no-probe") {
		return diagnose.ProbeSource{Skipped: "--no-probe was given"}
	}
	return diagnose.ProbeSource{Open: b.Prober, Skipped: b.ProbeSkipped}
}

// whyPath explains one unix socket name: its file, the sockets bound
// under it or to it, and who is connected (diagnose.DiagnosePath).
func (s *session) whyPath(t *core.PathTarget) error {
	c := s.c
	if t.Prefix {
		return core.Usagef("why explains one socket name; %q names every one under it: 'gosof who --side any %s' lists them", t.Name, t.Name)
	}
	if err := s.open(); err != nil {
		return err
	}
	// a source without unix sockets cannot tell stale from live, and the
	// file on this host says nothing of a capture's
	if err := s.blind(diagnose.PathFilter(t)); err != nil {
		return err
	}
	file := core.StatPath(t.Name)
	res, err := s.b.Resolver().ResolvePeers(diagnose.PathFilter(t))
	s.saw(res)
	if err != nil {
		return err
	}
	s.unseenMatters = unknownHolders(res)
	d := diagnose.DiagnosePath(t, file, res, s.b.UnixFiles != nil && s.b.UnixFiles(), s.opt.AllNetNS)
	if d.Verdict == diagnose.PathStale && !d.FilesKnown {
		// judged by names alone: a server bound by a relative path or a
		// symlink is under another name, so "stale" would be a guess
		src, drop := s.procNetSrc()
		return fmt.Errorf("cannot tell whether %s is in use: %s does not tell which file a socket is bound to, "+
			"and no socket is bound under its name (a server bound by a relative path or through a symlink would not be seen)%s", t.Name, src, drop)
	}
	if !d.InUse() {
		// "stale, safe to remove" only where every namespace asked for
		// was read (-A): a server in one gosof skipped may be bound to it
		if err := s.unread(diagnose.PathFilter(t), "whether "+t.Name+" is in use"); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		err = diagnose.WritePathWhyJSON(c.App.Writer, d)
	} else {
		err = diagnose.WritePathWhy(c.App.Writer, d)
	}
	if err != nil {
		return err
	}
	if !d.InUse() {
		return core.ErrNoMatch
	}
	return nil
}

// protoNames names protocols as the notes do: "TCP", "TCP or UDP".
func protoNames(ps []core.Proto) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name())
	}
	return strings.Join(names, " or ")
}
