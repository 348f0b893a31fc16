package release

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
)

// Method is how close drops a socket.
type Method string

const (
	// Shutdown: shutdown(SHUT_RDWR) through a duplicate of an owner's
	// descriptor. The peer gets a FIN, the owner lives on and reads EOF.
	Shutdown Method = "shutdown"
	// Abort: the kernel resets the connection (SOCK_DESTROY,
	// TCP_IOC_ABORT_CONN); works on sockets no process holds.
	Abort Method = "abort"
)

// CloseItem is one matched socket and what close will do with it.
type CloseItem struct {
	Socket core.Socket
	Method Method // "" when the socket is left alone
	Skip   string // why it is left alone
	// Queue is the listener in whose accept queue the socket waits
	// (core.AcceptQueueOf), nil when it waits in none.
	Queue *core.Socket
}

// ClosePlan is what close will do with each matched socket.
type ClosePlan struct {
	Items []CloseItem
	// Listeners are LISTEN sockets that matched but are refused: closing
	// a listener silently breaks a server, so it takes --listen or --state listen.
	Listeners []core.Socket
	// Spared are outgoing connections that matched only by their source
	// port (SplitOutgoing); close leaves them alone unless --outgoing.
	Spared []core.Socket
	Unseen core.Unseen
	// owners are the owner filters (--pid, --user, -c, --unit), nil when
	// none: the holders they leave out share the sockets close acts on
	// (AlsoHeld).
	owners *core.Filter
	// act is the command's filters when they have --state or --idle
	// (core.Filter.ProvedAtAct), nil when not: each TCP socket's state
	// and idle time are read again as close acts on it (core.ShutdownVia,
	// core.SocketCloser's Abort).
	act *core.Filter
}

// AlsoHeld are the holders of s that the owner filters left out: the
// resolve keeps them after those matched (core.Resolver.AllHolders), and
// a shutdown or an abort acts on the socket, so on them too.
func (p *ClosePlan) AlsoHeld(s *core.Socket) []core.Owner {
	if p.owners == nil {
		return nil
	}
	var out []core.Owner
	for i := range s.Owners {
		if !p.owners.MatchOwner(&s.Owners[i]) {
			out = append(out, s.Owners[i])
		}
	}
	return out
}

// CloseOptions choose the method and what may be closed.
type CloseOptions struct {
	Abort       bool // SOCK_DESTROY instead of shutdown through the owner
	AllowListen bool // --listen or --state listen was given
	// Owners are the command's filters when they have owner filters
	// (--pid, --user, -c, --unit): ClosePlan.AlsoHeld.
	Owners *core.Filter
	// AbortUnknown (--unknown-holder) lets --abort reset a LISTEN socket
	// whose holder could not be seen (UnknownHolder), or any socket that
	// shows only an unverified creator (core.Owner.Unverified).
	AbortUnknown bool
	// Act is the command's filters when they have --state or --idle
	// (ClosePlan.act).
	Act *core.Filter
}

