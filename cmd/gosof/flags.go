package main

import (
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
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
		netnsFlag(),
		allNetnsFlag(),
	}
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

// outputFlags choose how results are printed and where they come from.
func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print a JSON array (fields: docs/contract.md, man gosof)"},
		&cli.BoolFlag{Name: "jsonl", Usage: "print JSON Lines: one socket object per line, nothing when empty (for log shippers)"},
		&cli.BoolFlag{Name: "terse", Aliases: []string{"t"}, Usage: "print only the owner PIDs, one per line (like lsof -t)"},
		&cli.BoolFlag{Name: "no-header", Aliases: []string{"H"}, Usage: "table without its header line"},
		&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag", Hidden: false},
		procFDFlag(),
		&cli.StringFlag{Name: "replay", Usage: "read a Solaris/illumos capture `DIR` (from 'gosof debug capture') instead of this host", TakesFile: true},
	}
}

func listFlags() []cli.Flag {
	return append(append(filterFlags(), outputFlags()...), optionsFlag(), peerFlag(), cmdlineFlag())
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
	return &cli.StringFlag{Name: "side", Value: "local", Usage: "which end PORT is matched against (`SIDE`): local, remote or any"}
}

// buildFilter turns the flags and PORT arguments into a core.Filter.
func buildFilter(c *cli.Context, ports []string) (*core.Filter, error) {
	f := &core.Filter{}
	var services core.Services
	servicesRead := false
	for _, arg := range ports {
		if !servicesRead && core.PortNeedsServices(arg) {
			services = readServices()
			servicesRead = true
		}
		rs, err := core.ParsePort(arg, services)
		if err != nil {
			return nil, err
		}
		f.Ports = append(f.Ports, rs...)
	}
	if c.IsSet("side") {
		side, err := core.ParseSide(c.String("side"))
		if err != nil {
			return nil, err
		}
		f.Side = side
	}
	for _, p := range splitList(c.StringSlice("proto")) {
		proto, err := core.ParseProto(p)
		if err != nil {
			return nil, err
		}
		f.Protos = append(f.Protos, proto)
	}
	if err := portProtosAgree(f); err != nil {
		return nil, err
	}
	if c.Bool("4") {
		f.Families = append(f.Families, core.Inet)
	}
	if c.Bool("6") {
		f.Families = append(f.Families, core.Inet6)
	}
	for _, s := range splitList(c.StringSlice("state")) {
		st, err := core.ParseState(s)
		if err != nil {
			return nil, err
		}
		f.States = append(f.States, st)
	}
	if c.Bool("listen") {
		f.States = append(f.States, core.Listen, core.Unconn)
	}
	for _, s := range splitList(c.StringSlice("pid")) {
		pid, err := core.ParsePID(s)
		if err != nil {
			return nil, core.Usagef("--pid: %s", err)
		}
		f.PIDs = append(f.PIDs, pid)
	}
	for _, u := range splitList(c.StringSlice("user")) {
		uid, err := lookupUID(u)
		if err != nil {
			return nil, err
		}
		f.UIDs = append(f.UIDs, uid)
	}
	sort.Slice(f.States, func(i, j int) bool { return f.States[i] < f.States[j] })
	n := 0 // drop repeats
	for i, st := range f.States {
		if i == 0 || st != f.States[n-1] {
			f.States[n] = st
			n++
		}
	}
	f.States = f.States[:n]
	return f, nil
}

// splitList accepts both "--state a,b" and "--state a --state b".
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func lookupUID(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, core.Usagef("--user: unknown user %q", s)
	}
	n, err := strconv.ParseInt(u.Uid, 10, 64)
	if err != nil {
		return 0, core.Usagef("--user: %q has uid %q, not a number", s, u.Uid)
	}
	return n, nil
}

// readServices reads /etc/services; nil when it is absent or unreadable,
// so that names then fail with a message saying so.
func readServices() core.Services {
	f, err := os.Open("/etc/services")
	if err != nil {
		return nil
	}
	defer f.Close()
	s, err := core.ParseServices(f)
	if err != nil {
		return nil
	}
	return s
}

func backendFromFlags(c *cli.Context) backendOptions {
	opt := backendOptions{replay: c.String("replay"), procNet: c.Bool("proc-net"), procFD: c.Bool("proc-fd"),
		netns: c.String("netns"), allNetns: c.Bool("all-netns")}
	// --pid's namespaces; a bad value is buildFilter's to report
	for _, s := range splitList(c.StringSlice("pid")) {
		if pid, err := core.ParsePID(s); err == nil {
			opt.pids = append(opt.pids, pid)
		}
	}
	return opt
}

// portProtosAgree refuses "udp/53 --proto tcp", which could never match,
// rather than print nothing.
func portProtosAgree(f *core.Filter) error {
	if len(f.Protos) == 0 {
		return nil
	}
	for _, r := range f.Ports {
		if r.Proto == "" {
			continue
		}
		found := false
		for _, p := range f.Protos {
			found = found || p == r.Proto
		}
		if !found {
			return core.Usagef("port %s is %s only, but --proto leaves %s out", r, r.Proto, r.Proto)
		}
	}
	return nil
}
