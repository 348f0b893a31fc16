package release

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gosof/gosof/core"
)

// Protected is a process kill never signals, and why.
type Protected struct {
	PID int
	Why string
}

// maxAncestry bounds the walk up the process tree (a loop in what a
// platform reports must not hang kill).
const maxAncestry = 4096

// AncestryProtected is what kill never signals: PID 1, gosof itself, and
// every ancestor of gosof: its parent, and that one's parent up to PID 1
// (`timeout 20 gosof kill ...` must not TERM the shell that runs timeout).
// parent tells a process's parent; nil protects the direct parent only.
func AncestryProtected(parent func(pid int) (int, error)) []Protected {
	ps := []Protected{
		{PID: 1, Why: "PID 1"},
		{PID: os.Getpid(), Why: "gosof itself"},
	}
	pid := os.Getppid()
	seen := map[int]bool{1: true, os.Getpid(): true}
	for depth := 0; pid > 1 && !seen[pid] && depth < maxAncestry; depth++ {
		seen[pid] = true
		why := "gosof's parent"
		if depth > 0 {
			why = "an ancestor of gosof"
		}
		ps = append(ps, Protected{PID: pid, Why: why})
		if parent == nil {
			break
		}
		next, err := parent(pid)
		if err != nil {
			break
		}
		pid = next
	}
	return ps
}

// KillItem is one process of a kill plan with the matched sockets it holds.
type KillItem struct {
	Proc    *core.Process
	Sockets []core.Socket // the matched sockets it holds, Owners narrowed to this process
	// Protected says why this process is never signalled; "" when it will be.
	Protected string

	target core.Target // set by Pin
	pinErr error       // why Pin failed
}

// KillPlan is what kill will do: which processes get which signal, which
// matched processes are protected, and which matched sockets no process holds.
type KillPlan struct {
	Items   []KillItem    // ascending PID
	Orphans []core.Socket // matched sockets no process holds (orphaned: the kernel finishes them)
	// Queued are matched connections waiting in a live listener's
	// accept queue (core.AcceptQueueOf): no process holds them until
	// accept(), and they go when the listener closes.
	Queued []core.Socket
	// listeners are the listeners Queued was decided against
	// (queueListeners), which its text names.
	listeners []core.Socket
	// Unknown are matched sockets that show no process while some could
	// not be seen (core.UnknownHolder): kill cannot tell who holds them.
	Unknown []core.Socket
	// Spared are outgoing connections that matched only by their source
	// port (SplitOutgoing); kill leaves them alone unless --outgoing.
	Spared []core.Socket
	Unseen core.Unseen
	// target is the filter kill matched with, namedNetNS whether its
	// namespaces were named (Backend.NamedNetNS): the command the plan
	// suggests for Orphans acts on their port, side and namespace
	// (orphanCommands). nil: their local port.
	target     *core.Filter
	namedNetNS bool

	Signal     syscall.Signal // first signal, default SIGTERM
	Timeout    time.Duration  // how long to wait after Signal before escalating
	KillWait   time.Duration  // how long to wait after SIGKILL; 0 is 2s
	NoEscalate bool
	// Interrupt, once closed, stops every wait: processes not yet gone are
	// reported Interrupted, and no KILL is sent (gosof got INT/TERM/HUP).
	Interrupt <-chan struct{}
}

// interruptStep is how often a wait looks at Interrupt.
const interruptStep = 50 * time.Millisecond

func (p *KillPlan) interrupted() bool {
	if p.Interrupt == nil {
		return false
	}
	select {
	case <-p.Interrupt:
		return true
	default:
		return false
	}
}

