package release

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gosof/gosof/core"
)

// Left is what remains on the ports after kill or close acted.
type Left struct {
	Ports []core.PortRange
	Paths []*core.PathTarget
	// Files are what the filesystem has at each of Paths (the same
	// order) once kill or close acted: a server killed leaves its socket
	// file behind unless it removed it.
	Files   []core.PathFile
	Side    core.Side
	Sockets []core.Socket // every socket still on the ports, any state, any owner
	Unseen  core.Unseen
	// ReuseAddr is whether the listener on the ports had SO_REUSEADDR
	// before kill or close acted; nil if unknown. A TIME_WAIT socket keeps
	// its listener's setting, and Linux lets a new server bind over it only
	// if both set SO_REUSEADDR.
	ReuseAddr *bool
	// StillBound are listeners close shut down that keep their port bound
	// against every new server (CloseReport.BoundListeners).
	StillBound []core.Socket
	// ReuseOnly are listeners close shut down that stay bound in CLOSE but
	// let a new server that sets SO_REUSEADDR bind
	// (CloseReport.ReuseOnlyListeners).
	ReuseOnly []core.Socket
	// Shut are the unix sockets close shut down, listed while their
	// holders keep the descriptors (CloseReport.ShutUnix).
	Shut []core.Socket
}

// LeftFilter is f without its state and owner filters: the question after
// acting is whether the port is free, whatever else holds it.
func LeftFilter(f *core.Filter) *core.Filter {
	// Idle: ResolveAround matches f, --idle included, on what this lists.
	return &core.Filter{Ports: f.Ports, Paths: f.Paths, Side: f.Side, Protos: f.Protos, Families: f.Families, Idle: f.WantsIdle()}
}

// Look resolves the ports of f again. Sockets we acted on can take a
// round trip to leave the table (a LAST_ACK waits for the peer's ACK), so
// while any of pending is still there it looks again, for up to wait.
func Look(r *core.Resolver, f *core.Filter, pending []core.Socket, wait time.Duration) (*Left, error) {
	lf := LeftFilter(f)
	deadline := time.Now().Add(wait)
	pause := 10 * time.Millisecond
	for {
		res, err := r.Resolve(lf)
		if err != nil {
			return nil, err
		}
		still := false
		for i := range pending {
			for j := range res.Sockets {
				if sameSocket(&res.Sockets[j], &pending[i]) {
					still = true
					break
				}
			}
		}
		if !still || !time.Now().Add(pause).Before(deadline) {
			return &Left{Ports: f.Ports, Paths: f.Paths, Files: statPaths(f.Paths), Side: f.Side, Sockets: res.Sockets, Unseen: res.Unseen}, nil
		}
		time.Sleep(pause)
		if pause *= 2; pause > 200*time.Millisecond {
			pause = 200 * time.Millisecond
		}
	}
}

// statPaths looks at the file of each PATH that names one.
func statPaths(paths []*core.PathTarget) []core.PathFile {
	var out []core.PathFile
	for _, t := range paths {
		if t.Prefix {
			out = append(out, core.PathFile{Kind: core.FileUnknown})
			continue
		}
		out = append(out, core.StatPath(t.Name))
	}
	return out
}

// onPort keeps the sockets whose port on side falls in r.
func onPort(socks []core.Socket, r core.PortRange, side core.Side) []core.Socket {
	return onTarget(socks, &core.Filter{Ports: []core.PortRange{r}, Side: side})
}

// onPath keeps the sockets that PATH t matches on side.
func onPath(socks []core.Socket, t *core.PathTarget, side core.Side) []core.Socket {
	return onTarget(socks, &core.Filter{Paths: []*core.PathTarget{t}, Side: side})
}

func onTarget(socks []core.Socket, f *core.Filter) []core.Socket {
	var out []core.Socket
	for i := range socks {
		if f.MatchTargets(&socks[i]) {
			out = append(out, socks[i])
		}
	}
	return out
}

