package main

import (
	"errors"
	"fmt"

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
			wideFlag(),
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			quietFlag(),
			replayFlag(""),
		},
		Action: fdsAction,
	}
}

func fdsAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.fds())
}

func (s *session) fds() error {
	c := s.c
	if c.NArg() == 0 {
		return core.Usagef("fds needs a PID")
	}
	pids, err := core.ParsePIDs(c.Args().Slice())
	if err != nil {
		return err
	}
	s.opt.PIDs = pids // their namespaces' sockets, too
	if err := s.open(); err != nil {
		return err
	}
	b := s.b
	procs, err := core.GatherFDs(core.FDSources{FDs: b.FDs, Sockets: b.FDSockets, Owners: b.Owners, Options: b.Options, CommandLine: b.Cmdline, SocketKind: b.SocketKind}, pids)
	if err != nil {
		return err
	}
	if b.FDsUnparsed != nil {
		s.unseen.Unparsed += b.FDsUnparsed() // said once, at the end
		s.unseen.UnparsedFDs = true          // of descriptors: those are not listed
	}
	// A process that does not exist (or exited) has nothing to list: it is
	// a note, not a heading with nothing under it.
	listed := procs[:0]
	for _, p := range procs {
		if errors.Is(p.Err, core.ErrGone) {
			s.notes = append(s.notes, fmt.Sprintf("no process %d (it does not exist, or it exited)", p.PID))
			continue
		}
		listed = append(listed, p)
	}
	if c.Bool("json") {
		err = render.FDsJSON(c.App.Writer, listed)
	} else if len(listed) > 0 {
		err = render.FDs(output(c), listed)
	}
	if err != nil {
		return err
	}
	hint := ""
	if b.FDsDeniedHint != nil {
		hint = b.FDsDeniedHint()
	}
	if len(listed) == 0 && len(procs) > 0 {
		return core.ErrNoMatch
	}
	note, err := core.FDsListed(listed, hint)
	if note != "" {
		s.notes = append(s.notes, note)
	}
	return err
}
