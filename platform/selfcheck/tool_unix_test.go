//go:build linux

package selfcheck

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: a tool's output comes back whole; one that fails says how,
// with its stderr, and still returns what it wrote; one not in $PATH,
// or only in a relative directory of it, is not found.
func TestRun(t *testing.T) {
	out, err := run("sh", "-c", `echo "$LC_ALL"; seq 1 100000 | tail -n 1`)
	if err != nil || string(out) != "C\n100000\n" {
		t.Errorf("run sh: %q, %v", out, err)
	}
	out, err = run("sh", "-c", "echo partial; echo 'cannot grab 1' >&2; exit 3")
	if err == nil || string(out) != "partial\n" || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "cannot grab 1") {
		t.Errorf("run failing sh: %q, %v", out, err)
	}
	if _, err := run("gosof-no-such-tool"); !errors.Is(err, errNotFound) {
		t.Errorf("missing tool: %v, want errNotFound", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gosof-here"), []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv("PATH", ".:"+os.Getenv("PATH"))
	if out, err := run("gosof-here"); !errors.Is(err, errNotFound) {
		t.Errorf("tool in a relative $PATH entry: %q, %v; want errNotFound", out, err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	if out, err := run("gosof-here"); err != nil || string(out) != "ran\n" {
		t.Errorf("tool in an absolute $PATH entry: %q, %v", out, err)
	}
}
