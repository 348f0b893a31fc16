//go:build !solaris

package solaris

import (
	"fmt"
	"io"
	"runtime"

	"github.com/gosof/gosof/core"
)

// Capture reads a live Solaris/illumos kernel, so elsewhere it can only
// say so (a capture replays on any OS).
func Capture(dir string, _ io.Writer) error {
	return fmt.Errorf("debug capture reads a Solaris/illumos kernel; this is %s: %w", runtime.GOOS, core.ErrUnsupported)
}
