package render

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/golden"
)

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("..", "..", "testdata", "core", name), got)
}

func ep(addr string, port uint16) core.Endpoint {
	return core.Endpoint{Addr: netip.MustParseAddr(addr), Port: port}
}

func epp(addr string, port uint16) *core.Endpoint { e := ep(addr, port); return &e }

var (
	java  = &core.Process{PID: 4242, Comm: "java", UID: 1000, User: "app"}
	child = &core.Process{PID: 4243, Comm: "java", UID: 1000, User: "app"}
	evil  = &core.Process{PID: 666, Comm: "ev\x1b[31mil\nx", UID: 0, User: "root"}
)

// sample is one socket of each kind the renderers must handle, in
// gosof's order.
func sample(t testing.TB) []core.Socket {
	return sorted(t, []core.Socket{
		{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen, Local: core.Endpoint{Path: "@gosof\ttest"}, Inode: 50, UID: 0,
			Owners: []core.Owner{{PID: 666, FD: 3, Proc: evil}}},
		{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.TimeWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 40000),
			UID: 0, NetNS: 4026531840, Timer: core.TimerTimeWait, Expires: 42 * time.Second},
		{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.Established, Local: ep("::ffff:127.0.0.1", 8080), Remote: epp("::ffff:127.0.0.1", 51422),
			Inode: 20, UID: 1000, NetNS: 4026531840, RecvQ: 3, SendQ: 7, Owners: []core.Owner{{PID: 4242, FD: 17, Proc: java}}},
		{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000, NetNS: 4026531840,
			SendQ: 128, Owners: []core.Owner{{PID: 4243, FD: 3, Proc: child}, {PID: 4242, FD: 5, Proc: java}}},
		{Proto: core.UDP, Family: core.Inet6, Type: core.Dgram, State: core.Unconn, Local: ep("::", 53), Inode: 30, UID: -1,
			Owners: []core.Owner{{PID: 99, FD: -1, Creator: true, Proc: &core.Process{PID: 99, Comm: "named", UID: 25, User: "named"}}}},
		{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Connected, Local: core.Endpoint{Path: ""}, Remote: &core.Endpoint{}, Inode: 51, PeerInode: 52, UID: 0},
	})
}

func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	// one namespace: a NETNS column shows when there are several
	if err := Sockets(&b, sameNetNS(sample(t)), FormatTable, Options{}); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "table.golden", b.Bytes())
	if bytes.Contains(b.Bytes(), []byte{0x1b}) {
		t.Error("table contains a raw escape character")
	}
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Sockets(&b, sample(t), FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "sockets.json.golden", b.Bytes())
}

// TestJSONContract checks the fields scripts rely on (docs/contract.md)
// by decoding, independently of the golden file's formatting.
func TestJSONContract(t *testing.T) {
	var b bytes.Buffer
	if err := Sockets(&b, sample(t), FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	first := got[0] // the 0.0.0.0:8080 listener sorts first
	if first["proto"] != "tcp" || first["family"] != "inet" || first["state"] != "LISTEN" || first["remote"] != nil {
		t.Errorf("listener: %v", first)
	}
	if diff := cmp.Diff(map[string]any{"addr": "0.0.0.0", "port": 8080.0}, first["local"]); diff != "" {
		t.Errorf("local (-want +got):\n%s", diff)
	}
	owners := first["owners"].([]any)
	wantOwner := map[string]any{"pid": 4242.0, "comm": "java", "fd": 5.0, "uid": 1000.0, "user": "app"}
	if diff := cmp.Diff(wantOwner, owners[0]); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	for _, s := range got {
		for _, k := range []string{"proto", "family", "state", "local", "remote", "inode", "uid", "netns", "recv_q", "send_q", "owners"} {
			if _, ok := s[k]; !ok {
				t.Errorf("socket %v lacks %q", s, k)
			}
		}
		if s["owners"] == nil {
			t.Errorf("owners is null, want [] (socket %v)", s)
		}
	}
	var tw map[string]any
	for _, s := range got {
		if s["state"] == "TIME_WAIT" {
			tw = s
		}
	}
	if len(tw["owners"].([]any)) != 0 || tw["expires_ms"] != 42000.0 {
		t.Errorf("TIME_WAIT: owners %v expires_ms %v, want [] and 42000", tw["owners"], tw["expires_ms"])
	}
	for f, want := range map[Format]string{FormatJSON: "[]\n", FormatJSONL: "", FormatTable: "", FormatTerse: ""} {
		var empty bytes.Buffer
		Sockets(&empty, nil, f, Options{})
		if empty.String() != want {
			t.Errorf("format %d, no socket: %q, want %q", f, empty.String(), want)
		}
	}
}

func TestTerse(t *testing.T) {
	var b bytes.Buffer
	terse(&b, sample(t))
	if got, want := b.String(), "99\n666\n4242\n4243\n"; got != want {
		t.Errorf("terse = %q, want %q", got, want)
	}
}

// An owner through a thread's own descriptor table shows the thread in
// JSON; other owners carry no tid.
func TestOwnerThreadJSON(t *testing.T) {
	proc := &core.Process{PID: 4242, Comm: "app", UID: 0, User: "root"}
	s := core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Listen, UID: -1,
		Owners: []core.Owner{{PID: 4242, FD: 5, TID: 4250, Proc: proc}, {PID: 4243, FD: 3, Proc: proc}}}
	var b bytes.Buffer
	Sockets(&b, []core.Socket{s}, FormatJSONL, Options{})
	if !strings.Contains(b.String(), `{"pid":4242,"comm":"app","fd":5,"tid":4250,"uid":0,"user":"root"}`) ||
		!strings.Contains(b.String(), `{"pid":4243,"comm":"app","fd":3,"uid":0,"user":"root"}`) {
		t.Errorf("JSON owners: %s", b.String())
	}
}

// The encoder writes its buffer out in pieces; the bytes are those of
// one piece.
func TestJSONFlushesInPieces(t *testing.T) {
	socks := sortedOdd(t)
	for len(socks) < 3000 {
		socks = append(socks, socks...)
	}
	var whole bytes.Buffer
	if err := Sockets(&whole, socks, FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	w := &countWriter{}
	if err := Sockets(w, socks, FormatJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	if w.writes < 2 || !bytes.Equal(w.b.Bytes(), whole.Bytes()) || whole.Len() < 2*flushSize {
		t.Errorf("%d writes of %d bytes; the pieces differ from the whole: %v", w.writes, whole.Len(), !bytes.Equal(w.b.Bytes(), whole.Bytes()))
	}
}

type countWriter struct {
	b      bytes.Buffer
	writes int
}

func (w *countWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.b.Write(p)
}
