package solaris

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// copyCapture copies a fixture to a directory the test may change.
func copyCapture(t *testing.T, name string) string {
	return testhelper.CopyTree(t, filepath.Join(fixtureRoot, name))
}

// TestReplaySparseMIB: a 250 MB mib2 of zeros (under the size cap) is
// refused after the few hundred KB of empty groups it takes to exceed the
// group limit, without reading the file into memory first: what OpenReplay
// allocates stays a small fraction of the file.
func TestReplaySparseMIB(t *testing.T) {
	dir := copyCapture(t, "illumos-amd64")
	if err := os.Truncate(filepath.Join(dir, "mib2"), 250<<20); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := OpenReplay(dir)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "more than 65536 groups") {
		t.Errorf("OpenReplay: %v, want the group limit", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
		t.Errorf("OpenReplay allocated %d MB for a 250 MB file of padding", n>>20)
	}
}
