package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/solaris"
)

// debugCommand holds tools for reporting problems; 'capture' saves what a
// Solaris/illumos kernel says so that it can be replayed anywhere with
// --replay.
func debugCommand() *cli.Command {
	return &cli.Command{
		Name:  "debug",
		Usage: "Solaris/illumos: save what the kernel says, for a bug report (debug capture DIR)",
		Subcommands: []*cli.Command{{
			Name:      "capture",
			Usage:     "save this Solaris/illumos host's MIB reply and socket /proc files to DIR, for 'gosof ls --replay DIR'",
			ArgsUsage: "DIR",
			Description: "Writes DIR/mib2 (the kernel's whole MIB2 reply, byte for byte: every table,\n" +
				"EXPER_SOCK_INFO included), DIR/host.json (with the row sizes) and copies of\n" +
				"/proc/<pid>/fdinfo/<fd> for every socket and TLI endpoint of every process\n" +
				"it can read, with those processes' /proc/<pid>/psinfo. Run it as root to see\n" +
				"every process. The capture holds addresses, ports, command names and\n" +
				"arguments: review it before sending.",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return core.Usagef("usage: gosof debug capture DIR")
				}
				if err := solaris.Capture(c.Args().First(), c.App.ErrWriter); err != nil {
					return err
				}
				fmt.Fprintf(c.App.ErrWriter, "gosof: capture written to %s\n", c.Args().First())
				return nil
			},
		}},
	}
}
