package core

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// tableWriter prints the table WriteTable describes, byte for byte what
// text/tabwriter (minwidth 0, padding 2, spaces) makes of its tab-separated
// rows, without tabwriter and fmt: for 50,000 rows they were a quarter of
// `gosof ls` (a cell per row kept in memory, a Sprintf per row). Every row
// has the same cells, so tabwriter's columns are the whole table's: a
// column is as wide as its widest cell, in runes, plus 2; the last cell is
// not padded. It makes two passes, the first to measure the columns, the
// second to print, formatting each cell in both rather than keeping it.
type tableWriter struct {
	opt    TableOptions
	widths []int  // of the padded columns (all but the last)
	out    []byte // what is not written yet
	w      io.Writer
	err    error
	// cells of the row being made: their text, end to end, and where
	// each ends
	row  []byte
	ends []int
	pass int // 0: measure, 1: print
}

// tableFlush is how much output is gathered before a write.
const tableFlush = 64 << 10

func writeTableFast(w io.Writer, socks []Socket, opt TableOptions) error {
	t := &tableWriter{opt: opt, w: w}
	for t.pass = 0; t.pass < 2; t.pass++ {
		if t.pass == 1 {
			t.out = make([]byte, 0, tableFlush+4096)
		}
		if !opt.NoHeader {
			t.header()
		}
		for i := range socks {
			if !t.socket(&socks[i]) {
				return errTableFallback
			}
		}
	}
	t.flush()
	return t.err
}

// errTableFallback says a cell holds a byte tabwriter treats as a cell or
// line end (only text gosof did not escape could); WriteTable then uses
// tabwriter itself, so the output stays what it always was.
var errTableFallback = tableFallback{}

type tableFallback struct{}

func (tableFallback) Error() string { return "table: cell with a tab or line break" }

func (t *tableWriter) header() {
	t.row, t.ends = t.row[:0], t.ends[:0]
	if t.opt.NetNS {
		t.cell("NETNS")
	}
	for _, h := range []string{"PROTO", "STATE", "LOCAL", "REMOTE", "RECV-Q", "SEND-Q", "PID/COMMAND", "USER", "FD"} {
		t.cell(h)
	}
	if t.opt.Options {
		t.cell("OPTIONS")
	}
	if t.opt.Peer {
		t.cell("PEER")
	}
	if t.opt.Cmdline {
		t.cell("COMMAND LINE")
	}
	t.line()
}

func (t *tableWriter) cell(s string) {
	t.row = append(t.row, s...)
	t.ends = append(t.ends, len(t.row))
}

func (t *tableWriter) end() { t.ends = append(t.ends, len(t.row)) }

// socket adds the rows of s: false if a cell would break tabwriter's
// parsing.
func (t *tableWriter) socket(s *Socket) bool {
	t.row, t.ends = t.row[:0], t.ends[:0]
	if t.opt.NetNS {
		t.cell(NetNSLabel(s))
	}
	t.row = append(t.row, s.Proto...)
	if s.Family == Inet6 {
		t.row = append(t.row, '6')
	}
	t.end()
	t.cell(string(s.State))
	t.row = appendEndpoint(t.row, s.Family, &s.Local)
	t.end()
	t.row = appendRemote(t.row, s)
	t.end()
	t.row = strconv.AppendUint(t.row, s.RecvQ, 10)
	t.end()
	t.row = strconv.AppendUint(t.row, s.SendQ, 10)
	t.end()
	if !plainCells(t.row) {
		return false
	}
	n, nrow := len(t.ends), len(t.row)
	if len(s.Owners) == 0 {
		t.cell("-")
		t.cell("-")
		t.cell("-")
		if t.opt.Options {
			t.cell("-")
		}
		if t.opt.Peer {
			t.cell(peerLabel(s))
		}
		if t.opt.Cmdline {
			t.cell("-")
		}
		if !plainCells(t.row[nrow:]) {
			return false
		}
		t.line()
		return true
	}
	for i := range s.Owners {
		o := &s.Owners[i]
		t.row, t.ends = t.row[:nrow], t.ends[:n]
		t.row = strconv.AppendInt(t.row, int64(o.PID), 10)
		t.row = append(t.row, '/')
		if o.Proc != nil && o.Proc.Comm != "" {
			t.row = append(t.row, Escape(o.Proc.Comm)...)
		} else {
			t.row = append(t.row, '?')
		}
		if o.TID != 0 {
			t.row = append(t.row, "(thread "...)
			t.row = strconv.AppendInt(t.row, int64(o.TID), 10)
			t.row = append(t.row, ')')
		}
		if o.Creator {
			t.row = append(t.row, creatorMark(*o)...)
		}
		t.end()
		if o.Proc == nil || o.Proc.User == "" {
			t.cell("-")
		} else {
			t.cell(Escape(o.Proc.User))
		}
		if o.FD >= 0 {
			t.row = strconv.AppendInt(t.row, int64(o.FD), 10)
			t.end()
		} else {
			t.cell("-")
		}
		if t.opt.Options {
			t.cell(FormatOptions(o.Options))
		}
		if t.opt.Peer {
			t.cell(peerLabel(s))
		}
		if t.opt.Cmdline {
			if o.Proc == nil || o.Proc.Cmdline == "" {
				t.cell("-")
			} else {
				t.cell(Escape(o.Proc.Cmdline))
			}
		}
		if !plainCells(t.row[nrow:]) {
			return false
		}
		t.line()
	}
	return true
}

