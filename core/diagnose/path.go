package diagnose

import (
	"path/filepath"
	"sort"
	"strconv"

	"github.com/gosof/gosof/core"
)

// why PATH: one unix socket name explained. It tells a live socket file
// (a socket is bound to it: the listener, its connections and who is at
// their other ends) from a stale one (the file is a socket node, but no
// socket is bound to it: a server that exited without removing it),
// and says what a name that does not exist, or is not a socket, means.
//
// No bind is tried: binding a pathname creates a file, which a probe
// must not leave behind or race a starting server for. What a bind and a
// connect would get follows from the file and the socket table:
// bind(2) fails with EADDRINUSE whenever a file exists at the name,
// whatever its type, and connect(2) fails with ECONNREFUSED on a socket
// file no socket is bound to, or on a file that is not a socket
// (net/unix/af_unix.c unix_bind_bsd, unix_find_bsd).

// PathVerdict sums up a unix socket name.
type PathVerdict string

const (
	// PathLive: a socket is bound to the file (to the abstract name).
	PathLive PathVerdict = "live"
	// PathStale: the file is a socket node no socket is bound to.
	PathStale PathVerdict = "stale"
	// PathUnlinked: no file, but a socket is bound under the name: its
	// file was removed while the server runs.
	PathUnlinked PathVerdict = "unlinked"
	// PathFree: no file (no abstract socket) and nothing bound under the
	// name: a server may bind it.
	PathFree PathVerdict = "free"
	// PathNotSocket: the name is a file of another type.
	PathNotSocket PathVerdict = "not_socket"
	// PathUnknown: the file could not be looked at (PathFile.Err).
	PathUnknown PathVerdict = "unknown"
)

// PathWhy is the diagnosis of one unix socket name.
type PathWhy struct {
	Target *core.PathTarget
	File   core.PathFile
	// Dir is what is at the name's directory, for a name with no file:
	// a bind there gets ENOENT when it is missing.
	Dir core.PathFile
	// FilesKnown: the listing tells which file each socket is bound to
	// (Socket.File, Linux sock_diag); otherwise sockets are judged by
	// their names alone.
	FilesKnown bool
	// AllNetNS: every network namespace was read (-A); otherwise only
	// one, and a server of another (a container sharing the directory)
	// is not seen.
	AllNetNS bool
	Verdict  PathVerdict
	// Listeners are the sockets waiting under the name: LISTEN stream
	// and seqpacket sockets, and bound datagram sockets with no peer.
	Listeners []PathListener
	// Conns are the server's ends of the connections (the sockets bound
	// under the name that are connected: accepted, or a datagram socket
	// connected to a peer), by state and holders, with their peers.
	Conns []ConnGroup
	// Queued are the clients whose connections wait in a listener's
	// accept queue (Linux: the listener's UNIX_DIAG_ICONS), by process.
	Queued []ProcCount
	// QueuedUnowned counts queued clients with no process gosof could see.
	QueuedUnowned int
	// Senders are the datagram sockets connected to the name (the
	// clients of a datagram server, which has no end per client), by
	// process.
	Senders []ProcCount
	Unseen  core.Unseen
	Sockets []core.Socket // every socket the name matched, on either side
}

// PathListener is one socket waiting under the name.
type PathListener struct {
	Socket *core.Socket
	// OwnsFile: it is bound to the file at the name (Socket.File), not
	// only under its name; false for one whose file was removed or
	// replaced, and where the listing does not tell files.
	OwnsFile bool
	// AcceptQueue and Backlog are a listening stream socket's
	// connections waiting for accept() and the most it may hold before
	// connect(2) blocks (Linux: UNIX_DIAG_RQLEN of a listener); Backlog
	// 0 is unknown.
	AcceptQueue, Backlog uint64
	HasBacklog           bool // the platform told the backlog (core.Socket.ListenQueue)
}

// InUse reports whether a socket is bound under the name or to its file.
func (d *PathWhy) InUse() bool { return len(d.Listeners) > 0 || len(d.Conns) > 0 }

// Live are the listeners bound to the file (or, abstract or without
// file identities, under the name).
func (d *PathWhy) Live() []PathListener {
	var out []PathListener
	for _, l := range d.Listeners {
		if d.owns(l) {
			out = append(out, l)
		}
	}
	return out
}

// Elsewhere are the listeners bound under the name but not to its file:
// their file was removed, or replaced by another.
func (d *PathWhy) Elsewhere() []PathListener {
	var out []PathListener
	for _, l := range d.Listeners {
		if !d.owns(l) {
			out = append(out, l)
		}
	}
	return out
}