// NewKillPlan groups the resolved sockets by the processes that hold them.
// An owner with no process description (it exited while resolving) is left
// out: there is nothing to signal. servers are the server sockets on the
// ports that did not match (QueueServers), whose accept queues a matched
// connection may wait in.
func NewKillPlan(res *core.Result, protect []Protected, servers []core.Socket) *KillPlan {
	p := &KillPlan{Unseen: res.Unseen, Signal: syscall.SIGTERM, Timeout: 5 * time.Second,
		listeners: queueListeners(res.Sockets, servers)}
	byPID := map[int]*KillItem{}
	for _, s := range res.Sockets {
		held := false
		for _, o := range s.Owners {
			if !o.Known() {
				continue // nothing to signal, or not proven to be the socket's
			}
			held = true
			it := byPID[o.PID]
			if it == nil {
				it = &KillItem{Proc: o.Proc}
				for _, pr := range protect {
					if pr.PID == o.PID {
						it.Protected = pr.Why
						break
					}
				}
				byPID[o.PID] = it
			}
			if n := len(it.Sockets); n > 0 && sameSocket(&it.Sockets[n-1], &s) {
				it.Sockets[n-1].Owners = append(it.Sockets[n-1].Owners, o)
				continue
			}
			one := s
			one.Owners = []core.Owner{o}
			it.Sockets = append(it.Sockets, one)
		}
		switch {
		case held:
		case core.UnknownHolder(&s, res.Unseen):
			p.Unknown = append(p.Unknown, s)
		case core.AcceptQueueOf(&s, p.listeners) != nil:
			p.Queued = append(p.Queued, s)
		default:
			p.Orphans = append(p.Orphans, s)
		}
	}
	// what the owner filters could not decide may be held by a process
	// gosof could not see: unknown, never "no match"
	p.Unknown = append(p.Unknown, res.Undecided...)
	for _, it := range byPID {
		p.Items = append(p.Items, *it)
	}
	sort.Slice(p.Items, func(i, j int) bool { return p.Items[i].Proc.PID < p.Items[j].Proc.PID })
	return p
}

// Processes counts the processes the plan would signal.
func (p *KillPlan) Processes() int {
	n := 0
	for i := range p.Items {
		if p.Items[i].Protected == "" {
			n++
		}
	}
	return n
}

// LeavesHolder reports whether the plan leaves a matched holder there
// whatever the run does: a process it never signals (Protected) or one
// gosof could not see (Unknown). The run then exits 3 (Kill.Unfinished),
// and so does the plan alone (-n), which says what the run would do.
func (p *KillPlan) LeavesHolder() bool {
	if len(p.Unknown) > 0 {
		return true
	}
	for i := range p.Items {
		if p.Items[i].Protected != "" {
			return true
		}
	}
	return false
}

// Pin takes hold of every process the plan would signal, before the user
// is asked to confirm, so that a PID recycled in the meantime is never hit.
// A process that is already gone or may not be touched keeps its error and
// is reported as such.
func (p *KillPlan) Pin(s core.Signaller) {
	for i := range p.Items {
		it := &p.Items[i]
		if it.Protected != "" || it.target != nil || it.pinErr != nil {
			continue
		}
		it.target, it.pinErr = s.Pin(it.Proc)
		if it.pinErr == nil {
			// What the user confirms is a process that holds the socket
			// now, not one that was seen with it.
			if err := prove(it.target, it.holds()); err != nil {
				it.target.Close()
				it.target, it.pinErr = nil, err
			}
		}
	}
}

// holds are the descriptors through which the item's process was seen
// holding its matched sockets.
func (it *KillItem) holds() []core.Hold { return core.Holds(it.Sockets, it.Proc.PID) }

// prove asks t, when it can tell, whether its process holds one of hs
// now (core.Prover): the one check kill makes before every signal.
func prove(t core.Target, hs []core.Hold) error {
	if p, ok := t.(core.Prover); ok && len(hs) > 0 {
		return p.Holds(hs)
	}
	return nil
}

// Close releases every pinned process.
func (p *KillPlan) Close() {
	for i := range p.Items {
		if t := p.Items[i].target; t != nil {
			t.Close()
			p.Items[i].target = nil
		}
	}
}

// Fate is what became of one process of a kill plan.
type Fate string

const (
	Exited      Fate = "exited"        // exited after the first signal
	Killed      Fate = "killed"        // exited after SIGKILL
	Alive       Fate = "still alive"   // still running when we stopped waiting
	NotAllowed  Fate = "not permitted" // EPERM: we may not signal it
	AlreadyGone Fate = "already gone"  // exited (or its PID was recycled) before we signalled
	Spared      Fate = "not signalled" // protected: PID 1, gosof, its ancestors
	Interrupted Fate = "interrupted"   // gosof was interrupted while it waited
	Failed      Fate = "failed"        // another error
	// LetGo: it no longer held any of its matched sockets when a signal
	// was due (core.ErrNotHeld), so that signal was not sent: before the
	// first, it was never signalled; before KILL, it let go after the
	// first signal and runs on. It is no longer a matched process.
	LetGo Fate = "no longer holds it"
)

