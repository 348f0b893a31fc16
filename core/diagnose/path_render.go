package diagnose

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

// WritePathWhy prints the diagnosis of a unix socket name in plain
// words. The name and everything from other processes is escaped.
func WritePathWhy(w io.Writer, d *PathWhy) error {
	var b strings.Builder
	b.WriteString(core.Wrap("", "  ", d.Headline()))
	if d.File.Kind != core.FileAbstract {
		b.WriteString("\nFile\n")
		b.WriteString(core.Wrap("  ", "  ", d.fileLine()))
	}
	if len(d.Listeners) > 0 {
		b.WriteString("\nListening\n")
		for _, l := range d.Listeners {
			d.writeListener(&b, l)
		}
	}
	if len(d.Conns) > 0 {
		b.WriteString("\nConnections (the server's ends)\n")
		writeConnTable(&b, render.WidthOf(w), d.Conns, true)
	}
	if len(d.Queued) > 0 || d.QueuedUnowned > 0 {
		if len(d.Conns) == 0 {
			b.WriteString("\nConnections\n")
		}
		b.WriteString(core.Wrap("  ", "  ", d.queuedLine()))
	}
	if len(d.Senders) > 0 {
		if len(d.Conns) == 0 && len(d.Queued) == 0 {
			b.WriteString("\nConnections\n")
		}
		b.WriteString(core.Wrap("  ", "  ", "Connected to it (datagram sockets): "+countedNames(d.Senders)+"."))
	}
	b.WriteString("\nNow (told from the file and the socket table; gosof binds nothing)\n")
	b.WriteString(core.Wrap("  connect: ", "    ", d.ConnectNow()))
	b.WriteString(core.Wrap("  bind:    ", "    ", d.BindNow()))
	if adv := d.Advice(); adv != "" {
		b.WriteString("\n" + core.Wrap("", "", adv))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// name is the target as printed: escaped, NULs of an abstract name as '@'.
func (d *PathWhy) name() string { return core.Escape(core.ShownPath(d.Target.Name)) }

// Headline is the diagnosis in one sentence.
func (d *PathWhy) Headline() string {
	name := d.name()
	if d.File.Kind == core.FileAbstract {
		name = "Abstract name " + name
	}
	switch d.Verdict {
	case PathLive:
		return name + " is in use: " + d.counts() + "."
	case PathStale:
		s := name + " is a stale socket file: no socket " + d.where() + " is bound to it."
		if len(d.Listeners) > 0 || len(d.Conns) > 0 {
			s += " Sockets bound under its name to another file, which is gone: " + d.counts() + " (below)."
		}
		return s
	case PathUnlinked:
		return name + " has no file, but sockets are bound under this name (" + d.counts() + "): their socket file was removed while the server runs."
	case PathFree:
		if d.File.Kind == core.FileAbstract {
			return name + " is free: no socket " + d.where() + " is bound under it."
		}
		return name + " is free: there is no file at it, and no socket " + d.where() + " is bound under this name."
	case PathNotSocket:
		return name + " is a " + d.File.Type + ", not a socket."
	}
	return name + " could not be looked at: " + core.EscapeMessage(errText(d.File.Err)) + "."
}

// where names the namespaces read: "in this network namespace", or
// every one with -A.
func (d *PathWhy) where() string {
	if d.AllNetNS {
		return "in any network namespace gosof could read"
	}
	return "in this network namespace"
}

// counts is "1 listener, 2 connections, 1 waiting to be accepted".
func (d *PathWhy) counts() string {
	conns := 0
	for _, g := range d.Conns {
		conns += g.Count
	}
	s := countOf(len(d.Listeners), "listener") + ", " + countOf(conns, "connection")
	if q := d.queuedCount(); q > 0 {
		s += ", " + strconv.Itoa(q) + " waiting to be accepted"
	}
	return s
}

func (d *PathWhy) queuedCount() int {
	n := d.QueuedUnowned
	for _, pc := range d.Queued {
		n += pc.Count
	}
	return n
}

func (d *PathWhy) fileLine() string {
	f := d.File
	switch f.Kind {
	case core.FileSocket:
		s := "a socket node (device " + DevString(f.ID.Dev) + ", inode " + strconv.FormatUint(uint64(f.ID.Ino), 10) + ")"
		switch {
		case d.Verdict == PathLive && d.FilesKnown:
			s += ", the file the listener below is bound to."
		case d.Verdict == PathLive:
			s += "; a socket is bound under its name (this listing does not tell which file a socket is bound to, so whether it is this file is not known)."
		default:
			s += ", left over from a server that exited (or closed its socket) without removing it."
		}
		return s
	case core.FileMissing:
		if d.Dir.Kind == core.FileMissing {
			return "no such file; its directory does not exist either."
		}
		return "no such file."
	case core.FileOther:
		return "a " + f.Type + " (device " + DevString(f.ID.Dev) + ", inode " + strconv.FormatUint(uint64(f.ID.Ino), 10) + "), not a socket."
	}
	return "stat: " + core.EscapeMessage(errText(f.Err)) + "."
}

func (d *PathWhy) writeListener(b *strings.Builder, l PathListener) {
	s := l.Socket
	holder := holdersLong(s.Owners)
	if core.UnknownHolder(s, d.Unseen) {
		holder = unknownLabel(s, d.Unseen)
	}
	b.WriteString(core.Wrap("  ", "      ", fmt.Sprintf("unix %s %s  held by %s", s.Type, core.FormatLocal(s), holder)))
	var notes []string
	if s.State == core.Listen && l.HasBacklog {
		notes = append(notes, fmt.Sprintf("accept queue %d of %d", l.AcceptQueue, l.Backlog))
	}
	if s.Type == core.Dgram {
		notes = append(notes, "receives the datagrams sent to the name")
	}
	if !d.owns(l) && d.File.Kind == core.FileSocket {
		notes = append(notes, "bound under this name but not to this file: its file was removed or replaced since, so no client reaches it by the name")
	}
	if len(notes) > 0 {
		b.WriteString(core.Wrap("    ", "    ", strings.Join(notes, "; ")))
	}
}

func (d *PathWhy) queuedLine() string {
	n := d.queuedCount()
	from := countedNames(d.Queued)
	if d.QueuedUnowned > 0 {
		if from != "" {
			from += " and "
		}
		from += strconv.Itoa(d.QueuedUnowned) + " with no process gosof could see"
	}
	server, has := "the listener", "has"
	if live := d.Live(); len(live) == 1 && len(live[0].Socket.Owners) > 0 {
		server = ownersLabel(live[0].Socket.Owners)
		if len(onePerProcess(live[0].Socket.Owners)) > 1 {
			has = "have"
		}
	}
	return fmt.Sprintf("Waiting in the accept queue: %s from %s: %s connected, and %s %s not called accept() on %s yet.",
		core.Plural(n, "connection"), from, core.ByCount(n, "it", "they"), server, has, core.ByCount(n, "it", "them"))
}

// countedNames is "4242/app (2), 4243/cli": processes with their counts
// when more than one.
func countedNames(pcs []ProcCount) string {
	var names []string
	for _, pc := range pcs {
		n := core.OwnerLabel(pc.Owner)
		if pc.Count > 1 {
			n += " (" + strconv.Itoa(pc.Count) + ")"
		}
		names = append(names, n)
	}
	return joinAnd(names)
}

// ConnectNow says what a client's connect(2) to the name gets now.
func (d *PathWhy) ConnectNow() string {
	switch d.Verdict {
	case PathLive:
		live := d.Live()
		l := live[0]
		who := ownersLabel(l.Socket.Owners)
		if l.Socket.Type == core.Dgram {
			return "a datagram sent to it reaches " + who + "."
		}
		if l.HasBacklog && core.AcceptQueueFull(l.AcceptQueue, l.Backlog) {
			return fmt.Sprintf("blocks, or fails with EAGAIN on a non-blocking socket: the accept queue of %s is full (%d waiting, backlog %d).", who, l.AcceptQueue, l.Backlog)
		}
		return "reaches " + who + " (it waits in the accept queue until accepted)."
	case PathStale:
		return "fails with ECONNREFUSED (\"connection refused\"): no socket is bound to the file."
	case PathNotSocket:
		return "fails with ECONNREFUSED (\"connection refused\"): the file is not a socket."
	case PathUnlinked, PathFree:
		if d.File.Kind == core.FileAbstract {
			return "fails with ECONNREFUSED (\"connection refused\"): no socket is bound under the name."
		}
		return "fails with ENOENT (\"no such file or directory\")."
	}
	return "unknown."
}

// BindNow says what a new server's bind(2) of the name gets now.
func (d *PathWhy) BindNow() string {
	switch d.File.Kind {
	case core.FileAbstract:
		if d.Verdict == PathLive {
			return "fails with EADDRINUSE (\"address already in use\"): " + d.boundBy() + " " + d.isAre() + " bound under the name."
		}
		return "succeeds: the name is free."
	case core.FileSocket, core.FileOther:
		s := "fails with EADDRINUSE (\"address already in use\"): a file exists at the name, and bind never reuses one"
		if d.Verdict == PathLive {
			s += "; " + d.boundBy() + " " + d.isAre() + " bound to it"
		}
		return s + "."
	case core.FileMissing:
		if d.Dir.Kind == core.FileMissing {
			return "fails with ENOENT (\"no such file or directory\"): the directory does not exist."
		}
		if d.Verdict == PathUnlinked {
			return "succeeds (it makes a new file), and clients then reach the new server, not " + d.boundBy() + "."
		}
		return "succeeds (it makes the file), where the server may write to the directory."
	}
	return "unknown."
}

// itThem agrees with boundBy.
func (d *PathWhy) itThem() string {
	if d.isAre() == "are" {
		return "them"
	}
	return "it"
}

// isAre agrees with boundBy.
func (d *PathWhy) isAre() string {
	var owners []core.Owner
	for _, l := range d.Listeners {
		owners = append(owners, l.Socket.Owners...)
	}
	if len(onePerProcess(owners)) > 1 {
		return "are"
	}
	return "is"
}

// boundBy names the holders of the listeners under the name.
func (d *PathWhy) boundBy() string {
	var owners []core.Owner
	for _, l := range d.Listeners {
		owners = append(owners, l.Socket.Owners...)
	}
	return ownersLabel(owners)
}

// Advice is what to do, when something is to be done: remove a stale
// file, restart a server whose file was removed.
func (d *PathWhy) Advice() string {
	switch d.Verdict {
	case PathStale:
		rm := ""
		if hint := core.RemoveCommand(d.Target.Name); hint != "" {
			rm = " (" + hint + ")"
		}
		s := "Safe to remove" + rm + ": no socket " + d.where() + " is bound to it."
		if !d.AllNetNS {
			s = "No socket in this network namespace is bound to it: safe to remove" + rm +
				" unless a server in another network namespace (a container sharing this directory) is; " +
				d.command("gosof why -A", "") + " reads them all."
		}
		if el := d.Elsewhere(); len(el) > 0 {
			s += " " + d.boundBy() + " " + d.isAre() + " bound under this name to a file that is gone: restart " + d.itThem() + " to serve this name again."
		}
		return s
	case PathUnlinked:
		return "Restarting " + d.boundBy() + " makes the file again; until then nobody can connect to " + d.itThem() + " by the name."
	case PathNotSocket:
		if d.File.Type == "directory" {
			return d.command("gosof who", "/") + " lists the sockets under it."
		}
	}
	return ""
}

// command is a command gosof suggests for the name, quoted as the text
// quotes commands: 'gosof why -A /run/app.sock'. A name that cannot be
// pasted as printed (core.Typeable: a space, a quote, escapes) is not put
// in it, which would run on another name: "'gosof why -A' with this name".
func (d *PathWhy) command(cmd, suffix string) string {
	if !core.Typeable(core.ShownPath(d.Target.Name)) {
		if suffix != "" {
			return "'" + cmd + "' with this name and " + suffix + " after it"
		}
		return "'" + cmd + "' with this name"
	}
	return "'" + cmd + " " + d.name() + suffix + "'"
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// WritePathWhyJSON prints the diagnosis of a unix socket name as one JSON
// object; docs/why.md documents every field.
func WritePathWhyJSON(w io.Writer, d *PathWhy) error {
	e := render.NewJSON(w, true)
	writePathWhyJSON(e, d)
	e.Line()
	return e.Flush()
}

func writePathWhyJSON(e *render.JSON, d *PathWhy) {
	e.Object()
	pathJSON(e, "path", d.Target.Name)
	e.BoolKey("abstract", d.File.Kind == core.FileAbstract)
	e.BoolKey("in_use", d.InUse())
	e.Str("verdict", string(d.Verdict))
	e.Str("message", d.Headline())
	e.Key("file")
	if d.File.Kind == core.FileAbstract {
		e.Null()
	} else {
		e.Object()
		e.Str("kind", string(d.File.Kind))
		if d.File.Kind == core.FileOther {
			e.Str("type", d.File.Type)
		}
		if d.File.ID.Known() {
			e.Str("dev", DevString(d.File.ID.Dev))
			e.UintKey("ino", uint64(d.File.ID.Ino))
		}
		if d.File.Err != nil {
			e.Str("error", d.File.Err.Error())
		}
		e.End()
	}
	e.BoolKey("files_known", d.FilesKnown)
	e.Key("listeners")
	e.Array()
	for _, l := range d.Listeners {
		s := l.Socket
		e.Object()
		e.Str("type", s.Type.String())
		e.Str("state", string(s.State))
		pathJSON(e, "path", s.Local.Path)
		e.BoolKey("owns_file", d.owns(l) && d.File.Kind != core.FileAbstract)
		queueAndOwners(e, s.State == core.Listen, l.AcceptQueue, l.Backlog, l.HasBacklog, s.Owners)
	}
	e.End()
	e.Key("connections")
	connsJSON(e, d.Conns)
	e.Key("queued")
	procCounts(e, d.Queued)
	e.IntKey("queued_unowned", int64(d.QueuedUnowned))
	e.Key("senders")
	procCounts(e, d.Senders)
	e.Str("connect", d.ConnectNow())
	e.Str("bind", d.BindNow())
	if adv := d.Advice(); adv != "" {
		e.Str("advice", adv)
	} else {
		e.NullKey("advice")
	}
	e.IntKey("unseen_processes", int64(d.Unseen.Denied))
	if m := d.Unseen.Message(); m != "" {
		e.Str("unseen_note", m)
	}
	e.Key("sockets")
	e.Sockets(d.Sockets)
	e.End()
}

// pathJSON writes a unix socket name as the contract does: the name as
// printed, and k_bytes with the exact bytes when that is not them.
func pathJSON(e *render.JSON, k, p string) {
	shown := core.ShownPath(p)
	e.Str(k, shown)
	if shown != p || !utf8.ValidString(p) {
		e.Key(k + "_bytes")
		e.Base64(p)
	}
}
