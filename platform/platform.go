// Package platform is what a backend gives gosof's commands, and the
// options that choose one. Each platform builds its Backend in one
// constructor of its own (linux.Open, solaris.Open, solaris.OpenCapture);
// platform/host picks the one for this host or a --replay capture.
package platform

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
)

// Options are the flags that choose or tune the backend.
type Options struct {
	Replay  string // --replay DIR: read a Solaris capture instead of this host
	ProcNet bool   // --proc-net: Linux, read /proc/net instead of sock_diag
	ProcFD  bool   // --proc-fd: Linux, owners from /proc/PID/fd, not the BPF iterator
	// NetNS and AllNetNS (--netns NS, --all-netns): Linux, the network
	// namespaces to read.
	NetNS    string
	AllNetNS bool
	// PIDs are the processes asked about (--pid, fds PID): without NetNS
	// or AllNetNS, Linux reads their network namespaces too.
	PIDs []int
}

// Check refuses the combinations no backend takes.
func (o Options) Check() error {
	if o.NetNS != "" && o.AllNetNS {
		return core.Usagef("--netns and --all-netns cannot be combined")
	}
	if o.Replay != "" {
		// these choose how this host is read; a capture is read as saved
		var live []string
		for _, f := range []struct {
			name string
			set  bool
		}{{"--netns", o.NetNS != ""}, {"--all-netns", o.AllNetNS}, {"--proc-net", o.ProcNet}, {"--proc-fd", o.ProcFD}} {
			if f.set {
				live = append(live, f.name)
			}
		}
		if len(live) > 0 {
			n := len(live)
			return core.Usagef("%s %s not apply to a --replay capture (%s how this host is read; a capture is read as it was saved): drop %s",
				strings.Join(live, " and "), core.ByCount(n, "does", "do"), core.ByCount(n, "it chooses", "they choose"), core.ByCount(n, "it", "them"))
		}
	}
	return nil
}

// Backend is everything a platform gives the commands, opened once per
// run and then passed down. A nil capability is one the backend does not
// have.
type Backend struct {
	Sockets core.SocketSource
	Owners  core.OwnerSource
	// Prescan starts the owner scan while the sockets are listed; nil
	// where owners are attached after.
	Prescan func(pids []int) core.OwnerPrescan
	// Signaller and Closer are nil where the backend cannot act (a
	// capture); kill and close then refuse with core.ErrUnsupported.
	Signaller core.Signaller
	Closer    core.SocketCloser
	// CannotAct, when set, is why Signaller and Closer are nil on a
	// platform that has them (Linux: /proc is another pid namespace's).
	CannotAct error
	// ParentOf tells a process's parent, so that kill protects every
	// ancestor of gosof; nil protects the direct parent only.
	ParentOf func(pid int) (int, error)
	// Options reads socket options (--options, why, kill/close's
	// SO_REUSEADDR); nil where none can be read.
	Options core.OptionReader
	// FDs lists a process's descriptors, and FDSockets is the socket
	// source fds joins them with (on Solaris the MIB rows have no inode:
	// the lister's fdinfo gives them one).
	FDs       core.FDLister
	FDSockets core.SocketSource
	// Cmdline tells a process's command line, its arguments, for the fds
	// heading and --cmdline; nil where the platform cannot tell it.
	Cmdline func(pid int) ([]string, error)
	// SocketKind tells the protocol of a process's socket descriptor,
	// whether the socket table lists that kind, and why it lacks this one
	// (core.FDSources); nil where the platform cannot tell it.
	SocketKind func(pid, fd int, inode uint64) core.SocketKind
	// Context tells the systemd unit and container a process runs in
	// (--context, JSON, --unit); nil where the platform cannot tell it.
	Context func(pid int) (*core.Context, error)
	// FDsDeniedHint says how to get the access fds needs, for the user
	// gosof runs as; nil when the platform's own error says it.
	FDsDeniedHint func() string
	// FDsUnparsed says how many process files fds skipped because it
	// could not parse them (a damaged capture's fdinfo), said once with
	// what else could not be seen (core.Unseen.Unparsed); nil where none
	// are skipped.
	FDsUnparsed func() int
	// Prober is the bind probe inside the network namespace with inode
	// netns (0: the one the sockets were read from); nil when the port
	// cannot be probed at all, and ProbeSkipped then says why. A nil
	// result makes why say the probe was not available.
	Prober       func(netns uint64) diagnose.BindProber
	ProbeSkipped string
	// Unlisted says why the socket source lists no sockets of protocol
	// p, "" when it lists them; nil: it lists every protocol gosof
	// knows. Blind reads it for a filter.
	Unlisted func(p core.Proto) string
	// Unread says why the socket source's last read had no table of
	// protocol p, one it lists ("" when it had one), so that none of its
	// sockets could be seen there (Solaris: the reply had no TCP table;
	// Linux -A: a namespace was skipped); nil: every read has them all.
	// The why follows "no TCP socket could be seen" in parentheses.
	Unread func(p core.Proto) string
	// Devices refuses a --dev value that names no interface where the
	// sockets are read, with a usage error naming it (ss: "Cannot find
	// device"), before any is read; nil: every value may name one.
	Devices func(devs []string) error
	// ProcNetRead says whether the socket source's last read came from
	// /proc/net (--proc-net, or Linux where NETLINK_SOCK_DIAG is
	// refused), which lists no TCP socket only bound, tells no device
	// and no unix peers; nil: never.
	ProcNetRead func() bool
	// UnixFiles says whether the socket source's last read told which
	// file each unix socket is bound to (core.Socket.File; Linux
	// sock_diag, not /proc/net), so why PATH can tell the socket that
	// owns a file from others bound under its name; nil: never.
	UnixFiles func() bool
	// Notes is what the socket source had to fall back on, once read.
	Notes func() []string
	// PIDs lists the processes of the host (completion offers them);
	// nil where it cannot.
	PIDs func() ([]int, error)
	// OwnersHow says how a scan of every process finds socket holders
	// here, and if it cannot use the fastest way, why (gosof debug
	// owners); nil where there is only one way.
	OwnersHow func() (string, error)
	// EphemeralLow is the lowest port the kernel picks for a client's
	// end (completion offers server ports, below it); nil where unknown.
	EphemeralLow func() (uint16, error)
	// NetNSGone says, with --netns, when the namespace it named when the
	// backend was opened (found and pinned then, never looked up again)
	// is gone: no process is in it and no name under /run/netns refers
	// to it any more, so only gosof's pin keeps it; nil without --netns.
	NetNSGone func() error
}

