package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/solaris"
)

// openPlatform is the live Solaris/illumos backend (Go also builds this
// file for GOOS=illumos).
func openPlatform(opt backendOptions) (*backend, error) {
	if opt.netns != "" || opt.allNetns {
		return nil, core.Usagef("--netns and --all-netns are Linux only (Solaris zones: run gosof in the zone)")
	}
	b, err := solaris.OpenLive()
	if err != nil {
		return nil, err
	}
	parentOf := func(pid int) (int, error) {
		ps, err := b.Psinfo(pid)
		if err != nil {
			return 0, err
		}
		return ps.PPID, nil
	}
	return &backend{sockets: b, owners: b, signaller: solaris.NewSignaller(b), closer: &solaris.Closer{B: b}, parentOf: parentOf}, nil
}
