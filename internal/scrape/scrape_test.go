package scrape

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"
)

var capture = filepath.Join("..", "..", "testdata", "solaris", "illumos-amd64")

// TestOpenOncePerGather: Open checks the options and the source by opening
// the backend; the first Gather uses that backend, each later one opens
// its own (sockets and namespaces change between scrapes).
func TestOpenOncePerGather(t *testing.T) {
	orig := host.OpenCapture
	t.Cleanup(func() { host.OpenCapture = orig })
	opens := 0
	host.OpenCapture = func(dir string) (*platform.Backend, error) { opens++; return orig(dir) }

	var notes []string
	src, err := Open(platform.Options{Replay: capture}, func(n string) { notes = append(notes, n) })
	if err != nil {
		t.Fatal(err)
	}
	if opens != 1 {
		t.Fatalf("Open opened %d backends, want 1", opens)
	}
	for i, want := range []int{1, 2, 3} {
		res, err := src.Gather()
		if err != nil {
			t.Fatal(err)
		}
		if opens != want {
			t.Errorf("after gather %d: %d backends opened, want %d", i+1, opens, want)
		}
		if len(res.Sockets) == 0 {
			t.Errorf("gather %d: no sockets from %s", i+1, capture)
		}
	}
}

// TestOpenRefuses: what no backend takes, and a source that is not there,
// are refused by Open, before anything is gathered.
func TestOpenRefuses(t *testing.T) {
	for _, tc := range []struct {
		opt  platform.Options
		want string
	}{
		{platform.Options{NetNS: "x", AllNetNS: true}, "cannot be combined"},
		{platform.Options{Replay: filepath.Join(t.TempDir(), "absent")}, "absent"},
	} {
		if _, err := Open(tc.opt, func(string) {}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v) = %v, want an error with %q", tc.opt, err, tc.want)
		}
	}
}
