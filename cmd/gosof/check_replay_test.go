package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/golden"
)

// TestDebugCheckReplay: 'debug check --replay' on the captures that hold
// what netstat and pfiles said (tools/): every table, owner and
// descriptor agrees; creators are not compared; the report is the same in
// both byte orders.
func TestDebugCheckReplay(t *testing.T) {
	for _, pair := range [][2]string{
		{"illumos-creators-amd64", "illumos-creators-sparc"},
		{"solaris11-dualstack-amd64", "solaris11-dualstack-sparc"},
	} {
		var outs [2]string
		for i, capture := range pair {
			stdout, stderr, code := gosofReplay(t, "debug", "check", "--replay", filepath.Join(solarisFixtures, capture))
			if code != 0 || stderr != "" {
				t.Errorf("%s: exit %d, stderr %q:\n%s", capture, code, stderr, stdout)
			}
			outs[i] = stdout
		}
		if outs[0] != outs[1] {
			t.Errorf("%s and %s report differently:\n%s\n%s", pair[0], pair[1], outs[0], outs[1])
		}
		golden.Check(t, filepath.Join(solarisFixtures, strings.TrimSuffix(pair[0], "-amd64")+".check.golden"), []byte(outs[0]))
	}
	// A capture without the tools' output is refused in one line.
	_, stderr, code := gosofReplay(t, "debug", "check", "--replay", filepath.Join(solarisFixtures, "illumos-amd64"))
	if code != 2 || !strings.Contains(stderr, "holds no netstat output") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	for _, args := range [][]string{{"debug", "check"}, {"debug", "check", "a", "b"}, {"debug", "check", "--replay", "x", "DIR"}} {
		if _, stderr, code := gosofReplay(t, args...); code != 2 || !strings.Contains(stderr, "usage: gosof debug") {
			t.Errorf("gosof %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestDebugEmptyDir: an empty DIR is bad input (exit 2, one line), never
// the current directory.
func TestDebugEmptyDir(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	for _, args := range [][]string{{"debug", "check", ""}, {"debug", "capture", ""}, {"debug", "check", " "}} {
		stdout, stderr, code := gosofReplay(t, args...)
		if code != 2 || !strings.Contains(stderr, "is empty") || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("gosof %q: exit %d, stderr %q, stdout %q; want exit 2 saying DIR is empty", args, code, stderr, stdout)
		}
	}
	if ents, _ := os.ReadDir(cwd); len(ents) > 0 {
		t.Errorf("an empty DIR wrote into the current directory: %v", ents)
	}
}
