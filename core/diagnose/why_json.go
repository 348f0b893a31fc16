package diagnose

import (
	"io"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

// WriteWhyJSON prints the diagnosis as one JSON object; docs/why.md
// documents every field.
func WriteWhyJSON(w io.Writer, d *Why) error {
	e := render.NewJSON(w, true)
	writeWhyJSON(e, d, false)
	e.Line()
	return e.Flush()
}

// writeWhysJSON prints the diagnoses of several network namespaces as a
// JSON array (--all-netns).
func writeWhysJSON(w io.Writer, ds []*Why) error {
	e := render.NewJSON(w, true)
	e.Array()
	for _, d := range ds {
		writeWhyJSON(e, d, true)
	}
	e.End()
	e.Line()
	return e.Flush()
}

// writeWhyJSON writes one diagnosis; perNetNS (--all-netns, one per
// namespace) names its namespace as a socket's JSON does: netns, and
// netns_name and container when known.
func writeWhyJSON(e *render.JSON, d *Why, perNetNS bool) {
	e.Object()
	e.UintKey("port", uint64(d.Port))
	if s := d.nsSocket(); perNetNS && s != nil {
		e.UintKey("netns", s.NetNS)
		if n := s.NetNSName(); n != "" {
			e.Str("netns_name", n)
		}
		if c := s.Container(); c != "" {
			e.Str("container", c)
		}
	}
	e.BoolKey("in_use", d.InUse())
	if d.Unlisted() {
		e.BoolKey("unlisted", true)
	}
	e.Key("listeners")
	e.Array()
	for _, l := range d.Listeners {
		s := l.Socket
		e.Object()
		e.Str("proto", string(s.Proto))
		e.Str("family", s.Family.String())
		e.Str("addr", render.Addr(s.Local.Addr.WithZone("")))
		e.UintKey("port", uint64(s.Local.Port))
		if z := s.Local.Addr.Zone(); z != "" {
			e.Str("zone", z) // as the socket object gives it
		}
		if s.Dev != nil && s.Dev.Name != "" {
			e.Str("dev", s.Dev.Name)
		}
		e.Str("scope", l.Scope)
		e.Str("stack", l.Stack)
		boolPtrKey(e, "reuse_addr", l.ReuseAddr)
		boolPtrKey(e, "reuse_port", l.ReusePort)
		queueAndOwners(e, s.Proto == core.TCP && s.State == core.Listen, l.AcceptQueue, l.Backlog, l.HasBacklog, s.Owners)
	}
	e.End()
	e.Key("connections")
	connsJSON(e, d.Conns)
	e.Key("peers")
	e.Array()
	for _, p := range d.Peers {
		e.Object()
		e.Str("addr", p.Addr.WithZone("").String())
		if z := p.Addr.Zone(); z != "" {
			e.Str("zone", z)
		}
		e.IntKey("count", int64(p.Count))
		e.End()
	}
	e.End()
	e.Key("close_wait")
	if cw := d.CloseWait; cw != nil {
		e.Object()
		e.IntKey("count", int64(cw.Count))
		e.Key("processes")
		procCounts(e, cw.Procs)
		e.IntKey("unowned", int64(cw.Unowned))
		e.IntKey("queued", int64(cw.Queued))
		if len(cw.Peers) > 0 {
			e.Key("peers")
			procCounts(e, cw.Peers)
		}
		e.Key("release")
		e.Array()
		e.String(d.CloseWaitCommand())
		for _, pc := range cw.Procs {
			e.String("restart " + core.OwnerLabel(pc.Owner))
		}
		e.End()
		e.End()
	} else {
		e.Null()
	}
	e.Key("time_wait")
	timerJSON(e, d.TimeWait)
	e.Key("orphaned_fin_wait2")
	timerJSON(e, d.FinWait2)
	e.Key("idle")
	agesJSON(e, d, d.Ages)
	if d.Proto != "" {
		e.Str("proto", string(d.Proto))
		e.Key("elsewhere")
		e.Array()
		for _, o := range d.ElsewhereByProto() {
			e.Object()
			e.Str("proto", string(o.Proto))
			e.IntKey("count", int64(o.Count))
			e.Str("why", o.Why)
			e.End()
		}
		e.End()
	}
	e.Key("probe")
	probeJSON(e, d.Probe)
	e.Key("other_probes")
	e.Array()
	for _, r := range d.probes() {
		if r != d.Probe {
			probeJSON(e, r)
		}
	}
	e.End()
	e.Key("warnings")
	e.Array()
	for _, w := range d.Warnings {
		e.Object()
		e.Str("kind", w.Kind)
		e.IntKey("count", int64(w.Count))
		e.Key("owner")
		if w.Owner != nil {
			e.Owner(w.Owner)
		} else {
			e.Null()
		}
		e.Str("message", w.Message)
		e.End()
	}
	e.End()
	e.IntKey("unseen_processes", int64(d.Unseen.Denied))
	if m := d.Unseen.Message(); m != "" {
		e.Str("unseen_note", m)
	}
	if m := d.Missing.String(); m != "" {
		e.Str("options_missing", m)
	}
	e.Key("sockets")
	e.Sockets(d.Sockets)
	e.End()
}

// procCounts writes processes with how many sockets each holds: an
// owner's members and "count".
func procCounts(e *render.JSON, pcs []ProcCount) {
	e.Array()
	for i := range pcs {
		e.Object()
		e.OwnerFields(&pcs[i].Owner)
		e.IntKey("count", int64(pcs[i].Count))
		e.End()
	}
	e.End()
}

// queueAndOwners ends a listener's object, in why PORT and why PATH
// alike: its accept queue and backlog (null for a socket that is not
// listening for connections; the backlog null too where it is unknown),
// and its owners.
func queueAndOwners(e *render.JSON, listening bool, queue, backlog uint64, hasBacklog bool, owners []core.Owner) {
	if listening {
		e.UintKey("accept_queue", queue)
	} else {
		e.NullKey("accept_queue")
	}
	if listening && hasBacklog {
		e.UintKey("backlog", backlog)
	} else {
		e.NullKey("backlog")
	}
	e.Key("owners")
	e.Owners(owners)
	e.End()
}

func boolPtrKey(e *render.JSON, k string, v *bool) {
	if v == nil {
		e.NullKey(k)
	} else {
		e.BoolKey(k, *v)
	}
}

func timerJSON(e *render.JSON, n *TimerNote) {
	if n == nil {
		e.Null()
		return
	}
	e.Object()
	e.IntKey("count", int64(n.Count))
	if len(n.Peers) > 0 {
		e.Key("peer_owners")
		e.Owners(n.Peers)
	}
	if n.Known {
		e.IntKey("min_remaining_ms", n.MinLeft.Milliseconds())
		e.IntKey("max_remaining_ms", n.MaxLeft.Milliseconds())
	} else {
		e.NullKey("min_remaining_ms")
		e.NullKey("max_remaining_ms")
	}
	e.End()
}

// probeJSON writes a bind probe; r nil (no probe at all) is written with
// every member empty.
func probeJSON(e *render.JSON, r *ProbeReport) {
	e.Object()
	if r == nil {
		e.Str("proto", "")
		e.BoolKey("ran", false)
		e.NullKey("skipped")
		e.Str("verdict", "")
		e.Str("message", "")
		e.NullKey("reuse_port")
		e.NullKey("attempts")
		e.End()
		return
	}
	proto := r.Proto
	if proto == "" {
		proto = core.TCP
	}
	e.Str("proto", string(proto))
	e.BoolKey("ran", r.Skipped == "")
	if r.Skipped != "" {
		e.Str("skipped", r.Skipped)
	} else {
		e.NullKey("skipped")
	}
	e.Str("verdict", string(r.Verdict))
	e.Str("message", r.Message())
	e.Key("reuse_port")
	if g := r.Group; g != nil {
		e.Object()
		e.Str("join", joinNames[g.Join])
		if g.UID >= 0 {
			e.IntKey("uid", g.UID)
			e.Str("user", userName(g.UID))
		} else {
			e.NullKey("uid")
			e.NullKey("user")
		}
		e.IntKey("probe_uid", g.As)
		e.BoolKey("tried", g.Tried)
		e.End()
	} else {
		e.Null()
	}
	e.Key("attempts")
	e.Array()
	for _, a := range r.Attempts {
		e.Object()
		e.Str("addr", a.Addr.String())
		e.UintKey("port", uint64(r.Port))
		e.BoolKey("reuse_addr", a.ReuseAddr)
		e.BoolKey("reuse_port", a.ReusePort)
		e.BoolKey("ok", a.OK)
		e.BoolKey("in_use", a.InUse)
		e.BoolKey("told", a.Told)
		if a.Err != "" {
			e.Str("error", a.Err)
		} else {
			e.NullKey("error")
		}
		e.Key("blockers")
		e.Array()
		for _, b := range a.Blockers {
			e.Socket(b)
		}
		e.End()
		e.End()
	}
	e.End()
	e.End()
}

// connsJSON writes connection groups, as why PORT's "connections".
func connsJSON(e *render.JSON, conns []ConnGroup) {
	e.Array()
	for _, g := range conns {
		e.Object()
		e.Str("proto", string(g.Proto))
		e.Str("state", string(g.State))
		if g.Outgoing {
			e.BoolKey("outgoing", true)
		}
		if g.Queued {
			e.BoolKey("queued", true)
		}
		if g.Bound {
			e.BoolKey("bound", true)
		}
		e.IntKey("count", int64(g.Count))
		e.UintKey("recv_q", g.RecvQ)
		e.UintKey("send_q", g.SendQ)
		e.Key("owners")
		e.Owners(g.Owners)
		if len(g.Peers) > 0 {
			e.Key("peer_owners")
			e.Owners(g.Peers)
		}
		e.End()
	}
	e.End()
}
