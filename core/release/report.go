package release

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/core/render"
)

// planRows bounds how many sockets a text plan or report lists one by one;
// the rest are counted by state (a server can hold thousands of CLOSE_WAITs).
const planRows = 20

// socketLine is one socket on one line: "tcp 127.0.0.1:30116 -> 127.0.0.1:51422 ESTABLISHED".
func socketLine(s *core.Socket) string { return core.SocketLine(s) }

// nsPrefix is how a plan's line names a socket's network namespace: not
// at all when its sockets all come from one (core.NetNSSpan), else its
// label (who's NETNS cell) before the socket.
func nsPrefix(many bool) func(*core.Socket) string {
	if !many {
		return func(*core.Socket) string { return "" }
	}
	return func(s *core.Socket) string { return core.NetNSLabel(s) + ": " }
}

// queuedLines says, listener by listener, that queued connections
// (core.AcceptQueueOf) are no orphans: they go with their listener, so
// signalling the listener's holder releases them.
func queuedLines(queued []core.Socket, listeners []core.Socket) []string {
	var order []string
	by := map[string][]core.Socket{}
	for _, s := range queued {
		k := core.ListenerLine(core.AcceptQueueOf(&s, listeners))
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], s)
	}
	var out []string
	for _, k := range order {
		n := len(by[k])
		out = append(out, fmt.Sprintf("%s (%s) %s in the accept queue of %s: no process holds %s until accept(); %s when the listener closes, as when its holder exits",
			core.Plural(n, "matched connection"), stateCounts(by[k]), core.ByCount(n, "waits", "wait"), k, core.ByCount(n, "it", "them"), core.ByCount(n, "it goes", "they go")))
	}
	return out
}

// queueListeners are the listeners a plan asks core.AcceptQueueOf about:
// the LISTEN sockets among the matched ones and servers (QueueServers),
// copied once, not every matched socket once per queued one.
func queueListeners(matched, servers []core.Socket) []core.Socket {
	return append(core.Listeners(matched), core.Listeners(servers)...)
}

// QueueServers lists, through servers, the server sockets on the ports of
// the matched TCP sockets no process holds that no matched listener
// queues (--state established leaves the listener out), so that the plan
// asks core.AcceptQueueOf about the port's listeners as the report after
// acting does (Look reads the whole port), not only the matched ones.
// None are listed when every such socket is accounted for.
func QueueServers(res *core.Result, servers core.ServerLister) ([]core.Socket, error) {
	var ports []core.PortRange
	seen := map[uint16]bool{}
	listeners := core.Listeners(res.Sockets) // once: a port may hold thousands of connections
	for i := range res.Sockets {
		s := &res.Sockets[i]
		if seen[s.Local.Port] || core.UnknownHolder(s, res.Unseen) {
			continue
		}
		// one that would wait in a listener's queue were there one on its
		// port (any address), and no matched one queues it
		wild := []core.Socket{{Proto: core.TCP, Family: s.Family, State: core.Listen, NetNS: s.NetNS, Local: core.Endpoint{Port: s.Local.Port}}}
		if core.AcceptQueueOf(s, wild) == nil || core.AcceptQueueOf(s, listeners) != nil {
			continue
		}
		seen[s.Local.Port] = true
		ports = append(ports, core.PortRange{Lo: s.Local.Port, Hi: s.Local.Port})
	}
	if len(ports) == 0 {
		return nil, nil
	}
	return servers(ports)
}

// orphanAdvice says what releases orphaned sockets: close --abort for
// TCP (orphanCommands); nothing but waiting for the rest (close acts on
// TCP only).
func (p *KillPlan) orphanAdvice(socks []core.Socket) string {
	cmds := p.orphanCommands(socks)
	if len(cmds) == 0 {
		return "'gosof close' acts on TCP only; the kernel drops them by itself"
	}
	see := "see '" + strings.Join(cmds, "' and '") + "'"
	for i := range socks {
		if socks[i].Proto != core.TCP {
			return "for the TCP ones " + see + " ('gosof close' acts on TCP only)"
		}
	}
	return see
}

