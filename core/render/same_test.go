package render

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// oddSockets are sockets of every shape the renderers meet, with hostile
// and wide text, for checking that the hand-written renderers print what
// tabwriter and encoding/json did.
func oddSockets() []core.Socket {
	yes, no := true, false
	sz := 212992
	procs := []*core.Process{
		{PID: 1, Comm: "systemd", UID: 0, User: "root", Context: &core.Context{Unit: "init.scope"}},
		{PID: 42, Comm: "日本語のプロセス", UID: 1000, User: "ünïcödé", Cmdline: []string{"/usr/bin/プロセス", "--name=日本語", "<&>"},
			Context: &core.Context{Unit: "user@1000.service", UserUnit: "app\x1b[1m.service"}},
		{PID: 43, Comm: "evil\x1b[31m\t\n\\", UID: 1001, User: "a\tb", Cmdline: []string{"evil", "\x1b[2J\t\n\\", "\xff\u2028 arg", "", "a b"},
			Context: &core.Context{Unit: "docker-0123.scope", Container: "docker://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ContainerName: "we\u202eb\tx"}},
		{PID: 44, Comm: "", UID: -1, Cmdline: []string{""}},
		{PID: 45, Comm: "bad\xff\xfeutf8 \u202e \u200b \x7f <&> \u2028", UID: 7, User: "\"quoted\""},
	}
	mk := func(i int) []core.Owner {
		switch i % 5 {
		case 0:
			return nil
		case 1:
			return []core.Owner{{PID: 1, FD: 3, Proc: procs[0]}}
		case 2:
			return []core.Owner{{PID: 42, FD: 7, Proc: procs[1]}, {PID: 43, FD: 10000, Proc: procs[2]}}
		case 3:
			return []core.Owner{{PID: 44, FD: -1, Proc: procs[3], Creator: true}, {PID: 99, FD: 5}}
		}
		return []core.Owner{{PID: 45, FD: 1, Proc: procs[4], Options: &core.SockOptions{ReuseAddr: &yes, KeepAlive: &no, SndBuf: &sz, Congestion: "cubic",
			Linger: &core.Linger{On: true}, TCPInfo: &core.TCPInfo{RTT: 1500 * time.Microsecond, TotalRetrans: 3}}}}
	}
	addrs := []string{"127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1%eth0", "::ffff:10.1.2.3", "2001:db8::dead:beef"}
	paths := []string{"", "@abstract\x00name", "/run/日本/sock", "/tmp/a\tb", "/x\x1b]0;title\x07", "/very/long/path/" + string(bytes.Repeat([]byte("p"), 80)), "/tmp/\xff\u202e"}
	var socks []core.Socket
	for i := 0; i < 300; i++ {
		s := core.Socket{Proto: core.Protos[i%len(core.Protos)], UID: int64(i%3) - 1, Inode: uint64(i * 7), RecvQ: uint64(i * i), SendQ: uint64(1) << (i % 40),
			NetNS: 4026531840 + uint64(i%3), PeerInode: uint64(i % 4 * 1000), Owners: mk(i)}
		if s.Proto == core.Unix {
			s.Family, s.Type, s.State = core.Local, []core.SockType{core.Stream, core.Dgram, core.SeqPacket}[i%3], []core.State{core.Listen, core.Connected, core.Unconn}[i%3]
			s.Local.Path = paths[i%len(paths)]
			if i%2 == 0 {
				s.Remote = &core.Endpoint{Path: paths[(i/2)%len(paths)]}
			}
		} else {
			a := netip.MustParseAddr(addrs[i%len(addrs)])
			s.Family = core.Inet
			if a.Is6() {
				s.Family = core.Inet6
			}
			if i%11 == 0 {
				a = netip.Addr{}
			}
			s.Local = core.Endpoint{Addr: a, Port: uint16(i * 331)}
			s.State = core.AllStates[i%len(core.AllStates)]
			if i%3 != 0 {
				s.Remote = &core.Endpoint{Addr: netip.MustParseAddr(addrs[(i+1)%len(addrs)]), Port: uint16(65535 - i)}
			}
			if i%4 == 0 {
				s.Timer, s.Expires = core.TimerTimeWait, time.Duration(i)*time.Millisecond
			}
			switch i % 5 {
			case 1:
				s.Idle = core.ExactIdle(time.Duration(i*i*i) * time.Second)
			case 2:
				s.Idle = core.IdleAtMost(time.Duration(i) * time.Hour)
			case 3:
				s.Idle = core.ExactIdle(time.Duration(i) * time.Microsecond) // under a millisecond: 0
			}
		}
		if i%5 == 2 {
			s.Owners[1].TID = 1000 + i // a thread's own descriptor table
		}
		if i%6 == 1 && s.Remote != nil {
			s.PeerOwners = mk(i + 1) // --peer
		}
		if s.Family == core.Inet || s.Family == core.Inet6 {
			switch i % 13 {
			case 4, 5:
				core.SetDevice(&s, &core.Device{Index: 3, Name: "eth0"})
			case 6:
				core.SetDevice(&s, &core.Device{Index: 7}) // gone before it was named
			case 7:
				core.SetDevice(&s, &core.Device{Index: 9, Name: "v\x1b[1m\u202e"})
			}
		}
		switch i % 7 {
		case 1:
			s.NSLabel = &core.NSLabel{Name: "ns-" + strconv.Itoa(i)}
		case 2:
			s.NSLabel = &core.NSLabel{Container: "docker://0123456789abcdef0123"}
		case 3:
			s.NSLabel = &core.NSLabel{Name: "ns\x1b[1m\u00e9"}
		}
		socks = append(socks, s)
	}
	return socks
}

// sortedOdd is oddSockets in gosof's order, as the table and JSON meet
// them.
func sortedOdd(t testing.TB) []core.Socket { return sorted(t, oddSockets()) }

func TestSocketTableSameAsTabwriter(t *testing.T) {
	socks := sortedOdd(t)
	for _, opt := range []Options{{}, {NoHeader: true}, {Options: true}, {Options: true, NoHeader: true}, {Peer: true}, {Options: true, Peer: true},
		{Cmdline: true}, {Options: true, Cmdline: true}, {Peer: true, Cmdline: true}, {Context: true}, {Context: true, Cmdline: true, Options: true},
		{Idle: true}, {Idle: true, Options: true, Peer: true, Cmdline: true}, {Idle: true, Context: true}} {
		for _, n := range []int{1, 2, 17, len(socks)} {
			for _, socks := range [][]core.Socket{socks[:n], sameNetNS(socks[:n])} {
				var want, got bytes.Buffer
				if err := tabTable(&want, socks, opt); err != nil {
					t.Fatal(err)
				}
				if err := Sockets(&got, socks, FormatTable, opt); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("%+v, %d sockets: the table differs from tabwriter's\n%s", opt, n, firstDiff(got.Bytes(), want.Bytes()))
				}
			}
		}
	}
}

// sameNetNS is socks all in one network namespace: no NETNS column.
func sameNetNS(socks []core.Socket) []core.Socket {
	out := append([]core.Socket(nil), socks...)
	for i := range out {
		out[i].NetNS = 4026531840
	}
	return out
}

func TestSocketJSONSameAsMarshal(t *testing.T) {
	socks := sortedOdd(t)
	for _, n := range []int{0, 1, 2, 5, 17, len(socks)} {
		js := []jSocket{}
		for i := range socks[:n] {
			js = append(js, toJSocket(&socks[i]))
		}
		want, err := marshalIndent(js)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := Sockets(&got, socks[:n], FormatJSON, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%d sockets: --json differs from encoding/json\n%s", n, firstDiff(got.Bytes(), want))
		}
		want, err = marshalLines(js)
		if err != nil {
			t.Fatal(err)
		}
		got.Reset()
		if err := Sockets(&got, socks[:n], FormatJSONL, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%d sockets: --jsonl differs from encoding/json\n%s", n, firstDiff(got.Bytes(), want))
		}
	}
}

// Every byte and rune class a string can hold is escaped as encoding/json
// escapes it, then jsonSafe (the contract: no non-printable rune raw).
func TestStringSameAsMarshal(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for _, s := range []string{"", "plain", string(all), "\u2028\u2029\u202e\u200b\ufeff\U0001F600\U000e0041", "a\xe2\x80", "\xed\xa0\x80", "<script>&amp;</script>",
		"caf\u00e9 \u65e5\u672c", "\u0085c1", "bidi\u2066\u2069\u061c\u200e", "\ufffd\xff"} {
		want, _ := json.Marshal(s)
		want = jsonSafe(want)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q:\ngot  %s\nwant %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil || back != lossy(s) {
			t.Errorf("%q: decodes to %q (%v)", s, back, err)
		}
	}
}

// lossy is s with U+FFFD for each byte that is not UTF-8, as a JSON
// string carries it.
func lossy(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// The encoder lays out any nesting of objects and arrays as
// encoding/json does, indented and compact: empty ones, arrays of arrays,
// objects in arrays in objects, scalars of every kind.
func TestJSONSameAsMarshal(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 300; i++ {
		v := randomValue(rng, 0)
		for _, indent := range []bool{true, false} {
			var got bytes.Buffer
			e := NewJSON(&got, indent)
			v.write(e)
			e.Line()
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			var want []byte
			var err error
			if indent {
				want, err = marshalIndent(v.any())
			} else {
				want, err = marshalLines([]any{v.any()})
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("value %d, indent %v:\n%s", i, indent, firstDiff(got.Bytes(), want))
			}
		}
	}
}

// jvalue is a JSON value the test writes through the encoder and through
// encoding/json.
type jvalue struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'i' int, 'u' uint, 'b' bool, 'n' null, '6' base64
	s     string
	i     int64
	keys  []string
	elems []jvalue
}

func randomValue(rng *rand.Rand, depth int) jvalue {
	k := "sibun6oa"[rng.Intn(8)]
	if depth > 4 && (k == 'o' || k == 'a') {
		k = 's'
	}
	strs := []string{"", "x", "a\tb\n\x00\x1b", "\u202e\xff<&>", "日本", "\x7f\u0085\u2028"}
	v := jvalue{kind: k}
	switch k {
	case 's', '6':
		v.s = strs[rng.Intn(len(strs))]
	case 'i':
		v.i = rng.Int63() - rng.Int63()
	case 'u':
		v.i = rng.Int63()
	case 'b':
		v.i = int64(rng.Intn(2))
	case 'o', 'a':
		for j := rng.Intn(4); j > 0; j-- {
			v.keys = append(v.keys, "k"+strconv.Itoa(len(v.keys))) // sorted, as encoding/json sorts a map's
			v.elems = append(v.elems, randomValue(rng, depth+1))
		}
	}
	return v
}

func (v jvalue) write(e *JSON) {
	switch v.kind {
	case 'o':
		e.Object()
		for j, k := range v.keys {
			e.Key(k)
			v.elems[j].write(e)
		}
		e.End()
	case 'a':
		e.Array()
		for _, el := range v.elems {
			el.write(e)
		}
		e.End()
	case 's':
		e.String(v.s)
	case '6':
		e.Base64(v.s)
	case 'i':
		e.Int(v.i)
	case 'u':
		e.Uint(uint64(v.i))
	case 'b':
		e.Bool(v.i == 1)
	case 'n':
		e.Null()
	}
}

func (v jvalue) any() any {
	switch v.kind {
	case 'o':
		m := map[string]any{}
		for j, k := range v.keys {
			m[k] = v.elems[j].any()
		}
		return m
	case 'a':
		a := []any{}
		for _, el := range v.elems {
			a = append(a, el.any())
		}
		return a
	case 's':
		return v.s
	case '6':
		return []byte(v.s)
	case 'i':
		return v.i
	case 'u':
		return uint64(v.i)
	case 'b':
		return v.i == 1
	}
	return nil
}

// Aligned makes what tabwriter makes of any rows: rows of different
// lengths (a column ends where a row lacks it and starts again after),
// empty cells and rows, wide runes, escaped hostile text.
func TestAlignedSameAsTabwriter(t *testing.T) {
	cells := []string{"", "a", "bb", "日本語", "  12345", core.Escape("evil\x1b[31m\t\n\\\xff\u202e"), "tcp 127.0.0.1:80 LISTEN", "-", core.Escape("\v\f")}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		rows := make([][]string, rng.Intn(8))
		for r := range rows {
			n := rng.Intn(6)
			if i%3 == 0 {
				n = 4 // mostly a table's rows
				if rng.Intn(5) == 0 {
					n = 1
				}
			}
			for j := 0; j < n; j++ {
				rows[r] = append(rows[r], cells[rng.Intn(len(cells))])
			}
		}
		want := tabRows(rows)
		var got bytes.Buffer
		if err := Aligned(&got, func(t *Table) {
			for _, r := range rows {
				for _, c := range r {
					t.Cell(c)
				}
				t.EndRow()
			}
		}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Fatalf("rows %q:\ngot  %q\nwant %q", rows, got.String(), want)
		}
	}
}

