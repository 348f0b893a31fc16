package main

import "github.com/gosof/gosof/platform/solaris"

// readCapture parses a capture; a variable so that a test can count the
// parses (one per run).
var readCapture = solaris.OpenReplay

// openCapture reads a Solaris/illumos capture made by 'gosof debug capture',
// on any OS: the same backend as on the live host, over recorded bytes,
// parsed once. Socket options and descriptors come from the capture's
// /proc/<pid>/fdinfo files; it cannot act, and its ports are never probed:
// it is not this host.
func openCapture(dir string) (*backend, error) {
	b, err := readCapture(dir)
	if err != nil {
		return nil, err
	}
	fds := solaris.FDs{B: b}
	return &backend{
		sockets:      b,
		owners:       b,
		options:      solaris.SockOpts{B: b},
		fds:          fds,
		fdSockets:    fds,
		cmdline:      fds.CommandLine,
		probeSkipped: "a --replay capture is not this host",
		notes:        b.Notes, // row layouts or EXPER_SOCK_INFO tables gosof could not decode
	}, nil
}
