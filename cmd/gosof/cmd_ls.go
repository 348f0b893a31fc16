package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list every socket with the processes that hold it",
		ArgsUsage: " ",
		Description: `Lists the sockets of this network namespace (TCP, UDP, UDP-Lite, raw,
unix; IPv4 and IPv6; every state), one row per socket and owning process.
Sockets no process holds (TIME_WAIT, orphans) show "-" as owner.

Examples:
   gosof ls                         # like netstat -anp / ss -tuanp
   gosof ls -l --proto tcp          # TCP listeners
   gosof ls --state close-wait      # every CLOSE_WAIT socket and its owner
   gosof ls --user www-data --json  # what one user holds, as JSON
   gosof ls -t --proto unix         # PIDs holding unix sockets`,
		Flags:  listFlags(),
		Action: lsAction,
	}
}

func lsAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return core.Usagef("ls takes no arguments (did you mean 'gosof who %s'?)", c.Args().First())
	}
	return listAction(c, nil)
}
