package render

import (
	"io"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// The renderers on the worlds of bench/ (core/bench_test.go builds the
// same ones for the resolver's benchmarks).

// benchSource is a busy host as bench/workload builds it: a listener on
// 47123 with 5,000 accepted connections, their 5,000 clients spread over
// 500 processes, and 10,000 unix sockets; one owner each.
type benchSource struct {
	socks  []core.Socket
	owners map[uint64][]core.Owner
	procs  map[int]*core.Process
}

func (f *benchSource) Sockets(*core.Filter) ([]core.Socket, error) {
	return append([]core.Socket(nil), f.socks...), nil
}

func (f *benchSource) AttachOwners(socks []core.Socket, _ []int) (core.Unseen, error) {
	for i := range socks {
		socks[i].Owners = append([]core.Owner(nil), f.owners[socks[i].Inode]...)
	}
	return core.Unseen{}, nil
}

func (f *benchSource) Process(pid int) (*core.Process, error) {
	c := *f.procs[pid]
	return &c, nil
}

// resolvedHost is the busy host's sockets as `gosof ls` prints them.
func resolvedHost(b *testing.B) []core.Socket {
	lo := netip.MustParseAddr("127.0.0.1")
	src := &benchSource{owners: map[uint64][]core.Owner{}, procs: map[int]*core.Process{}}
	add := func(s core.Socket, pid, fd int) {
		s.Inode = uint64(100000 + len(src.socks))
		src.socks = append(src.socks, s)
		src.owners[s.Inode] = []core.Owner{{PID: pid, FD: fd}}
		if src.procs[pid] == nil {
			src.procs[pid] = &core.Process{PID: pid, Comm: "holder" + strconv.Itoa(pid), UID: int64(pid % 3)}
		}
	}
	add(core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: core.Endpoint{Addr: lo, Port: 47123}}, 1000, 3)
	for i := 0; i < 5000; i++ {
		cport := uint16(32768 + i)
		add(core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Established, Local: core.Endpoint{Addr: lo, Port: 47123},
			Remote: &core.Endpoint{Addr: lo, Port: cport}}, 1000, 4+i)
		add(core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Established, Local: core.Endpoint{Addr: lo, Port: cport},
			Remote: &core.Endpoint{Addr: lo, Port: 47123}}, 1001+i%499, 4+i/499)
	}
	for i := 0; i < 10000; i++ {
		add(core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Established, Remote: &core.Endpoint{}, PeerInode: uint64(100000 + 10001 + i ^ 1)},
			1001+i%499, 20+i/499)
	}
	r := &core.Resolver{Sockets: src, Owners: src, UserName: func(uid int64) string { return "user" + strconv.FormatInt(uid, 10) }}
	res, err := r.Resolve(&core.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	return res.Sockets
}

// timeWaitHost is the TIME_WAIT-heavy server of bench/: a listener on
// 46001 and 50,000 TIME_WAIT sockets on it (no owner), from clients on
// 127.0.0.2 and 127.0.0.3, in gosof's order.
func timeWaitHost(b *testing.B) []core.Socket {
	lo := netip.MustParseAddr("127.0.0.1")
	socks := []core.Socket{{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: core.Endpoint{Addr: lo, Port: 46001}, Inode: 77, UID: 0,
		Owners: []core.Owner{{PID: 1000, FD: 3, Proc: &core.Process{PID: 1000, Comm: "server", UID: 33, User: "www-data"}}}}}
	for i := 0; i < 50000; i++ {
		j := (i * 7919) % 50000 // not in order
		peer := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + j/25000)})
		socks = append(socks, core.Socket{Proto: core.TCP, Family: core.Inet, State: core.TimeWait, UID: -1,
			Local: core.Endpoint{Addr: lo, Port: 46001}, Remote: &core.Endpoint{Addr: peer, Port: uint16(20000 + j%25000)},
			Timer: core.TimerTimeWait, Expires: time.Duration(j) * time.Millisecond})
	}
	return sorted(b, socks)
}

// benchFDs is one process with 10,000 descriptors, half of them sockets.
func benchFDs(b *testing.B) []core.ProcFDs {
	socks := timeWaitHost(b)[:5000]
	p := &core.Process{PID: 4242, Comm: "server", UID: 33, User: "www-data"}
	pf := core.ProcFDs{PID: 4242, Proc: p}
	for i := 0; i < 10000; i++ {
		fd := core.FD{FD: i, Kind: core.FDFile, Path: "/var/lib/data/file" + strconv.Itoa(i), Inode: uint64(i)}
		if i%2 == 0 {
			s := socks[i/2]
			fd.Kind, fd.Path, fd.Socket = core.FDSocket, "socket:["+strconv.Itoa(i)+"]", &s
		}
		pf.FDs = append(pf.FDs, fd)
	}
	return []core.ProcFDs{pf}
}

func benchSockets(b *testing.B, socks []core.Socket, f Format) {
	b.ReportAllocs()
	for b.Loop() {
		if err := Sockets(io.Discard, socks, f, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteTable(b *testing.B)     { benchSockets(b, resolvedHost(b), FormatTable) }
func BenchmarkWriteJSON(b *testing.B)      { benchSockets(b, resolvedHost(b), FormatJSON) }
func BenchmarkWriteJSONLines(b *testing.B) { benchSockets(b, resolvedHost(b), FormatJSONL) }
func BenchmarkWriteTerse(b *testing.B)     { benchSockets(b, resolvedHost(b), FormatTerse) }
func BenchmarkWriteTableTimeWait50k(b *testing.B) {
	benchSockets(b, timeWaitHost(b), FormatTable)
}
func BenchmarkWriteJSONTimeWait50k(b *testing.B) { benchSockets(b, timeWaitHost(b), FormatJSON) }
func BenchmarkWriteJSONLinesTimeWait50k(b *testing.B) {
	benchSockets(b, timeWaitHost(b), FormatJSONL)
}

func BenchmarkWriteFDs10k(b *testing.B) {
	procs := benchFDs(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := FDs(io.Discard, procs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteFDsJSON10k(b *testing.B) {
	procs := benchFDs(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := FDsJSON(io.Discard, procs); err != nil {
			b.Fatal(err)
		}
	}
}

// The definitions the renderers are held to, timed on the same 50,000
// sockets for comparison.

func BenchmarkWriteTableTabwriterTimeWait50k(b *testing.B) {
	socks := timeWaitHost(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := tabTable(io.Discard, socks, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJSONMarshalTimeWait50k(b *testing.B) {
	socks := timeWaitHost(b)
	b.ReportAllocs()
	for b.Loop() {
		js := make([]jSocket, 0, len(socks))
		for i := range socks {
			js = append(js, toJSocket(&socks[i]))
		}
		if _, err := marshalIndent(js); err != nil {
			b.Fatal(err)
		}
	}
}
