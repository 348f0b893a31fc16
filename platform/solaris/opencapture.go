package solaris

import "github.com/gosof/gosof/platform"

// OpenCapture reads a Solaris/illumos capture made by 'gosof debug
// capture', on any OS: the same backend as on the live host, over recorded
// bytes, parsed once. Socket options and descriptors come from the
// capture's /proc/<pid>/fdinfo files; it cannot act, and its ports are
// never probed: it is not this host.
func OpenCapture(dir string) (*platform.Backend, error) {
	b, err := OpenReplay(dir)
	if err != nil {
		return nil, err
	}
	fds := FDs{B: b}
	return &platform.Backend{
		Sockets:      b,
		Owners:       b,
		Options:      SockOpts{B: b},
		FDs:          fds,
		FDSockets:    fds,
		Unlisted:     Unlisted,
		Unread:       b.Unread,
		Devices:      Devices,
		Cmdline:      fds.CommandLine,
		FDsUnparsed:  b.UnparsedFdinfo,
		ProbeSkipped: "a --replay capture is not this host",
		Notes:        b.Notes, // row layouts or EXPER_SOCK_INFO tables gosof could not decode
	}, nil
}
