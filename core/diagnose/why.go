package diagnose

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosof/gosof/core"
)

// Thresholds of the warnings `why` gives.
const (
	// LargeRecvQ is the Recv-Q, in bytes, from which a connection counts
	// as one its program is not reading.
	LargeRecvQ = 16 << 10
	// ManyLargeRecvQ is how many such connections of one process make a
	// warning: one may be a moment's lag, several are a pattern.
	ManyLargeRecvQ = 3
	// TopPeers is how many of the busiest remote addresses are shown.
	TopPeers = 5
)

// Why is the diagnosis of one port: what holds it, in what state, what that
// means, and whether a new server could bind it now.
type Why struct {
	Port      uint16
	Listeners []Listener
	Conns     []ConnGroup // by state, then by the processes holding them
	Peers     []PeerCount // the busiest remote addresses, most first
	CloseWait *CloseWaitNote
	TimeWait  *TimerNote // TIME_WAIT sockets
	FinWait2  *TimerNote // FIN_WAIT2 sockets no process holds
	Probe     *ProbeReport
	// Probes are the bind probes of every protocol on the port (TCP, UDP);
	// Probe is the first. nil: Probe alone.
	Probes   []*ProbeReport
	Warnings []Warning
	Unseen   core.Unseen
	Missing  core.OptionsMissing // socket options that could not be read
	// Ages are how long the CLOSE_WAIT, FIN_WAIT2 (held) and TIME_WAIT
	// sockets have been idle: a leak or a burst (why_age.go).
	Ages    []AgeNote
	Sockets []core.Socket // every socket whose local port is Port
	// NetNSArg is the --netns value that names the namespace diagnosed,
	// when it was read from one named on the command line (--netns, -A):
	// the commands why suggests carry it, so that pasted they act there.
	NetNSArg string
	// Unlistable says which sockets the source never lists ("/proc/net
	// lists no TCP socket that is only bound (CLOSE)"): the likeliest
	// reason a probe finds the port in use with no socket on it. "" when
	// the source lists every kind.
	Unlistable string
	// Proto is the protocol asked about (why tcp:8080), "" for every
	// one; Elsewhere are then the sockets of other protocols on the port,
	// which Sockets leaves out: a port free for TCP is not called free
	// when UDP uses it.
	Proto     core.Proto
	Elsewhere []core.Socket
}

// Target is what a command why suggests acts on: the port, and the
// namespace diagnosed (NetNSArg).
func (w *Why) Target() string { return CommandTarget(w.Port, w.NetNSArg) }

// CloseWaitCommand is the close command that releases the port's
// CLOSE_WAIT connections, as pasted it acts on them: with --outgoing when
// some only use the port as their source port (close spares those
// otherwise), with --abort when every one waits in an accept queue (no
// descriptor to shut down). "" when the port has none.
func (w *Why) CloseWaitCommand() string {
	cw := w.CloseWait
	if cw == nil {
		return ""
	}
	c := "gosof close " + w.Target() + " --state close-wait"
	if cw.Outgoing > 0 {
		c += " --outgoing"
	}
	if cw.Queued == cw.Count {
		c += " --abort"
	}
	return c
}

// CommandTarget is what a command gosof suggests acts on, as it is pasted:
// the port, and --netns with netns (NetNSArg) when it is not "". why's
// commands and kill's for the sockets it cannot release are built here.
func CommandTarget(port uint16, netns string) string {
	t := strconv.Itoa(int(port))
	if netns != "" {
		t += " --netns " + netns
	}
	return t
}

// InUse reports whether the port is in use: a socket gosof lists uses it,
// or a bind probe failed with EADDRINUSE although it lists none
// (Unlisted). Never "free" against its own probe.
func (w *Why) InUse() bool { return len(w.Sockets) > 0 || w.Unlisted() }

// Unlisted reports whether the port is in use by a socket gosof cannot
// list: none is listed on it, and a bind probe found it in use.
func (w *Why) Unlisted() bool {
	if len(w.Sockets) > 0 {
		return false
	}
	probes := w.Probes
	if len(probes) == 0 && w.Probe != nil {
		probes = []*ProbeReport{w.Probe}
	}
	for _, r := range probes {
		if r != nil && anyAddrInUse(r.Attempts) {
			return true
		}
	}
	return false
}

// ProtoCount is how many sockets of one protocol use the port, and the
// command that explains them.
type ProtoCount struct {
	Proto core.Proto
	Count int
	Why   string // "gosof why udp:53"
}