// LeftLines says, port by port, what is left: "port 30116: free", or who
// still holds it, or which orphaned sockets remain and when they go.
func LeftLines(l *Left) []string {
	var lines []string
	for _, r := range l.Ports {
		name := "port " + r.String()
		if r.Lo != r.Hi {
			name = "ports " + r.String()
		}
		if l.Side != core.SideLocal {
			name += " (side " + l.Side.String() + ")"
		}
		socks := onPort(l.Sockets, r, l.Side)
		if bound := onPort(l.StillBound, r, core.SideLocal); len(bound) > 0 {
			lines = append(lines, fmt.Sprintf("%s: not free: %s shut down but still bound by %s, until it closes %s",
				name, core.Plural(len(bound), "listener"), ownerList(allOwners(bound)), core.ByCount(len(bound), "it", "them")))
			if len(socks) == 0 {
				continue
			}
		}
		if reuse := onPort(l.ReuseOnly, r, core.SideLocal); len(reuse) > 0 {
			lines = append(lines, fmt.Sprintf("%s: free only for a server that sets SO_REUSEADDR: %s shut down but bound in CLOSE by %s until it closes %s",
				name, core.Plural(len(reuse), "listener"), ownerList(allOwners(reuse)), core.ByCount(len(reuse), "it", "them")))
			if len(socks) == 0 {
				continue
			}
		}
		if len(socks) == 0 {
			if l.Side == core.SideLocal {
				lines = append(lines, name+": free")
			} else {
				lines = append(lines, name+": no sockets left")
			}
			continue
		}
		for _, g := range leftGroups(socks, l.Side == core.SideLocal, l.ReuseAddr, l.Unseen) {
			lines = append(lines, name+": "+g)
		}
	}
	for i, t := range l.Paths {
		name := t.String()
		if l.Side != core.SideLocal {
			name += " (side " + l.Side.String() + ")"
		}
		socks := onPath(l.Sockets, t, l.Side)
		var shut, rest []core.Socket
		for i := range socks {
			if containsSocket(l.Shut, &socks[i]) {
				shut = append(shut, socks[i])
			} else {
				rest = append(rest, socks[i])
			}
		}
		if len(shut) > 0 {
			lines = append(lines, fmt.Sprintf("%s: %s shut down, still held by %s until it closes %s (a unix socket stays listed while a descriptor holds it)",
				name, stateCounts(shut), ownerList(allOwners(shut)), core.ByCount(len(shut), "it", "them")))
		}
		if len(rest) > 0 {
			for _, g := range leftGroups(rest, false, nil, l.Unseen) {
				lines = append(lines, name+": "+g)
			}
		}
		if len(socks) > 0 {
			continue
		}
		if l.Side != core.SideLocal {
			lines = append(lines, name+": no sockets left")
			continue
		}
		line := name + ": free"
		if i < len(l.Files) && l.Files[i].Kind == core.FileSocket {
			line += "; its socket file is still there, stale (no socket is bound to it): " +
				"a new server's bind gets \"address already in use\" (EADDRINUSE) until it is removed" + rmHint(t.Name)
		}
		lines = append(lines, line)
	}
	return lines
}

// containsSocket reports whether s is among socks (sameSocket).
func containsSocket(socks []core.Socket, s *core.Socket) bool {
	for i := range socks {
		if sameSocket(&socks[i], s) {
			return true
		}
	}
	return false
}

