package main

import (
	"errors"
	"fmt"
)

func openPlatform(backendOptions) (*backend, error) {
	return nil, fmt.Errorf("the Solaris backend is not built yet: %w", errors.ErrUnsupported)
}