// ElsewhereByProto counts Elsewhere by protocol, in core.Protos' order.
func (w *Why) ElsewhereByProto() []ProtoCount {
	var out []ProtoCount
	for _, p := range core.Protos {
		n := 0
		for i := range w.Elsewhere {
			if w.Elsewhere[i].Proto == p {
				n++
			}
		}
		if n > 0 {
			out = append(out, ProtoCount{Proto: p, Count: n, Why: "gosof why " + string(p) + ":" + w.Target()})
		}
	}
	return out
}

// freeSentence says the port is free: for every protocol, or for the one
// asked about, with the sockets of the others that use it ("Port 53 is
// free for TCP: no TCP socket uses it, but 1 UDP socket does."; the
// commands that explain them follow it: ElsewhereByProto).
func (w *Why) freeSentence() string {
	p := strconv.Itoa(int(w.Port))
	if w.Proto == "" {
		return "Port " + p + " is free: no socket uses it."
	}
	name := w.Proto.Name()
	s := "Port " + p + " is free for " + name + ": no " + name + " socket uses it"
	others := w.ElsewhereByProto()
	if len(others) == 0 {
		return s + "."
	}
	var counts []string
	n := 0
	for _, o := range others {
		counts = append(counts, core.Plural(o.Count, o.Proto.Name()+" socket"))
		n += o.Count
	}
	return s + ", but " + strings.Join(counts, " and ") + " " + core.ByCount(n, "does", "do") + "."
}

// unlistedReason is why a socket the probe ran into is not listed.
func (w *Why) unlistedReason() string {
	if w.Unlistable != "" {
		return w.Unlistable + ", or it is in another network namespace"
	}
	return "a bound socket that is not listening, or one in another network namespace"
}

// Listener is a socket waiting for peers on the port: a TCP LISTEN socket,
// or a bound UDP socket with no peer.
type Listener struct {
	Socket *core.Socket
	// Scope is "wildcard" (every address), "loopback" or "specific".
	Scope string
	// Stack is "IPv4", "IPv6", "IPv6 only" (a :: socket with IPV6_V6ONLY)
	// or "dual-stack" (a :: socket that takes IPv4 too).
	Stack string
	// ReuseAddr and ReusePort as read from the first owner whose options
	// could be read (optionsOf); nil when unknown.
	ReuseAddr, ReusePort *bool
	// AcceptQueue and Backlog are a TCP listener's connections waiting for
	// accept() and the most it may hold, where HasBacklog says the
	// platform tells them (core.Socket.ListenQueue).
	AcceptQueue, Backlog uint64
	HasBacklog           bool
}

// ConnGroup counts the connections in one state held by the same processes.
type ConnGroup struct {
	Proto  core.Proto
	State  core.State
	Owners []core.Owner // the holders, one per process; none for TIME_WAIT and orphans
	// Outgoing marks connections that only use the port as their source
	// port: nothing listens on it or is bound to it (see core.SplitOutgoing).
	Outgoing bool
	// Queued marks TCP connections waiting in a listener's accept queue:
	// established (or closed by the peer since) but not accepted yet, so
	// no process holds them (no inode); Listener names the listener.
	Queued bool
	// Bound marks TCP sockets in CLOSE (core.BoundOnly): they hold the
	// port bound, with neither a peer nor a listen queue.
	Bound    bool
	Listener *core.Socket
	Count    int
	RecvQ    uint64 // summed
	SendQ    uint64 // summed
	// Peers are the processes at the other ends, where those are on this
	// host (Socket.PeerOwners, as --peer shows them), one per process.
	Peers []core.Owner
}

// PeerCount is a remote address and how many connections it has here.
type PeerCount struct {
	Addr  netip.Addr
	Count int
}

// ProcCount is one process and how many sockets it holds of a kind.
type ProcCount struct {
	Owner core.Owner
	Count int
}

// CloseWaitNote is the CLOSE_WAIT sockets on the port.
type CloseWaitNote struct {
	Count   int
	Procs   []ProcCount // holders, most first
	Unowned int         // with no process gosof could see
	// Queued wait in a listener's accept queue (ConnGroup.Queued): no
	// process holds them until accept(), so only --abort or the listener
	// closing releases them. Outgoing only use the port as their source
	// port (ConnGroup.Outgoing): close spares them without --outgoing.
	Queued, Outgoing int
	// Peers are the processes at the other end, when it is on this host
	// (Socket.PeerOwners): they closed these connections.
	Peers []ProcCount
}

// TimerNote is the sockets in a state no process holds, and how long their
// kernel timers still run.
type TimerNote struct {
	Count            int
	MinLeft, MaxLeft time.Duration
	Known            bool // whether the platform gave the timers
	// Peers are the processes holding the other ends, where those are on
	// this host (Socket.PeerOwners), one per process.
	Peers []core.Owner
}

