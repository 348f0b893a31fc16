package render

import (
	"bytes"
	"io"
	"strconv"

	"github.com/gosof/gosof/core"
)

// FDs prints each process's descriptors as a table, like pfiles: a
// heading, then FD, TYPE, NAME and OPTIONS, one row a descriptor.
func FDs(w io.Writer, procs []core.ProcFDs) error {
	var b bytes.Buffer
	for i := range procs {
		pf := &procs[i]
		if i > 0 {
			b.WriteByte('\n')
		}
		o := core.Owner{PID: pf.PID, Proc: pf.Proc}
		b.WriteString(core.OwnerLabel(o) + " (user " + core.OwnerUser(o) + ")")
		if core.HasCmdline(pf.Cmdline) {
			b.WriteString(": " + core.Escape(core.ShownCmdline(pf.Cmdline)))
		}
		b.WriteByte('\n')
		if pf.Err != nil {
			b.WriteString("  cannot list descriptors: " + core.Escape(pf.Err.Error()) + "\n")
			continue
		}
		if len(pf.FDs) == 0 { // a kernel thread, a zombie: a table's heading alone said nothing
			b.WriteString("  no open descriptors\n")
			continue
		}
		fit := Fit{Width: WidthOf(w), Header: true, Fixed: FixedBut(2, 3), Local: Columns(2)} // NAME, OPTIONS; a socket's local port stays
		err := AlignedFit(&b, fit, func(t *Table) {
			t.Cell("  FD")
			t.Cell("TYPE")
			t.Cell("NAME")
			t.Cell("OPTIONS")
			t.EndRow()
			for j := range pf.FDs {
				fd := &pf.FDs[j]
				t.Row = append(t.Row, ' ', ' ')
				t.Row = strconv.AppendInt(t.Row, int64(fd.FD), 10)
				t.Row = core.AppendThread(t.Row, fd.TID) // as who shows its owner
				t.End()
				t.Cell(string(fd.Kind))
				t.Row = appendFDName(t.Row, fd)
				t.End()
				if fd.Kind == core.FDSocket {
					t.Cell(core.FormatOptions(fd.Options))
				} else {
					t.Cell("")
				}
				t.EndRow()
			}
		})
		if err != nil {
			return err
		}
		if pf.Missing != "" {
			b.WriteString(core.Wrap("  ", "  ", "Socket options are missing: "+core.Escape(pf.Missing)))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// appendFDName appends a descriptor's NAME cell: the path, or a socket's
// protocol, state and addresses.
func appendFDName(b []byte, fd *core.FD) []byte {
	if fd.Kind != core.FDSocket {
		return append(b, core.Escape(fd.Path)...)
	}
	if fd.Socket == nil {
		// No socket-table row matched: a kind the table does not list, or
		// one it lists but not this socket: not bound (an unbound TCP or
		// UDP socket, or one whose connection closed, is in no hash the
		// dump walks), in another network namespace (Linux), or closed
		// since.
		b = append(b, core.Escape(fd.Path)...)
		if fd.Proto != "" {
			b = append(b, ' ')
			b = append(b, core.Escape(fd.Proto)...)
		}
		if fd.Unlisted {
			return append(b, " (a kind of socket gosof does not list)"...)
		}
		switch fd.Absent {
		case core.AbsentUnbound:
			return append(b, " (not in the socket table: bound to no port)"...)
		case core.AbsentClosed:
			b = append(b, " (not in the socket table: state CLOSE, local port "...)
			b = strconv.AppendUint(b, uint64(fd.AbsentPort), 10)
			return append(b, ", neither listening nor connected)"...)
		case core.AbsentNetNS:
			b = append(b, " (not in the socket table: in network namespace net:["...)
			b = strconv.AppendUint(b, fd.AbsentNetNS, 10)
			return append(b, "], not its process's)"...)
		}
		return append(b, " (not in the socket table: unbound, in another namespace, or gone)"...)
	}
	return core.AppendSocketLine(b, fd.Socket)
}

// FDsJSON prints the processes' descriptors as a JSON array, one object
// per process (docs/why.md).
func FDsJSON(w io.Writer, procs []core.ProcFDs) error {
	e := NewJSON(w, true)
	e.Array()
	for i := range procs {
		pf := &procs[i]
		e.Object()
		e.IntKey("pid", int64(pf.PID))
		p := pf.Proc
		if p != nil {
			e.Text("comm", p.Comm)
		} else {
			e.NullKey("comm")
		}
		if core.HasCmdline(pf.Cmdline) {
			e.Texts("cmdline", pf.Cmdline)
		}
		if p != nil && p.UID >= 0 {
			e.IntKey("uid", p.UID)
			e.Str("user", p.User)
		} else {
			e.NullKey("uid")
			e.NullKey("user")
		}
		if pf.Err != nil {
			e.Str("error", pf.Err.Error())
		} else {
			e.NullKey("error")
		}
		if pf.Missing != "" {
			e.Str("options_missing", pf.Missing)
		} else {
			e.NullKey("options_missing")
		}
		e.Key("fds")
		e.Array()
		for j := range pf.FDs {
			fd := &pf.FDs[j]
			e.Object()
			e.IntKey("fd", int64(fd.FD))
			if fd.TID != 0 {
				e.IntKey("tid", int64(fd.TID)) // as an owner's
			}
			e.Str("type", string(fd.Kind))
			e.Text("path", fd.Path)
			e.UintKey("inode", fd.Inode)
			if fd.Proto != "" {
				e.Str("proto_name", fd.Proto)
				e.BoolKey("listed", !fd.Unlisted)
				if fd.Absent != "" {
					e.Str("absent", fd.Absent)
				}
				if fd.Absent == core.AbsentClosed {
					e.UintKey("absent_port", uint64(fd.AbsentPort))
				}
				if fd.Absent == core.AbsentNetNS {
					e.UintKey("absent_netns", fd.AbsentNetNS)
				}
			}
			if fd.Socket != nil {
				s := *fd.Socket
				s.Owners = nil // the process is the one listed
				e.Key("socket")
				e.Socket(&s)
			}
			if fd.Options != nil {
				e.Key("options")
				e.Options(fd.Options)
			}
			e.End()
		}
		e.End()
		e.End()
	}
	e.End()
	e.Line()
	return e.Flush()
}