// orphanCommands are the commands to paste that reset the TCP sockets
// among socks: close --abort on their port, on the side kill matched it,
// in their namespace when the namespaces were named (diagnose.CommandTarget,
// as why's commands), for their states only, so that no connection a
// process holds in another state is reset with them.
func (p *KillPlan) orphanCommands(socks []core.Socket) []string {
	var order []string
	states := map[string][]core.Socket{}
	for i := range socks {
		s := &socks[i]
		if s.Proto != core.TCP {
			continue
		}
		port, side := s.Local.Port, ""
		if p.target != nil && p.target.Side != core.SideLocal && s.Remote != nil &&
			!(&core.Filter{Ports: p.target.Ports, Side: core.SideLocal}).MatchTargets(s) {
			port, side = s.Remote.Port, " --side remote"
		}
		ns := ""
		if p.namedNetNS {
			ns = diagnose.NetNSArg(s)
		}
		k := diagnose.CommandTarget(port, ns) + side
		if _, ok := states[k]; !ok {
			order = append(order, k)
		}
		states[k] = append(states[k], *s)
	}
	var out []string
	for _, k := range order {
		var args []string
		counts := map[core.State]bool{}
		for i := range states[k] {
			counts[states[k][i].State] = true
		}
		for _, st := range core.AllStates {
			if counts[st] {
				args = append(args, core.StateArg(st))
			}
		}
		out = append(out, "gosof close "+k+" --state "+strings.Join(args, ",")+" --abort")
	}
	return out
}

func fdList(owners []core.Owner) string {
	var fds []string
	for _, o := range owners {
		if o.FD >= 0 {
			fds = append(fds, strconv.Itoa(o.FD))
		}
	}
	if len(fds) == 0 {
		return ""
	}
	return " (fd " + strings.Join(fds, ",") + ")"
}

func procLabel(p *core.Process) string {
	return core.OwnerLabel(core.Owner{PID: p.PID, Proc: p})
}

// headline says what the plan sends to how many processes.
func (p *KillPlan) headline() string {
	sig := core.SignalName(p.Signal)
	n := core.Plural(p.Processes(), "process")
	switch {
	case p.Processes() == 0:
		return "nothing to signal"
	case p.Signal == 9:
		return fmt.Sprintf("send KILL to %s", n)
	case !p.escalates():
		return fmt.Sprintf("send %s to %s and wait up to %s; no KILL (%s)", sig, n, core.FlagDuration(p.Timeout), p.noKill())
	}
	return fmt.Sprintf("send %s to %s, then KILL to any still running after %s", sig, n, core.FlagDuration(p.Timeout))
}

