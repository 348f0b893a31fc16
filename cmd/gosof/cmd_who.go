package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func whoCommand() *cli.Command {
	return &cli.Command{
		Name:      "who",
		Usage:     "show the sockets on PORT and the processes that hold them",
		ArgsUsage: "PORT...",
		Description: `Shows the sockets whose LOCAL port is PORT (a number, a range like
8000-8080, or a service name from /etc/services), with every process that
holds them. Clients connected TO the port are left out unless --side remote
or --side any asks for them. Exits 0 when something matched, 1 when not.

Examples:
   gosof who 8080                   # like lsof -nP -i :8080, exact port only
   gosof who -t 8080                # just the PIDs: kill $(gosof who -t 8080)
   gosof who 30116 --state close-wait
   gosof who --side any 5432        # the server and its clients
   gosof who http https --json`,
		Flags:  whoFlags(),
		Action: whoAction,
	}
}

func whoAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return core.Usagef("who needs a PORT (a number, a range like 8000-8080, or a service name)")
	}
	return listAction(c, c.Args().Slice())
}
