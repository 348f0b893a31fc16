// Package host opens the backend a command reads: a --replay capture (on
// any OS), or this host's own platform (host_<goos>.go).
package host

import (
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/solaris"
)

// Open checks opt and opens the backend it names.
func Open(opt platform.Options) (*platform.Backend, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	if opt.Replay != "" {
		return OpenCapture(opt.Replay)
	}
	return openLive(opt)
}

// OpenCapture reads a Solaris/illumos capture made by 'gosof debug
// capture'; a variable so that a test can count the parses (one per run).
var OpenCapture = solaris.OpenCapture