// A cell holding raw text a terminal acts on, or one tabwriter would split
// at, is escaped by the table itself: the row stays one line of the same
// cells, nothing raw is printed.
func TestAlignedEscapesRawCells(t *testing.T) {
	raw := []string{"a\tb", "a\nb", "a\vb", "a\fb", "a\xffb", "\x1b[2J", "x\u202ey", "del\x7f", "c1\u0085"}
	for _, c := range raw {
		var got bytes.Buffer
		Aligned(&got, func(t *Table) {
			t.Cell("A")
			t.Cell("B")
			t.EndRow()
			t.Cell(c)
			t.Cell("z")
			t.EndRow()
		})
		want := tabRows([][]string{{"A", "B"}, {core.Escape(c), "z"}})
		if got.String() != want {
			t.Errorf("cell %q:\ngot  %q\nwant %q", c, got.String(), want)
		}
	}
	// the socket table: a container label holding a tab and a newline
	socks := sortedOdd(t)[:20]
	socks[5].NSLabel = &core.NSLabel{Container: "docker://ab\tcd\nef\x1b"}
	var b bytes.Buffer
	if err := Sockets(&b, socks, FormatTable, Options{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 1+rowsOf(socks) || strings.ContainsAny(b.String(), "\t\x1b") {
		t.Errorf("%d lines for %d rows, or raw bytes:\n%s", n, 1+rowsOf(socks), b.String())
	}
}

func rowsOf(socks []core.Socket) int {
	n := 0
	for _, s := range socks {
		n += max(1, len(s.Owners))
	}
	return n
}

// firstDiff shows where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-200)
	return "at byte " + strconv.Itoa(i) + "\ngot:  " + strconv.Quote(string(got[lo:min(i+100, len(got))])) +
		"\nwant: " + strconv.Quote(string(want[lo:min(i+100, len(want))]))
}

// sorted is socks in gosof's order, through the resolver.
func sorted(t testing.TB, socks []core.Socket) []core.Socket {
	res, err := (&core.Resolver{Sockets: fixed(socks)}).Resolve(&core.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Sockets
}

// fixed is a socket source that serves socks, owners and all.
type fixed []core.Socket

func (f fixed) Sockets(*core.Filter) ([]core.Socket, error) {
	return append([]core.Socket(nil), f...), nil
}

// Sockets nested deeper than a token's block holds, and than the indent
// constant reaches, are laid out as encoding/json lays them out.
func TestDeepSocketsSameAsMarshal(t *testing.T) {
	socks := sortedOdd(t)[:30]
	js := []jSocket{}
	for i := range socks {
		js = append(js, toJSocket(&socks[i]))
	}
	for _, depth := range []int{0, 3, 7, 40} {
		var want any = js
		for i := 0; i < depth; i++ {
			want = []any{want}
		}
		for _, indent := range []bool{true, false} {
			var got bytes.Buffer
			e := NewJSON(&got, indent)
			for i := 0; i < depth; i++ {
				e.Array()
			}
			e.Sockets(socks)
			for i := 0; i < depth; i++ {
				e.End()
			}
			e.Line()
			e.Flush()
			var w []byte
			var err error
			if indent {
				w, err = marshalIndent(want)
			} else {
				w, err = marshalLines([]any{want})
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), w) {
				t.Fatalf("depth %d, indent %v:\n%s", depth, indent, firstDiff(got.Bytes(), w))
			}
		}
	}
}
