//go:build gccgo

package core

import "errors"

// ErrUnsupported: see unsupported.go. gccgo implements the Go 1.18 library,
// which predates errors.ErrUnsupported; this one reads the same.
var ErrUnsupported = errors.New("unsupported operation")
