package core

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oddSockets are sockets of every shape the renderers meet, with hostile
// and wide text, for checking that the hand-written renderers print what
// tabwriter and encoding/json did.
func oddSockets() []Socket {
	yes, no := true, false
	sz := 212992
	procs := []*Process{
		{PID: 1, Comm: "systemd", UID: 0, User: "root"},
		{PID: 42, Comm: "日本語のプロセス", UID: 1000, User: "ünïcödé", Cmdline: "/usr/bin/プロセス --name=日本語 <&>"},
		{PID: 43, Comm: "evil\x1b[31m\t\n\\", UID: 1001, User: "a\tb", Cmdline: "evil \x1b[2J\t\n\\ \xff\u2028 arg"},
		{PID: 44, Comm: "", UID: -1},
		{PID: 45, Comm: "bad\xff\xfeutf8 \u202e \u200b \x7f <&> \u2028", UID: 7, User: "\"quoted\""},
	}
	mk := func(i int) []Owner {
		switch i % 5 {
		case 0:
			return nil
		case 1:
			return []Owner{{PID: 1, FD: 3, Proc: procs[0]}}
		case 2:
			return []Owner{{PID: 42, FD: 7, Proc: procs[1]}, {PID: 43, FD: 10000, Proc: procs[2]}}
		case 3:
			return []Owner{{PID: 44, FD: -1, Proc: procs[3], Creator: true}, {PID: 99, FD: 5}, {PID: 45, FD: -1, Proc: procs[4], Creator: true, Unverified: true}}
		}
		return []Owner{{PID: 45, FD: 1, Proc: procs[4], Options: &SockOptions{ReuseAddr: &yes, KeepAlive: &no, SndBuf: &sz, Congestion: "cubic",
			Linger: &Linger{On: true}, TCPInfo: &TCPInfo{RTT: 1500 * time.Microsecond, TotalRetrans: 3}}}}
	}
	addrs := []string{"127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1%eth0", "::ffff:10.1.2.3", "2001:db8::dead:beef"}
	paths := []string{"", "@abstract\x00name", "/run/日本/sock", "/tmp/a\tb", "/x\x1b]0;title\x07", "/very/long/path/" + string(bytes.Repeat([]byte("p"), 80)), "/tmp/\xff\u202e"}
	var socks []Socket
	for i := 0; i < 300; i++ {
		s := Socket{Proto: Protos[i%len(Protos)], UID: int64(i%3) - 1, Inode: uint64(i * 7), RecvQ: uint64(i * i), SendQ: uint64(1) << (i % 40),
			NetNS: uint64(4026531840 + i%3), PeerInode: uint64(i % 4 * 1000), Owners: mk(i)}
		if s.Proto == Unix {
			s.Family, s.Type, s.State = Local, []SockType{Stream, Dgram, SeqPacket}[i%3], []State{Listen, Connected, Unconn}[i%3]
			s.Local.Path = paths[i%len(paths)]
			if i%2 == 0 {
				s.Remote = &Endpoint{Path: paths[(i/2)%len(paths)]}
			}
		} else {
			a := netip.MustParseAddr(addrs[i%len(addrs)])
			s.Family = Inet
			if a.Is6() {
				s.Family = Inet6
			}
			if i%11 == 0 {
				a = netip.Addr{}
			}
			s.Local = Endpoint{Addr: a, Port: uint16(i * 331)}
			s.State = AllStates[i%len(AllStates)]
			if i%3 != 0 {
				s.Remote = &Endpoint{Addr: netip.MustParseAddr(addrs[(i+1)%len(addrs)]), Port: uint16(65535 - i)}
			}
			if i%4 == 0 {
				s.Timer, s.Expires = TimerTimeWait, time.Duration(i)*time.Millisecond
			}
		}
		if i%5 == 2 {
			s.Owners[1].TID = 1000 + i // a thread's own descriptor table
		}
		if i%6 == 1 && s.Remote != nil {
			s.PeerOwners = mk(i + 1) // --peer
		}
		switch i % 7 {
		case 1:
			s.NSLabel = &NSLabel{Name: "ns-" + strconv.Itoa(i)}
		case 2:
			s.NSLabel = &NSLabel{Container: "docker://0123456789abcdef0123"}
		case 3:
			s.NSLabel = &NSLabel{Name: "ns\x1b[1m\u00e9"}
		}
		socks = append(socks, s)
	}
	return socks
}

func TestWriteTableSameAsTabwriter(t *testing.T) {
	socks := oddSockets()
	for _, opt := range []TableOptions{{}, {NoHeader: true}, {NetNS: true}, {Options: true}, {NetNS: true, Options: true, NoHeader: true}, {Peer: true}, {Options: true, Peer: true},
		{Cmdline: true}, {Options: true, Cmdline: true, NetNS: true}, {Peer: true, Cmdline: true}} {
		for _, n := range []int{0, 1, 2, 17, len(socks)} {
			var want, got bytes.Buffer
			if err := writeTableTab(&want, socks[:n], opt); err != nil {
				t.Fatal(err)
			}
			if err := WriteTable(&got, socks[:n], opt); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%+v, %d sockets: WriteTable differs from tabwriter\ngot:\n%s\nwant:\n%s", opt, n, got.Bytes(), want.Bytes())
			}
		}
	}
}

