package main

import (
	"strconv"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/platform/linux"
)

// findNamespaces discovers the network namespaces in use; a variable so
// that a test can count the discoveries (at most one per run).
var findNamespaces = linux.Namespaces

// openPlatform is the live Linux backend: sock_diag (or /proc/net) in the
// namespaces the flags name, owners from /proc, pidfd signals and
// SOCK_DESTROY/pidfd_getfd closes, options through pidfd_getfd, and the
// bind probe inside the namespace a diagnosis asks for, taken from the
// namespaces found here rather than looked for again.
func openPlatform(opt backendOptions) (*backend, error) {
	fs := linux.DefaultFS()
	spaces, err := namespacesToRead(fs, opt)
	if err != nil {
		return nil, err
	}
	srcs := make([]*linux.Sockets, len(spaces))
	for i := range spaces {
		srcs[i] = &linux.Sockets{FS: fs, ProcNetOnly: opt.procNet, NS: spaces[i], Lenient: opt.allNetns, ProcFD: opt.procFD}
	}
	var sockets core.SocketSource = srcs[0]
	if len(srcs) > 1 {
		ss := make(core.Sources, len(srcs))
		for i, s := range srcs {
			ss[i] = s
		}
		sockets = ss
	}
	signaller := &linux.Signaller{FS: fs}
	fds := &linux.FDs{FS: fs}
	owners := &linux.Owners{FS: fs, ProcFD: opt.procFD}
	// A /proc of another pid namespace names other processes than the
	// ones gosof would signal: listing says so, kill and close refuse.
	foreignProc := linux.ProcIsOurs(fs)
	b := &backend{
		sockets:   sockets,
		owners:    owners,
		prescan:   owners.Prescan,
		signaller: signaller,
		// SOCK_DESTROY must go through a sock_diag socket of the socket's own namespace.
		closer:        &linux.Closer{Destroyer: linux.NetNSDestroyer(srcs), Signaller: signaller},
		parentOf:      linux.ParentOf(fs),
		options:       linux.SockOpts{},
		fds:           fds,
		fdSockets:     sockets,
		cmdline:       fds.CommandLine,
		fdsDeniedHint: "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH",
		prober:        func(netns uint64) diagnose.BindProber { return prober(fs, opt, spaces, netns) },
		notes: func() []string {
			var notes []string
			if foreignProc != nil {
				notes = append(notes, "the PIDs shown are not gosof's: "+foreignProc.Error())
			}
			for _, s := range srcs {
				notes = append(notes, s.Notes()...)
			}
			return notes
		},
	}
	if foreignProc != nil {
		b.signaller, b.closer, b.cannotAct = nil, nil, foreignProc
	}
	return b, nil
}

// namespacesToRead is the network namespaces to read sockets from:
// gosof's own by default (nil), plus those of the processes asked about
// (--pid, fds PID) that live in another; the one --netns names; or every
// one in use.
func namespacesToRead(fs linux.FS, opt backendOptions) ([]*linux.Namespace, error) {
	if !opt.allNetns && opt.netns == "" {
		return withPIDNamespaces(fs, opt.pids)
	}
	all, err := findNamespaces(fs)
	if err != nil {
		return nil, err
	}
	if opt.netns != "" {
		ns, err := linux.FindNamespace(fs, all, opt.netns)
		if err != nil {
			return nil, err
		}
		return []*linux.Namespace{&ns}, nil
	}
	spaces := make([]*linux.Namespace, len(all))
	for i := range all {
		spaces[i] = &all[i]
	}
	return spaces, nil
}

// withPIDNamespaces is gosof's own namespace, and the namespaces of pids
// that are not gosof's own: `ls --pid P` and `fds P` for a process in a
// container find its sockets where they are. A process whose namespace
// cannot be read is left to the owner scan to report.
func withPIDNamespaces(fs linux.FS, pids []int) ([]*linux.Namespace, error) {
	spaces := []*linux.Namespace{nil}
	self, err := linux.NetNSInode(fs, "self")
	if err != nil || len(pids) == 0 {
		return spaces, nil
	}
	foreign := map[uint64]bool{}
	for _, pid := range pids {
		if ino, err := linux.NetNSInode(fs, strconv.Itoa(pid)); err == nil && ino != self {
			foreign[ino] = true
		}
	}
	if len(foreign) == 0 {
		return spaces, nil
	}
	all, err := findNamespaces(fs)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if !all[i].Self && foreign[all[i].Inode] {
			spaces = append(spaces, &all[i])
		}
	}
	return spaces, nil
}

// prober probes inside the namespace whose sockets are diagnosed: the one
// --netns names, or (--all-netns) the namespace with inode netns among
// those read. nil, when that namespace is not among them, makes why say
// the probe was not available.
func prober(fs linux.FS, opt backendOptions, spaces []*linux.Namespace, netns uint64) diagnose.BindProber {
	switch {
	case opt.netns != "":
		return &linux.Prober{FS: fs, NS: spaces[0]}
	case !opt.allNetns || netns == 0:
		return &linux.Prober{FS: fs}
	}
	for _, ns := range spaces {
		if ns.Inode == netns {
			return &linux.Prober{FS: fs, NS: ns}
		}
	}
	return nil
}