// leftGroups describes the held sockets owner by owner, then the
// orphans state by state.
func leftGroups(socks []core.Socket, local bool, reuseAddr *bool, unseen core.Unseen) []string {
	var out []string
	held := map[string][]core.Socket{}
	var holders []string
	orphans := map[core.State][]core.Socket{}
	var unknown []core.Socket
	var queues []string
	queued := map[string][]core.Socket{}
	listeners := core.Listeners(socks)
	for _, s := range socks {
		if core.UnknownHolder(&s, unseen) {
			unknown = append(unknown, s)
			continue
		}
		if l := core.AcceptQueueOf(&s, listeners); l != nil {
			key := core.ListenerLine(l)
			if len(l.Owners) > 0 {
				key += " (held by " + strings.Join(uniqStrings(ownerLabels(l.Owners)), ", ") + ")"
			}
			if _, ok := queued[key]; !ok {
				queues = append(queues, key)
			}
			queued[key] = append(queued[key], s)
			continue
		}
		if !s.HasOwners() {
			orphans[s.State] = append(orphans[s.State], s)
			continue
		}
		key := strings.Join(uniqStrings(ownerLabels(s.Owners)), ", ")
		if _, ok := held[key]; !ok {
			holders = append(holders, key)
		}
		held[key] = append(held[key], s)
	}
	for _, h := range holders {
		out = append(out, fmt.Sprintf("%s held by %s", stateCounts(held[h]), h))
	}
	if len(unknown) > 0 {
		// the remedy is the command's one note on stderr (core.Unseen.Message)
		out = append(out, fmt.Sprintf("%s held by a process gosof could not see (%s)",
			stateCounts(unknown), unseen.What()))
	}
	for _, k := range queues {
		g := queued[k]
		out = append(out, fmt.Sprintf("%s %s in the accept queue of %s, no process holds %s until accept(); %s when the listener closes",
			stateCounts(g), core.ByCount(len(g), "waits", "wait"), k, core.ByCount(len(g), "it", "them"), core.ByCount(len(g), "it goes", "they go")))
	}
	listening := false
	for i := range socks {
		if socks[i].State == core.Listen {
			listening = true
		}
	}
	for _, st := range core.AllStates {
		g := orphans[st]
		if len(g) == 0 {
			continue
		}
		line := fmt.Sprintf("%s in %s, no process holds %s", core.Plural(len(g), "socket"), st, core.ByCount(len(g), "it", "them"))
		// Only the TIME_WAIT timer (which Linux also runs for an orphaned
		// FIN_WAIT2) ends the socket; a retransmit or keepalive timer
		// fires and is set again, so it bounds nothing.
		var longest time.Duration
		all := true
		for i := range g {
			if g[i].Timer == core.TimerTimeWait {
				if g[i].Expires > longest {
					longest = g[i].Expires
				}
			} else {
				all = false
			}
		}
		switch {
		case longest > 0 && all:
			line += ", gone within " + core.Seconds(longest)
		case st == core.TimeWait:
			line += ", gone within " + core.Seconds(core.LinuxTimeWait)
		case st == core.FinWait2:
			line += ", gone when the peer closes its end, or after net.ipv4.tcp_fin_timeout (60s by default)"
		case st == core.FinWait1 || st == core.Closing || st == core.LastAck:
			line += ", gone once the peer acknowledges our FIN, or when the kernel's retransmissions give up (net.ipv4.tcp_orphan_retries)"
		case g[0].Proto == core.Unix:
			line += " (a unix socket no descriptor holds is in flight, passed in a message (SCM_RIGHTS) not yet received)"
		default:
			line += ", the kernel drops " + core.ByCount(len(g), "it", "them") + " after its timeouts"
		}
		if st == core.TimeWait && local && !listening {
			switch {
			case reuseAddr == nil:
				line += "; a server using SO_REUSEADDR can bind now if the one that left them used it too"
			case *reuseAddr:
				line += "; a server using SO_REUSEADDR can bind now"
			default:
				line += "; the server that left them did not set SO_REUSEADDR, so no new server can bind their address until then"
			}
		}
		out = append(out, line)
	}
	return out
}

// ownerLabels names owners, sorted.
func ownerLabels(owners []core.Owner) []string {
	var labels []string
	for _, o := range owners {
		labels = append(labels, core.OwnerLabel(o))
	}
	sort.Strings(labels)
	return labels
}

