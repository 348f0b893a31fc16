// Package watch follows the sockets of a listing from one refresh to the
// next (gosof watch): for each process that holds some, and each state,
// how many it holds now, how many entered and left the state since the
// process was first seen, the change and its rate a minute, and which
// process leaks CLOSE_WAIT. A process is its pid and start time: a pid
// reused between two refreshes is another process. It is pure (the
// listings are handed to it) and keeps to the Go 1.18 language and
// library, as the gccgo (SPARC) build compiles it.
package watch

import (
	"net/netip"
	"sort"
	"time"

	"github.com/gosof/gosof/core"
)

// ProcKey names a process across refreshes; the zero ProcKey stands for
// the sockets no process holds (TIME_WAIT, orphans), UnseenKey for those
// whose holder could not be seen (core.UnknownHolder): not the same.
type ProcKey struct {
	PID   int
	Start uint64 // core.Process.Start: a reused pid has another
}

// UnseenKey is the row of the sockets whose holder could not be seen.
var UnseenKey = ProcKey{PID: -1}

// Holder reports whether k is a process, not the row of the sockets no
// process holds nor that of those whose holder could not be seen.
func (k ProcKey) Holder() bool { return k != ProcKey{} && k != UnseenKey }

// CellKey is one state of one protocol.
type CellKey struct {
	Proto core.Proto
	State core.State
}

// Cell is what a process holds in one state.
type Cell struct {
	CellKey
	// Now is how many it holds; Base how many it held when the process
	// was first seen. Opened and Released count the sockets that entered
	// and left the state since then (a socket that moves from ESTABLISHED
	// to CLOSE_WAIT left one and entered the other; one that vanished, or
	// that the process no longer holds, left): Now = Base + Opened -
	// Released.
	Now, Base, Opened, Released int
}

// Change is the change since the process was first seen.
func (c *Cell) Change() int { return c.Now - c.Base }

// Proc is one process and what it holds, state by state.
type Proc struct {
	Key  ProcKey
	Proc *core.Process // as last described; nil but for a Holder
	// First is when it was first seen: its changes and rates start there.
	First time.Time
	cells map[CellKey]*Cell
	born  int // the refresh that first saw it
	seen  int // the refresh that last saw it
}

// Cells are its states, in the order of core.AllStates (protocols in
// core.Protos order before that).
func (p *Proc) Cells() []*Cell {
	out := make([]*Cell, 0, len(p.cells))
	for _, c := range p.cells {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return cellLess(out[i].CellKey, out[j].CellKey) })
	return out
}

// Cell is its cell of state st of protocol proto, nil when it never had one.
func (p *Proc) Cell(proto core.Proto, st core.State) *Cell { return p.cells[CellKey{proto, st}] }

// Total is how many sockets it holds now, all states, and their change.
func (p *Proc) Total() (now, change int) {
	for _, c := range p.cells {
		now += c.Now
		change += c.Change()
	}
	return now, change
}

// Verdict is what a process's CLOSE_WAIT count does.
type Verdict string

const (
	// Leaking: more CLOSE_WAIT than when first seen, and none of them
	// ever closed while watched.
	Leaking Verdict = "leaking"
	// Growing: more CLOSE_WAIT, though it closes some.
	Growing Verdict = "growing"
	// Steady: no more than when first seen.
	Steady Verdict = "steady"
)

// CloseWait says what p's CLOSE_WAIT (TCP) count does at now: its
// verdict, the change and how many it released since p was first seen,
// and the change's rate a minute.
func (p *Proc) CloseWait(now time.Time) (v Verdict, change, released int, perMin float64) {
	c := p.Cell(core.TCP, core.CloseWait)
	if c == nil || c.Change() <= 0 {
		if c != nil {
			change, released = c.Change(), c.Released
		}
		return Steady, change, released, Rate(change, now.Sub(p.First))
	}
	v = Growing
	if c.Released == 0 {
		v = Leaking
	}
	return v, c.Change(), c.Released, Rate(c.Change(), now.Sub(p.First))
}

// Rate is n over d, a minute; 0 for no time.
func Rate(n int, d time.Duration) float64 {
	if d < time.Millisecond {
		return 0
	}
	return float64(n) / d.Minutes()
}

// sockID names a socket across refreshes: its inode, or, for a socket
// that has none (TIME_WAIT, a request socket), its ends.
type sockID struct {
	proto         core.Proto
	inode         uint64
	netns         uint64 // ends alone repeat across namespaces (-A)
	local, remote netip.AddrPort
}

// hold is one socket as one process holds it (the zero ProcKey for none).
type hold struct {
	id   sockID
	proc ProcKey
}

// Tracker follows listings from one refresh to the next.
type Tracker struct {
	start     time.Time
	refreshes int
	procs     map[ProcKey]*Proc
	// prev and cur map each socket, as each process holds it, to its
	// state, at the last refresh and at this one; they swap, and are
	// emptied, not made again: a watch over a day keeps two maps.
	prev, cur map[hold]CellKey
	// OwnerFlags are the owner filters the listings passed through, as
	// the notes name them (core.Filter.OwnerFlags), escaped for the
	// screen, for the frames' Undecided.
	OwnerFlags string
}

// NewTracker returns a Tracker; the first Update starts the watch.
func NewTracker() *Tracker {
	return &Tracker{procs: map[ProcKey]*Proc{}, prev: map[hold]CellKey{}, cur: map[hold]CellKey{}}
}

