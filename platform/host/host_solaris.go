package host

import (
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/solaris"
)

// Go builds this file for GOOS=illumos too.
func openLive(opt platform.Options) (*platform.Backend, error) { return solaris.Open(opt) }
