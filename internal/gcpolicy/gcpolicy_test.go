package gcpolicy

import (
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
)

// TestForPrint: GOGC is 200 while resolve runs and what it was after,
// and resolve's result and error pass through.
func TestForPrint(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	during := 0
	want := &core.Result{}
	res, err := ForPrint(func(*core.Filter) (*core.Result, error) {
		during = debug.SetGCPercent(-1)
		debug.SetGCPercent(during)
		return want, nil
	})(&core.Filter{})
	if res != want || err != nil || during != 200 {
		t.Errorf("result %p, %v, GOGC %d while resolving; want %p, nil, 200", res, err, during, want)
	}
	if after := debug.SetGCPercent(150); after != 150 {
		t.Errorf("GOGC %d after, want 150 as before", after)
	}
	boom := errors.New("boom")
	if _, err := ForPrint(func(*core.Filter) (*core.Result, error) { return nil, boom })(&core.Filter{}); err != boom {
		t.Errorf("error %v, want %v", err, boom)
	}
}

// TestNoGCPolicyInLibraries: the library packages (core and platform, not
// the commands) import no runtime/debug: GC policy is the command's.
func TestNoGCPolicyInLibraries(t *testing.T) {
	for _, dir := range []string{"core", "core/diagnose", "core/release", "core/metrics", "platform/linux", "platform/solaris"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if len(files) == 0 {
			t.Errorf("no Go files in %s", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "runtime/debug" {
					t.Errorf("%s imports runtime/debug", f)
				}
			}
		}
	}
}
