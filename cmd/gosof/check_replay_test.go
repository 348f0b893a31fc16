package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/golden"
	"github.com/gosof/gosof/internal/testhelper"
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

// TestDebugCheckReplayNotCompared: a saved listing that is empty or
// missing is a comparison not made: said in one line naming the file,
// never "no differences", exit 1; an empty listing before gosof's read
// leaves nothing to check (exit 2).
func TestDebugCheckReplayNotCompared(t *testing.T) {
	for _, tt := range []struct {
		file   string
		remove bool
		code   int
		want   string
	}{
		{"netstat-anu.txt", false, 1, "not compared: owners with netstat -anu: tools/netstat-anu.txt is empty\n"},
		{"netstat-an.after.txt", false, 1, "not compared: what changed while checking: tools/netstat-an.after.txt is empty"},
		{"netstat-an.after.txt", true, 1, "not compared: what changed while checking: tools/netstat-an.after.txt is missing"},
		{"pfiles.txt", false, 1, "not compared: descriptors with pfiles: tools/pfiles.txt is empty, though gosof names 3 processes"},
		{"netstat-an.before.txt", false, 2, "tools/netstat-an.before.txt is empty"},
	} {
		t.Run(fmt.Sprintf("%s removed=%v", tt.file, tt.remove), func(t *testing.T) {
			dir := testhelper.CopyTree(t, filepath.Join(solarisFixtures, "illumos-creators-amd64"))
			p := filepath.Join(dir, "tools", tt.file)
			var err error
			if tt.remove {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, nil, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := gosofReplay(t, "debug", "check", "--replay", dir)
			got := stdout + stderr
			if code != tt.code || !strings.Contains(got, tt.want) || strings.Contains(got, "no differences\n") {
				t.Errorf("exit %d, want %d saying %q and not \"no differences\":\n%s", code, tt.code, tt.want, got)
			}
			if tt.code == 1 && !strings.HasSuffix(stdout, "1 comparison not made: no differences in what was compared\n") {
				t.Errorf("last line is not the comparison not made:\n%s", stdout)
			}
		})
	}
}

// TestDebugCheckReplayPfilesArgs: pfiles prints a command line raw; one
// holding a newline is read as that process's arguments, and the check
// goes on and agrees.
func TestDebugCheckReplayPfilesArgs(t *testing.T) {
	dir := testhelper.CopyTree(t, filepath.Join(solarisFixtures, "illumos-creators-amd64"))
	p := filepath.Join(dir, "tools", "pfiles.txt")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	const line = "1500:\tnginx: master process /usr/sbin/nginx\n"
	if !strings.HasPrefix(string(b), line) {
		t.Fatalf("pfiles.txt starts %q", b[:60])
	}
	b = append([]byte("1500:\tnginx -c\n/etc/x\n"), b[len(line):]...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := gosofReplay(t, "debug", "check", "--replay", dir)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "owners: 3 of 3 processes agree with pfiles\n") {
		t.Errorf("exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
}
