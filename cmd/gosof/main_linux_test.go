package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/testhelper"
)

// envCLI makes the test binary run the CLI itself with these arguments
// (separated by \x1f) and exit with its code: a test starts it as another
// user to see what that user sees.
const envCLI = "GOSOF_TEST_CLI"

// envLayoutCache points the CLI's kept layout (fditer.LayoutCache) at a
// file of the test's own: other tests, and other packages' tests run
// meanwhile, keep theirs in /run/gosof.
const envLayoutCache = "GOSOF_TEST_LAYOUT_CACHE"

// envWatchPanic makes the CLI run through a link panic in watch after its
// first refresh (TestWatchTerminal).
const envWatchPanic = "GOSOF_TEST_WATCH_PANIC"

// TestMain lets the test binary serve as a helper process (see
// internal/testhelper) or as gosof itself; it is the package's only TestMain.
func TestMain(m *testing.M) {
	testhelper.Main()
	// the test host has few descriptors: every full owner scan goes
	// through the BPF iterator where it loads, not only from 2,000 files
	fditer.MinFiles = 0
	if p := os.Getenv(envLayoutCache); p != "" {
		fditer.LayoutCache = p
	}
	if filepath.Base(os.Args[0]) == "gosof" {
		// Started through a link named gosof: the CLI as a user runs it
		// (the shell completion tests put one in PATH).
		if os.Getenv(envWatchPanic) == "1" {
			watchRefreshed = func(int) { panic("a panic the test asked for") }
		}
		os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	if args := os.Getenv(envCLI); args != "" {
		os.Exit(run(append([]string{"gosof"}, strings.Split(args, "\x1f")...), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
