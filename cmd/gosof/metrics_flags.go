package main

import "github.com/urfave/cli/v2"

// The flags of metrics and exporter live in a file every build compiles,
// so that a gccgo build (cmd_metrics_gccgo.go), which has neither
// command, still parses them and says the command is not in that build
// rather than calling its flags unknown.

// metricsFlags are the flags that metrics and exporter share.
func metricsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-series", Value: 5000, Usage: "at most `N` per-port series (port_connections, listen_queue, listen_backlog); the rest are counted in gosof_series_dropped_total; 0: no limit"},
		netnsFlag(),
		allNetnsFlag(),
		&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag (no accept queue limits)"},
		procFDFlag(),
		&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture `DIR` (from 'gosof debug capture') instead of this host", TakesFile: true},
	}
}

// exporterFlags are metricsFlags and where to serve them.
func exporterFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringSliceFlag{Name: "web.listen-address", Usage: "listen on `ADDR` (host:port; repeat for several); required"},
		&cli.StringFlag{Name: "web.telemetry-path", Value: "/metrics", Usage: "serve the metrics at `PATH`"},
		&cli.StringFlag{Name: "web.config.file", Usage: "exporter-toolkit web config `FILE` for TLS and basic auth", TakesFile: true},
	}, metricsFlags()...)
}
