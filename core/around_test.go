package core

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type countingSource struct {
	*fakeSource
	scans int
}

func (c *countingSource) AttachOwners(socks []Socket) (Unseen, error) {
	c.scans++
	return c.fakeSource.AttachOwners(socks)
}

// ResolveAround and LookKnown give close what Resolve and Look gave it,
// with one owner scan instead of two while nothing new appears.
func TestResolveAroundLookKnown(t *testing.T) {
	listener := Socket{Proto: TCP, Family: Inet, State: Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000}
	var waits []Socket
	src := &fakeSource{
		socks:  []Socket{listener},
		owners: map[uint64][]Owner{10: {{PID: 4243, FD: 3}, {PID: 4242, FD: 5}}},
		procs:  map[int]*Process{4242: {PID: 4242, Comm: "java", UID: 1000}, 4243: {PID: 4243, Comm: "java", UID: 1000}},
	}
	for i := 0; i < 20; i++ {
		s := Socket{Proto: TCP, Family: Inet, State: CloseWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", uint16(40000+i)), Inode: uint64(100 + i), UID: 1000}
		waits = append(waits, s)
		src.owners[s.Inode] = []Owner{{PID: 4242, FD: 10 + i}}
	}
	tw := Socket{Proto: TCP, Family: Inet, State: TimeWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 39999), UID: -1}
	src.socks = append(append(src.socks, waits...), tw)
	cs := &countingSource{fakeSource: src}
	r := &Resolver{Sockets: cs, Owners: cs, UserName: func(int64) string { return "app" }}
	f := &Filter{Ports: []PortRange{{8080, 8080}}, Protos: []Proto{TCP}, States: []State{CloseWait}}
	opts := cmpopts.EquateComparable(netip.Addr{})

	want, err := r.Resolve(f)
	if err != nil {
		t.Fatal(err)
	}
	res, around, err := ResolveAround(r, f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res, opts); diff != "" {
		t.Fatalf("ResolveAround differs from Resolve (-want +got):\n%s", diff)
	}

	look := func(name string, wantScans int) {
		t.Helper()
		wantLeft, err := Look(r, f, waits, 0)
		if err != nil {
			t.Fatal(err)
		}
		before := cs.scans
		got, err := LookKnown(r, f, waits, 0, around)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantLeft, got, opts); diff != "" {
			t.Errorf("%s: LookKnown differs from Look (-want +got):\n%s", name, diff)
		}
		if n := cs.scans - before; n != wantScans {
			t.Errorf("%s: LookKnown scanned owners %d times, want %d", name, n, wantScans)
		}
	}
	src.socks = []Socket{listener, tw} // the CLOSE_WAITs were aborted
	look("aborted", 0)
	delete(src.procs, 4243) // one holder of the listener exited
	look("a holder exited", 0)
	src.socks = append(src.socks, Socket{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 41000), Inode: 999, UID: 1000})
	src.owners[999] = []Owner{{PID: 4242, FD: 99}}
	look("a new connection", 1)
	src.socks = nil
	look("nothing left", 0)

	// --pid narrows the scan itself: ResolveAround is Resolve.
	fp := *f
	fp.PIDs = []int{4242}
	if _, around, _ := ResolveAround(r, &fp); around != nil {
		t.Errorf("with --pid: around = %v, want nil", around)
	}
}

// Many holders are described concurrently; the result is what describing
// them one by one gives: gone ones dropped, the rest filled in.
func TestDescribeManyProcesses(t *testing.T) {
	src := &fakeSource{owners: map[uint64][]Owner{}, procs: map[int]*Process{}}
	for i := 0; i < 300; i++ {
		pid := 1000 + i
		src.socks = append(src.socks, Socket{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", uint16(20000+i)), Inode: uint64(10 + i)})
		src.owners[uint64(10+i)] = []Owner{{PID: pid, FD: 3}, {PID: 1000 + (i+1)%300, FD: 4}}
		if i%7 != 0 {
			src.procs[pid] = &Process{PID: pid, Comm: "p" + string(rune('a'+i%26)), UID: int64(i % 3)}
		}
	}
	r := &Resolver{Sockets: src, Owners: src, UserName: func(uid int64) string { return "u" + string(rune('0'+uid)) }}
	res, err := r.Resolve(&Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Sockets {
		var want []int
		for _, o := range src.owners[s.Inode] {
			if src.procs[o.PID] != nil {
				want = append(want, o.PID)
			}
		}
		if len(s.Owners) != len(want) {
			t.Fatalf("socket %d: %d owners, want %d", s.Inode, len(s.Owners), len(want))
		}
		for _, o := range s.Owners {
			p := src.procs[o.PID]
			if o.Proc == nil || o.Proc.Comm != p.Comm || o.Proc.User != "u"+string(rune('0'+p.UID)) {
				t.Fatalf("owner %d described as %+v", o.PID, o.Proc)
			}
		}
	}
}
