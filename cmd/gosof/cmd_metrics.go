//go:build !gccgo

package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/metrics"
)

func metricsCommand() *cli.Command {
	return &cli.Command{
		Name:      "metrics",
		Usage:     "print Prometheus metrics once (for node_exporter's textfile collector)",
		ArgsUsage: " ",
		Description: `Prints the Prometheus text exposition of what gosof sees: sockets by
protocol and state, connections per listening port, state and process,
accept queues, and the processes it could not inspect (docs/metrics.md).
It reads, never signals or closes. Only gosof's own families are printed:
node_exporter has its own go_ and process_ metrics.

For node_exporter's textfile collector, write a temporary file in the same
directory and rename it, so node_exporter never reads half a file (d is
its --collector.textfile.directory; Debian's is this one):
   d=/var/lib/prometheus/node-exporter
   gosof metrics > "$d/gosof.prom.$$" && mv "$d/gosof.prom.$$" "$d/gosof.prom"

If gathering fails, the output says so (gosof_scrape_error 1) and gosof
exits 2 with the reason on stderr.`,
		Flags:  metricsFlags(),
		Action: metricsAction,
	}
}

func metricsAction(c *cli.Context) error {
	var notes []string
	col, lastErr, err := newCollector(c, nil, func(n string) { notes = append(notes, n) })
	if err != nil {
		return err
	}
	if err := metrics.WriteText(c.App.Writer, col); err != nil {
		return err
	}
	reportNotes(c.App.ErrWriter, notes)
	return *lastErr
}

// newCollector checks the flags and the backend once, and returns the
// collector with the gather it runs per scrape; *lastErr is the error of
// the latest gather. onNote is told what a gather could not see or had to
// fall back on (the lines 'gosof ls' prints on stderr).
func newCollector(c *cli.Context, onError func(error), onNote func(string)) (*metrics.Collector, *error, error) {
	if c.NArg() > 0 {
		return nil, nil, core.Usagef("%s takes no arguments", c.Command.Name)
	}
	limit := c.Int("max-series")
	if limit < 0 {
		return nil, nil, core.Usagef("--max-series: %d is negative (0 is no limit)", limit)
	}
	opt := newSession(c).opt
	// Opening the backend here checks the flags and the host before
	// anything is printed or served; the first gather uses it, and every
	// later one (the exporter's) opens its own: with -A, namespaces and
	// containers come and go while the exporter runs.
	next, err := openBackend(opt)
	if err != nil {
		return nil, nil, err
	}
	lastErr := new(error)
	gather := func() (*core.Result, error) {
		// Gathers never overlap (metrics.Collector runs one at a time).
		b, err := next, error(nil)
		next = nil
		if b == nil {
			b, err = openBackend(opt)
		}
		if err == nil {
			var res *core.Result
			if res, err = b.Resolver().Resolve(&core.Filter{}); err == nil {
				*lastErr = nil
				for _, n := range b.SourceNotes() {
					onNote(n)
				}
				if m := res.Unseen.Message(); m != "" {
					onNote(m)
				}
				return res, nil
			}
		}
		*lastErr = err
		return nil, err
	}
	return metrics.New(metrics.Options{Gather: gather, MaxSeries: limit, NetNS: opt.AllNetNS, OnError: onError}), lastErr, nil
}
