package render

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// sized is a writer to a terminal of the given width.
type sized struct {
	bytes.Buffer
	cols int
}

func (s *sized) Width() int { return s.cols }

// TestFitSocketTable: the socket table fits every width it can (no line
// wider), is printed whole when it already fits or when the writer tells
// no width, shortens only the columns that may be (never PROTO, STATE,
// the queues or FD) in the middle, and keeps its header unless it
// cannot fit otherwise.
func TestFitSocketTable(t *testing.T) {
	socks := sortedOdd(t)[:40]
	var whole bytes.Buffer
	if err := Sockets(&whole, socks, FormatTable, Options{Cmdline: true}); err != nil {
		t.Fatal(err)
	}
	natural := 0
	for _, l := range strings.Split(strings.TrimSuffix(whole.String(), "\n"), "\n") {
		natural = max(natural, utf8.RuneCountInString(l))
	}
	for _, width := range []int{40, 60, 80, 100, 132, natural, natural + 10} {
		w := &sized{cols: width}
		if err := Sockets(w, socks, FormatTable, Options{Cmdline: true}); err != nil {
			t.Fatal(err)
		}
		got := w.String()
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != strings.Count(whole.String(), "\n") {
			t.Fatalf("width %d: %d lines, want %d: a row became more than one", width, len(lines), strings.Count(whole.String(), "\n"))
		}
		for _, l := range lines {
			if utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: a line of %d:\n%s", width, utf8.RuneCountInString(l), l)
			}
		}
		if width >= natural && got != whole.String() {
			t.Errorf("width %d (the table is %d): changed:\n%s", width, natural, got)
		}
		// the fixed columns keep their cells: every state is there whole
		for i := range socks {
			if !strings.Contains(got, " "+string(socks[i].State)+" ") && width >= 80 {
				t.Errorf("width %d: state %s shortened:\n%s", width, socks[i].State, got)
				break
			}
		}
		if header := " " + strings.Join(strings.Fields(lines[0]), " ") + " "; width >= 60 && !strings.Contains(header, " PROTO STATE ") {
			t.Errorf("width %d: the headers of columns that are never shortened are not whole:\n%s", width, header)
		}
	}
}

// TestFitRows: a table of plain cells, shortened in the middle where it
// may be; a row with fewer cells ("... and 3 more") fits too; a cell of
// wide text is cut between runes.
func TestFitRows(t *testing.T) {
	w := &sized{cols: 30}
	err := AlignedFit(w, Fit{Width: w.cols, Header: true, Fixed: FixedBut(1, 2)}, func(t *Table) {
		for _, r := range [][]string{
			{"PID", "NAME", "WHAT"},
			{"12345", "/very/long/path/to/a/socket/file.sock", "LISTEN"},
			{"7", "日本語のプロセスの名前がとても長い", "x"},
			{"... and 3 more sockets in CLOSE_WAIT and TIME_WAIT"},
		} {
			for _, c := range r {
				t.Cell(c)
			}
			t.EndRow()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n") {
		if utf8.RuneCountInString(l) > 30 || !utf8.ValidString(l) {
			t.Errorf("a line of %d, or broken UTF-8: %q\n%s", utf8.RuneCountInString(l), l, w.String())
		}
	}
	if !strings.HasPrefix(w.String(), "PID") || !strings.Contains(w.String(), "12345 ") {
		t.Errorf("the PID column, which may not be shortened, was:\n%s", w.String())
	}
	if !strings.Contains(w.String(), "12345 /very/lo…ile.sock LISTEN\n") {
		t.Errorf("the path is not shortened in the middle:\n%s", w.String())
	}
	// no width: what tabwriter makes
	var b bytes.Buffer
	AlignedFit(&b, Fit{}, func(t *Table) { t.Cell("a"); t.Cell(strings.Repeat("b", 200)); t.EndRow() })
	if b.String() != tabRows([][]string{{"a", strings.Repeat("b", 200)}}) {
		t.Errorf("without a width the table changed: %q", b.String())
	}
}
