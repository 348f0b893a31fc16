// Package render prints what gosof found: the one aligned-table writer
// (Table), the one column table of the socket list (columns), and the one
// JSON encoder (JSON) with the contract's socket object. Every command's
// output goes through it; core/diagnose and core/release write their
// tables and JSON with it. It imports core, never the other way round.
package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// Format is how a list of sockets is printed.
type Format int

const (
	FormatTable Format = iota
	FormatJSON
	FormatTerse
	FormatJSONL // JSON Lines: one socket object per line
)

// Options are what the socket table shows besides its fixed columns.
type Options struct {
	NoHeader bool
	Options  bool // an OPTIONS column (socket options per owner, --options)
	Peer     bool // a PEER column: the processes at the other end (--peer)
	Cmdline  bool // a COMMAND LINE column, last: it is the long one (--cmdline)
	Context  bool // a CONTEXT column: each owner's container or systemd unit (--context)
	Idle     bool // an IDLE column: how long each TCP socket has been idle (--show-idle, --idle)
	// Unseen is what the owner scan could not see: a socket that shows no
	// process although one may hold it (core.UnknownHolder) names its
	// holder core.UnknownHolderLabel, never "-" (no process holds it).
	Unseen core.Unseen
}

// Sockets prints socks in format f: an empty table or terse list prints
// nothing (like grep), an empty JSON list prints [] and empty JSON Lines
// nothing.
func Sockets(w io.Writer, socks []core.Socket, f Format, opt Options) error {
	switch {
	case f == FormatJSON:
		e := NewJSON(w, true)
		e.Sockets(socks)
		e.Line()
		return e.Flush()
	case f == FormatJSONL:
		e := NewJSON(w, false)
		for i := range socks {
			warm(socks, i)
			e.Socket(&socks[i])
			e.Line()
		}
		return e.Flush()
	case f == FormatTerse:
		return terse(w, socks)
	case len(socks) > 0:
		return socketTable(w, socks, opt)
	}
	return nil
}

// terse prints the distinct owner PIDs, ascending, one per line (lsof -t).
func terse(w io.Writer, socks []core.Socket) error {
	var b []byte
	for _, pid := range core.OwnerPIDs(socks) {
		b = strconv.AppendInt(b, int64(pid), 10)
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// column is one column of the socket table. Adding a column to the table
// is adding one entry to columns (docs/conventions.md).
type column struct {
	header string
	// show says whether the table has the column; nil: always.
	show func(opt *Options, socks []core.Socket) bool
	// owner says the cell depends on the owner, not only on the socket:
	// the cells before the first such column are made once per socket.
	owner bool
	// shorten says the column's cells may be shortened in the middle to
	// fit a terminal (fit.go): text of any length (addresses, names,
	// commands), not a state or a number.
	shorten bool
	// port and pid say what a shortened cell keeps whole (Fit.Port,
	// Fit.PID): an address's port, an owner's PID.
	port, pid bool
	// cell appends the cell of the row of socket s and owner o (nil on
	// the one row of a socket no process holds). Text from other
	// processes is escaped (core.Escape); the table escapes a raw cell
	// itself, as the net under that.
	cell func(b []byte, s *core.Socket, o *core.Owner) []byte
}

// columns is the socket table of ls and who, in the order printed.
var columns = []column{
	{header: "NETNS", shorten: true, show: manyNetNS, cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return append(b, core.NetNSLabel(s)...)
	}},
	{header: "PROTO", cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return append(b, core.ProtoLabel(s)...)
	}},
	{header: "STATE", cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return append(b, s.State...)
	}},
	{header: "LOCAL", shorten: true, port: true, cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return core.AppendLocal(b, s)
	}},
	{header: "REMOTE", shorten: true, port: true, cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return core.AppendRemote(b, s)
	}},
	{header: "RECV-Q", cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return strconv.AppendUint(b, s.RecvQ, 10)
	}},
	{header: "SEND-Q", cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
		return strconv.AppendUint(b, s.SendQ, 10)
	}},
	{header: "IDLE", show: func(opt *Options, _ []core.Socket) bool { return opt.Idle },
		cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
			return core.AppendIdle(b, s.Idle)
		}},
	{header: "PID/COMMAND", shorten: true, pid: true, owner: true, cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
		if o == nil {
			return append(b, '-')
		}
		return core.AppendOwnerLabel(b, o)
	}},
	{header: "USER", shorten: true, owner: true, cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
		if o == nil {
			return append(b, '-')
		}
		return append(b, core.OwnerUser(*o)...)
	}},
	{header: "FD", owner: true, cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
		if o == nil || o.FD < 0 {
			return append(b, '-')
		}
		return strconv.AppendInt(b, int64(o.FD), 10)
	}},
	{header: "CONTEXT", shorten: true, owner: true, show: func(opt *Options, _ []core.Socket) bool { return opt.Context },
		cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
			if o == nil {
				return append(b, '-')
			}
			return append(b, core.ContextLabel(o.Proc)...)
		}},
	{header: "OPTIONS", shorten: true, owner: true, show: func(opt *Options, _ []core.Socket) bool { return opt.Options },
		cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
			if o == nil {
				return append(b, '-')
			}
			return append(b, core.FormatOptions(o.Options)...)
		}},
	{header: "PEER", shorten: true, pid: true, show: func(opt *Options, _ []core.Socket) bool { return opt.Peer },
		cell: func(b []byte, s *core.Socket, _ *core.Owner) []byte {
			return append(b, peerLabel(s)...)
		}},
	{header: "COMMAND LINE", shorten: true, owner: true, show: func(opt *Options, _ []core.Socket) bool { return opt.Cmdline },
		cell: func(b []byte, _ *core.Socket, o *core.Owner) []byte {
			if o == nil || o.Proc == nil || !core.HasCmdline(o.Proc.Cmdline) {
				return append(b, '-')
			}
			return append(b, core.Escape(core.ShownCmdline(o.Proc.Cmdline))...)
		}},
}

