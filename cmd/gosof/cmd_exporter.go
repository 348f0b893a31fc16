package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// exporterCommand is where 'gosof exporter' used to be: the exporter is
// gosof-exporter now, a program of its own, so that gosof carries no HTTP
// server, TLS or Prometheus library. It takes the old flags, so that an
// old command line (a unit file, say) gets this message, not a flag error.
func exporterCommand() *cli.Command {
	return &cli.Command{
		Name:      "exporter",
		Usage:     "moved: run gosof-exporter",
		ArgsUsage: " ",
		Description: `The exporter is gosof-exporter now, a program of its own beside gosof,
with the same flags (see gosof-exporter --help and docs/metrics.md).`,
		Hidden: true,
		Flags:  exporterFlags(),
		Action: func(*cli.Context) error {
			return core.Usagef("'gosof exporter' is now the program gosof-exporter, with the same flags: " +
				"gosof-exporter --web.listen-address ADDR [--web.config.file FILE] [--web.telemetry-path PATH] " +
				"[--max-series N] [-A | --netns NS] [--proc-net] [--proc-fd] (see gosof-exporter --help)")
		},
	}
}
