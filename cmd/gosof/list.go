package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
	"github.com/gosof/gosof/internal/gcpolicy"
)

func formatFromFlags(c *cli.Context) (render.Format, error) {
	n := 0
	for _, f := range []string{"json", "jsonl", "terse"} {
		if c.Bool(f) {
			n++
		}
	}
	switch {
	case n > 1:
		return 0, core.Usagef("--json, --jsonl and --terse cannot be combined: pick one")
	case c.Bool("jsonl"):
		return render.FormatJSONL, nil
	case c.Bool("json"):
		return render.FormatJSON, nil
	case c.Bool("terse"):
		return render.FormatTerse, nil
	}
	return render.FormatTable, nil
}

// listAction gathers the sockets matching the flags and ports, prints them,
// and returns ErrNoMatch when there were none.
func listAction(c *cli.Context, ports []string) error {
	s := newSession(c)
	return s.end(s.list(ports))
}

func (s *session) list(ports []string) error {
	c := s.c
	f, err := s.filter(ports)
	if err != nil {
		return err
	}
	out, err := formatFromFlags(c)
	if err != nil {
		return err
	}
	// -t prints holders: a socket no process can hold is no part of it
	f.Held = out == render.FormatTerse
	if err := s.open(); err != nil {
		return err
	}
	if out == render.FormatTerse && s.b.CannotAct != nil {
		// -t's PIDs are for kill(1): these would reach other processes
		s.cannotAct = ""
		return fmt.Errorf("-t prints PIDs to signal, and these would not be the holders': %w", s.b.CannotAct)
	}
	gcpolicy.ShortRun()
	showIdle := out == render.FormatTable && (c.Bool("show-idle") || f.IdleOver > 0)
	// JSON carries idle_ms wherever it is known (docs/idle.md, the cost).
	f.Idle = showIdle || out == render.FormatJSON || out == render.FormatJSONL
	// the owners' unit and container: for the CONTEXT column, and always in JSON
	withContext := c.Bool("context")
	r := s.resolver(withContext || out == render.FormatJSON || out == render.FormatJSONL)
	resolve := r.Resolve
	if c.Bool("peer") {
		resolve = r.ResolvePeers
	}
	res, err := resolve(f)
	s.saw(res)
	if err != nil {
		return err
	}
	s.unseenMatters = unknownHolders(res)
	withOptions := c.Bool("options") && out != render.FormatTerse
	if withOptions {
		s.missing = core.AttachOptions(s.b.Options, res.Sockets, 0)
	}
	withCmdline := c.Bool("cmdline") && out != render.FormatTerse
	if withCmdline {
		s.attachCmdlines(res.Sockets)
	}
	opt := render.Options{NoHeader: c.Bool("no-header"), Options: withOptions, Peer: c.Bool("peer"), Cmdline: withCmdline,
		Context: withContext && s.b.Context != nil, Idle: showIdle, Unseen: res.Unseen}
	if withContext && s.b.Context == nil && out == render.FormatTable {
		s.notes = append(s.notes, "--context: this platform does not tell which unit or container a process runs in")
	}
	if err := render.Sockets(output(c), res.Sockets, out, opt); err != nil {
		return err
	}
	if len(res.Sockets) == 0 {
		return core.ErrNoMatch
	}
	if out == render.FormatTerse {
		return s.terseUnseen(res)
	}
	return nil
}

// attachCmdlines reads the owners' command lines (--cmdline) where the
// platform can tell them (Linux /proc/PID/cmdline, Solaris psinfo), and
// notes once how many could not be read.
func (s *session) attachCmdlines(socks []core.Socket) {
	if s.b.Cmdline == nil {
		s.notes = append(s.notes, "--cmdline: this platform does not tell command lines")
		return
	}
	if n := core.AttachCmdlines(s.b.Cmdline, socks); n > 0 {
		s.notes = append(s.notes, "--cmdline: "+core.Plural(n, "process")+" without a readable command line (exited, kernel threads, or not yours: run as root)")
	}
}
