package render

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
)

// Fitting a table to a terminal's width (docs/conventions.md, Output):
// the measure pass knows every column's width; when the widest row is
// wider than the terminal, the padding between columns drops from two
// spaces to one, then the widest of the columns that may be shortened
// (not Fit.Fixed) is narrowed by one, again and again, until every row
// fits; first no column narrower than its header, nor than its ports
// and PIDs need to stay whole, then, if need be, headers too, then the
// ports and PIDs; a row that still does not fit is cut at the edge. When
// printed, a cell wider than its column is shortened in the middle with
// "…", so both ends of an address or a command line stay, and a port or
// PID whole (Fit.Port, Fit.PID). Pipes, files and --wide get every cell
// whole; JSON never goes through a table.

// Fit says how a table fits a terminal.
type Fit struct {
	// Width is the terminal's width in columns; 0: no limit.
	Width int
	// Fixed has bit j set for a column j whose cells are never
	// shortened (a state, a number); j is the cell's index in its row,
	// a row's last cell, in no column, having the index of the column
	// it would be. Zero: every column may be shortened.
	Fixed uint64
	// Port has bit j set for a column j of addresses: a cell that ends
	// in ":PORT" keeps it whole when shortened ("[::ff…:46200"), for the
	// port is what a reader looks for. PID has bit j set for a column j
	// of processes: a cell that starts with "PID/" keeps it whole
	// ("16488/pyt…n3"), for the PID is what kill takes. Local has bit j
	// set for a column j of socket lines ("tcp 10.0.0.1:80 -> ..."): a
	// cell keeps its start through its first port whole, the protocol
	// and the local address ("tcp6 [::1]:46200…ED (fd 5)"). Each holds
	// while one more column of the cell fits beside it and the "…".
	Port, PID, Local uint64
	// Header says the first row is a header: no column is made
	// narrower than its header unless the table cannot fit otherwise.
	Header bool
}

// Columns is a Fit bit set of cols.
func Columns(cols ...int) uint64 {
	var f uint64
	for _, c := range cols {
		f |= 1 << uint(c)
	}
	return f
}

// FixedBut is a Fit.Fixed of every column but cols.
func FixedBut(cols ...int) uint64 { return ^Columns(cols...) }

// minShort is the narrowest a shortened cell is made: "10.0…:80",
// "[…:46200".
const minShort = 8

// WidthOf is the width tables written to w must fit: w's own, when it
// tells one (a writer to a terminal has a Width method), else 0: no
// limit.
func WidthOf(w io.Writer) int {
	if s, ok := w.(interface{ Width() int }); ok {
		return s.Width()
	}
	return 0
}

// measureFit records, in the measure pass, the width of the row's last
// cell by how many cells in columns the row has, the header's widths,
// and the longest port or PID a column keeps whole (Fit.Port, Fit.PID).
func (t *Table) measureFit(padded int, ascii bool) {
	for len(t.lastMax) <= padded {
		t.lastMax = append(t.lastMax, -1)
	}
	if w := t.width(padded, ascii); w > t.lastMax[padded] {
		t.lastMax[padded] = w
	}
	if t.rows == 0 && t.fit.Header {
		for j := 0; j <= padded; j++ {
			t.header = append(t.header, t.width(j, ascii))
		}
	}
	if keeps := t.fit.Port | t.fit.PID | t.fit.Local; keeps != 0 {
		start := 0
		for j := 0; j <= padded && j < 64; j++ {
			if keeps&(1<<uint(j)) != 0 {
				for len(t.keep) <= j {
					t.keep = append(t.keep, 0)
				}
				if n := t.fit.kept(t.Row[start:t.ends[j]], j); n > t.keep[j] {
					t.keep[j] = n
				}
			}
			start = t.ends[j]
		}
	}
}

// fitTo narrows the table to t.fit.Width once it is measured.
func (t *Table) fitTo() {
	n := len(t.cols)
	col := make([]int, n) // each column's width, padding included
	for j, c := range t.cols {
		for _, r := range c.runs {
			if r > col[j] {
				col[j] = r
			}
		}
	}
	last := append([]int(nil), t.lastMax...)
	given := make([]bool, len(last)) // rows of k cells in columns that cannot be narrowed enough
	// widest is the row length k, of those not given up, that is the
	// most over the width, and by how much; -1 when every one fits
	widest := func() (k, over int) {
		k, over = -1, 0
		sum := 0
		for i := 0; i < len(last); i++ {
			if last[i] >= 0 && !given[i] && sum+last[i]-t.fit.Width > over {
				k, over = i, sum+last[i]-t.fit.Width
			}
			if i < n {
				sum += col[i]
			}
		}
		return k, over
	}
	if k, _ := widest(); k < 0 {
		return
	}
	pad := 2
	if n > 0 {
		pad = 1
		for j := range col {
			col[j]--
		}
	}
	may := func(j int) bool { return j >= 64 || t.fit.Fixed&(1<<uint(j)) == 0 }
	// first no column is made narrower than its header, nor than its
	// ports or PIDs need to stay whole; then, if need be, headers are
	// shortened too; then the ports and PIDs, which matter more
	headers, keeps := true, true
	least := func(j int) int {
		m := minShort
		if headers && j < len(t.header) && t.header[j] > m {
			m = t.header[j]
		}
		if keeps && j < len(t.keep) && t.keep[j] > 0 && t.keep[j]+2 > m {
			m = t.keep[j] + 2 // the port or PID, "…", one more column
		}
		return m
	}
	for {
		k, _ := widest()
		if k < 0 {
			if anyTrue(given) && (headers || keeps) {
				if headers {
					headers = false
				} else {
					keeps = false
				}
				given = make([]bool, len(last))
				continue
			}
			break
		}
		// the widest cell of that row that may be narrowed
		pick, lastCell, w := -1, false, 0
		for j := 0; j < k; j++ {
			if cw := col[j] - pad; may(j) && cw > least(j) && cw > w {
				pick, lastCell, w = j, false, cw
			}
		}
		if may(k) && last[k] > least(k) && last[k] > w {
			pick, lastCell = k, true
		}
		switch {
		case pick < 0:
			given[k] = true
		case lastCell:
			last[pick]--
		default:
			col[pick]--
		}
	}
	// rows that could not be narrowed enough are cut at the terminal's
	// edge, as ps cuts them (--wide has them whole)
	t.cutRows = anyTrue(given)
	t.colCap = make([]int, n)
	for j, c := range t.cols {
		natural := 0
		for i, r := range c.runs {
			if r > natural {
				natural = r
			}
			c.runs[i] = r - 2 + pad
			if c.runs[i] > col[j] {
				c.runs[i] = col[j]
			}
		}
		if natural-2+pad > col[j] {
			t.colCap[j] = col[j] - pad
		}
	}
	t.lastCap = make([]int, len(last))
	for k := range last {
		if last[k] >= 0 && last[k] < t.lastMax[k] {
			t.lastCap[k] = last[k]
		}
	}
}

