package render

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gosof/gosof/core"
)

// What the contract's escaping makes of each kind of character.
func TestStringEscapes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"caf\u00e9 \u65e5\u672c", "\"caf\u00e9 \u65e5\u672c\""}, // printable: as is
		{"a\x7fb", `"a\u007fb"`},
		{"\u202eevil", `"\u202eevil"`},
		{"zero\u200bwidth\u200d\ufeff", `"zero\u200bwidth\u200d\ufeff"`},
		{"\u0085c1", `"\u0085c1"`},
		{"bidi\u2066\u2069\u061c\u200e", `"bidi\u2066\u2069\u061c\u200e"`},
		{"tag\U000e0041", `"tag\udb40\udc41"`},
		{"bad\xff", `"bad\ufffd"`},   // encoding/json's replacement
		{"\x1b[31m", `"\u001b[31m"`}, // encoding/json's own escape
		{"<&>", `"\u003c\u0026\u003e"`},
	} {
		if got := appendString(nil, tt.in); string(got) != tt.want {
			t.Errorf("%q: %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Every JSON renderer escapes, and carries invalid UTF-8 losslessly.
func TestJSONExactBytes(t *testing.T) {
	comm := "a\xff\u202e\x7f"
	path := "/tmp/\xfe\u200bx"
	proc := &core.Process{PID: 7, Comm: comm, UID: -1}
	socks := []core.Socket{{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen, Local: core.Endpoint{Path: path}, UID: -1,
		Owners: []core.Owner{{PID: 7, FD: 3, Proc: proc}}}}
	var ls, jsonl, fds bytes.Buffer
	if err := Sockets(&ls, socks, FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Sockets(&jsonl, socks, FormatJSONL, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := FDsJSON(&fds, []core.ProcFDs{{PID: 7, Proc: proc, Cmdline: []string{comm, "x"}, FDs: []core.FD{{FD: 3, Kind: "sock", Path: path}}}}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"ls": ls.Bytes(), "jsonl": jsonl.Bytes(), "fds": fds.Bytes()} {
		for _, raw := range []string{"\u202e", "\x7f", "\u200b", "\xff", "\xfe"} {
			if bytes.Contains(out, []byte(raw)) {
				t.Errorf("%s: %q raw in\n%s", name, raw, out)
			}
		}
		for _, want := range []string{`"comm_bytes":"Yf/igK5/"`, `"path_bytes":"L3RtcC/+4oCLeA=="`} {
			if !bytes.Contains(bytes.ReplaceAll(out, []byte(": "), []byte(":")), []byte(want)) {
				t.Errorf("%s: no %s in\n%s", name, want, out)
			}
		}
	}
	var back []struct {
		Local struct {
			Path      string `json:"path"`
			PathBytes []byte `json:"path_bytes"`
		} `json:"local"`
		Owners []struct {
			CommBytes []byte `json:"comm_bytes"`
		} `json:"owners"`
	}
	if err := json.Unmarshal(ls.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if string(back[0].Local.PathBytes) != path || string(back[0].Owners[0].CommBytes) != comm {
		t.Errorf("decoded bytes %q %q, want %q %q", back[0].Local.PathBytes, back[0].Owners[0].CommBytes, path, comm)
	}
	if back[0].Local.Path != "/tmp/\ufffd\u200bx" {
		t.Errorf("path %q", back[0].Local.Path)
	}
}