// KillOutcome is what happened to one process.
type KillOutcome struct {
	Proc      *core.Process
	Fate      Fate
	Sent      []syscall.Signal // signals delivered, in order
	Waited    time.Duration    // from the first signal until it exited or we stopped waiting
	Protected string           // why it was spared
	Err       error            // for NotAllowed and Failed
}

// Gone reports whether the process no longer runs.
func (o *KillOutcome) Gone() bool {
	return o.Fate == Exited || o.Fate == Killed || o.Fate == AlreadyGone
}

// KillReport is the outcome of a whole plan.
type KillReport struct {
	Outcomes []KillOutcome
}

// Survivors counts the matched processes that still run (spared ones
// included). One that let go of its matched sockets (LetGo) is no longer
// a matched process: whether its sockets are still held is told by what
// is left on the ports (Kill.Unfinished).
func (r *KillReport) Survivors() int {
	n := 0
	for i := range r.Outcomes {
		if o := &r.Outcomes[i]; !o.Gone() && o.Fate != LetGo {
			n++
		}
	}
	return n
}

// Execute signals every pinned process at once, waits up to Timeout for
// them to exit, sends SIGKILL to those still running where escalates says so, and
// says what became of each. Pin must have been called.
func (p *KillPlan) Execute() *KillReport {
	out := make([]KillOutcome, len(p.Items))
	var wg sync.WaitGroup
	for i := range p.Items {
		it := &p.Items[i]
		o := &out[i]
		o.Proc = it.Proc
		switch {
		case it.Protected != "":
			o.Fate, o.Protected = Spared, it.Protected
			continue
		case it.pinErr != nil:
			o.Fate, o.Err = fateOf(it.pinErr), it.pinErr
			continue
		case it.target == nil:
			o.Fate, o.Err = Failed, errors.New("not pinned")
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.kill(it.target, it.holds(), o)
		}()
	}
	wg.Wait()
	return &KillReport{Outcomes: out}
}

// kill runs one process's signal, wait, escalate sequence. Before each
// signal the process proves that it holds one of hs (prove).
func (p *KillPlan) kill(t core.Target, hs []core.Hold, o *KillOutcome) {
	start := time.Now()
	send := func(sig syscall.Signal) bool {
		err := prove(t, hs)
		if err == nil {
			err = t.Signal(sig)
		}
		if err != nil {
			o.Fate, o.Err = fateOf(err), err
			if o.Fate == AlreadyGone && len(o.Sent) > 0 {
				// It exited between the wait and the next signal.
				o.Fate, o.Err = Exited, nil
			}
			return false
		}
		o.Sent = append(o.Sent, sig)
		return true
	}
	wait := func(d time.Duration) (bool, bool) {
		deadline := time.Now().Add(d)
		for {
			step := time.Until(deadline)
			if step < 0 {
				step = 0
			}
			if p.Interrupt != nil && step > interruptStep {
				step = interruptStep
			}
			gone, err := t.Wait(step)
			o.Waited = time.Since(start)
			switch {
			case err != nil:
				o.Fate, o.Err = Failed, err
				return false, false
			case gone:
				return true, true
			case p.interrupted():
				o.Fate = Interrupted
				return false, false
			case !time.Now().Before(deadline):
				return false, true
			}
		}
	}
	if !send(p.Signal) {
		return
	}
	first := Exited
	if p.Signal == syscall.SIGKILL {
		first = Killed
	}
	gone, ok := wait(p.Timeout)
	switch {
	case !ok:
		return
	case gone:
		o.Fate = first
		return
	case !p.escalates():
		o.Fate = Alive
		return
	}
	if !send(syscall.SIGKILL) {
		return
	}
	kw := p.KillWait
	if kw <= 0 {
		kw = 2 * time.Second
	}
	if gone, ok = wait(kw); ok {
		o.Fate = Alive
		if gone {
			o.Fate = Killed
		}
	}
}

