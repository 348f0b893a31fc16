//go:build gc

package gcpolicy

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestShortRun: the collector is off and the memory limit set.
func TestShortRun(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	ShortRun()
	if gc := debug.SetGCPercent(100); gc != -1 {
		t.Errorf("GOGC %d, want -1 (off)", gc)
	}
	if lim := debug.SetMemoryLimit(-1); lim != MemoryLimit {
		t.Errorf("memory limit %d, want %d", lim, MemoryLimit)
	}
	t.Setenv("GOGC", "100")
	if !CollectorOff() {
		t.Error("CollectorOff() false after ShortRun")
	}
}

// TestCollectorOffFromGOGC: GOGC turns the collector off as the runtime
// reads it (runtime.readGOGC): "off" or below zero; anything else leaves
// it on.
func TestCollectorOffFromGOGC(t *testing.T) {
	defer atomic.StoreInt32(&shortRun, atomic.LoadInt32(&shortRun))
	atomic.StoreInt32(&shortRun, 0)
	for g, want := range map[string]bool{"off": true, "-1": true, "-100": true, "": false, "100": false, "0": false, "OFF": false, "x": false, "99999999999": false} {
		t.Setenv("GOGC", g)
		if got := CollectorOff(); got != want {
			t.Errorf("GOGC=%q: CollectorOff() = %v, want %v", g, got, want)
		}
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