// NewClosePlan picks a method for every resolved socket, or says why it
// leaves it alone. servers are as NewKillPlan's.
func NewClosePlan(res *core.Result, opt CloseOptions, servers []core.Socket) *ClosePlan {
	p := &ClosePlan{Unseen: res.Unseen, owners: opt.Owners, act: opt.Act}
	listeners := queueListeners(res.Sockets, servers)
	for _, s := range res.Sockets {
		if s.State == core.Listen && !opt.AllowListen {
			p.Listeners = append(p.Listeners, s)
			continue
		}
		it := CloseItem{Socket: s}
		unknown := core.UnknownHolder(&s, res.Unseen)
		switch {
		case s.Proto == core.Unix && opt.Abort:
			it.Skip = UnixAbort
		case s.Proto != core.TCP && s.Proto != core.Unix:
			it.Skip = fmt.Sprintf("%s sockets cannot be closed apart from their process; only TCP and unix sockets can", s.Proto)
		case core.BoundOnly(&s):
			it.Skip = "it is bound but neither listening nor connected (CLOSE): shutdown and abort do not unbind it, " +
				"and the port stays bound until its holder closes the descriptor; restart the holder, or stop it with gosof kill"
		case s.OnlyUnverified() && opt.Abort && !opt.AbortUnknown:
			it.Skip = "it shows only " + ownerList(s.Owners) + ", a creator not proven to be the process that made it (its pid may have been reused), so who holds it is unknown; " +
				"add --unknown-holder to abort it anyway"
		case unknown && opt.Abort && s.State == core.Listen && !opt.AbortUnknown:
			it.Skip = "its holder could not be seen (" + res.Unseen.What() + ") and may be a running server; " +
				"add --unknown-holder to abort it anyway"
		case opt.Abort:
			it.Method = Abort
		case unknown:
			it.Skip = "its holder could not be seen (" + res.Unseen.What() + "), so there is no descriptor to shut down"
		case shutdownOwner(&s) < 0 && s.HasOwners() && s.Proto == core.Unix:
			it.Skip = "the platform does not tell which descriptor holds it, so there is none to shut down"
		case shutdownOwner(&s) < 0 && s.HasOwners():
			it.Skip = "the platform does not tell which descriptor holds it; try --abort"
		case !s.HasOwners() && s.Proto == core.Unix:
			it.Skip = "no process holds it (it is in flight, passed in a message not yet received), so there is no descriptor to shut down"
		case !s.HasOwners() && core.AcceptQueueOf(&s, listeners) != nil:
			it.Queue = core.AcceptQueueOf(&s, listeners)
			it.Skip = "it waits in the accept queue of " + core.ListenerLine(it.Queue) +
				": no process holds it until accept(), so there is no descriptor to shut down; it goes when the listener closes, or try --abort"
		case !s.HasOwners():
			it.Skip = "no process holds it, so there is no descriptor to shut down; try --abort" + expiry(&s)
		default:
			it.Method = Shutdown
		}
		p.Items = append(p.Items, it)
	}
	for _, s := range res.Undecided {
		// never closed on a guess that it passes the owner filters, named
		// as the note on them names them (only they leave a socket undecided)
		by := "the owner filters"
		if opt.Owners != nil {
			by = opt.Owners.OwnerFlags()
		}
		p.Items = append(p.Items, CloseItem{Socket: s, Skip: "its holder could not be seen (" + res.Unseen.What() +
			"), so whether it passes " + by + " is not known"})
	}
	return p
}

// UnixAbort is why --abort leaves a unix socket alone.
const UnixAbort = "--abort resets TCP connections (SOCK_DESTROY); it does not apply to unix sockets: " +
	"without --abort, close shuts them down through their holder's descriptor"

// expiry says when the kernel drops an orphaned socket by itself.
func expiry(s *core.Socket) string {
	if s.Timer == core.TimerTimeWait && s.Expires > 0 {
		return ", or wait: the kernel drops it within " + core.Seconds(s.Expires)
	}
	if s.State == core.TimeWait {
		return ", or wait: TIME_WAIT ends by itself (" + core.Seconds(core.LinuxTimeWait) + " on Linux)"
	}
	return ""
}

// holderLabels names s's holders for close's reports: its owners,
// core.UnknownHolderLabel when a process gosof could not see may hold it, "" when no
// process does.
func holderLabels(s *core.Socket, u core.Unseen) string {
	if !s.HasOwners() {
		if core.UnknownHolder(s, u) {
			return core.UnknownHolderLabel
		}
		return ""
	}
	var who []string
	for _, o := range s.Owners {
		who = append(who, core.OwnerLabel(o))
	}
	return strings.Join(who, ", ")
}

// shutdownOwner is the index of the first owner whose descriptor is known.
func shutdownOwner(s *core.Socket) int {
	for i, o := range s.Owners {
		if o.FD >= 0 && o.Proc != nil {
			return i
		}
	}
	return -1
}

