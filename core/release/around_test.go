package release

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gosof/gosof/core"
)

// aroundSource serves fixed sockets and owners to the resolver.
type aroundSource struct {
	socks  []core.Socket
	owners map[uint64][]core.Owner
	procs  map[int]*core.Process
}

func (f *aroundSource) Sockets(*core.Filter) ([]core.Socket, error) {
	return append([]core.Socket(nil), f.socks...), nil
}

func (f *aroundSource) AttachOwners(socks []core.Socket, _ []int) (core.Unseen, error) {
	for i := range socks {
		socks[i].Owners = append([]core.Owner(nil), f.owners[socks[i].Inode]...)
	}
	return core.Unseen{Denied: 2, Hint: "be root"}, nil
}

func (f *aroundSource) Process(pid int) (*core.Process, error) {
	if p, ok := f.procs[pid]; ok {
		c := *p
		return &c, nil
	}
	return nil, core.ErrGone
}

type countingSource struct {
	*aroundSource
	scans int
}

func (c *countingSource) AttachOwners(socks []core.Socket, pids []int) (core.Unseen, error) {
	c.scans++
	return c.aroundSource.AttachOwners(socks, pids)
}

// ResolveAround and LookKnown give close what Resolve and Look gave it,
// with one owner scan instead of two while nothing new appears.
func TestResolveAroundLookKnown(t *testing.T) {
	listener := core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000}
	var waits []core.Socket
	src := &aroundSource{
		socks:  []core.Socket{listener},
		owners: map[uint64][]core.Owner{10: {{PID: 4243, FD: 3}, {PID: 4242, FD: 5}}},
		procs:  map[int]*core.Process{4242: {PID: 4242, Comm: "java", UID: 1000}, 4243: {PID: 4243, Comm: "java", UID: 1000}},
	}
	for i := 0; i < 20; i++ {
		s := core.Socket{Proto: core.TCP, Family: core.Inet, State: core.CloseWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", uint16(40000+i)), Inode: uint64(100 + i), UID: 1000}
		waits = append(waits, s)
		src.owners[s.Inode] = []core.Owner{{PID: 4242, FD: 10 + i}}
	}
	tw := core.Socket{Proto: core.TCP, Family: core.Inet, State: core.TimeWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 39999), UID: -1}
	src.socks = append(append(src.socks, waits...), tw)
	cs := &countingSource{aroundSource: src}
	r := &core.Resolver{Sockets: cs, Owners: cs, UserName: func(int64) string { return "app" }}
	f := &core.Filter{Ports: []core.PortRange{{Lo: 8080, Hi: 8080}}, Protos: []core.Proto{core.TCP}, States: []core.State{core.CloseWait}}
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
	src.socks = []core.Socket{listener, tw} // the CLOSE_WAITs were aborted
	look("aborted", 0)
	delete(src.procs, 4243) // one holder of the listener exited
	look("a holder exited", 0)
	src.socks = append(src.socks, core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 41000), Inode: 999, UID: 1000})
	src.owners[999] = []core.Owner{{PID: 4242, FD: 99}}
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