// ProcPIDs lists the numeric entries of a /proc directory.
func ProcPIDs(proc string) ([]int, error) {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > 0 {
			pids = append(pids, n)
		}
	}
	return pids, nil
}

// Resolver joins the backend's sockets with their owners.
func (b *Backend) Resolver() *core.Resolver {
	return &core.Resolver{Sockets: b.Sockets, Owners: b.Owners, Prescan: b.Prescan, Context: b.Context}
}

// Blind says what f asks for that the socket source cannot list at all
// (Unlisted): a protocol f names (core.Filter.NamedProtos: --proto's, a
// PORT's own as in sctp:9999, unix for a PATH).
// msg is the one line that says so ("" when nothing), and all is set
// when f asks for nothing else, so that no answer can be given: "no
// match" would claim what gosof cannot see.
func (b *Backend) Blind(f *core.Filter) (msg string, all bool) {
	if b.Unlisted == nil {
		return "", false
	}
	named, all := f.NamedProtos()
	for _, p := range named {
		why := b.Unlisted(p)
		if why == "" {
			if f.WantsProto(p) {
				all = false
			}
			continue
		}
		if msg == "" {
			msg = fmt.Sprintf("this source lists no %s sockets (%s)", p, why)
		}
	}
	if msg == "" {
		return "", false
	}
	return msg, all
}

// UnreadProtos lists, of ps, the protocols whose table the socket source's
// last read lacked (Unread), with why, in ps's order.
func (b *Backend) UnreadProtos(ps ...core.Proto) (protos []core.Proto, why []string) {
	if b.Unread == nil {
		return nil, nil
	}
	for _, p := range ps {
		if w := b.Unread(p); w != "" {
			protos, why = append(protos, p), append(why, w)
		}
	}
	return protos, why
}

// SourceNotes is what the socket source had to fall back on.
func (b *Backend) SourceNotes() []string {
	if b.Notes == nil {
		return nil
	}
	return b.Notes()
}
