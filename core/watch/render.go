package watch

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

// SortKey is the order of the processes in a frame.
type SortKey string

const (
	SortCloseWait SortKey = "close-wait" // growth of CLOSE_WAIT, most first (the default)
	SortNow       SortKey = "now"        // sockets held now, most first
	SortChange    SortKey = "change"     // change of all states together, most first
	SortPID       SortKey = "pid"        // pid, lowest first
)

// SortKeys are the orders, each with the key that picks it on a terminal.
var SortKeys = []struct {
	Key    SortKey
	Letter byte
}{{SortCloseWait, 'c'}, {SortNow, 'n'}, {SortChange, 'g'}, {SortPID, 'p'}}

// ParseSort reads --sort.
func ParseSort(s string) (SortKey, error) {
	var names []string
	for _, k := range SortKeys {
		if string(k.Key) == strings.ToLower(strings.TrimSpace(s)) {
			return k.Key, nil
		}
		names = append(names, string(k.Key))
	}
	return "", core.Usagef("--sort: %q is not one of %s", s, strings.Join(names, ", "))
}

// Sort orders f's processes by k; ties go by pid, the sockets whose
// holder could not be seen, then those no process holds, last.
func (f *Frame) Sort(k SortKey) {
	metric := func(p *Proc) int {
		switch k {
		case SortNow:
			n, _ := p.Total()
			return n
		case SortChange:
			_, ch := p.Total()
			return ch
		case SortCloseWait:
			if c := p.Cell(core.TCP, core.CloseWait); c != nil {
				return c.Change()
			}
		}
		return 0
	}
	sort.SliceStable(f.Procs, func(i, j int) bool {
		a, b := f.Procs[i], f.Procs[j]
		if a.Key.Holder() != b.Key.Holder() {
			return a.Key.Holder()
		}
		if k != SortPID {
			if ma, mb := metric(a), metric(b); ma != mb {
				return ma > mb
			}
			if k == SortCloseWait { // then the most CLOSE_WAIT
				na, nb := cwNow(a), cwNow(b)
				if na != nb {
					return na > nb
				}
			}
		}
		if a.Key.PID != b.Key.PID {
			return a.Key.PID < b.Key.PID
		}
		return a.Key.Start < b.Key.Start
	})
}

func cwNow(p *Proc) int {
	if c := p.Cell(core.TCP, core.CloseWait); c != nil {
		return c.Now
	}
	return 0
}

// Label names a process as the tables do ("4242/java"), "-" for the
// sockets no process holds, core.UnknownHolderLabel for those whose
// holder could not be seen.
func (p *Proc) Label() string {
	switch p.Key {
	case ProcKey{}:
		return "-"
	case UnseenKey:
		return core.UnknownHolderLabel
	}
	return core.OwnerLabel(core.Owner{PID: p.Key.PID, FD: -1, Proc: p.Proc})
}

// live reports whether a cell has anything to show: sockets now, or a
// change since the process was first seen.
func (c *Cell) live() bool { return c.Now > 0 || c.Base > 0 || c.Opened > 0 || c.Released > 0 }

// Rows counts the table rows of f: one per live cell.
func (f *Frame) Rows() int {
	n := 0
	for _, p := range f.Procs {
		for _, c := range p.cells {
			if c.live() {
				n++
			}
		}
	}
	return n
}

