package render

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
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
		if core.Width(l) > 30 || !utf8.ValidString(l) {
			t.Errorf("a line of %d columns, or broken UTF-8: %q\n%s", core.Width(l), l, w.String())
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

// TestFitKeepsPortAndPID: shortened to fit, an address keeps its whole
// port and an owner its whole PID (Fit.Port, Fit.PID), down to where
// one more rune beside them and the "…" no longer fits; a cell with no
// port or PID is shortened as any other.
func TestFitKeepsPortAndPID(t *testing.T) {
	mapped := netip.MustParseAddr("::ffff:127.0.0.1")
	var socks []core.Socket
	for i, port := range []uint16{46200, 56520, 7} {
		socks = append(socks, core.Socket{Proto: core.TCP, Family: core.Inet6, State: core.Established,
			Local:  core.Endpoint{Addr: mapped, Port: port},
			Remote: &core.Endpoint{Addr: mapped, Port: 60000 + uint16(i)},
			Owners: []core.Owner{{PID: 1648800 + i, FD: 5, Proc: &core.Process{PID: 1648800 + i, Comm: "kube-controller", User: "root"}}}})
	}
	for _, width := range []int{68, 72, 80} { // 68: the least that keeps them, with headers shortened
		w := &sized{cols: width}
		if err := Sockets(w, socks, FormatTable, Options{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
		if !strings.Contains(w.String(), "…") {
			t.Fatalf("width %d: nothing was shortened, the test shows nothing:\n%s", width, w.String())
		}
		for i, l := range lines[1:] {
			f := strings.Fields(l)
			s := socks[i]
			if local := f[2]; !strings.HasSuffix(local, fmt.Sprintf(":%d", s.Local.Port)) {
				t.Errorf("width %d: LOCAL %q lost port %d:\n%s", width, local, s.Local.Port, w.String())
			}
			if remote := f[3]; !strings.HasSuffix(remote, fmt.Sprintf(":%d", s.Remote.Port)) {
				t.Errorf("width %d: REMOTE %q lost port %d:\n%s", width, remote, s.Remote.Port, w.String())
			}
			if owner := f[6]; !strings.HasPrefix(owner, fmt.Sprintf("%d/", s.Owners[0].PID)) {
				t.Errorf("width %d: PID/COMMAND %q lost PID %d:\n%s", width, owner, s.Owners[0].PID, w.String())
			}
		}
	}
	// too narrow for the port and one more rune: the middle, as any cell
	var f Fit
	f.Port = Columns(0)
	if head, tail := f.shortSplit([]byte("[::1]:46200"), 0, 7); head != 3 || tail != 3 {
		t.Errorf("7 runes for [::1]:46200: head %d, tail %d; want 3, 3", head, tail)
	}
	if head, tail := f.shortSplit([]byte("[::1]:46200"), 0, 8); head != 1 || tail != 6 {
		t.Errorf("8 runes for [::1]:46200: head %d, tail %d; want 1, 6", head, tail)
	}
	// not a port ("peer:…" is an inode, and shown whole all the same; a
	// path has none): the larger half at the start
	if head, tail := f.shortSplit([]byte("/run/some/app.sock"), 0, 9); head != 4 || tail != 4 {
		t.Errorf("a path: head %d, tail %d; want 4, 4", head, tail)
	}
	// a column that asks for neither: the port goes in the middle
	if head, tail := (&Fit{}).shortSplit([]byte("[::1]:46200"), 0, 8); head != 4 || tail != 3 {
		t.Errorf("no Port bit: head %d, tail %d; want 4, 3", head, tail)
	}
	f = Fit{PID: Columns(1)}
	if head, tail := f.shortSplit([]byte("1648800/kube-controller"), 1, 12); head != 8 || tail != 3 {
		t.Errorf("a PID: head %d, tail %d; want 8, 3", head, tail)
	}
	// a socket line keeps its local address and port: the first ":PORT"
	// that ends a word, not the colons of an IPv6 address or the remote's
	for _, tc := range []struct {
		line string
		want int
	}{
		{"tcp6 [::ffff:127.0.0.1]:46200 -> [::ffff:127.0.0.1]:47786 ESTABLISHED (fd 5)", len("tcp6 [::ffff:127.0.0.1]:46200")},
		{"tcp 10.0.0.1:80 LISTEN (fd 3)", len("tcp 10.0.0.1:80")},
		{"udp 0.0.0.0%eth0:68 UNCONN", len("udp 0.0.0.0%eth0:68")},
		{"unix /run/app.sock LISTEN", 0},
		{"/var/log/a:1b", 0},
		{"x:", 0},
	} {
		if got := localEnd([]byte(tc.line)); got != tc.want {
			t.Errorf("localEnd(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
	f = Fit{Local: Columns(4)}
	if n := f.kept([]byte("udp 0.0.0.0%ethé:68 UNCONN"), 4); n != len("udp 0.0.0.0%ethe:68") {
		t.Errorf("kept counts %d for a local address with a 2-byte rune, want runes: %d", n, len("udp 0.0.0.0%ethe:68"))
	}
	line := []byte("tcp6 [::ffff:127.0.0.1]:46200 -> [::ffff:127.0.0.1]:47786 ESTABLISHED (fd 5)")
	if head, tail := f.shortSplit(line, 4, 44); head != 29 || tail != 14 {
		t.Errorf("a socket line at 44: head %d, tail %d; want 29, 14", head, tail)
	}
}
