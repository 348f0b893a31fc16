//go:build !linux && !solaris

package host

import (
	"runtime"

	"github.com/gosof/gosof/platform"
)

// openLive: elsewhere there is no live backend, only a --replay capture.
func openLive(platform.Options) (*platform.Backend, error) { return nil, unsupported(runtime.GOOS) }