func anyTrue(l []bool) bool {
	for _, b := range l {
		if b {
			return true
		}
	}
	return false
}

// cutRow cuts the row that starts at out[start:] to the terminal's
// width, its last column "…", when the table could not be narrowed
// enough.
func (t *Table) cutRow(start int) {
	line := t.out[start:]
	if len(line) <= t.fit.Width || core.WidthBytes(line) <= t.fit.Width {
		return
	}
	i, _ := headColumns(line, t.fit.Width-1)
	t.out = append(t.out[:start+i], "…"...)
}

// shortSplit is how many columns of cell c, in column j and wider than
// width, its shortened form keeps at its start and at its end, the "…"
// between them: the larger half at the start, but the whole port or PID
// where the column asks for it (Fit.Port, Fit.PID).
func (f *Fit) shortSplit(c []byte, j, width int) (head, tail int) {
	head = width / 2
	tail = width - 1 - head
	n := f.kept(c, j)
	if n > 0 && n <= width-2 {
		if f.Port&Columns(j) != 0 && n > tail {
			head, tail = width-1-n, n
		} else if (f.PID|f.Local)&Columns(j) != 0 && n > head {
			head, tail = n, width-1-n
		}
	}
	return head, tail
}

// kept is how many columns of cell c, in column j, shortening keeps whole:
// its ":PORT", its "PID/" or its start through its first port, as the
// column asks; 0 for none. (A port and a PID are ASCII; what precedes a
// local port may not be: an interface's name.)
func (f *Fit) kept(c []byte, j int) int {
	switch {
	case j >= 64:
	case f.Port&Columns(j) != 0:
		return portEnd(c)
	case f.PID&Columns(j) != 0:
		return pidStart(c)
	case f.Local&Columns(j) != 0:
		return core.WidthBytes(c[:localEnd(c)])
	}
	return 0
}

// localEnd is the length of the start of c through its first ":PORT"
// that ends a word (a socket line's local address), 0 when none.
func localEnd(c []byte) int {
	for i := bytes.IndexByte(c, ':'); i >= 0; {
		j := i + 1
		for j < len(c) && c[j] >= '0' && c[j] <= '9' {
			j++
		}
		if j > i+1 && (j == len(c) || c[j] == ' ') {
			return j
		}
		k := bytes.IndexByte(c[i+1:], ':')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return 0
}

// portEnd is the length of the ":PORT" c ends with, 0 when none.
func portEnd(c []byte) int {
	i := bytes.LastIndexByte(c, ':')
	if i < 0 || !digits(c[i+1:]) {
		return 0
	}
	return len(c) - i
}

// pidStart is the length of the "PID/" c starts with, 0 when none.
func pidStart(c []byte) int {
	i := bytes.IndexByte(c, '/')
	if i < 0 || !digits(c[:i]) {
		return 0
	}
	return i + 1
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// appendShort appends cell c (of column j: Fit.Fixed's numbering),
// wider than width, shortened to width in the middle: its start, "…",
// its end, as shortSplit divides them; and the columns it appended,
// which a wide rune that does not fit whole at a cut leaves one short.
func (t *Table) appendShort(b, c []byte, ascii bool, j, width int) ([]byte, int) {
	if width < 1 {
		return b, 0
	}
	head, tail := t.fit.shortSplit(c, j, width)
	if ascii {
		b = append(b, c[:head]...)
		b = append(b, "…"...)
		return append(b, c[len(c)-tail:]...), width
	}
	i, hw := headColumns(c, head)
	b = append(b, c[:i]...)
	b = append(b, "…"...)
	e, tw := len(c), 0
	for e > i {
		r, size := utf8.DecodeLastRune(c[:e])
		if tw+core.RuneWidth(r) > tail {
			break
		}
		tw += core.RuneWidth(r)
		e -= size
	}
	return append(b, c[e:]...), hw + 1 + tw
}

// headColumns is the length of the longest start of c that takes at
// most n columns (core.RuneWidth), and the columns it takes.
func headColumns(c []byte, n int) (end, cols int) {
	for end < len(c) {
		r, size := utf8.DecodeRune(c[end:])
		w := core.RuneWidth(r)
		if cols+w > n {
			break
		}
		cols += w
		end += size
	}
	return end, cols
}
