package main

import (
	"github.com/urfave/cli/v2"
)

// filterFlags are the socket filters shared by ls, who, kill and close.
func filterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "proto", Usage: "only these protocols (`PROTO`): tcp, udp, udplite, raw, unix, sctp"},
		&cli.BoolFlag{Name: "4", Usage: "only IPv4 sockets"},
		&cli.BoolFlag{Name: "6", Usage: "only IPv6 sockets"},
		&cli.StringSliceFlag{Name: "state", Usage: "only sockets in these states (`STATE`), e.g. close-wait,time-wait"},
		&cli.BoolFlag{Name: "listen", Aliases: []string{"l"}, Usage: "only sockets waiting for peers (TCP/unix LISTEN, UDP/raw UNCONN)"},
		&cli.StringSliceFlag{Name: "pid", Usage: "only sockets held by these processes (`PID`), and only those owners"},
		&cli.StringSliceFlag{Name: "user", Aliases: []string{"u"}, Usage: "only sockets held by processes of these users (`USER`: name or uid)"},
		&cli.StringSliceFlag{Name: "command", Aliases: []string{"c"}, Usage: "only sockets held by processes whose command starts with `NAME` (lsof's -c; /REGEXP/ for a regular expression, /^nginx$/ for an exact name), and only those owners"},
		&cli.StringSliceFlag{Name: "local", Usage: "only sockets whose local end is in `ADDR`: an address, [IPv6], a prefix (10.0.0.0/8) or an /etc/hosts name, with :PORT if wanted"},
		&cli.StringSliceFlag{Name: "remote", Usage: "only sockets whose remote end is in `ADDR`: an address, [IPv6], a prefix or an /etc/hosts name, with :PORT if wanted"},
		&cli.StringSliceFlag{Name: "unit", Usage: "only sockets held by processes of the systemd unit `UNIT` (nginx.service, or nginx), and only those owners; Linux"},
		&cli.StringSliceFlag{Name: "dev", Usage: "only sockets bound to the network interface `NAME` (SO_BINDTODEVICE, a VRF, an IPv6 link-local address's zone), or with that index (Solaris: IPv6 sockets, by index)"},
		idleFlag(),
		netnsFlag(),
		allNetnsFlag(),
	}
}

// idleFlag narrows to TCP sockets idle for longer than a duration
// (core/idle.go says what idle is).
func idleFlag() cli.Flag {
	return &cli.StringFlag{Name: "idle", Usage: "only TCP connections idle for longer than `DURATION` (10m, 1h30m; a number is seconds): nothing sent, received or acknowledged since"}
}

// procFDFlag makes the owner scan read /proc/PID/fd, not load the BPF
// descriptor iterator (Linux).
func procFDFlag() cli.Flag {
	return &cli.BoolFlag{Name: "proc-fd", Usage: "Linux: find owners by reading every /proc/PID/fd link, not with the kernel's BPF descriptor iterator (GOSOF_PROC_FD=1: for every run)"}
}

// netnsFlag and allNetnsFlag choose the network namespaces to read (Linux).
func netnsFlag() cli.Flag {
	return &cli.StringFlag{Name: "netns", Usage: "Linux: read the network namespace `NS`: a name under /run/netns, a namespace inode, or a PID (that process's namespace)"}
}

func allNetnsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "all-netns", Aliases: []string{"A"}, Usage: "Linux: read every network namespace in use (containers too), labelled with its inode, name and container"}
}

// quietFlag silences the notes on stderr (what gosof could not see or had
// to fall back on); errors are still said.
func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no notes on stderr (what could not be seen, fallbacks); errors are still printed"}
}

// wideFlag prints tables whole on a terminal too; pipes and files always
// get them whole.
func wideFlag() cli.Flag {
	return &cli.BoolFlag{Name: "wide", Aliases: []string{"w"}, Usage: "on a terminal, print every cell whole, however wide the table (pipes and files always get it whole)"}
}

// replayFlag is --replay DIR, defined once for every command that reads a
// capture (why's Usage had lost its `DIR` placeholder: --replay VALUE);
// note is what the command adds, "" for nothing.
func replayFlag(note string) cli.Flag {
	return &cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture `DIR` (from 'gosof debug capture') instead of this host" + note, TakesFile: true}
}

// outputFlags choose how results are printed and where they come from.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		quietFlag(),
		wideFlag(),
		&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print a JSON array (fields: docs/contract.md, man gosof)"},
		&cli.BoolFlag{Name: "jsonl", Usage: "print JSON Lines: one socket object per line, nothing when empty (for log shippers)"},
		&cli.BoolFlag{Name: "terse", Aliases: []string{"t"}, Usage: "print only the owner PIDs, one per line (like lsof -t)"},
		&cli.BoolFlag{Name: "no-header", Aliases: []string{"H"}, Usage: "table without its header line"},
		&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag", Hidden: false},
		procFDFlag(),
		replayFlag(""),
	}
}

func listFlags() []cli.Flag {
	return append(append(filterFlags(), outputFlags()...), optionsFlag(), peerFlag(), cmdlineFlag(), contextFlag(), showIdleFlag())
}

// contextFlag adds each owner's systemd unit or container; off by
// default: one more /proc read per process (JSON always has them).
func contextFlag() cli.Flag {
	return &cli.BoolFlag{Name: "context", Usage: "add each owner's container (its name where the runtime tells it) or systemd unit: a CONTEXT column (JSON always has \"unit\" and \"container\"); Linux"}
}

// showIdleFlag adds the IDLE column; off by default, since reading idle
// times makes the kernel fill struct tcp_info for every TCP socket.
func showIdleFlag() cli.Flag {
	return &cli.BoolFlag{Name: "show-idle", Usage: "add an IDLE column: how long each TCP connection has been idle (also shown with --idle)"}
}

// peerFlag shows, for each local connection, the process at the other end.
func peerFlag() cli.Flag {
	return &cli.BoolFlag{Name: "peer", Usage: "show the process at the other end of each local connection (loopback, unix): a PEER column, peer_owners in JSON"}
}

// cmdlineFlag adds each owner's full command line (lsof and ss show the
// 15-byte kernel name only); off by default: one more /proc read per process.
func cmdlineFlag() cli.Flag {
	return &cli.BoolFlag{Name: "cmdline", Usage: "add each owner's full command line (a COMMAND LINE column; JSON \"cmdline\")"}
}

// optionsFlag adds each owner's socket options to ls and who; off by
// default, since it costs a pidfd_getfd and a few getsockopt per socket.
func optionsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "options", Usage: "add socket options (SO_REUSEADDR, SO_LINGER, TCP_NODELAY...) to each owner"}
}

// whoFlags are ls's flags plus --side.
func whoFlags() []cli.Flag {
	return append(listFlags(), sideFlag())
}

func sideFlag() cli.Flag {
	return &cli.StringFlag{Name: "side", Usage: "which end PORT or PATH is matched against (`SIDE`): local (the default), remote or any"}
}