// LeavesSocket reports whether the plan leaves a matched socket alone (no
// method: a holder gosof could not see, core.UnknownHolder; a protocol
// close cannot act on; a socket bound but neither listening nor
// connected): the run reports it left and exits 3 (CloseReport.Survivors
// counts it), so the dry run (-n) exits 3 too, as kill's does with
// KillPlan.LeavesHolder (docs/kill-close.md).
//
// A connection that waits in the accept queue of a listener the plan shuts
// down or aborts goes with it (the kernel's inet_csk_listen_stop), so it
// does not count.
func (p *ClosePlan) LeavesSocket() bool {
	for i := range p.Items {
		if it := &p.Items[i]; it.Method == "" && !p.actsOn(it.Queue) {
			return true
		}
	}
	return false
}

// actsOn reports whether the plan shuts down or aborts s.
func (p *ClosePlan) actsOn(s *core.Socket) bool {
	if s == nil {
		return false
	}
	for i := range p.Items {
		if it := &p.Items[i]; it.Method != "" && sameSocket(&it.Socket, s) {
			return true
		}
	}
	return false
}

// Sockets counts the sockets the plan would act on.
func (p *ClosePlan) Sockets() int {
	n := 0
	for i := range p.Items {
		if p.Items[i].Method != "" {
			n++
		}
	}
	return n
}

// Refusal is the error close stops with when every socket it matched is
// a listener it leaves alone (no --listen): exit 2, and this one line on
// stderr gives the reason, which the plan then does not repeat
// (WriteClosePlan). nil when the plan has anything else.
func (p *ClosePlan) Refusal() error {
	if len(p.Items) > 0 || len(p.Listeners) == 0 {
		return nil
	}
	return core.Usagef("refusing to close %s: %s", core.Plural(len(p.Listeners), "LISTEN socket"), p.listenerReason())
}

// listenerReason is why the plan leaves its listeners alone, and how to
// ask for them.
func (p *ClosePlan) listenerReason() string {
	return "closing a listener silently breaks its server; add --listen to close " + core.ByCount(len(p.Listeners), "it", "them")
}

// SocketFate is what became of one socket of a close plan.
type SocketFate string

const (
	SocketClosed  SocketFate = "closed"       // gone from the table
	SocketLeft    SocketFate = "still there"  // acted on, but the socket remains
	SocketGone    SocketFate = "already gone" // gone before we acted
	SocketDenied  SocketFate = "not permitted"
	SocketFailed  SocketFate = "failed"
	SocketSkipped SocketFate = "left alone"
	// SocketNotHeld: no owner it was planned through holds it any more
	// (core.ErrNotHeld), so nothing was done to it; it may be held by
	// another process now.
	SocketNotHeld SocketFate = "no longer held"
	// SocketActive: it moved since the plan read its idle time, and is
	// no longer idle for longer than --idle asks (core.ErrActive), so
	// nothing was done to it. No longer a matched socket, it does not
	// make close exit 3.
	SocketActive SocketFate = "active again"
	// SocketMoved: it moved since the plan to a state --state (or
	// --listen) does not name (a *core.StateError; its State is the one
	// it is in now), so nothing was done to it. No longer a matched
	// socket, as one active again.
	SocketMoved SocketFate = "state changed"
	// SocketShut: a unix socket shut down, which stays listed while its
	// holder keeps the descriptor: unlike TCP, it has no state to leave
	// the table by. Its peer reads EOF and its writes fail (EPIPE); a
	// listener refuses new connections. Done: all close can do.
	SocketShut SocketFate = "shut down"
)

// CloseOutcome is what happened to one socket.
type CloseOutcome struct {
	Socket core.Socket
	Method Method
	Via    *core.Owner // the owner whose descriptor was shut down
	Fate   SocketFate
	State  core.State // for SocketLeft: the state it is in now
	// Bound: a listener shut down that no longer listens but, held by its
	// process, still holds its port against every new server (Bind).
	Bound bool
	// ReuseOnly: a listener shut down that stays bound in CLOSE, but lets
	// a new server that sets SO_REUSEADDR bind its port (Bind).
	ReuseOnly bool
	// Probe is the bind probe's verdict on a shut-down listener's port
	// ("" when none ran).
	Probe diagnose.Verdict
	Err   error
	Skip  string
}

