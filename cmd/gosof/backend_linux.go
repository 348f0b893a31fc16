package main

import "github.com/gosof/gosof/platform/linux"

func openPlatform(opt backendOptions) (*backend, error) {
	fs := linux.DefaultFS()
	sockets := &linux.Sockets{FS: fs, ProcNetOnly: opt.procNet}
	signaller := &linux.Signaller{FS: fs}
	return &backend{
		sockets:   sockets,
		owners:    &linux.Owners{FS: fs},
		signaller: signaller,
		closer:    &linux.Closer{Destroyer: sockets, Signaller: signaller},
	}, nil
}