// owns reports whether l serves the file at the name, as far as can be
// told: by the file it is bound to where the listing and stat(2) both
// tell it, by its name where not (--proc-net, a namespace netlink could
// not read, a build whose stat gives no device and inode).
func (d *PathWhy) owns(l PathListener) bool {
	switch {
	case d.File.Kind == core.FileAbstract:
		return true
	case d.File.Kind != core.FileSocket:
		return false
	case l.Socket.File.Known() && d.File.ID.Known():
		return l.OwnsFile
	}
	return d.Target.MatchName(l.Socket.Local.Path)
}

// PathFilter is what why PATH looks at: the unix sockets bound under
// the name or to its file, and those connected to them.
func PathFilter(t *core.PathTarget) *core.Filter {
	return &core.Filter{Paths: []*core.PathTarget{t}, Side: core.SideAny, Protos: []core.Proto{core.Unix}}
}

// DiagnosePath explains the name t from the sockets it matched on either
// side (res: resolved with their peers, core.ResolvePeers) and the file
// at the name (core.StatPath).
func DiagnosePath(t *core.PathTarget, file core.PathFile, res *core.Result, filesKnown, allNetNS bool) *PathWhy {
	d := &PathWhy{Target: t, File: file, FilesKnown: filesKnown, AllNetNS: allNetNS, Unseen: res.Unseen, Sockets: res.Sockets}
	if file.Kind == core.FileMissing {
		d.Dir = core.StatPath(filepath.Dir(t.Name))
	}
	groups := map[string]*ConnGroup{}
	queued := map[int]*ProcCount{}
	senders := map[int]*ProcCount{}
	socks := res.Sockets
	for i := range socks {
		s := &socks[i]
		switch {
		case t.MatchLocal(s) && (s.State == core.Listen || s.Remote == nil):
			l := PathListener{Socket: s, OwnsFile: file.Kind == core.FileSocket && s.File == file.ID}
			if s.State == core.Listen {
				l.AcceptQueue = s.RecvQ
				_, l.Backlog, l.HasBacklog = s.ListenQueue()
			}
			d.Listeners = append(d.Listeners, l)
		case t.MatchLocal(s):
			owners := onePerProcess(s.Owners)
			key := string(s.State) + "/" + pidKey(owners)
			g := groups[key]
			if g == nil {
				g = &ConnGroup{Proto: s.Proto, State: s.State, Owners: owners}
				groups[key] = g
			}
			g.Count++
			g.RecvQ += s.RecvQ
			g.SendQ += s.SendQ
			g.Peers = addPeers(g.Peers, s.PeerOwners)
		case waitsForAccept(s):
			if !s.HasOwners() {
				d.QueuedUnowned++
			}
			countBy(queued, onePerProcess(s.Owners))
		case s.Type == core.Dgram && t.MatchRemote(s):
			countBy(senders, onePerProcess(s.Owners))
		}
	}
	for _, g := range groups {
		d.Conns = append(d.Conns, *g)
	}
	sortConns(d.Conns)
	d.Queued, d.Senders = sortedCounts(queued), sortedCounts(senders)
	d.Verdict = d.verdict()
	return d
}

// waitsForAccept reports whether s is a client whose connection waits in
// a listener's accept queue: connected, its remote named after the
// listener, but with no peer socket yet (the kernel's end is an embryo
// with no inode: core's Unix contract, Linux sock_diag).
func waitsForAccept(s *core.Socket) bool {
	return s.Proto == core.Unix && s.State == core.Connected && s.Type != core.Dgram &&
		s.Remote != nil && s.Remote.Path != "" && s.PeerInode == 0 && s.Inode != 0
}

// sortConns orders connection groups, why PORT's and why PATH's alike:
// by state, then protocol, most first, then holders.
func sortConns(cs []ConnGroup) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i], &cs[j]
		if ra, rb := stateRank(a.State), stateRank(b.State); ra != rb {
			return ra < rb
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return pidKey(a.Owners) < pidKey(b.Owners)
	})
}

func (d *PathWhy) verdict() PathVerdict {
	switch d.File.Kind {
	case core.FileAbstract:
		if d.InUse() {
			return PathLive
		}
		return PathFree
	case core.FileSocket:
		if len(d.Live()) > 0 {
			return PathLive
		}
		return PathStale
	case core.FileMissing:
		if len(d.Listeners) > 0 {
			return PathUnlinked
		}
		return PathFree
	case core.FileOther:
		return PathNotSocket
	}
	return PathUnknown
}

// DevString is a device number as ls -l and stat(1) print it: major:minor.
func DevString(dev uint32) string {
	major := (dev & 0xfff00) >> 8
	minor := dev&0xff | (dev>>12)&0xfff00
	return strconv.FormatUint(uint64(major), 10) + ":" + strconv.FormatUint(uint64(minor), 10)
}
