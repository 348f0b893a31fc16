package render

import (
	"encoding/binary"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
)

// Table is the one aligned-table writer: every table gosof prints (the
// socket table of ls and who, fds, why, kill and close) goes through it.
// Its bytes are what text/tabwriter (minwidth 0, tabwidth 0, padding 2,
// padchar ' ', no flags) makes of the same cells written tab-separated,
// one row a line, but that a cell's width is the columns it takes on a
// terminal (core.Width: a CJK rune takes two, a combining mark none),
// where tabwriter counts runes; the tests hold it to that. It writes without tabwriter,
// which keeps every cell of the table until it is flushed, and without
// fmt: Aligned calls the rows function twice, first to measure the
// columns, then to print, and each cell is made again the second time
// rather than kept (the socket table of a busy host has 100,000 rows;
// bench/README.md has the figures).
//
// A row is a list of cells; the last is not padded and is no part of a
// column (tabwriter's unterminated cell). As in tabwriter, a column is as
// wide as its widest cell (core.Width) plus 2 over a run of consecutive rows
// that all have a cell in it, so a row with fewer cells (a "... and 3
// more" line) ends the columns it lacks.
//
// Every cell is checked when its row ends: one holding a character a terminal
// could act on, or one tabwriter would take as a cell or line end (\t,
// \n, \v, \f, and its escape byte 0xff, which only invalid UTF-8 holds),
// is escaped as core.Escape escapes text from other processes. Callers
// escape that text themselves (a backslash there is doubled); this makes
// sure nothing raw reaches the terminal when one forgets, and that a row
// is always one line.
type Table struct {
	// Row is the text of the cells of the row being made, end to end:
	// append a cell's text to it, then call End (or use Cell).
	Row  []byte
	ends []int // where each cell of Row ends
	// widths are the cells' widths in columns (core.Width), when the
	// row holds more than printable ASCII (else each is its length)
	widths []int

	pass int // 0: measure, 1: print
	// rows and last count the rows and the bytes of their last cells,
	// to size the output
	rows, last int
	// cols holds, for each column, the widths of its runs of rows in
	// order; run is the index of the run the current row is in, -1
	// before the first, and open says whether the previous row had a
	// cell in the column (its run goes on).
	cols []colWidths

	out []byte // printed, not written yet
	w   io.Writer
	err error

	// fitting to a terminal (fit.go): what the measure pass learns
	// (each width of a last cell by how many cells in columns its row
	// has, the header's widths), and what the print pass then applies
	// (the columns' and last cells' widths, the padding).
	fit     Fit
	lastMax []int // [k]: the widest last cell of a row with k cells in columns, -1 for none
	header  []int
	keep    []int // [j]: the longest port or PID of column j's cells (Fit.Port, Fit.PID)
	colCap  []int // [j]: column j's cells are cut to this width, 0: not cut
	lastCap []int // [k]: likewise for the last cell of a row with k cells in columns
	cutRows bool  // narrowing was not enough: rows are cut at the width
}

type colWidths struct {
	runs []int
	run  int
	open bool
}

// flushSize is how much output is gathered before a write.
const flushSize = 64 << 10

// Aligned prints the table rows makes. rows is called twice and must
// make the same rows both times. Written to a terminal (WidthOf), the
// table is fitted to its width as AlignedFit does, every column and last
// cell allowed to be shortened.
func Aligned(w io.Writer, rows func(t *Table)) error {
	return AlignedFit(w, Fit{Width: WidthOf(w)}, rows)
}

// AlignedFit is Aligned, fitted to fit.Width when that is set: between
// the measure and the print pass, the columns fit.Shorten allows are
// narrowed, widest first, until every row fits, and their cells longer
// than that are shortened in the middle with an ellipsis when printed.
func AlignedFit(w io.Writer, fit Fit, rows func(t *Table)) error {
	t := &Table{w: w, fit: fit}
	rows(t)
	if fit.Width > 0 {
		t.fitTo()
	}
	t.pass = 1
	for i := range t.cols {
		t.cols[i].run, t.cols[i].open = -1, false
	}
	t.out = make([]byte, 0, t.outSize())
	rows(t)
	t.flush()
	return t.err
}

// Cell adds a cell holding s to the row.
func (t *Table) Cell(s string) {
	t.Row = append(t.Row, s...)
	t.End()
}

// End ends the cell whose text was appended to Row last.
func (t *Table) End() { t.ends = append(t.ends, len(t.Row)) }

// checkRow makes the row's widths, and escapes each cell that holds
// what safeCell refuses; the row is printable ASCII in most tables, and
// then each cell's width is its length.
func (t *Table) checkRow() (ascii bool) {
	if printableASCII(t.Row) {
		return true
	}
	t.widths = t.widths[:0]
	var out []byte
	start := 0
	for j, end := range t.ends {
		c := t.Row[start:end]
		if !safeCell(c) {
			c = []byte(core.Escape(string(c)))
		}
		out = append(out, c...)
		t.ends[j] = len(out)
		t.widths = append(t.widths, core.WidthBytes(c)) // the columns it takes
		start = end
	}
	t.Row = append(t.Row[:0], out...)
	return false
}

