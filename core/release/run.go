package release

import (
	"io"
	"syscall"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
)

// The kill and close sequences: plan, pin, (the command confirms), read
// the listeners' SO_REUSEADDR, act, look at the ports again, settle. The
// command renders between the steps; these types hold what each step
// found.

// Backend is what releasing needs from a platform.
type Backend struct {
	Resolver  *core.Resolver
	Signaller core.Signaller
	Closer    core.SocketCloser
	Options   core.OptionReader // nil: SO_REUSEADDR unknown
	// ParentOf tells a process's parent, so that kill protects every
	// ancestor of gosof; nil protects the direct parent only.
	ParentOf func(pid int) (int, error)
	// StillBound is the bind probe's verdict on the port of a listener
	// close shut down (diagnose.StillBound); nil where that cannot be
	// checked.
	StillBound func(s *core.Socket) diagnose.Verdict
	// NamedNetNS: the namespaces read were named on the command line
	// (--netns, -A), so a command kill suggests names its sockets'
	// (diagnose.NetNSArg), as why's do.
	NamedNetNS bool
}

// Kill is one kill, from its plan to what is left on the ports.
type Kill struct {
	b      Backend
	f      *core.Filter
	Result *core.Result
	// queueServers are the servers on the ports the plan asks about
	// queued connections (QueueServers).
	queueServers []core.Socket
	Plan         *KillPlan
	Report       *KillReport // set by Execute
	Left         *Left       // set by Execute
	// DryRun says the plan alone was asked for (-n), as JSON's dry_run
	// tells; a plan printed because nothing is to be signalled is not one.
	DryRun bool
}

// PlanKill resolves f and plans signal sig for the processes holding the
// sockets (never the protected ones), waiting up to timeout before KILL
// unless noEscalate.
func PlanKill(b Backend, f *core.Filter, sig syscall.Signal, timeout time.Duration, noEscalate bool) (*Kill, error) {
	res, err := b.Resolver.Resolve(f)
	if err != nil {
		return nil, err
	}
	k := &Kill{b: b, f: f, Result: res}
	if k.queueServers, err = QueueServers(res, serverLister(b.Resolver)); err != nil {
		return nil, err
	}
	k.Plan = k.newPlan()
	k.Plan.Signal, k.Plan.Timeout, k.Plan.NoEscalate = sig, timeout, noEscalate
	return k, nil
}

// newPlan plans the kill of k.Result's holders; the commands it suggests
// for what it cannot release act on k's ports, on its side.
func (k *Kill) newPlan() *KillPlan {
	p := NewKillPlan(k.Result, AncestryProtected(k.b.ParentOf), k.queueServers)
	p.target, p.namedNetNS = k.f, k.b.NamedNetNS
	return p
}

// SpareOutgoing takes the outgoing connections out of the match
// (core.SplitOutgoing) and plans again without them; the plan lists them
// as spared.
func (k *Kill) SpareOutgoing() error {
	spared, err := core.SplitOutgoing(k.Result, k.f, serverLister(k.b.Resolver))
	if err != nil || len(spared) == 0 {
		return err
	}
	old := k.Plan
	k.Plan = k.newPlan()
	k.Plan.Signal, k.Plan.Timeout, k.Plan.NoEscalate, k.Plan.KillWait = old.Signal, old.Timeout, old.NoEscalate, old.KillWait
	k.Plan.Spared = spared
	return nil
}

// serverLister lists the server sockets on ports through r's socket
// source, without owners: whether one exists is all SplitOutgoing asks.
func serverLister(r *core.Resolver) core.ServerLister {
	return func(ports []core.PortRange) ([]core.Socket, error) {
		res, err := (&core.Resolver{Sockets: r.Sockets, UserName: r.UserName}).Resolve(core.ServerFilter(ports))
		if err != nil {
			return nil, err
		}
		return res.Sockets, nil
	}
}

// Pin takes hold of every planned process before the user is asked:
// whatever the user confirms is what gets signalled. Close lets go.
func (k *Kill) Pin() { k.Plan.Pin(k.b.Signaller) }

// Close releases what Pin took.
func (k *Kill) Close() { k.Plan.Close() }

// Execute signals, waits, escalates, and looks at the ports again.
func (k *Kill) Execute() error {
	reuse := ListenerReuseAddr(k.b.Options, k.Result.Sockets)
	k.Report = k.Plan.Execute()
	left, err := Look(k.b.Resolver, k.f, nil, 0)
	if err != nil {
		return err
	}
	left.ReuseAddr = reuse
	k.Left = left
	return nil
}

