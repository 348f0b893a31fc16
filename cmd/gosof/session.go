package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform"
)

// session is one run of a command: its flags read once, the backend
// opened once, and what the run could not see or had to fall back on
// gathered as it goes, to be said once, on stderr, whichever way the
// command ends (end). Every command that reads sockets runs through one.
type session struct {
	c   *cli.Context
	opt platform.Options
	b   *platform.Backend
	// What end reports: the backend's notes (read at the end, once the
	// sources have run), what the owner scans could not see, socket
	// options that could not be read.
	unseen  core.Unseen
	missing core.OptionsMissing
	notes   []string
	// unseenMatters says whether what could not be seen bears on this
	// answer: a matched socket shows no owner (ls, who, why), or a kill or
	// close could miss a holder. Otherwise the note is noise (as non-root
	// some process is always unreadable) and is not printed.
	unseenMatters bool
	// unseenSaid, idleSaid: the command said what could not be seen
	// (holders; idle times --idle wanted) already, when it was first
	// known (sayNow); the end does not say it again.
	unseenSaid, idleSaid bool
	quiet                bool // -q: no notes at all
	// idleUnknown counts the sockets --idle left out because their idle
	// time is not known (core.Result.IdleUnknown).
	idleUnknown int
	// undecided counts the sockets the owner filters could not decide
	// (core.Result.Undecided): their holders could not be seen.
	undecided int
	flushed   bool
	// procNetSaid: procNetLimits noted what /proc/net loses of the answer
	procNetSaid bool
	// cannotAct is the note a listing gives when the backend may not act
	// (CannotAct); a command that refuses for it drops it.
	cannotAct string
	// filt is the filter the command read (filter), answer the last
	// answer it resolved (saw): when the command ends with no match and
	// that answer is empty, end says which flag emptied it
	// (explainEmpty), and protoSaid after it when that is a --proto the
	// command chose itself (close's, core.Filter.TargetProtos).
	filt      *core.Filter
	answer    *core.Result
	protoSaid string
}

// newSession reads the flags that choose the backend; open opens it.
func newSession(c *cli.Context) *session {
	s := &session{c: c, quiet: c.Bool("quiet")}
	s.opt = platform.Options{
		Replay: c.String("replay"), ProcNet: c.Bool("proc-net"), ProcFD: c.Bool("proc-fd"),
		NetNS: c.String("netns"), AllNetNS: c.Bool("all-netns"),
	}
	return s
}

// namedNetNS reports whether the namespaces read were named on the
// command line (--netns, -A): the commands gosof suggests then carry
// --netns (diagnose.NetNSArg), so that pasted they act there.
func (s *session) namedNetNS() bool { return s.opt.AllNetNS || s.opt.NetNS != "" }

// filter reads the filter flags and ports; --pid's processes also choose
// the namespaces the backend reads.
func (s *session) filter(ports []string) (*core.Filter, error) {
	c := s.c
	f, err := core.ParseFilter(core.FilterFlags{
		Ports: ports, Side: c.String("side"), Protos: c.StringSlice("proto"),
		V4: c.Bool("4"), V6: c.Bool("6"), States: c.StringSlice("state"), Listen: c.Bool("listen"),
		PIDs: c.StringSlice("pid"), Users: c.StringSlice("user"),
		Local: c.StringSlice("local"), Remote: c.StringSlice("remote"), Commands: c.StringSlice("command"),
		Devs: c.StringSlice("dev"), Units: c.StringSlice("unit"),
		Idle: c.String("idle"),
	})
	if err != nil {
		return nil, err
	}
	s.opt.PIDs = f.PIDs
	s.filt = f
	return f, nil
}

