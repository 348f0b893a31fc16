package linux

import (
	"os"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

func TestMain(m *testing.M) {
	testhelper.Main()
	if os.Getenv(envScanAsNobody) != "" {
		scanAsNobody()
		return
	}
	os.Exit(m.Run())
}