// Gone reports whether the socket has left the table.
func (o *CloseOutcome) Gone() bool { return o.Fate == SocketClosed || o.Fate == SocketGone }

// Done reports whether close did all it can with the socket: it left the
// table, or (a unix socket) it is shut down and stays listed only while
// its holder keeps the descriptor.
func (o *CloseOutcome) Done() bool { return o.Gone() || o.Fate == SocketShut }

// CloseReport is the outcome of a whole close plan.
type CloseReport struct {
	Outcomes []CloseOutcome
}

// unmatched reports whether the socket no longer passed the filters when
// close reached it (core.Filter.StillMatches: active again, or in another
// state), so nothing was done to it and it is no longer a matched socket.
func (o *CloseOutcome) unmatched() bool { return o.Fate == SocketActive || o.Fate == SocketMoved }

// Survivors counts the matched sockets still in the table, other than
// unix sockets shut down (Done) and those no longer matched (unmatched);
// left-alone ones count, refused listeners are not part of the plan.
func (r *CloseReport) Survivors() int {
	n := 0
	for i := range r.Outcomes {
		if o := &r.Outcomes[i]; !o.Done() && !o.unmatched() {
			n++
		}
	}
	return n
}

// Execute acts on every socket of the plan through c. It does not look at
// the table afterwards: Settle does, and turns "done" into closed or still there.
func (p *ClosePlan) Execute(c core.SocketCloser) *CloseReport {
	r := &CloseReport{Outcomes: make([]CloseOutcome, len(p.Items))}
	all, batch := c.(core.AbortAll)
	var aborts []*core.Socket
	var at []int
	for i := range p.Items {
		it := &p.Items[i]
		o := &r.Outcomes[i]
		o.Socket, o.Method, o.Skip = it.Socket, it.Method, it.Skip
		switch it.Method {
		case "":
			o.Fate = SocketSkipped
		case Abort:
			if batch {
				aborts, at = append(aborts, &it.Socket), append(at, i)
				continue
			}
			o.setErr(c.Abort(&it.Socket, p.act))
		case Shutdown:
			o.setErr(errors.New("no owner descriptor to shut down"))
			// Try each holder in turn: one may have exited or closed its copy.
			for j := range it.Socket.Owners {
				if !p.shutdown(c, &it.Socket, it.Socket.Owners[j], o) {
					break
				}
			}
		}
	}
	if len(aborts) > 0 {
		for k, err := range all.AbortAll(aborts, p.act) {
			r.Outcomes[at[k]].setErr(err)
		}
	}
	return r
}

// shutdown shuts s down through o's descriptor and records it in out,
// the owner it went through as out.Via (o, or o at the number the closer
// found the socket at: core.ShutdownVia). Only a holder the owner
// filters matched is tried: one they left out (AlsoHeld) shares the
// socket, but once every matched holder has let go of it, it is not the
// socket that was asked for. It reports whether the next holder is to be
// tried: this one is not such a holder, has exited or let go of it.
func (p *ClosePlan) shutdown(c core.SocketCloser, s *core.Socket, o core.Owner, out *CloseOutcome) bool {
	if o.FD < 0 || o.Proc == nil || p.owners != nil && !p.owners.MatchOwner(&o) {
		return true
	}
	var err error
	if v, ok := c.(core.ShutdownVia); ok {
		o, err = v.ShutdownVia(s, o, p.act)
	} else {
		err = c.Shutdown(s, o)
	}
	out.setErr(err)
	if err == nil {
		out.Via = &o
	}
	return errors.Is(err, core.ErrGone) || errors.Is(err, core.ErrNotHeld)
}

// setErr records the result of one method; a nil error means done, and
// Settle decides whether the socket is gone.
func (o *CloseOutcome) setErr(err error) {
	o.Err = err
	var moved *core.StateError
	switch {
	case errors.As(err, &moved):
		o.Fate, o.State = SocketMoved, moved.Now
	case err == nil:
		o.Fate = SocketClosed
	case errors.Is(err, core.ErrGone):
		o.Fate = SocketGone
	case errors.Is(err, core.ErrPermission):
		o.Fate = SocketDenied
	case errors.Is(err, core.ErrNotHeld):
		o.Fate = SocketNotHeld
	case errors.Is(err, core.ErrActive):
		o.Fate = SocketActive
	default:
		o.Fate = SocketFailed
	}
}