// procNetLimits is the one decision on what the filter asks that
// /proc/net cannot show, taken once the source has read it (ProcNetRead):
// with --proc-net, and where netlink is refused and gosof fell back to
// /proc/net on its own, alike (the fallback answered `ls --dev lo` with
// "no match"). A flag that can match nothing there is exit 2; one that
// loses part of its answer, a note; and where nothing matched (noMatch)
// a filter a TCP socket only bound could pass, a note that /proc/net
// would not show one: "nothing" is not known there.
func (s *session) procNetLimits(noMatch bool) error {
	f := s.filt
	if f == nil || s.b == nil || s.b.ProcNetRead == nil || !s.b.ProcNetRead() {
		return nil
	}
	src, drop := s.procNetSrc()
	closeToo := f.WantsProto(core.TCP) && f.WantsState(core.Close)
	switch {
	case len(f.Devs) > 0:
		return core.Usagef("--dev and %s match nothing together (/proc/net does not tell which device a socket is bound to)%s", src, drop)
	case closeToo && len(f.States) == 1:
		return core.Usagef("--state close and %s match nothing together (%s)%s", src, procNetUnlistable, drop)
	case len(f.Paths) > 0 && f.Side == core.SideRemote:
		// a PATH's clients are matched by their peer's name
		return core.Usagef("--side remote with a PATH and %s match nothing together (%s)%s", src, procNetNoPeers, drop)
	}
	if !s.procNetSaid {
		s.procNetSaid = true
		if closeToo && len(f.States) > 0 {
			s.notes = append(s.notes, "--state close: "+procNetUnlistable+": none are shown")
		}
		if len(f.Paths) > 0 && f.Side != core.SideLocal {
			s.notes = append(s.notes, "--side any: "+procNetNoPeers+": none are shown")
		}
	}
	if noMatch && closeToo && len(f.States) == 0 && len(f.Ports) > 0 && len(f.Remote) == 0 && f.Side != core.SideRemote {
		note := "nothing matched, but " + procNetUnlistable + ": one may hold the port"
		if s.opt.ProcNet {
			note += " (drop --proc-net to see it)"
		}
		s.notes = append(s.notes, note)
	}
	return nil
}

// procNetSrc names where /proc/net was read from, and the remedy
// (": drop --proc-net"; none where netlink is refused, said above).
func (s *session) procNetSrc() (src, drop string) {
	if s.opt.ProcNet {
		return "--proc-net", ": drop --proc-net"
	}
	return "/proc/net (read as netlink is refused, above)", ""
}

// procNetNoPeers is why --proc-net cannot find the clients of a PATH
// (docs/contract.md): filter refuses --side remote with it.
const procNetNoPeers = "/proc/net/unix tells no unix socket's peer, so not which clients are connected to a PATH"

// procNetUnlistable is what /proc/net (--proc-net) never lists of what
// netlink does: filter refuses --state close with it, why gives it as the
// reason a probe finds a port in use with no socket on it.
const procNetUnlistable = "/proc/net/tcp lists no TCP socket in CLOSE, one only bound, neither listening nor connected"

// open opens the backend the flags name. When the backend may not act
// (its PIDs are not gosof's), a listing says so; kill, close and -t
// refuse with the same words instead.
func (s *session) open() error {
	b, err := openBackend(s.opt)
	if err != nil {
		return err
	}
	s.b = b
	if b.CannotAct != nil {
		s.cannotAct = "the PIDs shown are not gosof's: " + b.CannotAct.Error()
	}
	if s.filt != nil {
		if len(s.filt.Devs) > 0 && b.Devices != nil {
			if err := b.Devices(s.filt.Devs); err != nil {
				return err
			}
		}
		return s.blind(s.filt)
	}
	return nil
}

// blind says once what f asks for that the source cannot list
// (platform.Backend.Blind): a note when the answer has other sockets in
// it, the error (exit 2) when it could have none: an empty answer would
// say there is nothing there.
func (s *session) blind(f *core.Filter) error {
	msg, all := s.b.Blind(f)
	if all {
		return errors.New(msg)
	}
	if msg != "" {
		s.notes = append(s.notes, msg+": none are shown")
	}
	return nil
}

// resolver is the backend's resolver, reading each owner's unit and
// container when they are shown (withContext): the CONTEXT column
// (--context), and JSON, which always carries them.
func (s *session) resolver(withContext bool) *core.Resolver {
	r := s.b.Resolver()
	r.WithContext = withContext
	return r
}

