package host

import (
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/linux"
)

func openLive(opt platform.Options) (*platform.Backend, error) { return linux.Open(opt) }
