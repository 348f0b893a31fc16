package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func formatFromFlags(c *cli.Context) (core.Format, error) {
	switch {
	case c.Bool("json") && c.Bool("terse"):
		return 0, core.Usagef("--json and --terse cannot be combined")
	case c.Bool("json"):
		return core.FormatJSON, nil
	case c.Bool("terse"):
		return core.FormatTerse, nil
	}
	return core.FormatTable, nil
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
	withOptions := c.Bool("options") && out != core.FormatTerse
	var missing core.OptionsMissing
	if withOptions {
		missing = core.AttachOptions(b.options, res.Sockets, 0)
	}
	opt := core.TableOptions{NoHeader: c.Bool("no-header"), Options: withOptions, NetNS: core.ManyNetNS(res.Sockets), Peer: c.Bool("peer")}
	if err := core.WriteSockets(c.App.Writer, res.Sockets, out, opt); err != nil {
		return err
	}
	reportNotes(c.App.ErrWriter, b.sourceNotes())
	reportUnseen(c.App.ErrWriter, res.Unseen)
	reportMissing(c.App.ErrWriter, missing)
	if len(res.Sockets) == 0 {
		return core.ErrNoMatch
	}
	if out == core.FormatTerse {
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
