package main

import (
	"io"
	"time"

	"github.com/gosof/gosof/core/release"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func closeCommand() *cli.Command {
	return &cli.Command{
		Name:      "close",
		Usage:     "drop the TCP sockets on PORT, or unix sockets on PATH, without killing the processes that hold them",
		ArgsUsage: "PORT|PATH...",
		Description: `Matches like 'who' (TCP for a PORT, or the protocol it names as udp:53
does, unix for a PATH, unless --proto says otherwise) and drops each socket
while its holder keeps running:
  --graceful, the default method: take a duplicate of the holder's descriptor
      (pidfd_getfd, Linux 5.6, needs root or CAP_SYS_PTRACE) and shut it down:
      the peer gets a FIN, the holder reads EOF. A CLOSE_WAIT socket goes away.
  --abort: the kernel resets the connection (SOCK_DESTROY, as 'ss -K'; needs
      CAP_NET_ADMIN and CONFIG_INET_DIAG_DESTROY); works on sockets no
      process holds too. Both ends see the reset. TCP only: it does not
      apply to unix sockets.
A unix socket shut down stays listed while its holder keeps the descriptor
(it has no state to leave by): its peer reads EOF, and a listener refuses
new connections (ECONNREFUSED). That is all close can do, and counts as done.
LISTEN sockets are left alone unless --listen or --state listen asks for
them: closing a listener silently breaks its server. When a method is not
allowed, the error says which errno and what would help; the other method
is never tried behind your back. With --state or --idle, each TCP
socket's state and idle time are read again as close acts on it: one
that moved since the plan is left alone ("state changed": now CLOSE_WAIT,
not --state established; "active again") and no longer counts as matched;
one reset or ended meanwhile is "already gone".
Exits 0 when every matched socket is gone, 1 when none matched, 3 when
some are still there, 2 on errors.

Examples:
   gosof close 30116 --state close-wait   # drop CLOSE_WAITs, keep the server
   gosof close 8080 --abort --state established --side remote
   gosof close 8080 --listen -n           # the plan for the listener`,
		Flags: append(releaseFlags("2s", "how long to wait for closed sockets to leave the table"),
			&cli.BoolFlag{Name: "graceful", Usage: "shut each socket down (SHUT_RDWR) through a duplicate of the holder's descriptor: what close does unless --abort"},
			&cli.BoolFlag{Name: "abort", Usage: "reset the connections with SOCK_DESTROY instead"},
			outgoingFlag("close"),
			&cli.BoolFlag{Name: "unknown-holder", Usage: "let --abort reset LISTEN sockets whose holder gosof could not see, or is only an unverified creator (Solaris): refused by default, it may be a running server"},
		),
		Action: closeAction,
	}
}

func closeAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.close())
}

func (s *session) close() error {
	c := s.c
	cl, wait, err := s.planClose()
	if err != nil {
		return err
	}
	cl.DryRun = c.Bool("dry-run")
	out, asJSON := output(c), c.Bool("json")
	if done, err := closePlanOnly(out, cl, asJSON, c.Bool("dry-run")); done {
		return err
	}
	if !asJSON {
		if err := release.WriteClosePlan(out, cl.Plan); err != nil {
			return err
		}
	}
	if n := cl.Plan.Sockets(); n > 0 {
		if err := confirm(c, "Close "+core.Plural(n, "socket")+"?"); err != nil {
			return err
		}
	}
	if err := cl.Execute(wait); err != nil {
		return err
	}
	s.sawLeft(cl.Left)
	s.flush() // what could not be seen, before the verdict on the ports
	if err := cl.WriteReport(out, asJSON); err != nil {
		return err
	}
	if cl.Report.Survivors() > 0 {
		return errSurvivors
	}
	return nil
}

// planClose reads close's arguments and flags, opens the backend and plans
// the close (TCP unless --proto says otherwise; outgoing connections spared
// unless --outgoing). wait is --timeout.
func (s *session) planClose() (cl *release.Close, wait time.Duration, err error) {
	c := s.c
	if c.NArg() == 0 {
		return nil, 0, needsTarget("close")
	}
	if c.Bool("graceful") && c.Bool("abort") {
		return nil, 0, core.Usagef("--graceful and --abort are two methods; pick one")
	}
	f, err := s.filter(c.Args().Slice())
	if err != nil {
		return nil, 0, err
	}
	defaultTCP := len(f.Protos) == 0
	if defaultTCP {
		f.Protos = f.TargetProtos() // as watch: udp/53 says udp, a PATH unix
	}
	if wait, err = parseTimeout(c.String("timeout")); err != nil {
		return nil, 0, err
	}
	if err := s.openActor("close"); err != nil {
		return nil, 0, err
	}
	cl, err = release.PlanClose(s.releaser(), f, release.CloseOptions{
		Abort: c.Bool("abort"), AllowListen: namesState(f.States, core.Listen),
		AbortUnknown: c.Bool("unknown-holder")})
	if cl != nil {
		s.saw(cl.Result)
		s.unseenMatters = cl.Result.Unseen.Any() // a holder may have been missed
	}
	if err != nil {
		return nil, 0, err
	}
	if defaultTCP && len(f.Paths) == 0 {
		s.protoSaid = " (close acts on TCP, or on the protocol a PORT names, unless --proto names others)"
	}
	if !c.Bool("outgoing") {
		if err := cl.SpareOutgoing(); err != nil {
			return nil, 0, err
		}
	}
	return cl, wait, nil
}

// closePlanOnly handles the runs that stop at the plan: nothing matched
// (ErrNoMatch), only listeners without --listen (a usage error, which
// says why: ClosePlan.Refusal), or -n (errSurvivors when the plan leaves
// a matched socket alone, as the run would: ClosePlan.LeavesSocket).
// done is false when the close goes ahead.
func closePlanOnly(out io.Writer, cl *release.Close, asJSON, dryRun bool) (done bool, err error) {
	refused := cl.Plan.Refusal()
	switch {
	case len(cl.Result.Sockets) == 0 && len(cl.Result.Undecided) == 0:
		if asJSON || len(cl.Plan.Spared) > 0 {
			if err := cl.WritePlan(out, asJSON); err != nil {
				return true, err
			}
		}
		return true, core.ErrNoMatch
	case refused != nil:
		if err := cl.WritePlan(out, asJSON); err != nil {
			return true, err
		}
		return true, refused
	case dryRun:
		if err := cl.WritePlan(out, asJSON); err != nil {
			return true, err
		}
		if cl.Plan.LeavesSocket() {
			return true, errSurvivors // the run would leave it there too
		}
		return true, nil
	}
	return false, nil
}

// namesState reports whether states (--state, --listen) names st
// explicitly: close takes listeners only when asked to.
func namesState(states []core.State, st core.State) bool {
	for _, s := range states {
		if s == st {
			return true
		}
	}
	return false
}
