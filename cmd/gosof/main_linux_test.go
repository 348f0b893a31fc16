package main

import (
	"os"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestMain lets the test binary serve as a helper process (see
// internal/testhelper); it is the package's only TestMain.
func TestMain(m *testing.M) {
	testhelper.Main()
	os.Exit(m.Run())
}
