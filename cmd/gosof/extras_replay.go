package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/solaris"
)

// With --replay, on every OS, socket options and descriptors come from the
// capture's /proc/<pid>/fdinfo files, read the same way as on a live
// Solaris host. The bind probe never runs on a capture: it is not this
// host.

// replayOptionReader reads options from the capture in dir; nil when it
// cannot be opened (openBackend, called first, has said why).
func replayOptionReader(dir string) core.OptionReader {
	b, err := solaris.OpenReplay(dir)
	if err != nil {
		return nil
	}
	return solaris.SockOpts{B: b}
}

// replayFDLister lists descriptors from the capture in dir. It is also
// the socket source fds joins them with (solaris.FDs.Sockets gives the
// MIB rows the inodes the fdinfo names).
func replayFDLister(dir string) (core.FDLister, error) {
	b, err := solaris.OpenReplay(dir)
	if err != nil {
		return nil, err
	}
	return solaris.FDs{B: b}, nil
}
