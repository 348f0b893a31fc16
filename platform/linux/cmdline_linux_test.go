//go:build linux

package linux

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
)

// CommandLine is this very process's arguments, joined by spaces; a pid
// that does not exist is gone.
func TestCommandLineOfSelf(t *testing.T) {
	l := &FDs{FS: DefaultFS()}
	got, err := l.CommandLine(os.Getpid())
	if want := strings.Join(os.Args, " "); err != nil || got != want {
		t.Fatalf("CommandLine(self) = %q, %v; want %q", got, err, want)
	}
	if _, err := l.CommandLine(1 << 30); !errors.Is(err, core.ErrGone) {
		t.Fatalf("CommandLine(no such pid): %v, want ErrGone", err)
	}
}
