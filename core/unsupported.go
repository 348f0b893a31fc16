//go:build !gccgo

package core

import "errors"

// ErrUnsupported marks an operation this platform, kernel or backend cannot
// do. With gc it is errors.ErrUnsupported itself (Go 1.21), so errors.Is
// matches either; gccgo's Go 1.18 library has none (unsupported_gccgo.go).
var ErrUnsupported = errors.ErrUnsupported
