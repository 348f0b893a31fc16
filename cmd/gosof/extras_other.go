//go:build !linux && !solaris

package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gosof/gosof/core"
)

// Elsewhere there is no live backend: only a --replay capture has options
// and descriptors to show, and the bind probe is never available.

func optionReader(opt backendOptions) core.OptionReader {
	if opt.replay != "" {
		return replayOptionReader(opt.replay)
	}
	return nil
}

func bindProber(backendOptions, uint64) core.BindProber { return nil }

func fdLister(opt backendOptions) (core.FDLister, error) {
	if opt.replay != "" {
		return replayFDLister(opt.replay)
	}
	return nil, fmt.Errorf("fds is not available on %s (only linux, solaris and illumos; --replay works everywhere): %w",
		runtime.GOOS, core.ErrUnsupported)
}

func fdsDeniedHint(backendOptions) string { return "" }
