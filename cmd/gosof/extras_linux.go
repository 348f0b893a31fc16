package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/linux"
)

// The Linux parts of why, fds and --options. A --replay capture is not this
// host: its options, descriptors and ports cannot be read or probed here.

func optionReader(opt backendOptions) core.OptionReader {
	if opt.replay != "" {
		return nil
	}
	return linux.SockOpts{}
}

func bindProber(opt backendOptions) core.BindProber {
	if opt.replay != "" {
		return nil
	}
	return &linux.Prober{FS: linux.DefaultFS()}
}

func fdLister(opt backendOptions) (core.FDLister, error) {
	if opt.replay != "" {
		return nil, core.Usagef("fds reads this host's processes; --replay cannot be used with it")
	}
	return &linux.FDs{FS: linux.DefaultFS()}, nil
}