// line measures (pass 0) or prints (pass 1) the row made.
func (t *tableWriter) line() {
	last := len(t.ends) - 1
	if t.pass == 0 {
		if t.widths == nil {
			t.widths = make([]int, last)
		}
		start := 0
		for j := 0; j < last; j++ {
			if w := textWidth(t.row[start:t.ends[j]]) + 2; w > t.widths[j] {
				t.widths[j] = w
			}
			start = t.ends[j]
		}
		return
	}
	start := 0
	for j := 0; j <= last; j++ {
		c := t.row[start:t.ends[j]]
		t.out = append(t.out, c...)
		if j < last {
			for pad := t.widths[j] - textWidth(c); pad > 0; pad-- {
				t.out = append(t.out, ' ')
			}
		}
		start = t.ends[j]
	}
	t.out = append(t.out, '\n')
	if len(t.out) >= tableFlush {
		t.flush()
	}
}

func (t *tableWriter) flush() {
	if t.err == nil && len(t.out) > 0 {
		_, t.err = t.w.Write(t.out)
	}
	t.out = t.out[:0]
}

// textWidth is a cell's width as tabwriter counts it: in runes.
func textWidth(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.RuneCount(b)
		}
	}
	return len(b)
}

// plainCells reports whether b has none of the bytes tabwriter splits
// cells or lines at.
func plainCells(b []byte) bool {
	for _, c := range b {
		switch c {
		case '\t', '\n', '\v', '\f':
			return false
		}
	}
	return true
}

// appendEndpoint appends what FormatEndpoint returns.
func appendEndpoint(b []byte, fam Family, e *Endpoint) []byte {
	if fam == Local {
		if e.Path == "" {
			return append(b, '-')
		}
		return append(b, Escape(e.Path)...)
	}
	if !e.Addr.IsValid() {
		b = append(b, "*:"...)
		return strconv.AppendUint(b, uint64(e.Port), 10)
	}
	if e.Addr.Is4() {
		b = e.Addr.AppendTo(b)
	} else {
		b = append(b, '[')
		b = e.Addr.AppendTo(b)
		b = append(b, ']')
	}
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(e.Port), 10)
}

// appendRemote appends what FormatRemote returns.
func appendRemote(b []byte, s *Socket) []byte {
	if s.Remote == nil {
		if s.Family == Local {
			return append(b, '-')
		}
		return append(b, '*')
	}
	if s.Family == Local && s.Remote.Path == "" && s.PeerInode != 0 {
		b = append(b, "peer:"...)
		return strconv.AppendUint(b, s.PeerInode, 10)
	}
	return appendEndpoint(b, s.Family, s.Remote)
}