// Settle looks at the table after closing: a socket we acted on that is
// still there (a LAST_ACK waiting for the peer's ACK, a FIN_WAIT2 waiting
// for the peer to close) becomes "still there", in the state it is in now.
// A socket that left alone which has vanished anyway counts as gone.
func (r *CloseReport) Settle(now []core.Socket) {
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		j := -1
		for k := range now {
			if sameSocket(&now[k], &o.Socket) {
				j = k
				break
			}
		}
		switch {
		case j >= 0 && o.Fate == SocketClosed && o.Socket.Proto == core.Unix:
			o.Fate, o.State = SocketShut, now[j].State
		case j >= 0 && (o.Fate == SocketClosed || o.Fate == SocketGone):
			// A listener shut down that the table lists in CLOSE: whether
			// it still holds its port, and against whom, is the bind
			// probe's to say (ShutListeners, Bind).
			o.Fate, o.State = SocketLeft, now[j].State
		case j < 0 && o.Fate != SocketClosed && !o.unmatched(): // no longer passes the filters, nor is looked for
			o.Fate = SocketGone
		}
	}
}

func (o *CloseOutcome) describe() string {
	switch o.Fate {
	case SocketClosed:
		if o.ReuseOnly {
			holder := "its holder"
			if o.Via != nil {
				holder = fmt.Sprintf("%s (fd %d)", core.OwnerLabel(*o.Via), o.Via.FD)
			}
			return fmt.Sprintf("shut down: it no longer listens; it stays bound to %s in CLOSE while %s keeps the descriptor, "+
				"so a new server can bind that port only if it sets SO_REUSEADDR (as this one did); without it, bind fails with \"address already in use\"",
				core.FormatLocal(&o.Socket), holder)
		}
		if o.Method == Shutdown && o.Via != nil {
			return fmt.Sprintf("closed (shutdown through fd %d of %s, which keeps running and still holds fd %d, "+
				"now a dead socket, until it calls close() on it: the leak is in the program; 'gosof fds %d' shows it)",
				o.Via.FD, core.OwnerLabel(*o.Via), o.Via.FD, o.Via.PID)
		}
		return "closed (" + string(o.Method) + ")"
	case SocketLeft:
		if o.Bound {
			holder := "its holder"
			if o.Via != nil {
				holder = fmt.Sprintf("%s (fd %d)", core.OwnerLabel(*o.Via), o.Via.FD)
			}
			return fmt.Sprintf("shut down: it no longer listens, but stays bound to %s in CLOSE while %s keeps the descriptor, "+
				"so a new server's bind fails with \"address already in use\", with SO_REUSEADDR or without; restart or kill the holder to free the port", core.FormatLocal(&o.Socket), holder)
		}
		how := "shut down"
		if o.Method == Abort {
			how = "aborted"
		}
		return fmt.Sprintf("%s, but still there in %s%s", how, o.State, leftHint(o.State))
	case SocketShut:
		holder, fd := "its holder", ""
		if o.Via != nil {
			holder, fd = core.OwnerLabel(*o.Via), " "+strconv.Itoa(o.Via.FD)
		}
		effect := "its peer reads EOF, and writes to it fail with EPIPE"
		if o.Socket.State == core.Listen {
			effect = "it refuses new connections (ECONNREFUSED)"
		} else if o.Socket.Remote == nil {
			effect = "it neither sends nor receives any more"
		}
		return fmt.Sprintf("shut down through fd%s of %s: %s; a unix socket stays listed until its holder closes it, "+
			"so %s keeps fd%s, a dead socket, until it calls close() on it", fd, holder, effect, holder, fd)
	case SocketGone:
		return "already gone"
	case SocketSkipped:
		return "left alone: " + o.Skip
	case SocketNotHeld:
		return "left alone: its holder no longer holds it (" + core.Escape(o.Err.Error()) + ")"
	case SocketActive, SocketMoved:
		return "left alone: " + core.Escape(o.Err.Error()) // "active again: idle for ...", "now CLOSE_WAIT, not --state established"
	}
	if o.Err != nil {
		return string(o.Fate) + ": " + core.Escape(o.Err.Error())
	}
	return string(o.Fate)
}

