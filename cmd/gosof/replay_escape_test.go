package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestReplayOptionsEscaped: text inside socket options (a congestion
// control name, which a Solaris capture carries as bytes) is escaped in
// --options JSON like every other string, and shown escaped in the table.
// The capture is solaris11-fdinfo with "cubic" made "c\u202ec" in one
// descriptor's fdinfo (the same length, so the item stays well formed).
func TestReplayOptionsEscaped(t *testing.T) {
	dir := testhelper.CopyTree(t, fdinfoCapture)
	fdinfo := filepath.Join(dir, "proc", "1200", "fdinfo", "8")
	b, err := os.ReadFile(fdinfo)
	if err != nil || bytes.Count(b, []byte("cubic\x00")) != 1 {
		t.Fatalf("%s: %v, want one cubic in it", fdinfo, err)
	}
	if err := os.WriteFile(fdinfo, bytes.Replace(b, []byte("cubic"), []byte("c\u202ec"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--json"}, {"--jsonl"}, {}} {
		out, errOut, code := gosofReplay(t, append([]string{"ls", "--replay", dir, "--options"}, args...)...)
		if code != 0 {
			t.Fatalf("ls --options %v: exit %d %s", args, code, errOut)
		}
		if strings.Contains(out, "\u202e") {
			t.Errorf("ls --options %v: U+202E raw in the output", args)
		}
		want := `cc=c\u202ec`
		if len(args) > 0 {
			want = `"congestion": "c\u202ec"`
			if args[0] == "--jsonl" {
				want = `"congestion":"c\u202ec"`
			}
		}
		if !strings.Contains(out, want) {
			t.Errorf("ls --options %v: no %s in\n%s", args, want, out)
		}
	}
	out, _, _ := gosofReplay(t, "ls", "--replay", dir, "--options", "--json")
	var socks []struct {
		Owners []struct {
			Options *struct {
				Congestion string `json:"congestion"`
			} `json:"options"`
		} `json:"owners"`
	}
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range socks {
		for _, o := range s.Owners {
			found = found || o.Options != nil && o.Options.Congestion == "c\u202ec"
		}
	}
	if !found {
		t.Errorf("no owner's options decode to congestion \"c\\u202ec\":\n%s", out)
	}
}
