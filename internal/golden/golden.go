// Package golden is the tests' one golden-file helper: it compares output
// with a file under testdata and, when the tests run with -update, rewrites
// the file first. Only tests import it.
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files and generated fixtures the tests compare with")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Check compares got with the file at path, "(-want +got)"; with -update it
// writes got there first.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