// leftHint explains why a socket we shut down can linger.
func leftHint(st core.State) string {
	switch st {
	case core.FinWait1, core.FinWait2:
		return " (our FIN is sent; the peer has not closed its end yet)"
	case core.LastAck:
		return " (waiting for the peer to acknowledge our FIN)"
	case core.TimeWait:
		return " (ends by itself within " + core.Seconds(core.LinuxTimeWait) + ")"
	case core.Close:
		return " (no longer connected, but bound while its holder keeps the descriptor)"
	}
	return ""
}

// ShutListeners are the indices of the listeners the report shut down
// that left the table or that it lists in CLOSE. shutdown() stops a
// listener listening, but one bound to its port explicitly (bind with a
// port number, as servers do) keeps the port bound, in CLOSE, until its
// holder closes the descriptor; the table lists it so only from Linux 6.5
// (TCP_BOUND_INACTIVE), and whether it keeps a new server out depends on
// SO_REUSEADDR. The caller finds out with a bind probe (Bind).
func (r *CloseReport) ShutListeners() []int {
	var out []int
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		if o.Method == Shutdown && o.Socket.State == core.Listen && o.Socket.Proto == core.TCP &&
			(o.Fate == SocketClosed || o.Fate == SocketLeft && o.State == core.Close) {
			out = append(out, i)
		}
	}
	return out
}

// Bind records what the bind probe (diagnose.StillBound) found for
// outcome i's shut-down listener, the same verdict why gives: no new
// server binds its port (Bound: still there); only one that sets
// SO_REUSEADDR does (ReuseOnly: the listener is closed for such servers,
// and stays bound in CLOSE); or the port is free (closed). A probe that
// could not tell leaves the outcome as the table had it.
func (r *CloseReport) Bind(i int, v diagnose.Verdict) {
	o := &r.Outcomes[i]
	o.Probe = v
	switch v {
	case diagnose.VerdictBlocked:
		o.Fate, o.State, o.Bound = SocketLeft, core.Close, true
	case diagnose.VerdictReuseAddr:
		o.Fate, o.State, o.ReuseOnly = SocketClosed, core.Close, true
	case diagnose.VerdictFree:
		o.Fate, o.State = SocketClosed, ""
	}
}

// ShutUnix are the unix sockets the report shut down that are still
// listed (SocketShut).
func (r *CloseReport) ShutUnix() []core.Socket {
	var out []core.Socket
	for i := range r.Outcomes {
		if r.Outcomes[i].Fate == SocketShut {
			out = append(out, r.Outcomes[i].Socket)
		}
	}
	return out
}

// BoundListeners are the listeners the report shut down that still hold
// their port bound (Bind): the port is not free for a new server.
func (r *CloseReport) BoundListeners() []core.Socket {
	var out []core.Socket
	for i := range r.Outcomes {
		if r.Outcomes[i].Bound {
			out = append(out, r.Outcomes[i].Socket)
		}
	}
	return out
}

// ReuseOnlyListeners are the listeners the report shut down that stay
// bound in CLOSE but let a server with SO_REUSEADDR bind (Bind).
func (r *CloseReport) ReuseOnlyListeners() []core.Socket {
	var out []core.Socket
	for i := range r.Outcomes {
		if r.Outcomes[i].ReuseOnly {
			out = append(out, r.Outcomes[i].Socket)
		}
	}
	return out
}

// stateCounts is "2000 CLOSE_WAIT, 1 LISTEN", states in TCP order.
func stateCounts(socks []core.Socket) string {
	counts := map[core.State]int{}
	for i := range socks {
		counts[socks[i].State]++
	}
	var parts []string
	for _, st := range core.AllStates {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}
