package main

import (
	"fmt"
	"io"

	"github.com/gosof/gosof/core/release"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func killCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "signal the processes holding PORT: TERM, then KILL if they do not exit",
		ArgsUsage: "PORT...",
		Description: `Matches like 'who': sockets whose LOCAL port is PORT, any state, so the
server is killed and not its clients (--side any or remote for those).
Prints the plan (each process and the sockets that matched it), asks once
when stdin is a terminal, sends TERM, waits up to --timeout for every
process to exit, sends KILL to those still running, and says what became
of each and what is left on the port. PID 1, gosof and every ancestor
of gosof (its parent, their parents, up to PID 1) are never signalled.
On Linux every process is held by a pidfd from before asking, so a PID
recycled meanwhile is never hit.
Exits 0 when every matched process is gone, 1 when none matched, 3 when
some survived (or were not signalled), 2 on errors.

Examples:
   gosof kill 30116                # TERM, KILL after 5s
   gosof kill 8080 -n              # show the plan only
   gosof kill 8080 -s HUP --no-escalate
   gosof kill 5432 --side remote   # the clients of a server, not the server`,
		Flags: append(releaseFlags("5s", "how long to wait for the processes to exit before KILL"),
			&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "TERM", Usage: "first signal (`SIG`), by name or number: TERM, INT, HUP, KILL, 9..."},
			&cli.BoolFlag{Name: "no-escalate", Usage: "never send KILL; report processes still running after --timeout"},
			outgoingFlag("kill the holders of"),
		),
		Action: killAction,
	}
}

func killAction(c *cli.Context) error {
	k, err := planKill(c)
	if err != nil {
		return err
	}
	k.DryRun = c.Bool("dry-run")
	defer reportUnseen(c.App.ErrWriter, k.Result.Unseen)
	out, asJSON := c.App.Writer, c.Bool("json")
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
		if err := confirm(c, fmt.Sprintf("Send %s to %d process(es)?", core.SignalName(k.Plan.Signal), n)); err != nil {
			return err
		}
	}
	intr := catchInterrupts()
	k.Plan.Interrupt = intr.done
	err = k.Execute()
	intr.stop()
	if err != nil {
		return err
	}
	if err := k.WriteReport(out, asJSON); err != nil {
		return err
	}
	if err := intr.err(); err != nil {
		return err
	}
	if k.Unfinished() {
		return errSurvivors
	}
	return nil
}

// planKill reads kill's arguments and flags, opens the backend and plans
// the kill: the holders of the ports, outgoing connections spared unless
// --outgoing.
func planKill(c *cli.Context) (*release.Kill, error) {
	if c.NArg() == 0 {
		return nil, core.Usagef("kill needs a PORT (a number, a range like 8000-8080, or a service name)")
	}
	f, err := buildFilter(c, c.Args().Slice())
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
	b, err := openActor(c, "kill")
	if err != nil {
		return nil, err
	}
	k, err := release.PlanKill(b.releaser(), f, sig, timeout, c.Bool("no-escalate"))
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
// how kill ends: ErrNoMatch when nothing matched, errSurvivors when a
// holder gosof could not see is still there.
func writeKillPlan(out io.Writer, k *release.Kill, asJSON bool) error {
	err := k.WritePlan(out, asJSON)
	switch {
	case err != nil:
	case len(k.Plan.Unknown) > 0:
		err = errSurvivors // a holder gosof could not see is still there
	case len(k.Plan.Items) == 0:
		err = core.ErrNoMatch
	}
	return err
}
