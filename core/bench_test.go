package core

import (
	"net/netip"
	"sort"
	"strconv"
	"testing"
	"time"
)

// benchHost is a busy host as bench/workload builds it: a listener on
// 47123 with 5,000 accepted connections, their 5,000 clients spread over
// 500 processes, and 10,000 unix sockets; one owner each.
func benchHost() *fakeSource {
	lo := netip.MustParseAddr("127.0.0.1")
	src := &fakeSource{owners: map[uint64][]Owner{}, procs: map[int]*Process{}}
	add := func(s Socket, pid, fd int) {
		s.Inode = uint64(100000 + len(src.socks))
		src.socks = append(src.socks, s)
		src.owners[s.Inode] = []Owner{{PID: pid, FD: fd}}
		if src.procs[pid] == nil {
			src.procs[pid] = &Process{PID: pid, Comm: "holder" + strconv.Itoa(pid), UID: int64(pid % 3)}
		}
	}
	add(Socket{Proto: TCP, Family: Inet, State: Listen, Local: Endpoint{Addr: lo, Port: 47123}}, 1000, 3)
	for i := range 5000 {
		cport := uint16(32768 + i)
		add(Socket{Proto: TCP, Family: Inet, State: Established, Local: Endpoint{Addr: lo, Port: 47123},
			Remote: &Endpoint{Addr: lo, Port: cport}}, 1000, 4+i)
		add(Socket{Proto: TCP, Family: Inet, State: Established, Local: Endpoint{Addr: lo, Port: cport},
			Remote: &Endpoint{Addr: lo, Port: 47123}}, 1001+i%499, 4+i/499)
	}
	for i := range 10000 {
		add(Socket{Proto: Unix, Family: Local, Type: Stream, State: Established, Remote: &Endpoint{}, PeerInode: uint64(100000 + 10001 + i ^ 1)},
			1001+i%499, 20+i/499)
	}
	// The kernel's dump order is not gosof's: reverse it.
	for i, j := 0, len(src.socks)-1; i < j; i, j = i+1, j-1 {
		src.socks[i], src.socks[j] = src.socks[j], src.socks[i]
	}
	return src
}

func benchResolver(src *fakeSource) *Resolver {
	return &Resolver{Sockets: src, Owners: src, UserName: func(uid int64) string { return "user" + strconv.FormatInt(uid, 10) }}
}

// BenchmarkResolveAll is the join behind `gosof ls`: filter, attach
// owners, describe each process once, sort.
func BenchmarkResolveAll(b *testing.B) {
	src := benchHost()
	r := benchResolver(src)
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Resolve(&Filter{})
		if err != nil || len(res.Sockets) != len(src.socks) {
			b.Fatalf("%d sockets, %v", len(res.Sockets), err)
		}
	}
}

// BenchmarkResolvePort is the join behind `gosof who 47123`.
func BenchmarkResolvePort(b *testing.B) {
	src := benchHost()
	r := benchResolver(src)
	f := &Filter{Ports: []PortRange{{Lo: 47123, Hi: 47123}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSortSockets(b *testing.B) {
	src := benchHost()
	socks := make([]Socket, len(src.socks))
	b.ReportAllocs()
	for b.Loop() {
		copy(socks, src.socks)
		SortSockets(socks)
	}
}

// timeWaitHost is the TIME_WAIT-heavy server of bench/: a listener on
// 46001 and 50,000 TIME_WAIT sockets on it (no owner), from clients on
// 127.0.0.2 and 127.0.0.3, in the kernel's hash order rather than gosof's.
func timeWaitHost() []Socket {
	lo := netip.MustParseAddr("127.0.0.1")
	socks := []Socket{{Proto: TCP, Family: Inet, State: Listen, Local: Endpoint{Addr: lo, Port: 46001}, Inode: 77, UID: 0,
		Owners: []Owner{{PID: 1000, FD: 3, Proc: &Process{PID: 1000, Comm: "server", UID: 33, User: "www-data"}}}}}
	for i := 0; i < 50000; i++ {
		j := (i * 7919) % 50000 // not in order
		peer := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + j/25000)})
		socks = append(socks, Socket{Proto: TCP, Family: Inet, State: TimeWait, UID: -1,
			Local: Endpoint{Addr: lo, Port: 46001}, Remote: &Endpoint{Addr: peer, Port: uint16(20000 + j%25000)},
			Timer: TimerTimeWait, Expires: time.Duration(j) * time.Millisecond})
	}
	return socks
}

func BenchmarkSortTimeWait50k(b *testing.B) {
	src := timeWaitHost()
	socks := make([]Socket, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(socks, src)
		SortSockets(socks)
	}
}

func BenchmarkSortCompareSocketsTimeWait50k(b *testing.B) {
	src := timeWaitHost()
	socks := make([]Socket, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(socks, src)
		idx := make([]int32, len(socks))
		for i := range idx {
			idx[i] = int32(i)
		}
		sort.Slice(idx, func(i, j int) bool {
			if c := compareSockets(&socks[idx[i]], &socks[idx[j]]); c != 0 {
				return c < 0
			}
			return idx[i] < idx[j]
		})
		permute(socks, idx)
	}
}

// SortSockets sorts as Resolve does: the sockets, and each one's owners.
func SortSockets(socks []Socket) {
	sortOwners(socks)
	sortSockets(socks)
}

// unixPairsHost is a desktop's unix sockets: 20,000 unnamed socketpair
// ends, every one with the same sort key, in the kernel's dump order
// (not by inode).
func unixPairsHost() []Socket {
	socks := make([]Socket, 0, 20000)
	for j := 0; j < 20000; j++ {
		ino := uint64(1_000_000 + (j*7919)%20000)
		socks = append(socks, Socket{Proto: Unix, Family: Local, Type: Stream, State: Connected, UID: -1,
			Inode: ino, PeerInode: ino ^ 1})
	}
	return socks
}

// BenchmarkSortUnix20k sorts a run of 20,000 equal keys (an insertion
// sort of the run was quadratic: 0.5 s).
func BenchmarkSortUnix20k(b *testing.B) {
	src := unixPairsHost()
	socks := make([]Socket, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(socks, src)
		SortSockets(socks)
	}
}
