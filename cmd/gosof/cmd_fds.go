package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

func fdsCommand() *cli.Command {
	return &cli.Command{
		Name:      "fds",
		Usage:     "list every open descriptor of PID, with socket addresses, states and options",
		ArgsUsage: "PID...",
		Description: `Lists each descriptor of the processes, as Solaris pfiles does: number,
type (file, dir, pipe, fifo, socket, anon inode such as eventfd or epoll,
char or block device), the path or the socket's addresses and state, and for
sockets their options: SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_LINGER,
SO_SNDBUF, SO_RCVBUF, SO_TYPE, TCP_NODELAY, TCP congestion control, and the
round-trip time and retransmits from TCP_INFO.

On Linux the options are read through a duplicate of the descriptor taken
with pidfd_getfd (Linux 5.6+, needs ptrace access: root or CAP_SYS_PTRACE);
getsockopt only, nothing is changed, the duplicate is closed at once.
On Solaris/illumos, and with --replay on any OS, descriptors and options
come from /proc/PID/fdinfo (no TCP_NODELAY or TCP_INFO there).
Exits 0 when a process was listed, 1 when none of the PIDs exists.

Examples:
   gosof fds 4242
   gosof fds $(gosof who -t 8080)
   gosof fds 4242 --json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print a JSON array, one object per process"},
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture `DIR` (from 'gosof debug capture') instead of this host", TakesFile: true},
		},
		Action: fdsAction,
	}
}

func fdsAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return core.Usagef("fds needs a PID")
	}
	pids, err := core.ParsePIDs(c.Args().Slice())
	if err != nil {
		return err
	}
	opt := backendFromFlags(c)
	opt.pids = pids // their namespaces' sockets, too
	b, err := openBackend(opt)
	if err != nil {
		return err
	}
	procs, err := core.GatherFDs(core.FDSources{FDs: b.fds, Sockets: b.fdSockets, Owners: b.owners, Options: b.options, CommandLine: b.cmdline}, pids)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		err = render.FDsJSON(c.App.Writer, procs)
	} else {
		err = render.FDs(c.App.Writer, procs)
	}
	if err != nil {
		return err
	}
	return core.FDsListed(procs, b.fdsDeniedHint)
}
