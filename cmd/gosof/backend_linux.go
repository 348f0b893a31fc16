package main

import "github.com/gosof/gosof/platform/linux"

func openPlatform(opt backendOptions) (*backend, error) {
	fs := linux.DefaultFS()
	return &backend{
		sockets: &linux.Sockets{FS: fs, ProcNetOnly: opt.procNet},
		owners:  &linux.Owners{FS: fs},
	}, nil
}
