package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

func whoCommand() *cli.Command {
	return &cli.Command{
		Name:      "who",
		Usage:     "show the sockets on PORT or unix socket PATH and the processes that hold them",
		ArgsUsage: "PORT|PATH...",
		Description: `Shows the sockets whose LOCAL port is PORT (a number, a range like
8000-8080, or a service name from /etc/services), with every process that
holds them. Clients connected TO the port are left out unless --side remote
or --side any asks for them. A PATH names unix sockets the same way: it
starts with / (a socket file), @ (an abstract name) or ./ and ../ (from
the current directory); it matches the socket bound under that name (or
to that file) and the connections it accepted, --side remote the clients
connected to it; a PATH ending in / takes every name under it.
Exits 0 when something matched, 1 when not.

Examples:
   gosof who 8080                   # like lsof -nP -i :8080, exact port only
   gosof who -t 8080                # PIDs only: kill $(gosof who -t 8080)
   gosof who 30116 --state close-wait
   gosof who --side any 5432        # the server and its clients
   gosof who http https --json
   gosof who /run/app.sock          # like lsof PATH, or fuser PATH
   gosof who --side remote @app     # the clients of an abstract socket`,
		Flags:  whoFlags(),
		Action: whoAction,
	}
}

func whoAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return needsTarget("who")
	}
	return listAction(c, c.Args().Slice())
}

// needsTarget is the error of who, kill and close run without a PORT or
// PATH.
func needsTarget(cmd string) error {
	return core.Usagef("%s needs a PORT (a number, a range like 8000-8080, or a service name) or a PATH (a unix socket's name: /run/app.sock, @name)", cmd)
}