// escalates reports whether KILL follows Signal for a process still
// running after Timeout: only after TERM and INT, the signals that ask a
// process to end, and not with --no-escalate. Any other first signal is
// sent alone: HUP, USR1, USR2, WINCH and QUIT mean reload, reopen logs,
// upgrade, or a thread dump (Java) to many servers, and a graceful stop to
// nginx, which a KILL 5s later would turn into a crash (logrotate's
// "gosof kill -s USR1 8080" must not end the server every night).
func (p *KillPlan) escalates() bool {
	return !p.NoEscalate && (p.Signal == syscall.SIGTERM || p.Signal == syscall.SIGINT)
}

// noKill says why no KILL follows Signal (escalates false, Signal not KILL).
func (p *KillPlan) noKill() string {
	if p.NoEscalate {
		return "--no-escalate"
	}
	return "only TERM and INT are followed by KILL"
}

func fateOf(err error) Fate {
	switch {
	case errors.Is(err, core.ErrGone):
		return AlreadyGone
	case errors.Is(err, core.ErrPermission):
		return NotAllowed
	case errors.Is(err, core.ErrNotHeld):
		return LetGo
	}
	return Failed
}

// describe is the outcome in words: "exited after TERM (0.12s)".
func (o *KillOutcome) describe(p *KillPlan) string {
	first := core.SignalName(p.Signal)
	switch o.Fate {
	case Exited:
		return fmt.Sprintf("exited after %s (%s)", first, roundWait(o.Waited))
	case Killed:
		if len(o.Sent) > 1 {
			return fmt.Sprintf("killed: ignored %s for %s, then KILL (%s in all)", first, core.FlagDuration(p.Timeout), roundWait(o.Waited))
		}
		return fmt.Sprintf("killed (%s)", roundWait(o.Waited))
	case Alive:
		if len(o.Sent) > 1 {
			return fmt.Sprintf("still alive %s after KILL (stuck in the kernel? see /proc/%d/stack)", roundWait(o.Waited-p.Timeout), o.Proc.PID)
		}
		if p.Signal == syscall.SIGKILL {
			return fmt.Sprintf("still alive %s after KILL (stuck in the kernel? see /proc/%d/stack)", roundWait(o.Waited), o.Proc.PID)
		}
		return fmt.Sprintf("still alive %s after %s (%s: no KILL sent)", roundWait(o.Waited), first, p.noKill())
	case NotAllowed:
		return "not permitted: " + core.Escape(o.Err.Error())
	case AlreadyGone:
		return "already gone"
	case LetGo:
		if len(o.Sent) > 0 {
			return fmt.Sprintf("no longer holds it: it let go of the socket after %s and runs on, so no KILL was sent (%s)",
				core.SignalName(o.Sent[len(o.Sent)-1]), core.Escape(o.Err.Error()))
		}
		return "no longer holds it, so it was not signalled (" + core.Escape(o.Err.Error()) + ")"
	case Spared:
		return "not signalled: " + o.Protected
	case Interrupted:
		var sent []string
		for _, sig := range o.Sent {
			sent = append(sent, core.SignalName(sig))
		}
		return fmt.Sprintf("still running when gosof was interrupted %s after %s; nothing more was sent", roundWait(o.Waited), strings.Join(sent, ", then "))
	}
	if o.Err != nil {
		return "failed: " + core.Escape(o.Err.Error())
	}
	return string(o.Fate)
}

// roundWait rounds a measured wait for the report: what --timeout was
// set to is echoed whole (core.FlagDuration).
func roundWait(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// sameSocket reports whether a and b are the same kernel socket: the same
// inode where the platform has one, else the same protocol and ends.
func sameSocket(a, b *core.Socket) bool {
	if a.Inode != 0 || b.Inode != 0 {
		return a.Inode == b.Inode && a.Proto == b.Proto
	}
	return a.Proto == b.Proto && a.Family == b.Family &&
		core.CompareEndpoint(&a.Local, &b.Local) == 0 && core.CompareEndpoint(a.Remote, b.Remote) == 0
}
