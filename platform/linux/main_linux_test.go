package linux

import (
	"os"
	"testing"

	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/testhelper"
)

func TestMain(m *testing.M) {
	testhelper.Main()
	// the tests' hosts have few descriptors: every full scan goes
	// through the iterator where it can load (TestFileNrThreshold is the
	// threshold's test)
	fditer.MinFiles = 0
	if mode := os.Getenv(envIterPIDNS); mode != "" {
		pidnsChild(mode)
		return
	}
	if mode := os.Getenv(envIterStatus); mode != "" {
		iterStatusChild(mode)
		return
	}
	if os.Getenv(envScanAsNobody) != "" {
		scanAsNobody()
		return
	}
	os.Exit(m.Run())
}
