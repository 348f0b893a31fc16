package diagnose

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

// WriteWhy prints the diagnosis in plain words, one screen for a typical
// port. Text from other processes is escaped.
func WriteWhy(w io.Writer, d *Why) error {
	var b strings.Builder
	p := strconv.Itoa(int(d.Port))
	switch {
	case d.Unlisted():
		b.WriteString(core.Wrap("", "", fmt.Sprintf("Port %s is in use, by a socket gosof cannot list (%s): the bind probe below fails with \"address already in use\".",
			p, d.unlistedReason())))
	case !d.InUse():
		b.WriteString(core.Wrap("", "", d.freeSentence()))
		for _, o := range d.ElsewhereByProto() {
			fmt.Fprintf(&b, "  To look at %s:  %s\n", core.ByCount(o.Count, "it", "them"), o.Why)
		}
	default:
		conns, bound := 0, 0
		for _, g := range d.Conns {
			if g.Bound {
				bound += g.Count
				continue
			}
			conns += g.Count
		}
		fmt.Fprintf(&b, "Port %s is in use: %s, %s", p, countOf(len(d.Listeners), "listener"), countOf(conns, "connection"))
		if bound > 0 {
			fmt.Fprintf(&b, ", %s bound but not connected (CLOSE)", countOf(bound, "socket"))
		}
		b.WriteString(".\n")
	}
	if len(d.Listeners) > 0 {
		b.WriteString("\nListening\n")
		for _, l := range d.Listeners {
			writeListener(&b, &l, d.Unseen)
		}
	}
	var conns, bound []ConnGroup
	for _, g := range d.Conns {
		if g.Bound {
			bound = append(bound, g)
		} else {
			conns = append(conns, g)
		}
	}
	if len(conns) > 0 {
		fmt.Fprintf(&b, "\nConnections on local port %s\n", p)
		outgoing := 0
		for _, g := range conns {
			if g.Outgoing {
				outgoing += g.Count
			}
		}
		writeConnTable(&b, render.WidthOf(w), conns, anyPeers(conns))
		for _, g := range conns {
			if g.Queued {
				b.WriteString(core.Wrap("  ", "  ", queuedSentence(&g)))
			}
		}
		if outgoing > 0 {
			b.WriteString(core.Wrap("  ", "  ", fmt.Sprintf("Outgoing: %s only %s port %s as the source port of a connection to another port; "+
				"nothing listens on or is bound to it here. Such connections do not hold the port for a server; kill and close spare them unless --outgoing.",
				core.Plural(outgoing, "connection"), core.ByCount(outgoing, "uses", "use"), p)))
		}
		if len(d.Peers) > 0 {
			var ps []string
			for _, pc := range d.Peers {
				ps = append(ps, fmt.Sprintf("%s (%d)", core.Escape(pc.Addr.String()), pc.Count)) // a zone is an interface's name
			}
			fmt.Fprintf(&b, "  Busiest peers: %s\n", strings.Join(ps, ", "))
		}
	}
	if len(bound) > 0 {
		writeBound(&b, render.WidthOf(w), p, bound)
	}
	if cw := d.CloseWait; cw != nil {
		writeCloseWait(&b, d.CloseWaitCommand(), cw)
		writeAges(&b, d, d.age(core.CloseWait))
	}
	if tw := d.TimeWait; tw != nil {
		fmt.Fprintf(&b, "\nTIME_WAIT: %s no process holds%s.\n", core.Plural(tw.Count, "connection"), timerLeft(tw))
		writeAges(&b, d, d.age(core.TimeWait))
		b.WriteString("  This side closed first; the kernel keeps them for a while (" + core.Seconds(core.LinuxTimeWait) + " on Linux) to\n" +
			"  catch late packets, then drops them by itself. Killing processes does not remove\n" +
			"  them. A server that sets SO_REUSEADDR can bind over TIME_WAIT (on Linux only if\n" +
			"  the socket they came from had SO_REUSEADDR set too); the bind probe shows what\n" +
			"  works now.\n")
	}
	if fw := d.FinWait2; fw != nil {
		fmt.Fprintf(&b, "\nFIN_WAIT2 (orphaned): %s no process holds%s.\n", core.Plural(fw.Count, "connection"), timerLeft(fw))
		peer := "the peer has"
		if len(fw.Peers) > 0 {
			peer = "the peer, " + holders(fw.Peers) + ", has"
		}
		b.WriteString(core.Wrap("  ", "  ", "The program closed them and "+peer+" not closed its side yet; the kernel "+
			"drops them after net.ipv4.tcp_fin_timeout. Killing processes does not remove them."))
	}
	writeFinWait2Ages(&b, d, d.age(core.FinWait2))
	for _, r := range d.probes() {
		writeProbe(&b, r, d.Unseen, d.unlistedReason())
	}
	if len(d.Warnings) > 0 {
		b.WriteString("\nWarnings\n")
		for _, wn := range d.Warnings {
			b.WriteString(core.Wrap("  ! ", "    ", wn.Message))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeBound shows the sockets that hold the port bound without
// listening or connecting (ConnGroup.Bound), and what releases them.
func writeBound(b *strings.Builder, width int, p string, bound []ConnGroup) {
	n := 0
	var owners []core.Owner
	for _, g := range bound {
		n += g.Count
		owners = append(owners, g.Owners...)
	}
	fmt.Fprintf(b, "\nBound to local port %s, neither listening nor connected\n", p)
	writeConnTable(b, width, bound, false)
	holder := "its holder closes"
	if n > 1 {
		holder = "their holders close"
	}
	release := "restart " + holders(onePerProcess(owners)) + ", or stop it with gosof kill"
	if len(owners) == 0 {
		release = "restart the process that holds " + core.ByCount(n, "it", "them") + " (gosof could not see which)"
	}
	b.WriteString(core.Wrap("  ", "  ", fmt.Sprintf("%s in CLOSE: bound to port %s by bind(), by a listener that was shut down, "+
		"or by a connection that failed, and not closed since. Neither close nor the kernel's timers release %s; "+
		"the port stays bound until %s the descriptor: %s.",
		core.Plural(n, "socket"), p, core.ByCount(n, "it", "them"), holder, release)))
}

// anyPeers reports whether a group knows the processes at its other
// ends: the table then has a PEER column.
func anyPeers(conns []ConnGroup) bool {
	for _, g := range conns {
		if len(g.Peers) > 0 {
			return true
		}
	}
	return false
}

// queuedSentence says that a group's connections wait for accept().
func queuedSentence(g *ConnGroup) string {
	server := "its server"
	where := ""
	if g.Listener != nil {
		where = " of " + core.ListenerLine(g.Listener)
		if len(g.Listener.Owners) > 0 {
			server = ownersLabel(g.Listener.Owners)
		}
	}
	from := ""
	if len(g.Peers) > 0 {
		from = " from " + holders(g.Peers)
	}
	return fmt.Sprintf("Queued: %s%s %s in the accept queue%s: the handshake is done, and %s has not called accept() on %s yet, so no process holds %s.",
		core.Plural(g.Count, string(g.State)+" connection"), from, core.ByCount(g.Count, "waits", "wait"), where, server, core.ByCount(g.Count, "it", "them"), core.ByCount(g.Count, "it", "them"))
}

// writeConnTable is the table of connection groups: state, count,
// holders, and with peerCol the processes at the other ends.
func writeConnTable(b *strings.Builder, width int, conns []ConnGroup, peerCol bool) {
	procs := render.Columns(2) // the processes
	if peerCol {
		procs = render.Columns(2, 3) // and their peers
	}
	render.AlignedFit(b, render.Fit{Width: width, Header: true, Fixed: ^procs, PID: procs}, func(t *render.Table) {
		t.Cell("  STATE")
		t.Cell("COUNT")
		t.Cell("PROCESS")
		if peerCol {
			t.Cell("PEER")
		}
		t.Cell("RECV-Q")
		t.Cell("SEND-Q")
		t.EndRow()
		for _, g := range conns {
			state := string(g.State)
			if g.Proto != core.TCP && g.Proto != core.Unix {
				state = string(g.Proto) + " " + state
			}
			if g.Outgoing {
				state += " (outgoing)"
			}
			if g.Queued {
				state += " (queued)"
			}
			t.Cell("  " + state)
			t.Cell(strconv.Itoa(g.Count))
			t.Cell(holders(g.Owners))
			if peerCol {
				t.Cell(holders(g.Peers))
			}
			t.Cell(strconv.FormatUint(g.RecvQ, 10))
			t.Cell(strconv.FormatUint(g.SendQ, 10))
			t.EndRow()
		}
	})
}

func writeListener(b *strings.Builder, l *Listener, unseen core.Unseen) {
	s := l.Socket
	holder := holdersLong(s.Owners)
	if core.UnknownHolder(s, unseen) {
		holder = unknownLabel(s, unseen)
	}
	fmt.Fprintf(b, "  %s %s  held by %s\n", core.ProtoLabel(s), core.FormatLocal(s), holder)
	var f []string
	addr := "a " + l.Scope + " address"
	switch l.Scope {
	case "wildcard":
		addr = "every address"
	case "loopback":
		addr = "loopback only"
	}
	f = append(f, addr+", "+l.Stack)
	f = append(f, "SO_REUSEADDR "+onOff(l.ReuseAddr), "SO_REUSEPORT "+onOff(l.ReusePort))
	if l.HasBacklog {
		f = append(f, fmt.Sprintf("accept queue %d of %d", l.AcceptQueue, l.Backlog))
	}
	fmt.Fprintf(b, "    %s\n", strings.Join(f, "; "))
}

func writeCloseWait(b *strings.Builder, close string, cw *CloseWaitNote) {
	who := "no process gosof could see"
	if len(cw.Procs) > 0 {
		var names []string
		for _, pc := range cw.Procs {
			n := core.OwnerLabel(pc.Owner)
			if len(cw.Procs) > 1 {
				n += fmt.Sprintf(" (%d)", pc.Count)
			}
			names = append(names, n)
		}
		who = joinAnd(names)
	} else if cw.Queued == cw.Count {
		who = "no process: " + core.ByCount(cw.Count, "it waits", "they wait") + " in the accept queue"
	}
	fmt.Fprintf(b, "\nCLOSE_WAIT: %s held by %s.\n", core.Plural(cw.Count, "connection"), who)
	if len(cw.Peers) > 0 {
		var names []string
		n := 0
		for _, pc := range cw.Peers {
			names = append(names, core.OwnerLabel(pc.Owner))
			n += pc.Count
		}
		them := "them"
		if n == 1 {
			them = "it"
		}
		fmt.Fprintf(b, "  The %s %s opened by %s, which closed %s.\n", core.Plural(n, "peer"), core.ByCount(n, "was", "were"), joinAnd(names), them)
	}
	prog := "the program"
	if len(cw.Procs) == 1 {
		prog = core.OwnerLabel(cw.Procs[0].Owner)
	}
	if cw.Queued == cw.Count {
		b.WriteString(core.Wrap("  ", "  ", "The peers closed these connections before the server called accept() on them: "+
			"no process holds them, so there is no descriptor to shut down. They go when the server accepts and closes them, "+
			"or when the listener closes; close can only reset them (--abort)."))
	} else {
		b.WriteString(core.Wrap("  ", "  ", "The peers closed these connections and "+prog+" has not called close() on them "+
			"(typically a read that returned 0 or an error and was not followed by close()). "+
			"They will not clear by themselves: fix the program."))
	}
	fmt.Fprintf(b, "  To release them now:  %s\n", close)
	if len(cw.Procs) > 0 {
		fmt.Fprintf(b, "  Restarting %s releases them too.\n", joinAnd(procNames(cw.Procs)))
	}
	if cw.Queued > 0 && cw.Queued < cw.Count {
		b.WriteString(core.Wrap("  ", "  ", fmt.Sprintf("%d of them %s in the accept queue (Queued, above): no process holds %s, "+
			"so close releases %s only with --abort, or the listener closing does.",
			cw.Queued, core.ByCount(cw.Queued, "waits", "wait"), core.ByCount(cw.Queued, "it", "them"), core.ByCount(cw.Queued, "it", "them"))))
	}
	if cw.Unowned > 0 && len(cw.Procs) > 0 {
		fmt.Fprintf(b, "  %d of them show no process gosof could see.\n", cw.Unowned)
	}
}

func procNames(pcs []ProcCount) []string {
	var out []string
	for _, pc := range pcs {
		out = append(out, core.OwnerLabel(pc.Owner))
	}
	return out
}

// probes are the probe reports to show: Probes, or Probe alone.
func (d *Why) probes() []*ProbeReport {
	if len(d.Probes) > 0 {
		return d.Probes
	}
	if d.Probe != nil {
		return []*ProbeReport{d.Probe}
	}
	return nil
}

func writeProbe(b *strings.Builder, r *ProbeReport, unseen core.Unseen, unlisted string) {
	if r.Skipped != "" {
		b.WriteString("\n" + core.Wrap("", "  ", "Bind probe: not run: "+r.Skipped+"."))
		return
	}
	switch r.Proto {
	case core.UDP, core.UDPLite:
		b.WriteString("\nBind probe (" + r.Proto.Name() + ": bind only, closed at once)\n")
	case core.SCTP:
		b.WriteString("\nBind probe (SCTP: bind only, never listen, closed at once)\n")
	default:
		b.WriteString("\nBind probe (TCP: bind only, never listen, closed at once)\n")
	}
	// Each address's plain and SO_REUSEADDR binds come in pairs, then,
	// when tried, one with SO_REUSEPORT for each address, in the same
	// order (ProbeProto).
	n, told := len(r.Attempts), false
	for _, a := range r.Attempts {
		if a.ReusePort {
			n--
		}
		told = told || a.Told
	}
	render.Aligned(b, func(t *render.Table) {
		t.Cell("  ADDRESS")
		t.Cell("PLAIN")
		t.Cell("SO_REUSEADDR")
		if n < len(r.Attempts) {
			t.Cell("SO_REUSEPORT")
		}
		t.EndRow()
		for i := 0; i+1 < n; i += 2 {
			t.Cell("  " + netip.AddrPortFrom(r.Attempts[i].Addr, r.Port).String())
			t.Cell(attemptWord(r.Attempts[i]))
			t.Cell(attemptWord(r.Attempts[i+1]))
			if n < len(r.Attempts) {
				t.Cell(attemptWord(r.Attempts[n+i/2]))
			}
			t.EndRow()
		}
	})
	if told {
		b.WriteString(core.Wrap("  ", "  ", "* told from the options and users of the sockets in the way, not bound: a "+r.Proto.Name()+" socket bound beside them would take their datagrams."))
	}
	if way := r.inTheWay(); len(way) > 0 {
		b.WriteString("  In the way:\n")
		for i, s := range way {
			if i == maxBlockers {
				fmt.Fprintf(b, "    and %d more\n", len(way)-i)
				break
			}
			holder := unknownLabel(s, unseen)
			if len(s.Owners) > 0 {
				holder = holders(onePerProcess(s.Owners))
			}
			fmt.Fprintf(b, "    %s %s %s%s, held by %s\n", core.ProtoLabel(s), s.State, core.FormatLocal(s), remoteSuffix(s), holder)
		}
	} else if anyAddrInUse(r.Attempts) {
		b.WriteString(core.Wrap("  ", "  ", "In the way: no socket gosof can see ("+unlisted+")."))
	}
	b.WriteString(core.Wrap("  ", "  ", r.Message()))
}

// maxBlockers is how many sockets in the way the table names.
const maxBlockers = 5

func anyAddrInUse(atts []ProbeAttempt) bool {
	for _, a := range atts {
		if a.InUse {
			return true
		}
	}
	return false
}

func remoteSuffix(s *core.Socket) string {
	if s.Remote == nil {
		return ""
	}
	return " -> " + core.FormatRemote(s)
}

func attemptWord(a ProbeAttempt) string {
	w := core.Escape(a.Err)
	switch {
	case a.OK:
		w = "ok"
	case a.InUse:
		w = "in use"
	}
	if a.Told {
		w += "*"
	}
	return w
}

func onOff(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "on"
	}
	return "off"
}

func timerLeft(n *TimerNote) string {
	if !n.Known {
		return ""
	}
	if core.Seconds(n.MinLeft) == core.Seconds(n.MaxLeft) {
		if n.Count == 1 {
			return "; gone in " + core.Seconds(n.MaxLeft)
		}
		return "; all gone in " + core.Seconds(n.MaxLeft)
	}
	return "; all gone within " + core.Seconds(n.MaxLeft) + " (the first in " + core.Seconds(n.MinLeft) + ")"
}

// countOf is core.Plural that says "no" for none.
func countOf(n int, noun string) string {
	if n == 0 {
		return "no " + noun + "s"
	}
	return core.Plural(n, noun)
}

// holders is "4242/server" or "4242/server, 4243/worker"; "-" for none.
func holders(owners []core.Owner) string {
	if len(owners) == 0 {
		return "-"
	}
	var names []string
	for _, o := range owners {
		names = append(names, core.OwnerLabel(o))
	}
	return strings.Join(names, ", ")
}

// holdersLong adds user and descriptor: "4242/server (user app, fd 3)".
func holdersLong(owners []core.Owner) string {
	if len(owners) == 0 {
		return "no process gosof could see"
	}
	var names []string
	for _, o := range owners {
		n := core.OwnerLabel(o) + " (user " + core.OwnerUser(o)
		if o.FD >= 0 {
			n += ", fd " + strconv.Itoa(o.FD)
		}
		names = append(names, n+")")
	}
	return joinAnd(names)
}

func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// unknownLabel is how why names the holder of a socket that shows none.
func unknownLabel(s *core.Socket, u core.Unseen) string {
	if s.HolderUnknown && !s.HasOwners() { // maybe none: the platform cannot tell
		return "an unknown process, if any (" + u.What() + ")"
	}
	if core.UnknownHolder(s, u) {
		return "a process gosof could not see (" + u.What() + ")"
	}
	return "no process"
}