// width is the width of cell j.
func (t *Table) width(j int, ascii bool) int {
	if !ascii {
		return t.widths[j]
	}
	if j == 0 {
		return t.ends[0]
	}
	return t.ends[j] - t.ends[j-1]
}

// EndRow ends the row: its last cell is the one not padded. The next cell
// starts a new row.
func (t *Table) EndRow() { t.EndRowKeep(0) }

// EndRowKeep ends the row as EndRow does, and starts the next with the
// same first n cells, made once for rows that share them (a socket's, for
// each of its owners).
func (t *Table) EndRowKeep(n int) {
	if len(t.ends) == 0 {
		t.End() // an empty line is one empty cell
	}
	padded := len(t.ends) - 1 // cells in columns
	ascii := t.checkRow()
	for len(t.cols) < padded {
		t.cols = append(t.cols, colWidths{run: -1})
	}
	if t.pass == 0 {
		if t.fit.Width > 0 {
			t.measureFit(padded, ascii)
		}
		t.rows++
		t.last += len(t.Row)
		if padded > 0 {
			t.last -= t.ends[padded-1]
		}
		for j := 0; j < padded; j++ {
			c := &t.cols[j]
			if !c.open {
				c.runs = append(c.runs, 0)
				c.run++
				c.open = true
			}
			if w := t.width(j, ascii) + 2; w > c.runs[c.run] {
				c.runs[c.run] = w
			}
		}
	} else {
		lineStart := len(t.out)
		start := 0
		for j := 0; j < padded; j++ {
			c := &t.cols[j]
			if !c.open {
				c.run++
				c.open = true
			}
			w := t.width(j, ascii)
			if j < len(t.colCap) && t.colCap[j] > 0 && w > t.colCap[j] {
				t.out, w = t.appendShort(t.out, t.Row[start:t.ends[j]], ascii, j, t.colCap[j])
			} else {
				t.out = append(t.out, t.Row[start:t.ends[j]]...)
			}
			for pad := c.runs[c.run] - w; pad > 0; {
				k := pad
				if k > len(spaces) {
					k = len(spaces)
				}
				t.out = append(t.out, spaces[:k]...)
				pad -= k
			}
			start = t.ends[j]
		}
		if padded < len(t.lastCap) && t.lastCap[padded] > 0 && t.width(padded, ascii) > t.lastCap[padded] {
			t.out, _ = t.appendShort(t.out, t.Row[start:], ascii, padded, t.lastCap[padded])
		} else {
			t.out = append(t.out, t.Row[start:]...)
		}
		if t.cutRows {
			t.cutRow(lineStart)
		}
		t.out = append(t.out, '\n')
		if len(t.out) >= flushSize {
			t.flush()
		}
	}
	for j := padded; j < len(t.cols); j++ {
		t.cols[j].open = false
	}
	if n == 0 {
		t.Row, t.ends = t.Row[:0], t.ends[:0]
		return
	}
	t.Row, t.ends = t.Row[:t.ends[n-1]], t.ends[:n]
}

// outSize is how much output to make room for once the table is
// measured: all of it when it is small, at most a piece of flushSize
// when it is large. Every row is at most as wide as the widest run of
// each of its columns.
func (t *Table) outSize() int {
	w := 0
	for _, c := range t.cols {
		max := 0
		for _, r := range c.runs {
			if r > max {
				max = r
			}
		}
		w += max
	}
	if n := t.rows*(w+1) + t.last; n < flushSize {
		return n
	}
	return flushSize + 4096
}

func (t *Table) flush() {
	if t.err == nil && len(t.out) > 0 {
		_, t.err = t.w.Write(t.out)
	}
	t.out = t.out[:0]
}

// spaces pad the cells.
const spaces = "                                                                "

// printableASCII reports whether c holds only bytes from ' ' to '~', most
// cells: 8 bytes at a time, a byte below 0x20 (the subtraction borrows),
// 0x7f (the addition carries into bit 7) or from 0x80 setting a top bit.
// A borrow or carry can only spill into a byte after a bad one.
func printableASCII(c []byte) bool {
	for len(c) >= 8 {
		x := binary.LittleEndian.Uint64(c)
		if (x-0x2020202020202020|(x+0x0101010101010101)|x)&0x8080808080808080 != 0 {
			return false
		}
		c = c[8:]
	}
	for _, b := range c {
		if b-0x20 >= 0x7f-0x20 {
			return false
		}
	}
	return true
}

// safeCell reports whether c holds only printable text: no control
// character (tabwriter's cell and line ends among them), no DEL, no
// invalid UTF-8 (its 0xff is tabwriter's escape), no rune unicode.IsPrint
// rejects (bidi controls, zero-width characters...). core.Escape's output
// always is.
func safeCell(c []byte) bool {
	for i := 0; i < len(c); {
		b := c[i]
		if b < utf8.RuneSelf {
			if b < 0x20 || b == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(c[i:])
		if r == utf8.RuneError && n == 1 || !unicode.IsPrint(r) {
			return false
		}
		i += n
	}
	return true
}