// WriteTable prints f (sorted) as an aligned table, a row per process and
// state, at most maxRows rows (0: all) and then a line saying how many
// more there are. The process is named on its first row. Written to a
// terminal (render.WidthOf), the table fits its width by shortening the
// process's name, its PID kept whole, never the counts or the NOTE,
// which is the verdict the view is for.
func WriteTable(w io.Writer, f *Frame, maxRows int) error {
	total := f.Rows()
	fit := render.Fit{Width: render.WidthOf(w), Header: true, Fixed: render.FixedBut(0), PID: render.Columns(0)}
	return render.AlignedFit(w, fit, func(t *render.Table) {
		for _, h := range []string{"PID/COMMAND", "STATE", "NOW", "CHANGE", "RATE/MIN", "OPENED", "RELEASED", "NOTE"} {
			t.Cell(h)
		}
		t.EndRow()
		n := 0
		for _, p := range f.Procs {
			label := p.Label()
			v, _, _, perMin := p.CloseWait(f.Time)
			for _, c := range p.Cells() {
				if !c.live() {
					continue
				}
				if maxRows > 0 && n == maxRows {
					t.Cell("... and " + core.Plural(total-n, "more row"))
					t.EndRow()
					return
				}
				n++
				t.Cell(label)
				label = ""
				st := string(c.State)
				if c.Proto != core.TCP {
					st = string(c.Proto) + " " + st
				}
				t.Cell(st)
				t.Cell(strconv.Itoa(c.Now))
				t.Cell(signed(c.Change()))
				t.Cell(rate(Rate(c.Change(), f.Time.Sub(p.First))))
				t.Cell(strconv.Itoa(c.Opened))
				t.Cell(strconv.Itoa(c.Released))
				note := ""
				if c.Proto == core.TCP && c.State == core.CloseWait && v != Steady {
					note = string(v) + " ~" + approx(perMin) + "/min"
				}
				t.Cell(note)
				t.EndRow()
			}
		}
	})
}

// signed is n with its sign: "+36", "-2", "0".
func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// rate is a rate a minute as the table shows it: one decimal, signed.
func rate(r float64) string {
	s := strconv.FormatFloat(r, 'f', 1, 64)
	switch s {
	case "0.0", "-0.0":
		return "0"
	}
	if r > 0 {
		return "+" + s
	}
	return s
}