// Frame is one refresh: every process that holds a matched socket now.
type Frame struct {
	Refresh int // from 1
	Time    time.Time
	Elapsed time.Duration // since the first refresh
	Procs   []*Proc       // unordered: Sort orders them
	// Unseen is what the refresh's owner scan could not see, and Unknown
	// how many of its sockets show no holder because of it
	// (core.UnknownHolder): they count under UnseenKey, which is not
	// "held by none" (UpdateResult).
	Unseen  core.Unseen
	Unknown int
	// Undecided counts the sockets the owner filters (OwnerFlags) left
	// out because their holders could not be seen (core.Result.Undecided):
	// not known to be outside them, so never "0 processes" alone.
	Undecided  int
	OwnerFlags string
}

// UpdateResult is Update for one resolve's result: the frame also keeps
// what the result could not see, and counts the sockets it hid the
// holder of, for Summary and the note a watch shows.
func (t *Tracker) UpdateResult(now time.Time, res *core.Result) *Frame {
	f := t.update(now, res.Sockets, res.Unseen)
	f.Undecided, f.OwnerFlags = len(res.Undecided), t.OwnerFlags
	return f
}

// Update takes the sockets of one refresh, listed at now (owners
// attached and described), and returns the frame. The sockets are not
// kept. Nothing is known to be unseen but what the sockets say
// themselves (UpdateResult knows more).
func (t *Tracker) Update(now time.Time, socks []core.Socket) *Frame {
	return t.update(now, socks, core.Unseen{})
}

// update is Update, u what the owner scan could not see.
func (t *Tracker) update(now time.Time, socks []core.Socket, u core.Unseen) *Frame {
	unknown := 0
	t.refreshes++
	if t.refreshes == 1 {
		t.start = now
	}
	for k := range t.cur {
		delete(t.cur, k)
	}
	// what each process holds now, counted into fresh Now values
	for _, p := range t.procs {
		for _, c := range p.cells {
			c.Now = 0
		}
	}
	for i := range socks {
		s := &socks[i]
		id := sockID{proto: s.Proto, inode: s.Inode}
		if s.Inode == 0 {
			id.netns = s.NetNS
			id.local = netip.AddrPortFrom(s.Local.Addr, s.Local.Port)
			if s.Remote != nil {
				id.remote = netip.AddrPortFrom(s.Remote.Addr, s.Remote.Port)
			}
		}
		ck := CellKey{s.Proto, s.State}
		counted := false
		for j := range s.Owners {
			o := &s.Owners[j]
			if !o.Known() {
				continue
			}
			k := ProcKey{o.PID, o.Proc.Start}
			h := hold{id, k}
			if _, dup := t.cur[h]; dup {
				continue // held through two descriptors: once
			}
			t.count(now, k, o.Proc, h, ck)
			counted = true
		}
		if !counted {
			k := ProcKey{}
			if core.UnknownHolder(s, u) {
				k = UnseenKey
				unknown++
			}
			h := hold{id, k}
			if _, dup := t.cur[h]; !dup {
				t.count(now, k, nil, h, ck)
			}
		}
	}
	// what left: sockets gone, or no longer held by the process
	for h, ck := range t.prev {
		if _, ok := t.cur[h]; ok {
			continue
		}
		if p := t.procs[h.proc]; p != nil {
			p.cell(ck).Released++
		}
	}
	f := &Frame{Refresh: t.refreshes, Time: now, Elapsed: now.Sub(t.start), Unseen: u, Unknown: unknown}
	for k, p := range t.procs {
		if p.seen != t.refreshes {
			delete(t.procs, k) // it holds nothing matched now, or exited
			continue
		}
		f.Procs = append(f.Procs, p)
	}
	t.prev, t.cur = t.cur, t.prev
	return f
}

// count records that process k (described by proc) holds socket h in
// state ck now.
func (t *Tracker) count(now time.Time, k ProcKey, proc *core.Process, h hold, ck CellKey) {
	p := t.procs[k]
	if p == nil {
		p = &Proc{Key: k, First: now, cells: map[CellKey]*Cell{}, born: t.refreshes}
		t.procs[k] = p
	}
	if proc != nil {
		p.Proc = proc
	}
	p.seen = t.refreshes
	t.cur[h] = ck
	c := p.cell(ck)
	c.Now++
	if p.born == t.refreshes { // first seen now: what it holds is where it starts
		c.Base++
		return
	}
	if was, ok := t.prev[h]; !ok || was != ck {
		c.Opened++
		if ok {
			p.cell(was).Released++ // it moved from that state to this one
		}
	}
}

// cell is p's cell for ck, made when p never had one (Base 0: p held
// none in that state when first seen).
func (p *Proc) cell(ck CellKey) *Cell {
	c := p.cells[ck]
	if c == nil {
		c = &Cell{CellKey: ck}
		p.cells[ck] = c
	}
	return c
}

// cellLess orders cells by protocol, then state, as the contract lists
// them.
func cellLess(a, b CellKey) bool {
	if a.Proto != b.Proto {
		return rank(core.Protos, a.Proto) < rank(core.Protos, b.Proto)
	}
	return stateRank(a.State) < stateRank(b.State)
}

func rank(ps []core.Proto, p core.Proto) int {
	for i, x := range ps {
		if x == p {
			return i
		}
	}
	return len(ps)
}

func stateRank(st core.State) int {
	for i, x := range core.AllStates {
		if x == st {
			return i
		}
	}
	return len(core.AllStates)
}
