package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/platform/solaris"
)

// openPlatform is the live Solaris/illumos backend (Go also builds this
// file for GOOS=illumos): options and descriptors from /proc/<pid>/fdinfo,
// and the bind probe on this host; there is no namespace to enter (a zone
// sees its own stack: run gosof in the zone).
func openPlatform(opt backendOptions) (*backend, error) {
	if opt.netns != "" || opt.allNetns {
		return nil, core.Usagef("--netns and --all-netns are Linux only (Solaris zones: run gosof in the zone)")
	}
	b, err := solaris.OpenLive()
	if err != nil {
		return nil, err
	}
	fds := solaris.FDs{B: b}
	parentOf := func(pid int) (int, error) {
		ps, err := b.Psinfo(pid)
		if err != nil {
			return 0, err
		}
		return ps.PPID, nil
	}
	return &backend{
		sockets:   b,
		owners:    b,
		signaller: solaris.NewSignaller(b),
		closer:    &solaris.Closer{B: b},
		parentOf:  parentOf,
		options:   solaris.SockOpts{B: b},
		fds:       fds,
		fdSockets: fds,
		cmdline:   fds.CommandLine,
		// fdsDeniedHint: the fdinfo permission error already says to run as root.
		prober: func(uint64) diagnose.BindProber { return solaris.Prober{} },
		notes:  b.Notes, // row layouts or EXPER_SOCK_INFO tables gosof could not decode
	}, nil
}
