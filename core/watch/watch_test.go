package watch

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func proc(pid int, start uint64, comm string) *core.Process {
	return &core.Process{PID: pid, Start: start, Comm: comm}
}

// sock is a TCP socket of inode ino in state st held by procs.
func sock(ino uint64, st core.State, procs ...*core.Process) core.Socket {
	s := core.Socket{Proto: core.TCP, Family: core.Inet, State: st, Inode: ino,
		Local:  core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: 8080},
		Remote: &core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(40000 + ino)}}
	for _, p := range procs {
		s.Owners = append(s.Owners, core.Owner{PID: p.PID, FD: int(ino), Proc: p})
	}
	return s
}

// timeWait is a TIME_WAIT (no inode, no owner) from client port p.
func timeWait(p uint16) core.Socket {
	s := sock(0, core.TimeWait)
	s.Remote.Port = p
	return s
}

// checkCells holds every cell to Now = Base + Opened - Released.
func checkCells(t *testing.T, f *Frame) {
	t.Helper()
	for _, p := range f.Procs {
		for _, c := range p.Cells() {
			if c.Now != c.Base+c.Opened-c.Released {
				t.Errorf("refresh %d, %s %s: now %d, base %d + opened %d - released %d", f.Refresh, p.Label(), c.State, c.Now, c.Base, c.Opened, c.Released)
			}
		}
	}
}

func find(f *Frame, pid int, start uint64) *Proc {
	for _, p := range f.Procs {
		if p.Key == (ProcKey{pid, start}) {
			return p
		}
	}
	return nil
}

// TestTracker: what a process holds is followed from refresh to refresh,
// sockets moving between states, appearing and vanishing; a process that
// keeps its CLOSE_WAITs leaks, one that closes them is steady; a pid
// reused by another process (another start time) is another row.
func TestTracker(t *testing.T) {
	java := proc(4242, 100, "java")
	nginx := proc(4300, 200, "nginx")
	tr := NewTracker()
	f := tr.Update(t0, []core.Socket{
		sock(1, core.Established, java), sock(2, core.Established, java), sock(3, core.CloseWait, java),
		sock(10, core.CloseWait, nginx), sock(11, core.Established, nginx, nginx), // one socket, two descriptors
		timeWait(50000),
	})
	checkCells(t, f)
	if len(f.Procs) != 3 || f.Refresh != 1 || f.Elapsed != 0 {
		t.Fatalf("refresh 1: %d processes, refresh %d", len(f.Procs), f.Refresh)
	}
	if c := find(f, 4300, 200).Cell(core.TCP, core.Established); c.Now != 1 {
		t.Errorf("a socket held through two descriptors counts once: %d", c.Now)
	}
	if !strings.HasPrefix(Summary(f), "First look: 6 sockets, 2 processes") {
		t.Errorf("summary %q", Summary(f))
	}
	// A minute later: java's 2 moved to CLOSE_WAIT, 1 is gone, 4 and 5 are
	// new CLOSE_WAITs; nginx closed its CLOSE_WAIT and got another; the
	// TIME_WAIT expired and two others came.
	f = tr.Update(t0.Add(time.Minute), []core.Socket{
		sock(2, core.CloseWait, java), sock(3, core.CloseWait, java), sock(4, core.CloseWait, java), sock(5, core.CloseWait, java),
		sock(11, core.Established, nginx), sock(12, core.CloseWait, nginx),
		timeWait(50001), timeWait(50002),
	})
	checkCells(t, f)
	j := find(f, 4242, 100)
	cw := j.Cell(core.TCP, core.CloseWait)
	if cw.Now != 4 || cw.Base != 1 || cw.Opened != 3 || cw.Released != 0 || cw.Change() != 3 {
		t.Errorf("java CLOSE_WAIT: %+v", *cw)
	}
	if es := j.Cell(core.TCP, core.Established); es.Now != 0 || es.Released != 2 {
		t.Errorf("java ESTABLISHED: %+v", *es)
	}
	if v, ch, rel, r := j.CloseWait(f.Time); v != Leaking || ch != 3 || rel != 0 || r != 3 {
		t.Errorf("java: %s %d %d %v, want leaking +3, 0 released, 3/min", v, ch, rel, r)
	}
	if v, _, rel, _ := find(f, 4300, 200).CloseWait(f.Time); v != Steady || rel != 1 {
		t.Errorf("nginx: %s, %d released; want steady, 1", v, rel)
	}
	if tw := find(f, 0, 0).Cell(core.TCP, core.TimeWait); tw.Now != 2 || tw.Opened != 2 || tw.Released != 1 {
		t.Errorf("TIME_WAIT: %+v", *tw)
	}
	if got, want := Summary(f), "4242/java: +3 CLOSE_WAIT in 1m, 0 released: leaking ~3.0/min"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// 4242 exits and its pid goes to another process: a row of its own,
	// starting from what it holds; nginx exits.
	other := proc(4242, 900, "java")
	f = tr.Update(t0.Add(2*time.Minute), []core.Socket{sock(20, core.CloseWait, other), sock(21, core.CloseWait, other)})
	checkCells(t, f)
	if len(f.Procs) != 1 {
		t.Fatalf("%d processes after the exits, want the new one", len(f.Procs))
	}
	p := f.Procs[0]
	if p.Key != (ProcKey{4242, 900}) || !p.First.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("the reused pid: %+v, first seen %v", p.Key, p.First)
	}
	if v, ch, _, _ := p.CloseWait(f.Time); v != Steady || ch != 0 {
		t.Errorf("the new process: %s %+d, want steady: its CLOSE_WAITs are where it starts", v, ch)
	}
	if got := Summary(f); got != "Nothing grows." {
		t.Errorf("summary %q", got)
	}
}

