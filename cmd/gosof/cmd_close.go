package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func closeCommand() *cli.Command {
	return &cli.Command{
		Name:      "close",
		Usage:     "drop the TCP sockets on PORT without killing the processes that hold them",
		ArgsUsage: "PORT...",
		Description: `Matches like 'who' (TCP only unless --proto says otherwise) and drops each
socket while its holder keeps running:
  --graceful, the default method: take a duplicate of the holder's descriptor
      (pidfd_getfd, Linux 5.6, needs root or CAP_SYS_PTRACE) and shut it down:
      the peer gets a FIN, the holder reads EOF. A CLOSE_WAIT socket goes away.
  --abort: the kernel resets the connection (SOCK_DESTROY, as 'ss -K'; needs
      CAP_NET_ADMIN and CONFIG_INET_DIAG_DESTROY); works on sockets no
      process holds too. Both ends see the reset.
LISTEN sockets are left alone unless --listen or --state listen asks for
them: closing a listener silently breaks its server. When a method is not
allowed, the error says which errno and what would help; the other method
is never tried behind your back.
Exits 0 when every matched socket is gone, 1 when none matched, 3 when
some are still there, 2 on errors.

Examples:
   gosof close 30116 --state close-wait   # release CLOSE_WAITs, keep the server
   gosof close 8080 --abort --state established --side remote
   gosof close 8080 --listen -n           # what closing the listener would do`,
		Flags: append(releaseFlags("2s", "how long to wait for closed sockets to leave the table"),
			&cli.BoolFlag{Name: "graceful", Usage: "shut each socket down (SHUT_RDWR) through a duplicate of the holder's descriptor: what close does unless --abort"},
			&cli.BoolFlag{Name: "abort", Usage: "reset the connections with SOCK_DESTROY instead"},
		),
		Action: closeAction,
	}
}

func closeAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return core.Usagef("close needs a PORT (a number, a range like 8000-8080, or a service name)")
	}
	if c.Bool("graceful") && c.Bool("abort") {
		return core.Usagef("--graceful and --abort are two methods; pick one")
	}
	f, err := buildFilter(c, c.Args().Slice())
	if err != nil {
		return err
	}
	if len(f.Protos) == 0 {
		f.Protos = []core.Proto{core.TCP}
	}
	wait, err := parseTimeout(c.String("timeout"))
	if err != nil {
		return err
	}
	b, err := openActor(c, "close")
	if err != nil {
		return err
	}
	r := b.resolver()
	res, err := r.Resolve(f)
	if err != nil {
		return err
	}
	plan := core.NewClosePlan(res, core.CloseOptions{
		Abort:       c.Bool("abort"),
		AllowListen: slices.Contains(f.States, core.Listen),
	})
	out, asJSON := c.App.Writer, c.Bool("json")
	defer reportUnseen(c.App.ErrWriter, res.Unseen)

	printPlan := func() error {
		if asJSON {
			return core.WriteCloseJSON(out, plan, nil, nil)
		}
		return core.WriteClosePlan(out, plan)
	}
	switch {
	case len(res.Sockets) == 0:
		if asJSON {
			if err := printPlan(); err != nil {
				return err
			}
		}
		return core.ErrNoMatch
	case len(plan.Items) == 0:
		if err := printPlan(); err != nil {
			return err
		}
		return core.Usagef("refusing to close %d LISTEN socket(s): closing a listener silently breaks its server; add --listen to close it",
			len(plan.Listeners))
	case c.Bool("dry-run"):
		return printPlan()
	}
	if !asJSON {
		if err := core.WriteClosePlan(out, plan); err != nil {
			return err
		}
	}
	if n := plan.Sockets(); n > 0 {
		ok, err := confirm(c, fmt.Sprintf("Close %d socket(s)?", n))
		if err != nil {
			return err
		}
		if !ok {
			return declined(c)
		}
	}
	reuse := listenerReuseAddr(backendFromFlags(c), res.Sockets) // a closed listener leaves TIME_WAIT too
	report := plan.Execute(b.closer)
	var pending []core.Socket
	for _, o := range report.Outcomes {
		if o.Fate == core.SocketClosed {
			pending = append(pending, o.Socket)
		}
	}
	left, err := core.Look(r, f, pending, wait)
	if err != nil {
		return err
	}
	left.ReuseAddr = reuse
	report.Settle(left.Sockets)
	if asJSON {
		err = core.WriteCloseJSON(out, plan, report, left)
	} else {
		err = core.WriteCloseReport(out, report, left)
	}
	if err != nil {
		return err
	}
	if report.Survivors() > 0 {
		return errSurvivors
	}
	return nil
}