// approx is a rate for a sentence: whole from 10 up, one decimal under.
func approx(r float64) string {
	if r >= 10 || r <= -10 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// maxNamed is how many growing processes the closing line names.
const maxNamed = 3

// Summary is the closing line of a refresh: what grows. "4242/java: +36
// CLOSE_WAIT in 1m, 0 released: leaking ~36/min"; the first refresh
// has nothing to compare with.
func Summary(f *Frame) string {
	if f.Refresh == 1 {
		n := 0
		for _, p := range f.Procs {
			now, _ := p.Total()
			n += now
		}
		return "First look: " + core.Plural(n, "socket") + ", " + core.Plural(procCount(f), "process") +
			" holding some" + unseenClause(f) + "; what grows shows from the next refresh."
	}
	return summaryGrowth(f) + unseenSentence(f)
}

// unseenClause says, in the first look, how many sockets show no holder
// because it could not be seen, and how many the owner filters left out
// for it ("" when none): never "0 processes" alone.
func unseenClause(f *Frame) string {
	s := ""
	if f.Unknown > 0 {
		s = ", and " + core.Plural(f.Unknown, "socket") + " whose holders could not be seen (" + f.Unseen.What() + ")"
	}
	if f.Undecided > 0 {
		s += ", and " + undecided(f)
	}
	return s
}

// unseenSentence is unseenClause after a later refresh's summary.
func unseenSentence(f *Frame) string {
	s := ""
	if f.Unknown > 0 {
		s = " The holders of " + core.Plural(f.Unknown, "socket") + " could not be seen (" + f.Unseen.What() + "): they count under " + core.UnknownHolderLabel + "."
	}
	if f.Undecided > 0 {
		s += " " + undecided(f) + "." // it starts with a number
	}
	return s
}

// undecided says how many sockets the owner filters left out because
// their holders could not be seen: "4 sockets left out by --pid 4242,
// whose holders could not be seen (1 process could not be inspected)".
func undecided(f *Frame) string {
	return core.Plural(f.Undecided, "socket") + " left out by " + f.OwnerFlags + ", whose holders could not be seen (" + f.Unseen.What() + ")"
}

// summaryGrowth is Summary after the first refresh: what grows.
func summaryGrowth(f *Frame) string {
	type grow struct {
		p                *Proc
		v                Verdict
		change, released int
		perMin           float64
	}
	var gs []grow
	for _, p := range f.Procs {
		if v, ch, rel, r := p.CloseWait(f.Time); v != Steady {
			gs = append(gs, grow{p, v, ch, rel, r})
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].change > gs[j].change })
	var parts []string
	for i, g := range gs {
		if i == maxNamed {
			parts = append(parts, "and "+strconv.Itoa(len(gs)-i)+" more")
			break
		}
		parts = append(parts, g.p.Label()+": "+signed(g.change)+" CLOSE_WAIT in "+Span(f.Time.Sub(g.p.First))+
			", "+strconv.Itoa(g.released)+" released: "+string(g.v)+" ~"+approx(g.perMin)+"/min")
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	// No CLOSE_WAIT grows: name the largest growth there is, if any.
	var best *Cell
	var bestP *Proc
	for _, p := range f.Procs {
		for _, c := range p.Cells() {
			if c.Change() > 0 && (best == nil || c.Change() > best.Change()) {
				best, bestP = c, p
			}
		}
	}
	if best == nil {
		return "Nothing grows."
	}
	st := string(best.State)
	if best.Proto != core.TCP {
		st = string(best.Proto) + " " + st
	}
	return "No CLOSE_WAIT grows; the most growth: " + bestP.Label() + " " + signed(best.Change()) + " " + st +
		" in " + Span(f.Time.Sub(bestP.First)) + "."
}

func procCount(f *Frame) int {
	n := 0
	for _, p := range f.Procs {
		if p.Key.Holder() {
			n++
		}
	}
	return n
}

// Span is how long watch shows a span of time, in its heading ("for 1m")
// and its closing line ("in 1m") alike: FormatDuration of it rounded to a
// second from one second up (refreshes come every few seconds, so "1m",
// not "59s", for a minute of watching), in milliseconds under that.
func Span(d time.Duration) string {
	if d >= time.Second {
		d = d.Round(time.Second)
	}
	return core.FormatDuration(d)
}

// WriteJSONL prints f (sorted) as one JSON object on one line
// (docs/watch.md has its fields).
func WriteJSONL(w io.Writer, f *Frame) error {
	e := render.NewJSON(w, false)
	e.Object()
	e.IntKey("refresh", int64(f.Refresh))
	e.Str("time", f.Time.UTC().Format(time.RFC3339Nano))
	e.IntKey("elapsed_ms", f.Elapsed.Milliseconds())
	e.Key("processes")
	e.Array()
	for _, p := range f.Procs {
		e.Object()
		if !p.Key.Holder() {
			e.NullKey("pid")
			e.NullKey("comm")
			if p.Key == UnseenKey {
				e.BoolKey("unknown_holder", true)
			}
		} else {
			e.IntKey("pid", int64(p.Key.PID))
			if p.Proc != nil {
				e.Text("comm", p.Proc.Comm)
			} else {
				e.NullKey("comm")
			}
			e.UintKey("start", p.Key.Start)
		}
		e.IntKey("watched_ms", f.Time.Sub(p.First).Milliseconds())
		e.Key("states")
		e.Array()
		for _, c := range p.Cells() {
			if !c.live() {
				continue
			}
			e.Object()
			e.Str("proto", string(c.Proto))
			e.Str("state", string(c.State))
			e.IntKey("now", int64(c.Now))
			e.IntKey("change", int64(c.Change()))
			e.IntKey("opened", int64(c.Opened))
			e.IntKey("released", int64(c.Released))
			e.FloatKey("rate_per_min", round1(Rate(c.Change(), f.Time.Sub(p.First))))
			e.End()
		}
		e.End()
		v, ch, rel, r := p.CloseWait(f.Time)
		e.Key("close_wait")
		e.Object()
		e.Str("verdict", string(v))
		e.IntKey("change", int64(ch))
		e.IntKey("released", int64(rel))
		e.FloatKey("rate_per_min", round1(r))
		e.End()
		e.End()
	}
	e.End()
	e.Str("summary", Summary(f))
	e.End()
	e.Line()
	return e.Flush()
}

// round1 rounds to one decimal, as the table shows rates.
func round1(r float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'f', 1, 64), 64)
	if v == 0 {
		return 0 // not -0
	}
	return v
}
