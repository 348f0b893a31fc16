package main

import (
	"errors"
	"fmt"
)

// openReplay reads a Solaris/illumos capture made by 'gosof debug capture'.
func openReplay(dir string) (*backend, error) {
	return nil, fmt.Errorf("--replay %s: %w", dir, errors.ErrUnsupported)
}