// WritePlan prints the plan alone (-n, or nothing to signal): JSON, or
// the table when something matched.
func (k *Kill) WritePlan(w io.Writer, asJSON bool) error {
	switch {
	case asJSON:
		return WriteKillJSON(w, k.Plan, k.DryRun, nil, nil)
	case len(k.Result.Sockets) > 0 || len(k.Plan.Spared) > 0 || len(k.Plan.Unknown) > 0:
		return WriteKillPlan(w, k.Plan)
	}
	return nil
}

// WriteReport prints what Execute did: JSON (the plan with its outcome),
// or the text report.
func (k *Kill) WriteReport(w io.Writer, asJSON bool) error {
	if asJSON {
		return WriteKillJSON(w, k.Plan, false, k.Report, k.Left)
	}
	return WriteKillReport(w, k.Plan, k.Report, k.Left)
}

// Unfinished reports whether something kill matched is still there after
// Execute: a process that survived or was not signalled, a holder gosof
// could not see, or what a process that was not signalled left
// (letGoStillHeld).
func (k *Kill) Unfinished() bool {
	return k.Plan.LeavesHolder() || k.Report.Survivors() > 0 || k.letGoStillHeld()
}

// letGoStillHeld reports whether, after kill, a socket is still held
// (by a process, or by one gosof cannot see) that a process let go of
// before a signal was due (LetGo) or went away with before its first
// (AlreadyGone: it exited, or forked and exited): it passed the socket
// on. Or whether a process that let go holds another socket kill
// matches now (it replaced its listener). Either way the port is not
// released, though no matched process survived.
func (k *Kill) letGoStillHeld() bool {
	if k.Left == nil {
		return false
	}
	for i := range k.Report.Outcomes {
		o := &k.Report.Outcomes[i]
		if o.Fate != LetGo && o.Fate != AlreadyGone {
			continue
		}
		for j := range k.Left.Sockets {
			l := &k.Left.Sockets[j]
			if !l.HasOwners() && !core.UnknownHolder(l, k.Left.Unseen) {
				continue
			}
			if o.Fate == LetGo && heldBy(l, o.Proc) {
				return true
			}
			for n := range k.Plan.Items[i].Sockets {
				if sameSocket(l, &k.Plan.Items[i].Sockets[n]) {
					return true
				}
			}
		}
	}
	return false
}

// heldBy reports whether p holds s.
func heldBy(s *core.Socket, p *core.Process) bool {
	for i := range s.Owners {
		if q := s.Owners[i].Proc; q != nil && q.PID == p.PID && q.Start == p.Start {
			return true
		}
	}
	return false
}

// Interrupted reports whether gosof was interrupted while it waited for
// a process to exit: a signal that came after every wait was over changed
// nothing, and the report stands.
func (k *Kill) Interrupted() bool {
	for i := range k.Report.Outcomes {
		if k.Report.Outcomes[i].Fate == Interrupted {
			return true
		}
	}
	return false
}

// Close is one close, from its plan to what is left on the ports.
type Close struct {
	b      Backend
	f      *core.Filter
	opt    CloseOptions
	Result *core.Result
	// around is everything on the ports as resolved with Result, for
	// LookKnown; nil with --pid/--user.
	around *core.Result
	// queueServers are as Kill's.
	queueServers []core.Socket
	Plan         *ClosePlan
	Report       *CloseReport // set by Execute
	Left         *Left        // set by Execute
	// DryRun says the plan alone was asked for (-n), as Kill.DryRun.
	DryRun bool
}

// PlanClose resolves f and picks a method for every socket. --abort with
// PATHs only is a usage error: it can act on no unix socket.
func PlanClose(b Backend, f *core.Filter, opt CloseOptions) (*Close, error) {
	if opt.Abort && len(f.Paths) > 0 && len(f.Ports) == 0 {
		return nil, core.Usagef("%s", UnixAbort)
	}
	res, around, err := ResolveAround(b.Resolver, f)
	if err != nil {
		return nil, err
	}
	if f.HasOwnerFilter() {
		opt.Owners = f
	}
	if f.ProvedAtAct() {
		opt.Act = f
	}
	c := &Close{b: b, f: f, opt: opt, Result: res, around: around}
	if c.queueServers, err = QueueServers(res, c.servers()); err != nil {
		return nil, err
	}
	c.Plan = NewClosePlan(res, opt, c.queueServers)
	return c, nil
}