// manyNetNS shows the NETNS column when socks come from more than one
// network namespace (core.ManyNetNS).
func manyNetNS(_ *Options, socks []core.Socket) bool { return core.ManyNetNS(socks) }

// peerLabel is the PEER cell: the distinct processes at the other end,
// "-" when it is not on this host or not known.
func peerLabel(s *core.Socket) string {
	var labels []string
	seen := map[int]bool{}
	for _, o := range s.PeerOwners {
		if !seen[o.PID] {
			seen[o.PID] = true
			labels = append(labels, core.OwnerLabel(o))
		}
	}
	return core.Dash(true, strings.Join(labels, ","))
}

// socketTable prints socks as the aligned table of ls and who, one row per
// (socket, owner); a socket no process holds gets one row with "-" for
// the owner's columns, and one whose holder could not be seen "unknown"
// for PID/COMMAND (core.UnknownHolderLabel, as close's plan and watch).
func socketTable(w io.Writer, socks []core.Socket, opt Options) error {
	cols := make([]*column, 0, len(columns))
	shared := -1 // how many columns lead that depend on the socket alone
	for i := range columns {
		c := &columns[i]
		if c.show != nil && !c.show(&opt, socks) {
			continue
		}
		if c.owner && shared < 0 {
			shared = len(cols)
		}
		cols = append(cols, c)
	}
	if shared < 0 {
		shared = len(cols)
	}
	fit := Fit{Width: WidthOf(w), Header: !opt.NoHeader}
	for j, c := range cols {
		if !c.shorten {
			fit.Fixed |= Columns(j)
		}
		if c.port {
			fit.Port |= Columns(j)
		}
		if c.pid {
			fit.PID |= Columns(j)
		}
	}
	return AlignedFit(w, fit, func(t *Table) {
		if !opt.NoHeader {
			for _, c := range cols {
				t.Cell(c.header)
			}
			t.EndRow()
		}
		for i := range socks {
			warm(socks, i)
			s := &socks[i]
			for _, c := range cols[:shared] {
				t.Row = c.cell(t.Row, s, nil)
				t.End()
			}
			if len(s.Owners) == 0 {
				unknown := core.UnknownHolder(s, opt.Unseen)
				for _, c := range cols[shared:] {
					if unknown && c.pid && c.owner { // PID/COMMAND; PEER is the other end's
						t.Row = append(t.Row, core.UnknownHolderLabel...)
					} else {
						t.Row = c.cell(t.Row, s, nil)
					}
					t.End()
				}
				t.EndRow()
				continue
			}
			for j := range s.Owners {
				o := &s.Owners[j]
				for _, c := range cols[shared:] {
					t.Row = c.cell(t.Row, s, o)
					t.End()
				}
				if j < len(s.Owners)-1 {
					t.EndRowKeep(shared)
				} else {
					t.EndRow()
				}
			}
		}
	})
}
