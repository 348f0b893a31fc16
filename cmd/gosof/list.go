package main

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// format is how a list of sockets is printed.
type format int

const (
	formatTable format = iota
	formatJSON
	formatTerse
	formatJSONL
)

func formatFromFlags(c *cli.Context) (format, error) {
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
		return formatJSONL, nil
	case c.Bool("json"):
		return formatJSON, nil
	case c.Bool("terse"):
		return formatTerse, nil
	}
	return formatTable, nil
}

// printSockets renders socks in the chosen format; an empty table or terse
// list prints nothing (like grep), an empty JSON list prints [].
//
// The renderers write a row (tabwriter: a cell) at a time; unbuffered, that
// was one write(2) per row on stdout, a quarter of `gosof ls` at 100,000
// descriptors.
func printSockets(w io.Writer, socks []core.Socket, f format, opt core.TableOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch {
	case f == formatJSON:
		err = core.WriteJSON(bw, socks)
	case f == formatJSONL:
		err = core.WriteJSONLines(bw, socks)
	case f == formatTerse:
		err = core.WriteTerse(bw, socks)
	case len(socks) > 0:
		err = core.WriteTable(bw, socks, opt)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
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
	// Gathering allocates little once the sockets are listed, but the
	// scan has every core and a collection takes one of them for its mark:
	// collect less often meanwhile (GOGC 200: 'who' at 100k descriptors
	// 229 -> 215 ms, 'ls' 319 -> 306 ms; 400 saved no more and let RSS grow).
	gc := debug.SetGCPercent(200)
	res, err := b.resolver().Resolve(f)
	debug.SetGCPercent(gc)
	if err != nil {
		return err
	}
	// A collection that overlapped the socket dump counts the slices that
	// grew meanwhile as live, and sets the next goal at twice that: the
	// table built next could then take the heap to 35 MB and RSS past
	// 40 MiB for `gosof ls` at 100k descriptors (1 run in ~15). Collect
	// now, so the goal is twice what rendering really starts from.
	runtime.GC()
	withOptions := c.Bool("options") && out != formatTerse
	var missing core.OptionsMissing
	if withOptions {
		missing = core.AttachOptions(b.options, res.Sockets, 0)
	}
	withCmdline := c.Bool("cmdline") && out != formatTerse
	if withCmdline {
		attachCmdlines(c.App.ErrWriter, b, res.Sockets)
	}
	opt := core.TableOptions{NoHeader: c.Bool("no-header"), Options: withOptions, NetNS: manyNetNS(res.Sockets), Cmdline: withCmdline}
	if err := printSockets(c.App.Writer, res.Sockets, out, opt); err != nil {
		return err
	}
	reportNotes(c.App.ErrWriter, b.sourceNotes())
	reportUnseen(c.App.ErrWriter, res.Unseen)
	if s := missing.String(); s != "" {
		fmt.Fprintf(c.App.ErrWriter, "gosof: %s\n", s)
	}
	if len(res.Sockets) == 0 {
		return core.ErrNoMatch
	}
	if out == formatTerse {
		return terseUnseen(c.App.ErrWriter, res)
	}
	return nil
}

// manyNetNS reports whether socks come from more than one network
// namespace, when the table needs its NETNS column.
func manyNetNS(socks []core.Socket) bool {
	for i := range socks {
		if socks[i].NetNS != socks[0].NetNS {
			return true
		}
	}
	return false
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
	cl, ok := b.fds.(core.CommandLiner)
	if !ok {
		fmt.Fprintf(w, "gosof: --cmdline: this platform does not tell command lines\n")
		return
	}
	if n := core.AttachCmdlines(cl, socks); n > 0 {
		fmt.Fprintf(w, "gosof: --cmdline: %d process(es) without a readable command line (exited, kernel threads, or not yours: run as root)\n", n)
	}
}