// SpareOutgoing is Kill.SpareOutgoing for close.
func (c *Close) SpareOutgoing() error {
	spared, err := core.SplitOutgoing(c.Result, c.f, c.servers())
	if err != nil || len(spared) == 0 {
		return err
	}
	c.Plan = NewClosePlan(c.Result, c.opt, c.queueServers)
	c.Plan.Spared = spared
	return nil
}

// servers is the ServerLister SpareOutgoing asks. What ResolveAround read
// holds every socket on f's ports on the local side, in every state, so
// the servers on those ports are in it, read at the same moment: another
// dump of the host's table (with 100,000 descriptors and 10,000 TCP
// sockets, a tenth of `close --abort`) is not needed. The asked ports are
// local ports of sockets f matched, so within f's ports. With -4/-6 (a v6
// server serves v4 clients too) or --side remote, the table is asked.
func (c *Close) servers() core.ServerLister {
	if c.around == nil || len(c.f.Families) > 0 || c.f.Side == core.SideRemote {
		return serverLister(c.b.Resolver)
	}
	around := c.around.Sockets
	return func(ports []core.PortRange) ([]core.Socket, error) {
		sf := core.ServerFilter(ports)
		var out []core.Socket
		for i := range around {
			if sf.MatchSocket(&around[i]) {
				out = append(out, around[i])
			}
		}
		return out, nil
	}
}

// Execute closes the planned sockets, then waits up to wait for those
// closed to leave the table and settles each outcome by what is left.
func (c *Close) Execute(wait time.Duration) error {
	reuse := ListenerReuseAddr(c.b.Options, c.Result.Sockets) // a closed listener leaves TIME_WAIT too
	report := c.Plan.Execute(c.b.Closer)
	var pending []core.Socket
	for _, o := range report.Outcomes {
		// a unix socket shut down stays listed while its holder keeps
		// it: there is nothing to wait for
		if o.Fate == SocketClosed && o.Socket.Proto != core.Unix {
			pending = append(pending, o.Socket)
		}
	}
	left, err := LookKnown(c.b.Resolver, c.f, pending, wait, c.around)
	if err != nil {
		return err
	}
	left.ReuseAddr = reuse
	report.Settle(left.Sockets)
	if c.b.StillBound != nil {
		for _, i := range report.ShutListeners() {
			report.Bind(i, c.b.StillBound(&report.Outcomes[i].Socket))
		}
	}
	left.StillBound = report.BoundListeners()
	left.ReuseOnly = report.ReuseOnlyListeners()
	left.Shut = report.ShutUnix()
	c.Report, c.Left = report, left
	return nil
}

// WritePlan prints the plan alone: JSON, or the text plan.
func (c *Close) WritePlan(w io.Writer, asJSON bool) error {
	if asJSON {
		return WriteCloseJSON(w, c.Plan, c.DryRun, nil, nil)
	}
	return WriteClosePlan(w, c.Plan)
}

// WriteReport prints what Execute did: JSON (the plan with its outcome),
// or the text report.
func (c *Close) WriteReport(w io.Writer, asJSON bool) error {
	if asJSON {
		return WriteCloseJSON(w, c.Plan, false, c.Report, c.Left)
	}
	return WriteCloseReport(w, c.Report, c.Left)
}

// ListenerReuseAddr reads SO_REUSEADDR of the TCP listeners among socks
// before kill or close acts: the TIME_WAIT sockets they leave keep that
// setting, and only if it was set can a new server bind over them. It is
// false if any listener lacked it, nil when none could be read.
func ListenerReuseAddr(options core.OptionReader, socks []core.Socket) *bool {
	var ls []core.Socket
	for _, s := range socks {
		if s.Proto == core.TCP && s.State == core.Listen && s.HasOwners() {
			s.Owners = append([]core.Owner(nil), s.Owners...) // the plan's sockets stay as they are
			ls = append(ls, s)
		}
	}
	if len(ls) == 0 {
		return nil
	}
	core.AttachOptions(options, ls, len(ls))
	var reuse *bool
	for _, s := range ls {
		for _, o := range s.Owners {
			if o.Options != nil && o.Options.ReuseAddr != nil && (reuse == nil || *reuse) {
				reuse = o.Options.ReuseAddr
			}
		}
	}
	return reuse
}
