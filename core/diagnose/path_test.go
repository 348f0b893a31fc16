package diagnose

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gosof/gosof/core"
)

// pathCases are why PATH diagnoses built from sockets as Linux lists
// them (the live ones are checked on real sockets in cmd/gosof): the
// golden files pin the words, the facts below the verdicts.
func pathCases() []struct {
	name  string
	t     *core.PathTarget
	file  core.PathFile
	socks []core.Socket
	all   bool
} {
	file := core.FileID{Dev: 0xfe00, Ino: 4711}
	srv := &core.Process{PID: 4242, Comm: "app", UID: 1000, User: "app"}
	cli := &core.Process{PID: 5000, Comm: "psql", UID: 1000, User: "app"}
	old := &core.Process{PID: 4000, Comm: "app", UID: 1000, User: "app"}
	name := "/run/app.sock"
	listener := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen, Inode: 10,
		Local: core.Endpoint{Path: name}, File: file, RecvQ: 1, SendQ: 4, BacklogKnown: true,
		Owners: []core.Owner{{PID: 4242, FD: 3, Proc: srv}}}
	accepted := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Connected, Inode: 11,
		Local: core.Endpoint{Path: name}, Remote: &core.Endpoint{}, PeerInode: 12, File: file,
		Owners: []core.Owner{{PID: 4242, FD: 6, Proc: srv}}, PeerOwners: []core.Owner{{PID: 5000, FD: 4, Proc: cli}}}
	client := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Connected, Inode: 12,
		Remote: &core.Endpoint{Path: name}, PeerInode: 11, Owners: []core.Owner{{PID: 5000, FD: 4, Proc: cli}}}
	queued := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Connected, Inode: 13,
		Remote: &core.Endpoint{Path: name}, Owners: []core.Owner{{PID: 5000, FD: 5, Proc: cli}}}
	stale := listener
	stale.File, stale.Inode, stale.Owners = core.FileID{Dev: 0xfe00, Ino: 99}, 20, []core.Owner{{PID: 4000, FD: 3, Proc: old}}
	target := func(n string) *core.PathTarget {
		pt, err := core.ParsePath(n)
		if err != nil {
			panic(err)
		}
		return pt
	}
	evilName := "/run/ev\x1b[31mil\n.sock"
	return []struct {
		name  string
		t     *core.PathTarget
		file  core.PathFile
		socks []core.Socket
		all   bool
	}{
		{"live", target(name), core.PathFile{Kind: core.FileSocket, ID: file}, []core.Socket{listener, accepted, client, queued}, false},
		{"stale", target(name), core.PathFile{Kind: core.FileSocket, ID: file}, nil, false},
		{"stale_all", target(name), core.PathFile{Kind: core.FileSocket, ID: file}, nil, true},
		{"replaced", target(name), core.PathFile{Kind: core.FileSocket, ID: file}, []core.Socket{stale}, false},
		{"unlinked", target(name), core.PathFile{Kind: core.FileMissing}, []core.Socket{stale}, false},
		{"hostile", target(evilName), core.PathFile{Kind: core.FileSocket, ID: file}, nil, false},
	}
}

func TestPathWhyGolden(t *testing.T) {
	verdicts := map[string]PathVerdict{"live": PathLive, "stale": PathStale, "stale_all": PathStale,
		"replaced": PathStale, "unlinked": PathUnlinked, "hostile": PathStale}
	for _, tc := range pathCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := DiagnosePath(tc.t, tc.file, &core.Result{Sockets: tc.socks}, true, tc.all)
			if d.Verdict != verdicts[tc.name] {
				t.Errorf("verdict %s, want %s", d.Verdict, verdicts[tc.name])
			}
			var b bytes.Buffer
			if err := WritePathWhy(&b, d); err != nil {
				t.Fatal(err)
			}
			if bytes.ContainsAny(b.Bytes(), "\x1b") {
				t.Errorf("raw escape in the text:\n%q", b.String())
			}
			goldenFile(t, "why_path_"+tc.name+".golden", b.Bytes())
			b.Reset()
			if err := WritePathWhyJSON(&b, d); err != nil {
				t.Fatal(err)
			}
			var j map[string]any
			if err := json.Unmarshal(b.Bytes(), &j); err != nil {
				t.Fatalf("%v\n%s", err, b.String())
			}
			goldenFile(t, "why_path_"+tc.name+".json.golden", b.Bytes())
		})
	}
}

// TestPathWhyNoStatID: where stat(2) gives no device and inode (a
// build without syscall.Stat_t), a listener bound under the name is not
// taken for one bound elsewhere: judged by the name, it is live.
func TestPathWhyNoStatID(t *testing.T) {
	for _, tc := range pathCases() {
		if tc.name != "live" {
			continue
		}
		d := DiagnosePath(tc.t, core.PathFile{Kind: core.FileSocket}, &core.Result{Sockets: tc.socks}, true, false)
		if d.Verdict != PathLive || len(d.Live()) != 1 {
			t.Errorf("verdict %s, live %d: want live by the name", d.Verdict, len(d.Live()))
		}
	}
}

func TestPathWhyFacts(t *testing.T) {
	for _, tc := range pathCases() {
		d := DiagnosePath(tc.t, tc.file, &core.Result{Sockets: tc.socks}, true, tc.all)
		switch tc.name {
		case "live":
			if len(d.Live()) != 1 || len(d.Conns) != 1 || d.Conns[0].Peers[0].PID != 5000 || len(d.Queued) != 1 || d.Queued[0].Owner.PID != 5000 {
				t.Errorf("live: %+v", d)
			}
		case "replaced":
			if len(d.Live()) != 0 || len(d.Elsewhere()) != 1 || !d.InUse() {
				t.Errorf("replaced: the old listener is bound under the name, not to the file: %+v", d)
			}
		case "stale_all":
			if adv := d.Advice(); bytes.Contains([]byte(adv), []byte("-A")) {
				t.Errorf("with -A the advice still suggests -A: %s", adv)
			}
		}
	}
}
