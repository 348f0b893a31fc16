package release

import (
	"testing"

	"github.com/gosof/gosof/core"
)

// dumpCounter serves fixed sockets, filtered as a real source filters
// them, and counts the dumps.
type dumpCounter struct {
	socks []core.Socket
	dumps int
}

func (c *dumpCounter) Sockets(f *core.Filter) ([]core.Socket, error) {
	c.dumps++
	var out []core.Socket
	for _, s := range c.socks {
		if f == nil || f.MatchSocket(&s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// TestCloseSpareOutgoingFromAround: close --state close-wait finds its
// port's listener in what it already read instead of dumping the table
// again, and spares exactly what asking the table spares; with -4 or
// --side remote it asks the table.
func TestCloseSpareOutgoingFromAround(t *testing.T) {
	listener := core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 1}
	v6listener := core.Socket{Proto: core.TCP, Family: core.Inet6, State: core.Listen, Local: ep("::", 9090), Inode: 2}
	cw := func(lport, rport uint16, ino uint64) core.Socket {
		return core.Socket{Proto: core.TCP, Family: core.Inet, State: core.CloseWait, Local: ep("127.0.0.1", lport), Remote: epp("127.0.0.1", rport), Inode: ino}
	}
	all := []core.Socket{listener, v6listener, cw(8080, 40000, 10), cw(8080, 40001, 11), cw(9090, 40002, 12), cw(7070, 40003, 13), cw(40004, 7070, 14)}
	for _, tc := range []struct {
		name  string
		f     core.Filter
		dumps int // after PlanClose's one
	}{
		{"one port, a server", core.Filter{Ports: []core.PortRange{{Lo: 8080, Hi: 8080}}, States: []core.State{core.CloseWait}}, 0},
		{"no server: outgoing", core.Filter{Ports: []core.PortRange{{Lo: 7070, Hi: 7070}}, States: []core.State{core.CloseWait}}, 0},
		{"several ports", core.Filter{Ports: []core.PortRange{{Lo: 7000, Hi: 9999}}, States: []core.State{core.CloseWait}}, 0},
		{"either side", core.Filter{Ports: []core.PortRange{{Lo: 7070, Hi: 7070}}, Side: core.SideAny, States: []core.State{core.CloseWait}}, 0},
		{"-4: a v6 server serves v4", core.Filter{Ports: []core.PortRange{{Lo: 9090, Hi: 9090}}, Families: []core.Family{core.Inet}, States: []core.State{core.CloseWait}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spare := func(fromAround bool) (*Close, int) {
				src := &dumpCounter{socks: all}
				b := Backend{Resolver: &core.Resolver{Sockets: src}}
				f := tc.f
				cl, err := PlanClose(b, &f, CloseOptions{Abort: true})
				if err != nil {
					t.Fatal(err)
				}
				if !fromAround {
					cl.around = nil // the table is asked
				}
				before := src.dumps
				if err := cl.SpareOutgoing(); err != nil {
					t.Fatal(err)
				}
				return cl, src.dumps - before
			}
			got, dumps := spare(true)
			want, _ := spare(false)
			if dumps != tc.dumps {
				t.Errorf("SpareOutgoing dumped the table %d times, want %d", dumps, tc.dumps)
			}
			if len(got.Plan.Spared) != len(want.Plan.Spared) || len(got.Plan.Items) != len(want.Plan.Items) {
				t.Fatalf("spared %d, planned %d; asking the table: spared %d, planned %d",
					len(got.Plan.Spared), len(got.Plan.Items), len(want.Plan.Spared), len(want.Plan.Items))
			}
			for i := range got.Plan.Spared {
				if got.Plan.Spared[i].Inode != want.Plan.Spared[i].Inode {
					t.Errorf("spared[%d] is inode %d, asking the table %d", i, got.Plan.Spared[i].Inode, want.Plan.Spared[i].Inode)
				}
			}
		})
	}
}

// queuedPort is a listener whose accept queue holds 5,000 connections (a
// server too slow to accept). With v6 the listener is a dual-stack [::]
// one, which sorts after its IPv4 connections: asked against every
// socket, AcceptQueueOf walks the whole port once per connection.
func queuedPort(v6 bool) []core.Socket {
	var socks []core.Socket
	for i := 0; i < 5000; i++ {
		socks = append(socks, core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", uint16(20000+i))})
	}
	if v6 {
		return append(socks, core.Socket{Proto: core.TCP, Family: core.Inet6, State: core.Listen, Local: ep("::", 8080), Inode: 1})
	}
	return append([]core.Socket{{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 1}}, socks...)
}

// BenchmarkQueueServers: the queued port, all matched, as `kill PORT`
// resolves it: no server to look up, every connection accounted for by
// the matched listener.
func BenchmarkQueueServers(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		b.Run(map[bool]string{false: "v4", true: "v6"}[v6], func(b *testing.B) {
			res := &core.Result{Sockets: queuedPort(v6)}
			none := func([]core.PortRange) ([]core.Socket, error) { b.Fatal("looked up servers"); return nil, nil }
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := QueueServers(res, none); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLeftQueued: what kill and close say is left on the queued port.
func BenchmarkLeftQueued(b *testing.B) {
	for _, v6 := range []bool{false, true} {
		b.Run(map[bool]string{false: "v4", true: "v6"}[v6], func(b *testing.B) {
			socks := queuedPort(v6)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if g := leftGroups(socks, true, nil, core.Unseen{}); len(g) == 0 {
					b.Fatal("nothing left")
				}
			}
		})
	}
}
