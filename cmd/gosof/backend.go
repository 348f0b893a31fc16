package main

import (
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/core/release"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"
)

// openBackend opens the backend the flags name: a capture when --replay
// is given (on any OS), else this host's platform.
func openBackend(opt platform.Options) (*platform.Backend, error) { return host.Open(opt) }

// releaser is what kill and close need of the backend.
func (s *session) releaser() release.Backend {
	b := s.b
	return release.Backend{Resolver: s.resolver(s.c.Bool("json")), Signaller: b.Signaller, Closer: b.Closer, Options: b.Options, ParentOf: b.ParentOf,
		StillBound: diagnose.StillBound(b.Prober), NamedNetNS: s.namedNetNS()}
}
