//go:build gccgo

package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// gccgo cannot build the Prometheus client library, so a gccgo build
// (SPARC) has 'metrics' and 'exporter' only as commands that say so.
func metricsCommand() *cli.Command  { return notInThisBuild("metrics", metricsFlags()) }
func exporterCommand() *cli.Command { return notInThisBuild("exporter", exporterFlags()) }

func notInThisBuild(name string, flags []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: "not in this build (gccgo cannot build the Prometheus client)",
		Flags: flags,
		Action: func(*cli.Context) error {
			return core.Usagef("%s is not in this build of gosof: a gccgo build cannot include the Prometheus client; use a gc-built binary", name)
		},
	}
}
