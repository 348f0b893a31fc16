package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/core/release"
)

// backend is everything a platform gives the commands, opened once per run
// by exactly one constructor per target (openPlatform in backend_linux.go,
// backend_solaris.go and backend_other.go, openCapture in
// backend_capture.go) and then passed down. A nil capability is one the
// target does not have.
type backend struct {
	sockets core.SocketSource
	owners  core.OwnerSource
	// prescan starts the owner scan while the sockets are listed; nil
	// where owners are attached after.
	prescan func(pids []int) core.OwnerPrescan
	// signaller and closer are nil where the backend cannot act (a
	// capture); kill and close then refuse with core.ErrUnsupported.
	signaller core.Signaller
	closer    core.SocketCloser
	// parentOf tells a process's parent, so that kill protects every
	// ancestor of gosof; nil protects the direct parent only.
	parentOf func(pid int) (int, error)
	// options reads socket options (--options, why, kill/close's
	// SO_REUSEADDR); nil where none can be read.
	options core.OptionReader
	// fds lists a process's descriptors, and fdSockets is the socket
	// source fds joins them with (on Solaris the MIB rows have no inode:
	// the lister's fdinfo gives them one).
	fds       core.FDLister
	fdSockets core.SocketSource
	// cmdline tells a process's command line, its arguments, for the fds
	// heading and --cmdline; nil where the platform cannot tell it.
	cmdline func(pid int) ([]string, error)
	// fdsDeniedHint says how to get the access fds needs; "" when the
	// platform's own error says it.
	fdsDeniedHint string
	// prober is the bind probe inside the network namespace with inode
	// netns (0: the one the sockets were read from); nil when the port
	// cannot be probed at all, and probeSkipped then says why. A nil
	// result makes why say the probe was not available.
	prober       func(netns uint64) diagnose.BindProber
	probeSkipped string
	// notes is what the socket source had to fall back on, once read.
	notes func() []string
}

// backendOptions are the flags that choose or tune the backend.
type backendOptions struct {
	replay  string // --replay DIR: read a Solaris capture instead of this host
	procNet bool   // --proc-net: Linux, read /proc/net instead of sock_diag
	procFD  bool   // --proc-fd: Linux, owners from /proc/PID/fd, not the BPF iterator
	// --netns NS and --all-netns: Linux, the network namespaces to read.
	netns    string
	allNetns bool
	// pids are the processes asked about (--pid, fds PID): without
	// --netns or --all-netns, Linux reads their network namespaces too.
	pids []int
}

// openBackend picks the backend: a capture when --replay is given (on any
// OS), else this host's platform (backend_<goos>.go).
func openBackend(opt backendOptions) (*backend, error) {
	if opt.netns != "" && opt.allNetns {
		return nil, core.Usagef("--netns and --all-netns cannot be combined")
	}
	if opt.replay != "" {
		if opt.netns != "" || opt.allNetns {
			return nil, core.Usagef("--netns and --all-netns do not apply to a --replay capture")
		}
		return openCapture(opt.replay)
	}
	return openPlatform(opt)
}

func (b *backend) resolver() *core.Resolver {
	return &core.Resolver{Sockets: b.sockets, Owners: b.owners, Prescan: b.prescan}
}

// releaser is what kill and close need of the backend.
func (b *backend) releaser() release.Backend {
	return release.Backend{Resolver: b.resolver(), Signaller: b.signaller, Closer: b.closer, Options: b.options, ParentOf: b.parentOf,
		StillBound: diagnose.StillBound(b.prober)}
}

// sourceNotes is what the socket source had to fall back on.
func (b *backend) sourceNotes() []string {
	if b.notes == nil {
		return nil
	}
	return b.notes()
}
