package solaris

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/platform"
)

// Open is the live Solaris/illumos backend (Go also builds this file for
// GOOS=illumos): options and descriptors from /proc/<pid>/fdinfo, and the
// bind probe on this host; there is no namespace to enter (a zone sees
// its own stack: run gosof in the zone).
func Open(opt platform.Options) (*platform.Backend, error) {
	if opt.NetNS != "" || opt.AllNetNS {
		return nil, core.Usagef("--netns and --all-netns are Linux only (Solaris zones: run gosof in the zone)")
	}
	b, err := OpenLive()
	if err != nil {
		return nil, err
	}
	fds := FDs{B: b}
	parentOf := func(pid int) (int, error) {
		ps, err := b.Psinfo(pid)
		if err != nil {
			return 0, err
		}
		return ps.PPID, nil
	}
	return &platform.Backend{
		Sockets:     b,
		Owners:      b,
		Signaller:   NewSignaller(b),
		Closer:      &Closer{B: b},
		ParentOf:    parentOf,
		Options:     SockOpts{B: b},
		FDs:         fds,
		Unlisted:    Unlisted,
		Unread:      b.Unread,
		Devices:     Devices,
		FDSockets:   fds,
		Cmdline:     fds.CommandLine,
		FDsUnparsed: b.UnparsedFdinfo,
		// FDsDeniedHint: the fdinfo permission error already says to run as root.
		Prober: func(uint64) diagnose.BindProber { return Prober{} },
		Notes:  b.Notes, // row layouts or EXPER_SOCK_INFO tables gosof could not decode
		PIDs:   func() ([]int, error) { return platform.ProcPIDs("/proc") },
	}, nil
}
