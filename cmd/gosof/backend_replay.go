package main

import "github.com/gosof/gosof/platform/solaris"

// openReplay reads a Solaris/illumos capture made by 'gosof debug capture',
// on any OS: the same backend as on the live host, over recorded bytes.
func openReplay(dir string) (*backend, error) {
	b, err := solaris.OpenReplay(dir)
	if err != nil {
		return nil, err
	}
	return &backend{sockets: b, owners: b}, nil
}