// TestTrackerGrowing: a process that closes some CLOSE_WAITs but keeps
// more is growing, not leaking; the rows and the JSON line say so.
func TestTrackerGrowing(t *testing.T) {
	p := proc(7, 1, "srv")
	tr := NewTracker()
	tr.Update(t0, []core.Socket{sock(1, core.CloseWait, p), sock(2, core.CloseWait, p)})
	f := tr.Update(t0.Add(30*time.Second), []core.Socket{sock(2, core.CloseWait, p), sock(3, core.CloseWait, p), sock(4, core.CloseWait, p), sock(5, core.Listen, p)})
	checkCells(t, f)
	f.Sort(SortCloseWait)
	if v, ch, rel, r := f.Procs[0].CloseWait(f.Time); v != Growing || ch != 1 || rel != 1 || r != 2 {
		t.Errorf("%s %d %d %v", v, ch, rel, r)
	}
	var b bytes.Buffer
	if err := WriteJSONL(&b, f); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Errorf("not one line: %q", b.String())
	}
	var j struct {
		Refresh   int   `json:"refresh"`
		ElapsedMS int64 `json:"elapsed_ms"`
		Processes []struct {
			PID    *int `json:"pid"`
			States []struct {
				State string  `json:"state"`
				Now   int     `json:"now"`
				Rate  float64 `json:"rate_per_min"`
			} `json:"states"`
			CloseWait struct {
				Verdict string  `json:"verdict"`
				Rate    float64 `json:"rate_per_min"`
			} `json:"close_wait"`
		} `json:"processes"`
		Summary string `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if j.Refresh != 2 || j.ElapsedMS != 30000 || len(j.Processes) != 1 || *j.Processes[0].PID != 7 ||
		j.Processes[0].CloseWait.Verdict != "growing" || j.Processes[0].CloseWait.Rate != 2 ||
		len(j.Processes[0].States) != 2 || j.Processes[0].States[0].State != "LISTEN" || j.Summary != "7/srv: +1 CLOSE_WAIT in 30s, 1 released: growing ~2.0/min" {
		t.Errorf("%+v", j)
	}
	var tb bytes.Buffer
	if err := WriteTable(&tb, f, 0); err != nil {
		t.Fatal(err)
	}
	want := "PID/COMMAND  STATE       NOW  CHANGE  RATE/MIN  OPENED  RELEASED  NOTE\n" +
		"7/srv        LISTEN      1    +1      +2.0      1       0         \n" +
		"             CLOSE_WAIT  3    +1      +2.0      2       1         growing ~2.0/min\n"
	if tb.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", tb.String(), want)
	}
	tb.Reset()
	WriteTable(&tb, f, 1)
	if !strings.HasSuffix(tb.String(), "... and 1 more row\n") {
		t.Errorf("cut table:\n%s", tb.String())
	}
}

// sized is a writer to a terminal of the given width.
type sized struct {
	bytes.Buffer
	cols int
}

func (s *sized) Width() int { return s.cols }

// TestWriteTableFits: on a terminal narrower than the table, the
// process's name is what gets shortened, its PID whole; the state, the
// counts and the NOTE (the verdict) stay whole.
func TestWriteTableFits(t *testing.T) {
	p := proc(4194303, 1, "java-app-server")
	tr := NewTracker()
	tr.Update(t0, []core.Socket{sock(1, core.CloseWait, p)})
	var socks []core.Socket
	for i := uint64(1); i <= 40; i++ {
		socks = append(socks, sock(i, core.CloseWait, p))
	}
	f := tr.Update(t0.Add(time.Minute), socks)
	f.Sort(SortCloseWait)
	var whole bytes.Buffer
	if err := WriteTable(&whole, f, 0); err != nil {
		t.Fatal(err)
	}
	note := "leaking ~39/min"
	if !strings.Contains(whole.String(), note) {
		t.Fatalf("no %q in the table:\n%s", note, whole.String())
	}
	w := &sized{cols: 74}
	if err := WriteTable(w, f, 0); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 74 {
			t.Errorf("a line of %d at 74 columns: %q", n, l)
		}
	}
	if !strings.Contains(w.String(), note) || !strings.Contains(w.String(), "4194303/") || !strings.Contains(w.String(), "…") {
		t.Errorf("at 74 columns the NOTE or the PID was cut, or nothing was shortened:\n%s", w.String())
	}
}

// TestSort: each key orders the processes; the sockets no process holds
// come last; ties go by pid.
func TestSort(t *testing.T) {
	a, b, c := proc(30, 1, "a"), proc(10, 1, "b"), proc(20, 1, "c")
	tr := NewTracker()
	tr.Update(t0, []core.Socket{sock(1, core.Established, a), sock(2, core.Established, a), sock(3, core.Established, a)})
	f := tr.Update(t0.Add(time.Minute), []core.Socket{
		sock(1, core.Established, a), sock(2, core.Established, a), sock(3, core.Established, a),
		sock(4, core.CloseWait, b), sock(5, core.CloseWait, c), sock(6, core.CloseWait, c), timeWait(1), timeWait(2), timeWait(3), timeWait(4),
	})
	for _, tc := range []struct {
		k    SortKey
		want string
	}{
		// b and c appeared at this refresh: their changes start at 0
		{SortCloseWait, "20 10 30 0"}, {SortNow, "30 20 10 0"}, {SortChange, "10 20 30 0"}, {SortPID, "10 20 30 0"},
	} {
		f.Sort(tc.k)
		var got []string
		for _, p := range f.Procs {
			got = append(got, strconv.Itoa(p.Key.PID))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("sort %s: %v, want %s", tc.k, got, tc.want)
		}
	}
	if _, err := ParseSort("bogus"); err == nil {
		t.Error("ParseSort(bogus): no error")
	}
}

// TestTrackerNamespaces: under -A, two TIME_WAITs with the same ends in
// two network namespaces (a container and the host running the same
// client and server) are two sockets; their ends alone are not unique.
func TestTrackerNamespaces(t *testing.T) {
	a, b := timeWait(50000), timeWait(50000)
	a.NetNS, b.NetNS = 4026531840, 4026532999
	f := NewTracker().Update(t0, []core.Socket{a, b})
	if !strings.HasPrefix(Summary(f), "First look: 2 sockets") {
		t.Errorf("summary %q, want 2 sockets", Summary(f))
	}
}

// TestUnseenHolderIsNotNoHolder: a socket whose holder could not be seen
// and one no process holds are two rows, "unknown" and "-"; both counted
// "-" before, which says no process holds them.
func TestUnseenHolderIsNotNoHolder(t *testing.T) {
	hidden := sock(7, core.Listen)
	res := &core.Result{Sockets: []core.Socket{hidden, timeWait(41000)}, Unseen: core.Unseen{Denied: 3}}
	f := NewTracker().UpdateResult(t0, res)
	f.Sort(SortPID)
	var labels []string
	for _, p := range f.Procs {
		labels = append(labels, p.Label())
	}
	if strings.Join(labels, ",") != "unknown,-" || f.Unknown != 1 || procCount(f) != 0 {
		t.Errorf("rows %q, %d unknown, %d processes; want unknown,- and 1 unknown, no process", labels, f.Unknown, procCount(f))
	}
	var b bytes.Buffer
	if err := WriteTable(&b, f, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nunknown      LISTEN") || !strings.Contains(b.String(), "\n-            TIME_WAIT") {
		t.Errorf("table:\n%s", b.String())
	}
	// A socket the platform marked HolderUnknown has no holder seen, even
	// when nothing else was denied.
	hidden.HolderUnknown = true
	f = NewTracker().Update(t0, []core.Socket{hidden})
	if len(f.Procs) != 1 || f.Procs[0].Label() != "unknown" {
		t.Errorf("a HolderUnknown socket counts under %q, want unknown", f.Procs[0].Label())
	}
}

// TestUndecidedIsNotNothing: the sockets an owner filter left out because
// their holders could not be seen are said in the closing line, first and
// later; it said "First look: 0 sockets, 0 processes holding some" and
// then "Nothing grows.", as if nothing were there.
func TestUndecidedIsNotNothing(t *testing.T) {
	tr := NewTracker()
	tr.OwnerFlags = "--pid 4242"
	res := &core.Result{Undecided: []core.Socket{sock(7, core.Listen), sock(8, core.CloseWait)}, Unseen: core.Unseen{Denied: 1}}
	const said = "2 sockets left out by --pid 4242, whose holders could not be seen (1 process could not be inspected)"
	for _, want := range []string{
		"First look: 0 sockets, 0 processes holding some, and " + said + "; what grows shows from the next refresh.",
		"Nothing grows. " + said + ".",
	} {
		f := tr.UpdateResult(t0, res)
		if got := Summary(f); got != want {
			t.Errorf("refresh %d: summary\n%q, want\n%q", f.Refresh, got, want)
		}
	}
}
