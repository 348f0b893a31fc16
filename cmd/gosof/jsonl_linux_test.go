package main

import (
	"bufio"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestJSONLines: --jsonl prints the --json objects one per line, and
// nothing (exit 1) when nothing matched.
func TestJSONLines(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	connect(t, h, "inet", "127.0.0.1:"+strconv.Itoa(p))
	port := strconv.Itoa(p)
	want := gosofJSON(t, "who", port, "--side", "any")
	out, errOut, code := gosof(t, "who", port, "--side", "any", "--jsonl")
	if code != 0 {
		t.Fatalf("who --jsonl: exit %d %s", code, errOut)
	}
	var got []jsock
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var s jsock
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, s)
	}
	if len(want) < 2 {
		t.Fatalf("--json found %d sockets, want the listener and both ends of a connection", len(want))
	}
	diffRows(t, "--jsonl against --json", rows(want), rows(got))
	out, _, code = gosof(t, "who", port, "--state", "time-wait", "--jsonl")
	if out != "" || code != exitNoMatch {
		t.Errorf("who --jsonl, nothing matched: %q exit %d, want nothing, exit 1", out, code)
	}
	if _, errOut, code := gosof(t, "who", port, "--jsonl", "--json"); code != 2 || !strings.Contains(errOut, "pick one") {
		t.Errorf("--jsonl --json: exit %d %q", code, errOut)
	}
}

// TestChangedFlag: kill --json and close --json say "changed" true only
// when something was signalled or closed, as Ansible's changed_when wants.
func TestChangedFlag(t *testing.T) {
	changed := func(t *testing.T, args ...string) bool {
		t.Helper()
		out, errOut, code := gosof(t, args...)
		var j struct {
			Changed *bool `json:"changed"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || j.Changed == nil {
			t.Fatalf("gosof %s: exit %d %s: no \"changed\" in %s (%v)", strings.Join(args, " "), code, errOut, out, err)
		}
		return *j.Changed
	}
	srv := testhelper.Start(t)
	_, p := listen(t, srv, "inet", "127.0.0.1:0")
	port := strconv.Itoa(p)
	if changed(t, "kill", port, "--json", "--dry-run") {
		t.Error("kill --dry-run --json: changed true")
	}
	if !changed(t, "kill", port, "--pid", strconv.Itoa(srv.PID), "--json") {
		t.Error("kill --json that killed the holder: changed false")
	}
	killedBy(t, srv)
	if changed(t, "kill", port, "--pid", strconv.Itoa(srv.PID), "--json") {
		t.Error("kill --json on a free port: changed true")
	}

	srv2 := testhelper.Start(t)
	_, p2 := closeWait(t, srv2)
	port2 := strconv.Itoa(p2)
	if changed(t, "close", port2, "--state", "close-wait", "--json", "--dry-run") {
		t.Error("close --dry-run --json: changed true")
	}
	if !changed(t, "close", port2, "--pid", strconv.Itoa(srv2.PID), "--state", "close-wait", "--json") {
		t.Error("close --json that closed a CLOSE_WAIT: changed false")
	}
	if changed(t, "close", port2, "--pid", strconv.Itoa(srv2.PID), "--state", "close-wait", "--json") {
		t.Error("close --json with nothing left to close: changed true")
	}
}
