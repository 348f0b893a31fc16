package host

import (
	"fmt"

	"github.com/gosof/gosof/core"
)

// unsupported is the error of a live backend on a system gosof has none
// for: only --replay works there.
func unsupported(goos string) error {
	return fmt.Errorf("gosof has no backend for %s (only linux, solaris and illumos; --replay works everywhere): %w",
		goos, core.ErrUnsupported)
}