// Warning is one thing that looks wrong.
type Warning struct {
	Kind    string      // "linger_abort", "recv_q", "accept_queue_full"
	Owner   *core.Owner // the process concerned, if one
	Socket  *core.Socket
	Count   int
	Message string
}

// Diagnose explains port from socks (the sockets whose local port it is,
// owners attached and options read where possible) and the probe result.
func Diagnose(port uint16, socks []core.Socket, probe *ProbeReport) *Why {
	w := &Why{Port: port, Sockets: socks, Probe: probe}
	groups := map[string]*ConnGroup{}
	peers := map[netip.Addr]int{}
	cw := map[int]*ProcCount{}
	cwPeers := map[int]*ProcCount{}
	linger := map[int]*ProcCount{}
	recvq := map[int]*ProcCount{}
	served := core.ServedPorts{}
	for i := range socks {
		served.Add(&socks[i])
	}
	local := &core.Filter{Ports: []core.PortRange{{Lo: port, Hi: port}}}
	for i := range socks {
		s := &socks[i]
		if s.State == core.Listen || (s.Proto != core.TCP && s.State == core.Unconn) {
			w.Listeners = append(w.Listeners, listenerOf(s))
		}
	}
	listeners := core.Listeners(socks)
	for i := range socks {
		s := &socks[i]
		if s.State == core.Listen || (s.Proto != core.TCP && s.State == core.Unconn) {
			continue
		}
		owners := onePerProcess(s.Owners)
		out := core.OutgoingCandidate(s, local) && !served.Has(s)
		queue := core.AcceptQueueOf(s, listeners)
		key := string(s.Proto) + "/" + string(s.State) + "/" + pidKey(owners) + "/" + strconv.FormatBool(out)
		if queue != nil {
			key += "/queued/" + strconv.FormatUint(queue.Inode, 10)
		}
		g := groups[key]
		if g == nil {
			g = &ConnGroup{Proto: s.Proto, State: s.State, Owners: owners, Outgoing: out, Queued: queue != nil, Bound: core.BoundOnly(s), Listener: queue}
			groups[key] = g
		}
		g.Count++
		g.RecvQ += s.RecvQ
		g.SendQ += s.SendQ
		g.Peers = addPeers(g.Peers, s.PeerOwners)
		if s.Remote != nil && s.Remote.Addr.IsValid() {
			peers[s.Remote.Addr.Unmap()]++
		}
		switch {
		case s.State == core.CloseWait:
			if w.CloseWait == nil {
				w.CloseWait = &CloseWaitNote{}
			}
			w.CloseWait.Count++
			switch {
			case queue != nil:
				w.CloseWait.Queued++
			case len(owners) == 0:
				w.CloseWait.Unowned++
			}
			if out {
				w.CloseWait.Outgoing++
			}
			countBy(cw, owners)
			countBy(cwPeers, onePerProcess(s.PeerOwners))
		case s.State == core.TimeWait:
			w.TimeWait = addTimer(w.TimeWait, s)
		case s.State == core.FinWait2 && len(s.Owners) == 0:
			w.FinWait2 = addTimer(w.FinWait2, s)
			w.FinWait2.Peers = addPeers(w.FinWait2.Peers, s.PeerOwners)
		}
		if s.RecvQ >= LargeRecvQ {
			countBy(recvq, owners)
		}
		for _, o := range s.Owners {
			if o.Options.LingerAbort() {
				countBy(linger, []core.Owner{o})
				break
			}
		}
	}
	for _, g := range groups {
		w.Conns = append(w.Conns, *g)
	}
	sortConns(w.Conns)
	for a, n := range peers {
		w.Peers = append(w.Peers, PeerCount{a, n})
	}
	sort.Slice(w.Peers, func(i, j int) bool {
		a, b := &w.Peers[i], &w.Peers[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Addr.Compare(b.Addr) < 0
	})
	if len(w.Peers) > TopPeers {
		w.Peers = w.Peers[:TopPeers]
	}
	if w.CloseWait != nil {
		w.CloseWait.Procs = sortedCounts(cw)
		if len(cwPeers) > 0 {
			w.CloseWait.Peers = sortedCounts(cwPeers)
		}
	}
	for _, pc := range sortedCounts(linger) {
		o := pc.Owner
		w.Warnings = append(w.Warnings, Warning{Kind: "linger_abort", Owner: &o, Count: pc.Count,
			Message: core.Plural(pc.Count, "socket") + " of " + core.OwnerLabel(o) + " set SO_LINGER {on, 0s}: close() sends RST " +
				"instead of FIN and discards unsent data; the peer sees \"connection reset by peer\"."})
	}
	for _, pc := range sortedCounts(recvq) {
		if pc.Count < ManyLargeRecvQ {
			continue
		}
		o := pc.Owner
		w.Warnings = append(w.Warnings, Warning{Kind: "recv_q", Owner: &o, Count: pc.Count,
			Message: core.Plural(pc.Count, "connection") + " of " + core.OwnerLabel(o) + " have at least " +
				strconv.Itoa(LargeRecvQ/1024) + " KiB waiting in Recv-Q: the program is not reading them."})
	}
	w.Ages = Ages(socks)
	for i := range w.Listeners {
		l := &w.Listeners[i]
		if l.Socket.Proto == core.TCP && l.HasBacklog && core.AcceptQueueFull(l.AcceptQueue, l.Backlog) {
			w.Warnings = append(w.Warnings, Warning{Kind: "accept_queue_full", Socket: l.Socket, Count: int(l.AcceptQueue),
				Message: "The listener on " + core.FormatLocal(l.Socket) + " has " + core.Plural(int(l.AcceptQueue), "connection") +
					" waiting for accept() with a backlog of " + strconv.FormatUint(l.Backlog, 10) +
					": its accept queue is full, new connections are dropped; " + ownersLabel(l.Socket.Owners) +
					" is not calling accept() fast enough."})
		}
	}
	return w
}

func listenerOf(s *core.Socket) Listener {
	l := Listener{Socket: s}
	a := s.Local.Addr
	switch {
	case !a.IsValid() || a.IsUnspecified():
		l.Scope = "wildcard"
	case a.Unmap().IsLoopback():
		l.Scope = "loopback"
	default:
		l.Scope = "specific"
	}
	if o := optionsOf(s); o != nil {
		l.ReuseAddr, l.ReusePort = o.ReuseAddr, o.ReusePort
	}
	switch {
	case a.IsUnspecified() && s.IPv6Only():
		l.Stack = "IPv6 only"
	case s.Family == core.Inet || a.Is4In6():
		l.Stack = "IPv4"
	case a.IsUnspecified():
		l.Stack = "dual-stack"
	default:
		l.Stack = "IPv6"
	}
	if s.Proto == core.TCP && s.State == core.Listen {
		l.AcceptQueue = s.RecvQ // /proc/net tells the queue, not the backlog
		_, l.Backlog, l.HasBacklog = s.ListenQueue()
	}
	return l
}

// addPeers adds the processes of peers to ps, once each.
func addPeers(ps []core.Owner, peers []core.Owner) []core.Owner {
	for _, o := range onePerProcess(peers) {
		seen := false
		for _, p := range ps {
			seen = seen || p.PID == o.PID
		}
		if !seen {
			ps = append(ps, o)
		}
	}
	return ps
}

// onePerProcess keeps the first owner of each process.
func onePerProcess(owners []core.Owner) []core.Owner {
	var out []core.Owner
	for _, o := range owners {
		seen := false
		for _, x := range out {
			seen = seen || x.PID == o.PID
		}
		if !seen {
			out = append(out, o)
		}
	}
	return out
}

func pidKey(owners []core.Owner) string {
	var b strings.Builder
	for _, o := range owners {
		b.WriteString(strconv.Itoa(o.PID))
		b.WriteByte(',')
	}
	return b.String()
}

func countBy(m map[int]*ProcCount, owners []core.Owner) {
	for _, o := range owners {
		if pc := m[o.PID]; pc != nil {
			pc.Count++
		} else {
			m[o.PID] = &ProcCount{Owner: o, Count: 1}
		}
	}
}

func sortedCounts(m map[int]*ProcCount) []ProcCount {
	var out []ProcCount
	for _, pc := range m {
		out = append(out, *pc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Owner.PID < out[j].Owner.PID
	})
	return out
}

func addTimer(n *TimerNote, s *core.Socket) *TimerNote {
	if n == nil {
		n = &TimerNote{}
	}
	n.Count++
	if s.Timer != core.TimerNone {
		if !n.Known || s.Expires < n.MinLeft {
			n.MinLeft = s.Expires
		}
		if !n.Known || s.Expires > n.MaxLeft {
			n.MaxLeft = s.Expires
		}
		n.Known = true
	}
	return n
}

func stateRank(s core.State) int {
	for i, x := range core.AllStates {
		if x == s {
			return i
		}
	}
	return len(core.AllStates)
}

// ownersLabel names the processes holding a socket: "4242/java and 4243/java".
func ownersLabel(owners []core.Owner) string {
	owners = onePerProcess(owners)
	if len(owners) == 0 {
		return "no process"
	}
	var names []string
	for _, o := range owners {
		names = append(names, core.OwnerLabel(o))
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
