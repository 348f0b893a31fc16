package main

import (
	"fmt"

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
of each and what is left on the port. PID 1, gosof and its parent are
never signalled. On Linux every process is held by a pidfd from before
asking, so a PID recycled meanwhile is never hit.
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
		),
		Action: killAction,
	}
}

func killAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return core.Usagef("kill needs a PORT (a number, a range like 8000-8080, or a service name)")
	}
	f, err := buildFilter(c, c.Args().Slice())
	if err != nil {
		return err
	}
	sig, err := core.ParseSignal(c.String("signal"))
	if err != nil {
		return err
	}
	timeout, err := parseTimeout(c.String("timeout"))
	if err != nil {
		return err
	}
	b, err := openActor(c, "kill")
	if err != nil {
		return err
	}
	r := b.resolver()
	res, err := r.Resolve(f)
	if err != nil {
		return err
	}
	plan := core.NewKillPlan(res, core.DefaultProtected())
	plan.Signal, plan.Timeout, plan.NoEscalate = sig, timeout, c.Bool("no-escalate")
	out, asJSON := c.App.Writer, c.Bool("json")
	defer reportUnseen(c.App.ErrWriter, res.Unseen)

	if c.Bool("dry-run") || len(plan.Items) == 0 {
		if asJSON {
			err = core.WriteKillJSON(out, plan, nil, nil)
		} else if len(res.Sockets) > 0 {
			err = core.WriteKillPlan(out, plan)
		}
		if err != nil {
			return err
		}
		if len(plan.Items) == 0 {
			return core.ErrNoMatch
		}
		return nil
	}
	// Pin before asking: whatever the user confirms is what gets signalled.
	plan.Pin(b.signaller)
	defer plan.Close()
	if !asJSON {
		if err := core.WriteKillPlan(out, plan); err != nil {
			return err
		}
	}
	if plan.Processes() > 0 {
		ok, err := confirm(c, fmt.Sprintf("Send %s to %d process(es)?", core.SignalName(sig), plan.Processes()))
		if err != nil {
			return err
		}
		if !ok {
			return declined(c)
		}
	}
	reuse := listenerReuseAddr(backendFromFlags(c), res.Sockets)
	report := plan.Execute()
	left, err := core.Look(r, f, nil, 0)
	if err != nil {
		return err
	}
	left.ReuseAddr = reuse
	if asJSON {
		err = core.WriteKillJSON(out, plan, report, left)
	} else {
		err = core.WriteKillReport(out, plan, report, left)
	}
	if err != nil {
		return err
	}
	if report.Survivors() > 0 {
		return errSurvivors
	}
	return nil
}
