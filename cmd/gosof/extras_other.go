//go:build !linux

package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gosof/gosof/core"
)

// On Solaris and illumos the options, descriptors and bind probe are not
// wired yet: platform/solaris parses the fdinfo misc items (bool options,
// linger, buffers, type, congestion) but its Backend does not yet offer them
// as a core.OptionReader or core.FDLister. Without them why reports
// "probe not available" and unknown options, and fds says it is unsupported.

func optionReader(backendOptions) core.OptionReader { return nil }

func bindProber(backendOptions, uint64) core.BindProber { return nil }

func fdLister(backendOptions) (core.FDLister, error) {
	return nil, fmt.Errorf("fds is not available on %s yet: %w", runtime.GOOS, errors.ErrUnsupported)
}
