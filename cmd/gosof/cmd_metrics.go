package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/metrics"
	"github.com/gosof/gosof/internal/gcpolicy"
	"github.com/gosof/gosof/internal/scrape"
)

func metricsCommand() *cli.Command {
	return &cli.Command{
		Name:      "metrics",
		Usage:     "print Prometheus metrics once (for node_exporter's textfile collector)",
		ArgsUsage: " ",
		Description: `Prints the Prometheus text exposition of what gosof sees: sockets by
protocol and state, the listeners of each port (TCP, SCTP, UDP) with their
accept queues, connections per listening port, state and process, and the
processes it could not inspect (docs/metrics.md). It reads, never signals
or closes. Only gosof's own families are printed: node_exporter has its own
go_ and process_ metrics. To serve them over HTTP, run gosof-exporter.

For node_exporter's textfile collector, write a temporary file in the same
directory and rename it, so node_exporter never reads half a file, and
remove it when gosof fails, so none is left behind (f is a file in its
--collector.textfile.directory; Debian's is this one):
   f=/var/lib/prometheus/node-exporter/gosof.prom
   gosof metrics > "$f.$$" && mv "$f.$$" "$f" || { rm -f "$f.$$"; false; }

If gathering fails, the output says so (gosof_scrape_error 1) and gosof
exits 2 with the reason on stderr; so does a failed write (a full disk).`,
		Flags:  metricsFlags(),
		Action: metricsAction,
	}
}

func metricsAction(c *cli.Context) error {
	s := newSession(c)
	gcpolicy.ShortRun() // one scrape, printed, and gosof exits
	// Under cron every line on stderr is a mail to the admin, and what
	// could not be seen is in the exposition (gosof_unseen_processes):
	// notes only when asked for.
	s.quiet = !c.Bool("notes")
	return s.end(s.metrics())
}

func (s *session) metrics() error {
	c := s.c
	if c.NArg() > 0 {
		return core.Usagef("%s takes no arguments", c.Command.Name)
	}
	src, err := scrape.Open(s.opt, func(n string) { s.notes = append(s.notes, n) })
	if err != nil {
		return err
	}
	col, err := metrics.New(metrics.Options{Gather: src.Gather, MaxSeries: c.Int("max-series"), NetNS: s.opt.AllNetNS,
		Build: metrics.Build{Version: version, Revision: commit, GoVersion: toolchain}})
	if err != nil {
		return err
	}
	fams, gatherErr := col.Scrape()
	if err := metrics.WriteText(c.App.Writer, fams); err != nil {
		return err
	}
	return gatherErr
}
