package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
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

// reportUnseen says once, on stderr, what could not be inspected and how to see it.
func reportUnseen(w io.Writer, u core.Unseen) {
	if m := u.Message(); m != "" {
		fmt.Fprintf(w, "gosof: %s\n", m)
	}
}

// listAction gathers the sockets matching the flags and ports, prints them,
// and returns ErrNoMatch when there were none.
func listAction(c *cli.Context, ports []string) error {
	f, err := buildFilter(c, ports)
	if err != nil {
		return err
	}
	out, err := formatFromFlags(c)
	if err != nil {
		return err
	}
	b, err := openBackend(backendFromFlags(c))
	if err != nil {
		return err
	}
	resolve := b.resolver().ResolveToPrint
	if c.Bool("peer") {
		resolve = b.resolver().ResolvePeers
	}
	res, err := resolve(f)
	if err != nil {
		return err
	}
	withOptions := c.Bool("options") && out != render.FormatTerse
	var missing core.OptionsMissing
	if withOptions {
		missing = core.AttachOptions(b.options, res.Sockets, 0)
	}
	withCmdline := c.Bool("cmdline") && out != render.FormatTerse
	if withCmdline {
		attachCmdlines(c.App.ErrWriter, b, res.Sockets)
	}
	opt := render.Options{NoHeader: c.Bool("no-header"), Options: withOptions, Peer: c.Bool("peer"), Cmdline: withCmdline}
	if err := render.Sockets(c.App.Writer, res.Sockets, out, opt); err != nil {
		return err
	}
	reportNotes(c.App.ErrWriter, b.sourceNotes())
	reportUnseen(c.App.ErrWriter, res.Unseen)
	reportMissing(c.App.ErrWriter, missing)
	if len(res.Sockets) == 0 {
		return core.ErrNoMatch
	}
	if out == render.FormatTerse {
		return terseUnseen(c.App.ErrWriter, res)
	}
	return nil
}

// reportMissing says once, on stderr, why some sockets' options are missing.
func reportMissing(w io.Writer, m core.OptionsMissing) {
	if s := m.String(); s != "" {
		fmt.Fprintf(w, "gosof: %s\n", s)
	}
}

// reportNotes prints what a source had to fall back on, once each.
func reportNotes(w io.Writer, notes []string) {
	seen := map[string]bool{}
	for _, n := range notes {
		if !seen[n] {
			seen[n] = true
			fmt.Fprintf(w, "gosof: %s\n", core.Escape(n))
		}
	}
}

// attachCmdlines reads the owners' command lines (--cmdline) where the
// platform can tell them (Linux /proc/PID/cmdline, Solaris psinfo), and
// says once how many could not be read.
func attachCmdlines(w io.Writer, b *backend, socks []core.Socket) {
	if b.cmdline == nil {
		fmt.Fprintf(w, "gosof: --cmdline: this platform does not tell command lines\n")
		return
	}
	if n := core.AttachCmdlines(b.cmdline, socks); n > 0 {
		fmt.Fprintf(w, "gosof: --cmdline: %d process(es) without a readable command line (exited, kernel threads, or not yours: run as root)\n", n)
	}
}
