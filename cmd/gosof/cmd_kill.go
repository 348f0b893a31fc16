package main

import (
	"io"

	"github.com/gosof/gosof/core/release"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func killCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "signal the processes holding PORT or PATH: TERM, then KILL if they do not exit",
		ArgsUsage: "PORT|PATH...",
		Description: `Matches like 'who': sockets whose LOCAL port is PORT, any state, so the
server is killed and not its clients (--side any or remote for those);
a PATH (a unix socket's name) matches as in 'who'.
Prints the plan (each process and the sockets that matched it), asks once
when stdin is a terminal, sends TERM, waits up to --timeout for every
process to exit, sends KILL to those still running (after TERM or INT
only: another -s, such as HUP or USR1, is sent alone, as kill(1) sends
it), and says what became
of each and what is left on the port (for a PATH, whether the name is free
and whether its socket file was left behind). PID 1, gosof and every ancestor
of gosof (its parent, their parents, up to PID 1) are never signalled.
Every process is pinned (Linux: a pidfd; Solaris: its /proc psinfo held
open) from before asking, and before every signal gosof proves that it
still holds a matched socket: a recycled PID, or a process that let go of
the port, is never signalled ("no longer holds it"). --idle picks the
processes when the plan is made; their sockets' idle times are not read
again (close --idle reads each one's as it acts).
Exits 0 when every matched process is gone, 1 when none matched, 3 when
some survived (or were not signalled), 2 on errors.

Examples:
   gosof kill 30116                # TERM, KILL after 5s
   gosof kill 8080 -n              # show the plan only
   gosof kill 8080 -s HUP          # HUP alone: no KILL follows it
   gosof kill 5432 --side remote   # the clients of a server, not the server`,
		Flags: append(releaseFlags("5s", "how long to wait for the processes to exit before KILL"),
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "TERM", Usage: "first signal (`SIG`), by name or number: TERM, INT, HUP, KILL, 9..."},
			&cli.BoolFlag{Name: "no-escalate", Usage: "never send KILL, also after TERM; report processes still running after --timeout"},
			outgoingFlag("kill the holders of"),
		),
		Action: killAction,
	}
}

func killAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.kill())
}

func (s *session) kill() error {
	c := s.c
	k, err := s.planKill()
	if err != nil {
		return err
	}
	k.DryRun = c.Bool("dry-run")
	out, asJSON := output(c), c.Bool("json")
	if c.Bool("dry-run") || len(k.Plan.Items) == 0 {
		return writeKillPlan(out, k, asJSON)
	}
	k.Pin()
	defer k.Close()
	if !asJSON {
		if err := release.WriteKillPlan(out, k.Plan); err != nil {
			return err
		}
	}
	if n := k.Plan.Processes(); n > 0 {
		if err := confirm(c, "Send "+core.SignalName(k.Plan.Signal)+" to "+core.Plural(n, "process")+"?"); err != nil {
			return err
		}
	}
	// INT, TERM and HUP stop the waits from here until the report is
	// printed; one that came after every wait was over changes nothing.
	intr := catchInterrupts()
	defer intr.stop()
	k.Plan.Interrupt = intr.done
	if err := k.Execute(); err != nil {
		return err
	}
	s.sawLeft(k.Left)
	s.flush() // what could not be seen, before the verdict on the port
	if err := k.WriteReport(out, asJSON); err != nil {
		return err
	}
	return killEnd(k, intr)
}

// killEnd is how a kill that ran ends: 128+N when a signal to gosof cut a
// wait short (the report says "interrupted"), not when one came after
// every wait was over; errSurvivors when something matched is still there.
func killEnd(k *release.Kill, intr *interrupter) error {
	if k.Interrupted() {
		return intr.err()
	}
	if k.Unfinished() {
		return errSurvivors
	}
	return nil
}

// planKill reads kill's arguments and flags, opens the backend and plans
// the kill: the holders of the ports, outgoing connections spared unless
// --outgoing.
func (s *session) planKill() (*release.Kill, error) {
	c := s.c
	if c.NArg() == 0 {
		return nil, needsTarget("kill")
	}
	f, err := s.filter(c.Args().Slice())
	if err != nil {
		return nil, err
	}
	sig, err := core.ParseSignal(c.String("signal"))
	if err != nil {
		return nil, err
	}
	timeout, err := parseTimeout(c.String("timeout"))
	if err != nil {
		return nil, err
	}
	if err := s.openActor("kill"); err != nil {
		return nil, err
	}
	k, err := release.PlanKill(s.releaser(), f, sig, timeout, c.Bool("no-escalate"))
	if k != nil {
		s.saw(k.Result)
		s.unseenMatters = k.Result.Unseen.Any() // a holder may have been missed
	}
	if err != nil {
		return nil, err
	}
	if !c.Bool("outgoing") {
		if err := k.SpareOutgoing(); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// writeKillPlan prints the plan alone (-n, or nothing to signal) and says
// how kill ends, as the run would: ErrNoMatch when nothing matched,
// errSurvivors when the plan leaves a holder there (one kill never
// signals, or one gosof could not see: KillPlan.LeavesHolder).
func writeKillPlan(out io.Writer, k *release.Kill, asJSON bool) error {
	err := k.WritePlan(out, asJSON)
	switch {
	case err != nil:
	case k.Plan.LeavesHolder():
		err = errSurvivors // the run would leave it there too
	case len(k.Plan.Items) == 0:
		err = core.ErrNoMatch
	}
	return err
}
