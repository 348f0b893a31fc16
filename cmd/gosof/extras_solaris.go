package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/solaris"
)

// The Solaris/illumos parts of why, fds and --options (Go also builds this
// file for GOOS=illumos): options and descriptors from /proc/<pid>/fdinfo,
// live or from a --replay capture, and the bind probe on the live host.

func optionReader(opt backendOptions) core.OptionReader {
	if opt.replay != "" {
		return replayOptionReader(opt.replay)
	}
	b, err := solaris.OpenLive()
	if err != nil {
		return nil
	}
	return solaris.SockOpts{B: b}
}

// bindProber probes this host; there is no namespace to enter (a zone
// sees its own stack: run gosof in the zone).
func bindProber(opt backendOptions, _ uint64) core.BindProber {
	if opt.replay != "" {
		return nil
	}
	return solaris.Prober{}
}

func fdLister(opt backendOptions) (core.FDLister, error) {
	if opt.replay != "" {
		return replayFDLister(opt.replay)
	}
	b, err := solaris.OpenLive()
	if err != nil {
		return nil, err
	}
	return solaris.FDs{B: b}, nil
}

// fdsDeniedHint: the fdinfo permission error already says to run as root.
func fdsDeniedHint(backendOptions) string { return "" }
