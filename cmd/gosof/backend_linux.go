package main

import (
	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/linux"
)

func openPlatform(opt backendOptions) (*backend, error) {
	fs := linux.DefaultFS()
	srcs, err := namespaceSources(fs, opt)
	if err != nil {
		return nil, err
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
	return &backend{
		sockets:   sockets,
		owners:    &linux.Owners{FS: fs},
		signaller: signaller,
		// SOCK_DESTROY must go through a sock_diag socket of the socket's own namespace.
		closer:   &linux.Closer{Destroyer: linux.NetNSDestroyer(srcs), Signaller: signaller},
		parentOf: linux.ParentOf(fs),
	}, nil
}

// namespaceSources is one socket source per network namespace to read:
// gosof's own by default, the one --netns names, or every one in use.
func namespaceSources(fs linux.FS, opt backendOptions) ([]*linux.Sockets, error) {
	switch {
	case opt.allNetns:
		all, err := linux.Namespaces(fs)
		if err != nil {
			return nil, err
		}
		srcs := make([]*linux.Sockets, len(all))
		for i := range all {
			srcs[i] = &linux.Sockets{FS: fs, ProcNetOnly: opt.procNet, NS: &all[i]}
		}
		return srcs, nil
	case opt.netns != "":
		ns, err := linux.FindNamespace(fs, opt.netns)
		if err != nil {
			return nil, err
		}
		return []*linux.Sockets{{FS: fs, ProcNetOnly: opt.procNet, NS: &ns}}, nil
	}
	return []*linux.Sockets{{FS: fs, ProcNetOnly: opt.procNet}}, nil
}
