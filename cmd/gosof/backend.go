package main

import (
	"github.com/gosof/gosof/core"
)

// backend is what a platform gives the commands.
type backend struct {
	sockets core.SocketSource
	owners  core.OwnerSource
	// signaller and closer are nil where the backend cannot act (a
	// capture); kill and close then refuse with core.ErrUnsupported.
	signaller core.Signaller
	closer    core.SocketCloser
}

// backendOptions are the flags that choose or tune the backend.
type backendOptions struct {
	replay  string // --replay DIR: read a Solaris capture instead of this host
	procNet bool   // --proc-net: Linux, read /proc/net instead of sock_diag
	// --netns NS and --all-netns: Linux, the network namespaces to read.
	netns    string
	allNetns bool
}

// openBackend picks the backend: a capture when --replay is given (on any
// OS), else this host's platform (backend_<goos>.go).
func openBackend(opt backendOptions) (*backend, error) {
	if opt.netns != "" && opt.allNetns {
		return nil, core.Usagef("--netns and --all-netns cannot be combined")
	}
	if opt.replay != "" {
		if opt.netns != "" || opt.allNetns {
			return nil, core.Usagef("--netns and --all-netns do not apply to a --replay capture")
		}
		return openReplay(opt.replay)
	}
	return openPlatform(opt)
}

func (b *backend) resolver() *core.Resolver {
	return &core.Resolver{Sockets: b.sockets, Owners: b.owners}
}