// saw records what a resolve could not see, and its answer.
func (s *session) saw(res *core.Result) {
	if res == nil {
		return
	}
	s.answer = res
	s.procNetLimits(false) // its notes, before kill and close say them (flush)
	if n := res.IdleUnknown; n > 0 && n > s.idleUnknown {
		s.idleUnknown = n
	}
	s.undecided = maxInt(s.undecided, len(res.Undecided))
	s.sawUnseen(res.Unseen)
}

// sawUnseen records what an owner scan could not see.
func (s *session) sawUnseen(seen core.Unseen) {
	u := &s.unseen
	u.Denied = maxInt(u.Denied, seen.Denied)
	u.Unparsed = maxInt(u.Unparsed, seen.Unparsed)
	if seen.Hidden != "" {
		u.Hidden = seen.Hidden
	}
	if seen.Hint != "" {
		u.Hint = seen.Hint
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// end says, once, what the run had to fall back on and could not see,
// and returns err: the one exit path of every command that opened a
// session.
func (s *session) end(err error) error {
	noMatch := errors.Is(err, core.ErrNoMatch) && s.filt != nil
	var unread error
	if noMatch && s.b != nil {
		unread = s.unread(s.filt, "whether anything matches")
	}
	if e := s.procNetLimits(noMatch); e != nil && noMatch {
		err, noMatch = e, false
	}
	switch {
	case noMatch && s.undecided > 0:
		// not "no match": what is left out may pass the owner filters;
		// the flags named as the note above names them (core.Escape: the
		// error's own escaping leaves a typed backslash as it is)
		err = fmt.Errorf("cannot tell whether anything here passes %s: %s (above)", core.Escape(s.filt.OwnerFlags()), showNoProcess(s.undecided))
	case unread != nil:
		err = unread // not "no match": a table of what was asked for was not read
	case noMatch && s.answer != nil && len(s.answer.Sockets) == 0:
		s.explainEmpty(s.filt, s.protoSaid)
	}
	s.flush()
	return err
}

// flush prints the notes gathered so far, once: kill and close call it
// before their final verdict, every command at its end.
func (s *session) flush() {
	if s.flushed {
		return
	}
	s.flushed = true
	if s.quiet {
		return
	}
	w := s.c.App.ErrWriter
	var notes []string
	if s.b != nil {
		notes = append(notes, s.b.SourceNotes()...)
	}
	if s.cannotAct != "" {
		notes = append(notes, s.cannotAct)
	}
	if s.idleUnknown > 0 && !s.idleSaid {
		notes = append(notes, idleUnknownNote(s.idleUnknown))
	}
	if s.undecided > 0 && s.filt != nil {
		notes = append(notes, fmt.Sprintf("%s left out %s whose holder could not be seen: not known to be outside it",
			s.filt.OwnerFlags(), core.Plural(s.undecided, "socket")))
	}
	reportNotes(w, append(notes, s.notes...))
	if !s.unseenSaid {
		reportUnseen(w, s.unseenBearing())
	}
	reportMissing(w, s.missing)
}

// unseenBearing is what the owner scans could not see, as far as it
// bears on the answer (unseenMatters, undecided): files that could not
// be parsed are always said.
func (s *session) unseenBearing() core.Unseen {
	u := s.unseen
	if !s.unseenMatters && s.undecided == 0 {
		u.Denied, u.Hidden = 0, ""
	}
	return u
}

// sayNow says, on stderr, what the answers so far could not see (the
// sockets --idle left out for want of an idle time; what the owner
// scans could not, with the remedy), each once, when first known, and
// not again at the end (flush): for a command whose data goes on after
// that (watch in a pipe), rather than after all of it.
func (s *session) sayNow() {
	if s.quiet {
		return
	}
	w := s.c.App.ErrWriter
	if s.idleUnknown > 0 && !s.idleSaid {
		reportNotes(w, []string{idleUnknownNote(s.idleUnknown)})
		s.idleSaid = true
	}
	if u := s.unseenBearing(); !s.unseenSaid && u.Message() != "" {
		reportUnseen(w, u)
		s.unseenSaid = true
	}
}

// unread is the error for an answer that would be "nothing" (no match,
// a free port) when the source's last read had no table of a protocol f
// asks for (platform.Backend.UnreadProtos): what cannot be told is what;
// nil when every such table was read.
func (s *session) unread(f *core.Filter, what string) error {
	var wanted []core.Proto
	for _, p := range core.Protos {
		if f.WantsProto(p) {
			wanted = append(wanted, p)
		}
	}
	unread, why := s.b.UnreadProtos(wanted...)
	if len(unread) == 0 {
		return nil
	}
	var whys []string // once each: -A's is the same for every protocol
	for i, w := range why {
		if i == 0 || w != why[i-1] {
			whys = append(whys, w)
		}
	}
	return fmt.Errorf("cannot tell %s: no %s socket could be seen (%s)", what, protoNames(unread), strings.Join(whys, "; "))
}

// explainEmpty notes which filter flag emptied an answer that the PORT
// arguments alone would not have left empty (core.Filter.Emptied);
// protoSaid is what the command adds when that flag is a --proto it chose
// itself (close's). end calls it, for every command that ends with no
// match.
func (s *session) explainEmpty(f *core.Filter, protoSaid string) {
	if len(f.Protos) == 0 && len(f.Families) == 0 && len(f.States) == 0 && len(f.Local) == 0 && len(f.Remote) == 0 &&
		len(f.Devs) == 0 && !f.HasOwnerFilter() && f.IdleOver == 0 {
		return
	}
	base := &core.Filter{Ports: f.Ports, Paths: f.Paths, Side: f.Side, Idle: f.WantsIdle()} // Emptied reads --idle's times
	r := s.b.Resolver()
	if !f.HasOwnerFilter() {
		r.Owners, r.Prescan = nil, nil // owners are not needed to say which filter emptied it
	}
	res, err := r.Resolve(base)
	if err != nil {
		return
	}
	why, flag := f.Emptied(res.Sockets)
	if why == "" {
		return
	}
	if strings.HasPrefix(flag, "--proto ") {
		why += protoSaid
	}
	s.notes = append(s.notes, "no match: "+why)
}

// idleUnknownNote says that --idle left out n sockets whose idle time is
// not known, and where that happens.
func idleUnknownNote(n int) string {
	return fmt.Sprintf("--idle left out %s whose idle time is not known: Solaris and illumos tell only when a socket was made, "+
		"/proc/net (--proc-net) only a TIME_WAIT's, and an orphaned FIN_WAIT2 has none", core.Plural(n, "TCP socket"))
}

// showNoProcess says that n matched sockets show no process because
// their holders could not be seen.
func showNoProcess(n int) string {
	return core.Plural(n, "matched socket") + core.ByCount(n, " shows", " show") + " no process because " +
		core.ByCount(n, "its holder", "their holders") + " could not be seen"
}

// unknownHolders reports whether a socket of socks shows no owner because
// its holder could not be seen.
func unknownHolders(res *core.Result) bool {
	for i := range res.Sockets {
		if core.UnknownHolder(&res.Sockets[i], res.Unseen) {
			return true
		}
	}
	return false
}

// reportUnseen says once, on stderr, what could not be inspected and how to see it.
func reportUnseen(w io.Writer, u core.Unseen) {
	if m := u.Message(); m != "" {
		fmt.Fprintf(w, "gosof: %s\n", m)
	}
}

// reportMissing says once, on stderr, why some sockets' options are missing.
func reportMissing(w io.Writer, m core.OptionsMissing) {
	if s := m.String(); s != "" {
		fmt.Fprintf(w, "gosof: %s\n", s)
	}
}

// reportNotes prints what a source had to fall back on, once each.
func reportNotes(w io.Writer, notes []string) {
	seen := map[string]bool{}
	for _, n := range notes {
		if !seen[n] {
			seen[n] = true
			fmt.Fprintf(w, "gosof: %s\n", core.Escape(n))
		}
	}
}