// A cell tabwriter would split (here a container label, which is not
// escaped) makes WriteTable use tabwriter itself.
func TestWriteTableFallsBack(t *testing.T) {
	socks := oddSockets()[:20]
	socks[5].NSLabel = &NSLabel{Container: "docker://ab\tcd\nef"}
	if err := writeTableFast(&bytes.Buffer{}, socks, TableOptions{NetNS: true}); err != errTableFallback {
		t.Fatalf("fast table with a tab in a cell: %v, want the fallback", err)
	}
	var want, got bytes.Buffer
	_ = writeTableTab(&want, socks, TableOptions{NetNS: true})
	_ = WriteTable(&got, socks, TableOptions{NetNS: true})
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("fallback differs:\n%s\nwant:\n%s", got.Bytes(), want.Bytes())
	}
}

func TestWriteJSONSameAsMarshal(t *testing.T) {
	socks := oddSockets()
	for _, n := range []int{0, 1, 2, 5, 17, len(socks)} {
		var want, got bytes.Buffer
		if err := writeJSONMarshal(&want, socks[:n]); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&got, socks[:n]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.Bytes(), want.Bytes()
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			lo := i - 200
			if lo < 0 {
				lo = 0
			}
			t.Fatalf("%d sockets: WriteJSON differs from encoding/json at byte %d\ngot:  %q\nwant: %q", n, i, g[lo:min(i+100, len(g))], w[lo:min(i+100, len(w))])
		}
	}
}

// Every byte and rune class a string can hold is escaped as encoding/json
// escapes it, then jsonSafe (the contract: no non-printable rune raw).
func TestAppendJSONStringSameAsMarshal(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for _, s := range []string{"", "plain", string(all), "\u2028\u2029\u202e\u200b\ufeff\U0001F600", "a\xe2\x80", "\xed\xa0\x80", "<script>&amp;</script>"} {
		want, _ := json.Marshal(s)
		want = jsonSafe(want)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q:\ngot  %s\nwant %s", s, got, want)
		}
	}
}

// The integer keys order sockets exactly as compareSockets does.
func TestSortKeysSameAsCompare(t *testing.T) {
	socks := append(oddSockets(), timeWaitHost()[:3000]...)
	more := oddSockets()
	for i := range more {
		more[i].Inode = 0 // ties broken by the later keys, then the index
	}
	socks = append(socks, more...)
	// without IPv6: the 16-byte keys, with unix paths and zones (none
	// fit a key) beside them
	var v4 []Socket
	for _, s := range socks {
		k := makeSockKey(&s)
		if !k.simple || k.v4Able() {
			v4 = append(v4, s)
		}
	}
	if k := makeSockKey(&socks[0]); len(v4) == len(socks) || len(v4) < 3000 {
		t.Fatalf("%d of %d sockets without IPv6 (first: %+v): the two kinds of key are not both tested", len(v4), len(socks), k)
	}
	for _, socks := range [][]Socket{socks, v4} {
		want := append([]Socket(nil), socks...)
		sort.SliceStable(want, func(i, j int) bool { return compareSockets(&want[i], &want[j]) < 0 })
		got := append([]Socket(nil), socks...)
		sortSockets(got)
		for i := range got {
			if compareSockets(&got[i], &want[i]) != 0 || got[i].Inode != want[i].Inode || got[i].Expires != want[i].Expires || len(got[i].Owners) != len(want[i].Owners) {
				t.Fatalf("%d sockets, position %d: got %+v, want %+v", len(socks), i, got[i], want[i])
			}
		}
	}
}

// The hand-written encoder knows these fields and no others: a field added
// to the JSON shapes must be added to appendJSONSocket (and oddSockets)
// too, or the two encoders part ways.
func TestJSONShapesKnownToEncoder(t *testing.T) {
	for _, tt := range []struct {
		v    any
		tags string
	}{
		{JSONSocket{}, "proto family type,omitempty state local remote inode uid netns netns_name,omitempty container,omitempty recv_q send_q timer,omitempty expires_ms,omitempty peer_inode,omitempty owners peer_owners,omitempty"},
		{JSONEndpoint{}, "addr,omitempty port,omitempty path,omitempty path_bytes,omitempty"},
		{JSONOwner{}, "pid comm comm_bytes,omitempty fd tid,omitempty uid user creator,omitempty creator_unverified,omitempty cmdline,omitempty cmdline_bytes,omitempty options,omitempty"},
	} {
		rt := reflect.TypeOf(tt.v)
		var tags []string
		for i := 0; i < rt.NumField(); i++ {
			tags = append(tags, rt.Field(i).Tag.Get("json"))
		}
		if got := strings.Join(tags, " "); got != tt.tags {
			t.Errorf("%s has fields %q; appendJSONSocket writes %q: teach it the change", rt.Name(), got, tt.tags)
		}
	}
}
