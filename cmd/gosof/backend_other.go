//go:build !linux && !solaris

package main

import (
	"errors"
	"fmt"
	"runtime"
)

// openPlatform: elsewhere there is no live backend, only a --replay capture.
func openPlatform(backendOptions) (*backend, error) {
	return nil, fmt.Errorf("gosof has no backend for %s (only linux, solaris and illumos; --replay works everywhere): %w",
		runtime.GOOS, core.ErrUnsupported)
}
