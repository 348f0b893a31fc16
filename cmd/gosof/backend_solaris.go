package main

import "github.com/gosof/gosof/platform/solaris"

// openPlatform is the live Solaris/illumos backend (Go also builds this
// file for GOOS=illumos). solaris.NewSignaller and solaris.Closer are
// ready for kill and close once the backend struct carries them.
func openPlatform(backendOptions) (*backend, error) {
	b, err := solaris.OpenLive()
	if err != nil {
		return nil, err
	}
	return &backend{sockets: b, owners: b}, nil
}
