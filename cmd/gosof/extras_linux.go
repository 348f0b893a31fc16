package main

import (
	"strconv"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/linux"
)

// The Linux parts of why, fds and --options. A --replay capture is not this
// host: its options and descriptors come from its fdinfo files
// (extras_replay.go), and its ports are never probed.

func optionReader(opt backendOptions) core.OptionReader {
	if opt.replay != "" {
		return replayOptionReader(opt.replay)
	}
	return linux.SockOpts{}
}

// bindProber probes inside the namespace whose sockets are diagnosed:
// the one --netns names, or (--all-netns) the namespace with inode netns.
// nil, when that namespace cannot be found, makes why say the probe was
// not available.
func bindProber(opt backendOptions, netns uint64) core.BindProber {
	fs := linux.DefaultFS()
	spec := opt.netns
	if opt.allNetns && netns != 0 {
		spec = strconv.FormatUint(netns, 10)
	}
	switch {
	case opt.replay != "":
		return nil
	case spec == "":
		return &linux.Prober{FS: fs}
	}
	ns, err := linux.FindNamespace(fs, spec)
	if err != nil {
		return nil
	}
	return &linux.Prober{FS: fs, NS: &ns}
}

func fdLister(opt backendOptions) (core.FDLister, error) {
	if opt.replay != "" {
		return replayFDLister(opt.replay)
	}
	return &linux.FDs{FS: linux.DefaultFS()}, nil
}

// fdsDeniedHint says how to get the access pidfd_getfd and /proc/<pid>/fd
// need; a capture's own errors say what they need.
func fdsDeniedHint(opt backendOptions) string {
	if opt.replay != "" {
		return ""
	}
	return "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH"
}
