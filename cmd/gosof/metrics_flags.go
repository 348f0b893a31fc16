package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core/metrics"
)

// metricsFlags are the flags of metrics; gosof-exporter has the same ones.
func metricsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-series", Value: metrics.DefaultMaxSeries, Usage: "at most `N` per-port series (listeners, listen_queue, listen_backlog, port_connections, close_wait_oldest_idle_seconds); gosof_series_dropped says how many were left out; 0: no limit"},
		netnsFlag(),
		allNetnsFlag(),
		&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag (no accept queue limits)"},
		procFDFlag(),
		replayFlag(""),
		&cli.BoolFlag{Name: "notes", Usage: "print on stderr what could not be seen or had to fall back (off: under cron every line is a mail, and gosof_unseen_processes says it)"},
	}
}

// exporterFlags are the flags 'gosof exporter' took before it became
// gosof-exporter, hidden: only so that an old command line is told where
// it went rather than that a flag is unknown.
func exporterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "web.listen-address", Hidden: true},
		&cli.StringFlag{Name: "web.telemetry-path", Hidden: true},
		&cli.StringFlag{Name: "web.config.file", Hidden: true},
		&cli.IntFlag{Name: "max-series", Hidden: true},
		&cli.StringFlag{Name: "netns", Hidden: true},
		&cli.BoolFlag{Name: "all-netns", Aliases: []string{"A"}, Hidden: true},
		&cli.BoolFlag{Name: "proc-net", Hidden: true},
		&cli.BoolFlag{Name: "proc-fd", Hidden: true},
		&cli.StringFlag{Name: "replay", Hidden: true},
	}
}