// WriteKillPlan prints the plan: each process with the matched sockets it
// holds and what will be done to it, then the sockets kill cannot release.
func WriteKillPlan(w io.Writer, p *KillPlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan: %s\n", p.headline())
	var span core.NetNSSpan
	for i := range p.Items {
		for j := range p.Items[i].Sockets {
			span.Add(&p.Items[i].Sockets[j])
		}
	}
	where := nsPrefix(span.Many())
	if len(p.Items) > 0 {
		fit := render.Fit{Width: render.WidthOf(w), Header: true, Fixed: render.FixedBut(1, 2, 3, 4), // not the PID
			Local: render.Columns(4)} // each socket's local port stays
		render.AlignedFit(&b, fit, func(t *render.Table) {
			for _, h := range []string{"PID", "COMMAND", "USER", "ACTION", "SOCKETS"} {
				t.Cell(h)
			}
			t.EndRow()
			for i := range p.Items {
				it := &p.Items[i]
				action := core.SignalName(p.Signal)
				switch {
				case it.Protected != "":
					action = "never (" + it.Protected + ")"
				case it.pinErr != nil:
					action = "none (" + string(fateOf(it.pinErr)) + ")"
				}
				lead := []string{strconv.Itoa(it.Proc.PID), core.Escape(core.CommLabel(it.Proc)), core.OwnerUser(core.Owner{Proc: it.Proc}), action}
				for j := range it.Sockets {
					for _, c := range lead {
						t.Cell(c)
					}
					lead = []string{"", "", "", ""} // the process's cells on its first row only
					if j == planRows/2 && len(it.Sockets) > planRows {
						t.Cell(fmt.Sprintf("... and %d more: %s", len(it.Sockets)-j, stateCounts(it.Sockets[j:])))
						t.EndRow()
						break
					}
					s := &it.Sockets[j]
					t.Cell(where(s) + socketLine(s) + fdList(s.Owners))
					t.EndRow()
				}
			}
		})
	}
	for i := range p.Items {
		if it := &p.Items[i]; it.pinErr != nil && fateOf(it.pinErr) != AlreadyGone {
			fmt.Fprintf(&b, "%s: %s\n", procLabel(it.Proc), core.Escape(it.pinErr.Error()))
		}
	}
	for _, l := range OutgoingLines(p.Spared, "kill") {
		b.WriteString(l + "\n")
	}
	for _, l := range queuedLines(p.Queued, p.listeners) {
		b.WriteString(l + "\n")
	}
	if n := len(p.Orphans); n > 0 {
		fmt.Fprintf(&b, "no process holds %s (%s): kill cannot release %s; %s\n",
			core.Plural(n, "matched socket"), stateCounts(p.Orphans), core.ByCount(n, "it", "them"), p.orphanAdvice(p.Orphans))
	}
	if l := UnknownNote(p.Unknown, p.Unseen, "kill cannot signal a holder it cannot see"); l != "" {
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteKillReport prints what became of each process, then what is left.
func WriteKillReport(w io.Writer, p *KillPlan, r *KillReport, l *Left) error {
	var b strings.Builder
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		fmt.Fprintf(&b, "%s: %s\n", procLabel(o.Proc), o.describe(p))
	}
	if l != nil {
		for _, line := range LeftLines(l) {
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// headline says what the plan does to how many sockets.
func (p *ClosePlan) headline() string {
	sh, ab, unix := 0, 0, 0
	for i := range p.Items {
		switch p.Items[i].Method {
		case Shutdown:
			sh++
			if p.Items[i].Socket.Proto == core.Unix {
				unix++
			}
		case Abort:
			ab++
		}
	}
	var parts []string
	if sh > 0 {
		peer := "the peer gets a FIN"
		switch unix {
		case sh:
			peer = "the peer reads EOF"
		case 0:
		default:
			peer = "a TCP peer gets a FIN, a unix one reads EOF"
		}
		parts = append(parts, fmt.Sprintf("shut down %s through a duplicate of the holder's descriptor (the holder keeps running, %s)", core.Plural(sh, "socket"), peer))
	}
	if ab > 0 {
		parts = append(parts, fmt.Sprintf("abort %s (the kernel resets the connection, both ends see the reset)", core.Plural(ab, "socket")))
	}
	if len(parts) == 0 {
		return "nothing to close"
	}
	return strings.Join(parts, "; ")
}

// sharedLines names, for each socket the plan acts on, the holders the
// owner filters left out (AlsoHeld): a shutdown or an abort acts on the
// socket, so on them too.
func (p *ClosePlan) sharedLines(ns func(*core.Socket) string) []string {
	var out []string
	for i := range p.Items {
		it := &p.Items[i]
		others := p.AlsoHeld(&it.Socket)
		if it.Method == "" || len(others) == 0 {
			continue
		}
		verb := "shutting it down"
		if it.Method == Abort {
			verb = "aborting it"
		}
		out = append(out, core.Wrap("", "  ", fmt.Sprintf("%s%s is also held by %s, which the owner filter left out: %s breaks it for them too.",
			ns(&it.Socket), socketLine(&it.Socket), ownerList(others), verb)))
	}
	return out
}

// WriteClosePlan prints each matched socket with its holder and what close
// will do with it, then the listeners it refuses to touch.
func WriteClosePlan(w io.Writer, p *ClosePlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan: %s\n", p.headline())
	var span core.NetNSSpan
	for i := range p.Listeners {
		span.Add(&p.Listeners[i])
	}
	for i := range p.Items {
		span.Add(&p.Items[i].Socket)
	}
	many := span.Many()
	if len(p.Items) > 0 {
		fit := render.Fit{Width: render.WidthOf(w), Header: true, Fixed: render.FixedBut(2, 3, 4, 6), // addresses, holder, action
			Port: render.Columns(2, 3), PID: render.Columns(4)}
		heads := []string{"PROTO", "STATE", "LOCAL", "REMOTE", "PID/COMMAND", "FD", "ACTION"}
		if many { // as who's NETNS column: the namespace first, shortened as the addresses are
			heads = append([]string{"NETNS"}, heads...)
			fit = render.Fit{Width: fit.Width, Header: true, Fixed: render.FixedBut(0, 3, 4, 5, 7), Port: render.Columns(3, 4), PID: render.Columns(5)}
		}
		render.AlignedFit(&b, fit, func(t *render.Table) {
			for _, h := range heads {
				t.Cell(h)
			}
			t.EndRow()
			for i := range p.Items {
				if i == planRows/2 && len(p.Items) > planRows {
					rest := make([]core.Socket, 0, len(p.Items)-i)
					for _, it := range p.Items[i:] {
						rest = append(rest, it.Socket)
					}
					t.Cell(fmt.Sprintf("... and %d more: %s", len(rest), stateCounts(rest)))
					t.EndRow()
					break
				}
				it := &p.Items[i]
				s := &it.Socket
				who, fd := core.Dash(true, holderLabels(s, p.Unseen)), "-"
				if j := shutdownOwner(s); j >= 0 {
					who, fd = core.OwnerLabel(s.Owners[j]), strconv.Itoa(s.Owners[j].FD)
				} else if s.HasOwners() {
					who = core.OwnerLabel(s.Owners[0])
				}
				action := string(it.Method)
				if action == "" {
					action = "none: " + it.Skip
				}
				if many {
					t.Cell(core.NetNSLabel(s))
				}
				for _, c := range []string{core.ProtoLabel(s), string(s.State), core.FormatLocal(s), core.FormatRemote(s), who, fd, action} {
					t.Cell(c)
				}
				t.EndRow()
			}
		})
	}
	for _, l := range p.sharedLines(nsPrefix(many)) {
		b.WriteString(l)
	}
	for _, l := range OutgoingLines(p.Spared, "close") {
		b.WriteString(l + "\n")
	}
	if n := len(p.Listeners); n > 0 {
		why := " (" + p.listenerReason() + ")"
		if p.Refusal() != nil {
			why = "" // the refusal says it, once, on stderr
		}
		fmt.Fprintf(&b, "left alone: %s%s:\n", core.Plural(n, "LISTEN socket"), why)
		for i := range p.Listeners {
			s := &p.Listeners[i]
			who := holderLabels(s, p.Unseen)
			if who == "" {
				who = "no process"
			}
			fmt.Fprintf(&b, "  %s%s held by %s\n", nsPrefix(many)(s), socketLine(s), who)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCloseReport prints what became of each socket (counted by outcome
// when there are many), then what is left on the ports.
func WriteCloseReport(w io.Writer, r *CloseReport, l *Left) error {
	var b strings.Builder
	if len(r.Outcomes) <= planRows {
		for i := range r.Outcomes {
			o := &r.Outcomes[i]
			fmt.Fprintf(&b, "%s: %s\n", socketLine(&o.Socket), o.describe())
		}
	} else {
		// Group by what was said; the first socket of each group stands for it.
		var order []string
		groups := map[string][]*CloseOutcome{}
		for i := range r.Outcomes {
			o := &r.Outcomes[i]
			key := string(o.Fate)
			if o.Err != nil && o.Fate != SocketActive { // one group, whatever idle time each has now
				key += ": " + o.Err.Error()
			} else if o.Fate == SocketSkipped {
				key += ": " + o.Skip
			} else if o.Fate == SocketLeft {
				key += string(o.State)
			}
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key] = append(groups[key], o)
		}
		for _, k := range order {
			g := groups[k]
			fmt.Fprintf(&b, "%s, e.g. %s: %s\n", core.Plural(len(g), "socket"), socketLine(&g[0].Socket), g[0].describe())
		}
	}
	if l != nil {
		for _, line := range LeftLines(l) {
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteKillJSON prints the plan, and the outcome and what is left when r
// and l are not nil, as one JSON object (docs/kill-close.md); dryRun is
// whether the plan alone was asked for.
func WriteKillJSON(w io.Writer, p *KillPlan, dryRun bool, r *KillReport, l *Left) error {
	e := render.NewJSON(w, true)
	e.Object()
	e.Str("signal", core.SignalName(p.Signal))
	e.IntKey("timeout_ms", p.Timeout.Milliseconds())
	e.BoolKey("escalate", p.escalates())
	e.BoolKey("dry_run", dryRun)
	e.BoolKey("changed", killChanged(r)) // a signal was delivered (Ansible's "changed")
	e.Key("processes")
	e.Array()
	for i := range p.Items {
		it := &p.Items[i]
		e.Object()
		e.IntKey("pid", int64(it.Proc.PID))
		e.Text("comm", it.Proc.Comm)
		if it.Proc.UID >= 0 {
			e.IntKey("uid", it.Proc.UID)
			e.Str("user", it.Proc.User)
		} else {
			e.NullKey("uid")
			e.NullKey("user")
		}
		if it.Protected != "" {
			e.Str("protected", it.Protected) // why it is never signalled
		}
		e.Key("sockets")
		e.Sockets(it.Sockets)
		if r != nil {
			// outcome: exited, killed, "still alive", "not permitted",
			// "already gone", "not signalled", failed
			o := &r.Outcomes[i]
			if o.Fate != "" {
				e.Str("outcome", string(o.Fate))
			}
			if len(o.Sent) > 0 {
				e.Key("signals") // delivered, in order
				e.Array()
				for _, sig := range o.Sent {
					e.String(core.SignalName(sig))
				}
				e.End()
				e.IntKey("waited_ms", o.Waited.Milliseconds())
			}
			if o.Err != nil {
				e.Str("error", o.Err.Error())
			}
		}
		e.End()
	}
	e.End()
	e.Key("orphans") // matched sockets no process holds
	e.Sockets(p.Orphans)
	e.Key("queued") // matched connections waiting in a live listener's accept queue
	e.Sockets(p.Queued)
	e.Key("spared_outgoing") // outgoing connections left alone (no --outgoing)
	e.Sockets(p.Spared)
	e.Key("unknown_holder") // matched sockets whose holder could not be seen
	e.Sockets(p.Unknown)
	writeLeftJSON(e, l)
	e.End()
	e.Line()
	return e.Flush()
}

// WriteCloseJSON prints the plan, and the outcome and what is left when r
// and l are not nil, as one JSON object (docs/kill-close.md); dryRun is
// whether the plan alone was asked for.
func WriteCloseJSON(w io.Writer, p *ClosePlan, dryRun bool, r *CloseReport, l *Left) error {
	e := render.NewJSON(w, true)
	e.Object()
	e.BoolKey("dry_run", dryRun)
	e.BoolKey("changed", closeChanged(r)) // a socket was shut down or reset
	e.Key("sockets")
	e.Array()
	for i := range p.Items {
		it := &p.Items[i]
		e.Object()
		e.SocketFields(&it.Socket)
		e.Str("method", string(it.Method)) // "shutdown", "abort", or "" when left alone
		if others := p.AlsoHeld(&it.Socket); len(others) > 0 {
			// holders the owner filters left out, whom closing it affects too
			e.Key("also_held_by")
			e.Owners(others)
		}
		if it.Skip != "" {
			e.Str("skip", it.Skip)
		}
		if r != nil {
			// outcome: closed, "still there", "already gone", "not
			// permitted", failed, "left alone", "active again", "state
			// changed" (state_now: the state it is in instead)
			o := &r.Outcomes[i]
			if o.Fate != "" {
				e.Str("outcome", string(o.Fate))
			}
			if o.State != "" {
				e.Str("state_now", string(o.State))
			}
			// bind: the bind probe's verdict on a shut-down listener's
			// port, as why's probe words it: free, reuseaddr_only, blocked
			if o.Probe != "" {
				e.Str("bind", string(o.Probe))
			}
			if o.Err != nil {
				e.Str("error", o.Err.Error())
			}
		}
		e.End()
	}
	e.End()
	e.Key("refused_listeners")
	e.Sockets(p.Listeners)
	e.Key("spared_outgoing") // outgoing connections left alone (no --outgoing)
	e.Sockets(p.Spared)
	writeLeftJSON(e, l)
	e.End()
	e.Line()
	return e.Flush()
}

// writeLeftJSON writes what is left on the ports: "left" and
// "left_report", null before anything was done.
func writeLeftJSON(e *render.JSON, l *Left) {
	if l == nil {
		e.NullKey("left")
		e.NullKey("left_report")
		return
	}
	e.Key("left")
	e.Sockets(l.Sockets)
	e.Key("left_report")
	if lines := LeftLines(l); lines != nil {
		e.Array()
		for _, line := range lines {
			e.String(line)
		}
		e.End()
	} else {
		e.Null()
	}
}
