package diagnose

import "github.com/gosof/gosof/core"

// Join is what a new server that sets SO_REUSEPORT gets on a port whose
// wildcard address does not bind even with SO_REUSEADDR.
type Join uint8

const (
	JoinNo      Join = iota // one in the way does not set it, they are several users', or the bind failed as their user
	JoinYes                 // a bind of the wildcard with SO_REUSEPORT worked, as the probe's user
	JoinCould               // the sockets in the way set SO_REUSEPORT and are one user's: a server of that user joins them
	JoinUnknown             // whether they set it, or whose they are, could not be read
)

// joinNames are the Joins as JSON gives them.
var joinNames = [...]string{"no", "yes", "could", "unknown"}

// ReusePortGroup is the SO_REUSEPORT half of a bind probe. Linux lets a
// socket that sets SO_REUSEPORT bind over every socket on the port that
// set it too and belongs to the same user (sk_uid: the effective uid of
// the process that made the socket, which sock_diag gives as idiag_uid;
// not the user of the process holding it now, as nginx's workers hold
// what its master made as root); TCP waives the user for TIME_WAIT
// sockets (net/ipv4/inet_connection_sock.c, inet_bind_conflict; UDP and
// UDP-Lite: net/ipv4/udp.c, udp_lib_lport_inuse). Such a server joins the
// group and shares the port with it; a listener's connections carry its
// options and user, so the listeners in the way stand for the group.
type ReusePortGroup struct {
	Join  Join
	UID   int64 // the user of the sockets in the way, the one who may join; -1 when not one known user
	As    int64 // the user the probe's binds ran as (BindProber.UID)
	Tried bool  // the wildcard was bound with SO_REUSEPORT, as As, or told (Told)
	Told  bool  // that bind was told, not made (tell)
}

// reusePortGroup decides the group from r's attempts so far and the
// sockets in the way of its wildcard binds with SO_REUSEADDR; as is the
// probe's user. nil where the question does not arise: the wildcard
// binds, SCTP (its rule is its own), or no socket gosof lists is in the
// way.
func reusePortGroup(r *ProbeReport, as int64) *ReusePortGroup {
	if r.Proto == core.SCTP || (r.Verdict != VerdictBlocked && r.Verdict != VerdictSome) {
		return nil
	}
	g := &ReusePortGroup{UID: -1, As: as}
	bound, seen, counted, off, optsUnknown, uidUnknown, several := true, false, false, false, false, false, false
	for i := range r.Attempts {
		a := &r.Attempts[i]
		if !a.Addr.IsUnspecified() {
			continue
		}
		if a.ReusePort {
			g.Tried, g.Told = true, g.Told || a.Told
			bound = bound && a.OK
			continue
		}
		if !a.ReuseAddr || !a.InUse {
			continue
		}
		for _, s := range a.Blockers { // the sockets in the way
			seen = true
			if o := optionsOf(s); o == nil || o.ReusePort == nil {
				optsUnknown = true
			} else if !*o.ReusePort {
				off = true
			}
			if r.Proto == core.TCP && s.State == core.TimeWait {
				continue // any user's SO_REUSEPORT binds over it
			}
			counted = true
			switch {
			case s.UID < 0:
				uidUnknown = true
			case g.UID >= 0 && g.UID != s.UID:
				several = true
			default:
				g.UID = s.UID
			}
		}
	}
	if !seen {
		return nil
	}
	if several || uidUnknown {
		g.UID = -1
	}
	switch {
	case g.Tried && bound:
		g.Join = JoinYes
	case off || several:
		g.Join = JoinNo
	case g.Tried && !uidUnknown && (!counted || g.UID == as):
		g.Join = JoinNo // tried as their user (or none counts): the kernel said no
	case optsUnknown || uidUnknown:
		g.Join = JoinUnknown
	default:
		g.Join = JoinCould
	}
	return g
}

// sentence says what the group means for a new server, after the
// verdict's own sentence (with a leading space); "" when nothing.
func (g *ReusePortGroup) sentence() string {
	if g == nil {
		return ""
	}
	switch g.Join {
	case JoinCould:
		s := " A server that sets SO_REUSEPORT and runs as " + userLabel(g.UID) + " could join the group in the way: its sockets set SO_REUSEPORT and admit only their user's"
		if g.Tried {
			s += "; gosof runs as " + userLabel(g.As) + ", so its own bind with SO_REUSEPORT " + g.did("failed", "would fail")
		}
		return s + "."
	case JoinUnknown:
		if g.UID >= 0 {
			return " A server that sets SO_REUSEPORT and runs as " + userLabel(g.UID) + " could join the sockets in the way if they set SO_REUSEPORT too, which gosof could not read."
		}
		return " Whether one that sets SO_REUSEPORT could join the sockets in the way is unknown: gosof could not tell whose they are or whether they set it."
	case JoinNo:
		if g.Tried && g.UID >= 0 {
			return " Not even with SO_REUSEPORT, as " + userLabel(g.UID) + "."
		}
		if g.Tried {
			return " Not even with SO_REUSEPORT."
		}
	}
	return ""
}

// did is what the wildcard's bind with SO_REUSEPORT did, or, told,
// would do.
func (g *ReusePortGroup) did(done, told string) string {
	if g.Told {
		return told
	}
	return done
}

// userName names a uid; a variable so that tests need no /etc/passwd.
var userName = core.LookupUser

// userLabel is "user NAME" (NAME the uid where it has none), escaped.
func userLabel(uid int64) string {
	if uid < 0 {
		return "an unknown user"
	}
	return "user " + core.Escape(userName(uid))
}

// optionsOf is the socket options read through the first of s's holders
// whose descriptor could be read; nil when none could.
func optionsOf(s *core.Socket) *core.SockOptions {
	for _, o := range s.Owners {
		if o.Options != nil {
			return o.Options
		}
	}
	return nil
}
