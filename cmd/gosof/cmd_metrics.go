package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/metrics"
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
	if c.NArg() > 0 {
		return core.Usagef("%s takes no arguments", c.Command.Name)
	}
	var notes []string
	src, err := scrape.Open(backendFromFlags(c), func(n string) { notes = append(notes, n) })
	if err != nil {
		return err
	}
	col, err := metrics.New(metrics.Options{Gather: src.Gather, MaxSeries: c.Int("max-series"), NetNS: c.Bool("all-netns")})
	if err != nil {
		return err
	}
	fams, gatherErr := col.Scrape()
	if err := metrics.WriteText(c.App.Writer, fams); err != nil {
		return err
	}
	reportNotes(c.App.ErrWriter, notes)
	return gatherErr
}