// allOwners is every owner of socks.
func allOwners(socks []core.Socket) []core.Owner {
	var out []core.Owner
	for i := range socks {
		out = append(out, socks[i].Owners...)
	}
	return out
}

// ResolveAround resolves everything on f's ports (LeftFilter(f)) once,
// and returns the part f matches, as Resolve(f) would (around is the
// whole). close then looks at what is left without scanning every
// process's descriptors again (LookKnown): with 100,000 descriptors on
// the host the two scans were most of `close --abort`, where ss -K does
// none. With --pid or --user the owner scan itself is narrowed, so res is
// Resolve(f) and around nil.
func ResolveAround(r *core.Resolver, f *core.Filter) (res, around *core.Result, err error) {
	if f.HasOwnerFilter() {
		// every holder: shutting a socket down acts on all of them
		all := *r
		all.AllHolders = true
		res, err = all.Resolve(f)
		return res, nil, err
	}
	around, err = r.Resolve(LeftFilter(f))
	if err != nil {
		return nil, nil, err
	}
	res = &core.Result{Unseen: around.Unseen}
	for i := range around.Sockets {
		if f.MatchSocket(&around.Sockets[i]) {
			s := around.Sockets[i]
			s.Owners = append([]core.Owner(nil), s.Owners...)
			res.Sockets = append(res.Sockets, s)
		} else if f.IdleUnknown(&around.Sockets[i]) {
			res.IdleUnknown++
		}
	}
	if len(res.Sockets) == 0 {
		res.Unseen = core.Unseen{} // as Resolve says nothing when nothing matched
	}
	return res, around, nil
}

// LookKnown is Look after close, whose holders keep running: it lists the
// sockets still on the ports without an owner scan, and gives each the
// owners it had in around (from ResolveAround) that are still alive. A
// socket around does not know (one made since) makes it resolve again,
// owner scan and all, as Look does. around nil is Look.
func LookKnown(r *core.Resolver, f *core.Filter, pending []core.Socket, wait time.Duration, around *core.Result) (*Left, error) {
	if around == nil || r.Owners == nil {
		return Look(r, f, pending, wait)
	}
	bare := &core.Resolver{Sockets: r.Sockets, UserName: r.UserName}
	l, err := Look(bare, f, pending, wait)
	if err != nil {
		return nil, err
	}
	type id struct {
		proto core.Proto
		inode uint64
	}
	known := make(map[id][]core.Owner, len(around.Sockets))
	for i := range around.Sockets {
		if s := &around.Sockets[i]; s.Inode != 0 {
			known[id{s.Proto, s.Inode}] = s.Owners
		}
	}
	for i := range l.Sockets {
		s := &l.Sockets[i]
		if s.Inode == 0 {
			continue // no descriptor can hold it (TIME_WAIT)
		}
		owners, ok := known[id{s.Proto, s.Inode}]
		if !ok {
			return Look(r, f, nil, 0)
		}
		s.Owners = make([]core.Owner, len(owners))
		for j, o := range owners {
			o.Proc = nil // Describe looks again: it may have exited
			s.Owners[j] = o
		}
	}
	if err := r.Describe(l.Sockets); err != nil {
		return nil, err
	}
	if len(l.Sockets) > 0 {
		l.Unseen = around.Unseen // as Resolve says nothing when nothing is left
	}
	return l, nil
}

// uniqStrings drops repeats from a sorted list, in place (slices.Compact,
// which the SPARC build's Go 1.18 library lacks).
func uniqStrings(l []string) []string {
	if len(l) < 2 {
		return l
	}
	n := 1
	for _, x := range l[1:] {
		if x != l[n-1] {
			l[n] = x
			n++
		}
	}
	return l[:n]
}

// rmHint is " (rm -- NAME)", or "" when NAME cannot be typed as printed.
func rmHint(name string) string {
	if c := core.RemoveCommand(name); c != "" {
		return " (" + c + ")"
	}
	return ""
}
