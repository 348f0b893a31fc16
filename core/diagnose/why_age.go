package diagnose

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
)

// Telling a leak from a burst: how long the CLOSE_WAIT (and FIN_WAIT2,
// TIME_WAIT) sockets of the port have been idle (core/idle.go). A program
// that is slow but sound closes a CLOSE_WAIT within seconds of the peer's
// FIN; one idle for OldAfter was forgotten.

// OldAfter is how long a socket must have been idle to count as old:
// forgotten, not waiting its turn.
const OldAfter = 10 * time.Minute

// ageEdges bound the buckets of the distribution: under 1m, 1m-10m,
// 10m-1h, 1h and more.
var ageEdges = []time.Duration{time.Minute, OldAfter, time.Hour}

// AgeVerdict is what the idle times of a state's sockets say.
type AgeVerdict string

const (
	AgeLeak    AgeVerdict = "leak"    // some idle longer than OldAfter: forgotten
	AgeBurst   AgeVerdict = "burst"   // every one idle (or made) less than OldAfter ago
	AgeUnclear AgeVerdict = "unclear" // only ages, some of them old: a leak or long connections
	AgeUnknown AgeVerdict = "unknown" // no idle time or age known
)

// AgeNote is how long the sockets of one state on the port have been idle.
type AgeNote struct {
	State core.State
	Count int // sockets in the state
	// Known have a measured idle time; Buckets count them by it (edges
	// ageEdges, the last one open), Old those idle longer than OldAfter.
	Known, Old     int
	Buckets        []int
	Oldest, Newest time.Duration
	// OldProcs hold the old ones, most first.
	OldProcs []ProcCount
	// Aged have only an age (Solaris, illumos: when they were made), an
	// upper bound of their idle time; Young of them were made less than
	// OldAfter ago, MaxAge is the largest.
	Aged, Young int
	MaxAge      time.Duration
	Verdict     AgeVerdict
}

// ageStates are the states why gives the idle times of, in its order.
var ageStates = []core.State{core.CloseWait, core.FinWait2, core.TimeWait}

// Ages returns the idle times of the port's CLOSE_WAIT, FIN_WAIT2 and
// TIME_WAIT sockets, one note per state present, in that order.
func Ages(socks []core.Socket) []AgeNote {
	var notes []AgeNote
	for _, st := range ageStates {
		n := AgeNote{State: st, Buckets: make([]int, len(ageEdges)+1)}
		old := map[int]*ProcCount{}
		for i := range socks {
			s := &socks[i]
			if s.State != st || s.Proto != core.TCP || st == core.FinWait2 && len(s.Owners) == 0 {
				continue // an orphaned FIN_WAIT2 has its timer note (TimerNote)
			}
			n.Count++
			if d, ok := s.Idle.Exact(); ok {
				if n.Known == 0 || d > n.Oldest {
					n.Oldest = d
				}
				if n.Known == 0 || d < n.Newest {
					n.Newest = d
				}
				n.Known++
				n.Buckets[sort.Search(len(ageEdges), func(j int) bool { return d < ageEdges[j] })]++
				if d > OldAfter {
					n.Old++
					countBy(old, onePerProcess(s.Owners))
				}
			} else if d, ok := s.Idle.Age(); ok {
				n.Aged++
				if d < OldAfter {
					n.Young++
				}
				if d > n.MaxAge {
					n.MaxAge = d
				}
			}
		}
		if n.Count == 0 {
			continue
		}
		n.OldProcs = sortedCounts(old)
		switch {
		case n.Old > 0:
			n.Verdict = AgeLeak
		case n.Known+n.Aged == 0:
			n.Verdict = AgeUnknown
		case n.Aged > n.Young:
			n.Verdict = AgeUnclear
		default:
			n.Verdict = AgeBurst
		}
		notes = append(notes, n)
	}
	return notes
}

// age is the note of state st, nil when the port has no such socket.
func (d *Why) age(st core.State) *AgeNote {
	for i := range d.Ages {
		if d.Ages[i].State == st {
			return &d.Ages[i]
		}
	}
	return nil
}

// Message is the note in one sentence: what the idle times say, for port.
func (n *AgeNote) Message(target string) string {
	old := core.FormatDuration(OldAfter)
	// which of them: "38 of 40 have", "All 6 have", "It has"
	which := func(k int) string {
		switch {
		case n.Count == 1:
			return "It has"
		case k == n.Count:
			return "All " + strconv.Itoa(k) + " have"
		case k == 1:
			return "1 of " + strconv.Itoa(n.Count) + " has"
		}
		return strconv.Itoa(k) + " of " + strconv.Itoa(n.Count) + " have"
	}
	watch := "gosof watch " + target + " shows whether they keep growing"
	switch n.Verdict {
	case AgeLeak:
		s := fmt.Sprintf("%s been idle for more than %s (the oldest %s): ", which(n.Old), old, core.FormatDuration(n.Oldest))
		if n.Count == 1 {
			s = fmt.Sprintf("It has been idle for %s: ", core.FormatDuration(n.Oldest))
		}
		who := "a process gosof could not see"
		if len(n.OldProcs) > 0 {
			who = procCountsLabel(n.OldProcs)
		}
		if n.State != core.CloseWait { // FIN_WAIT2 held by a process
			return s + "the peer has not closed its end for that long; " + who + " keeps waiting."
		}
		s += "a leak in " + who
		if n.Old == n.Count {
			return s + ", not a burst."
		}
		return s + fmt.Sprintf("; the other %d %s recent.", n.Count-n.Old, core.ByCount(n.Count-n.Old, "is", "are"))
	case AgeBurst:
		if n.Known == 0 {
			return fmt.Sprintf("%s been made less than %s ago, so idle for less: a burst, not a leak yet (%s).", which(n.Count), old, watch)
		}
		s := fmt.Sprintf("%s been idle for less than %s (the oldest %s)", which(n.Known), old, core.FormatDuration(n.Oldest))
		if n.Known < n.Count {
			s += "; the others' idle time is not known"
		}
		if n.State == core.CloseWait {
			return s + ": a burst, not a leak yet; they go when the program closes them (" + watch + ")."
		}
		return s + "."
	case AgeUnclear:
		return fmt.Sprintf("%s been made more than %s ago (the oldest %s ago); this system tells when a connection was made, not when it was last used, "+
			"so a leak cannot be told from long connections whose peers closed late.", which(n.Aged-n.Young), old, core.FormatDuration(n.MaxAge))
	}
	return "How long they have been idle is not known here: Linux tells it through netlink (not /proc/net, --proc-net); " +
		"Solaris and illumos tell when a connection was made, and a capture only with its host's clock."
}

// Release is the command that releases the old ones only (those that
// come meanwhile are spared): close, the command that releases every
// CLOSE_WAIT (Why.CloseWaitCommand), narrowed with --idle; "" when there
// is none to give (no old CLOSE_WAIT measured).
func (n *AgeNote) Release(close string) string {
	if n.State != core.CloseWait || n.Verdict != AgeLeak || close == "" {
		return ""
	}
	return close + " --idle " + core.FormatDuration(OldAfter)
}

// distribution is the known idle times by bucket: "under 1m 2, 1m-10m 0,
// 10m-1h 3, 1h and more 35".
func (n *AgeNote) distribution() string {
	var parts []string
	for i, c := range n.Buckets {
		var label string
		switch {
		case i == 0:
			label = "under " + core.FormatDuration(ageEdges[0])
		case i == len(ageEdges):
			label = core.FormatDuration(ageEdges[i-1]) + " and more"
		default:
			label = core.FormatDuration(ageEdges[i-1]) + "-" + core.FormatDuration(ageEdges[i])
		}
		parts = append(parts, label+" "+strconv.Itoa(c))
	}
	return strings.Join(parts, ", ")
}

// procCountsLabel is "4242/java" or "4242/java (30) and 4243/java (8)".
func procCountsLabel(pcs []ProcCount) string {
	var names []string
	for _, pc := range pcs {
		n := core.OwnerLabel(pc.Owner)
		if len(pcs) > 1 {
			n += " (" + strconv.Itoa(pc.Count) + ")"
		}
		names = append(names, n)
	}
	return joinAnd(names)
}

// writeAges prints what the idle times of state st's sockets say, under
// that state's section: the verdict, the distribution, and for a leak
// beside recent ones the command that releases only the old.
func writeAges(b *strings.Builder, d *Why, n *AgeNote) {
	if n == nil {
		return
	}
	if n.State == core.TimeWait {
		if n.Known > 1 && n.Oldest > 0 {
			// They leave as they came: so many in their first Oldest.
			fmt.Fprintf(b, "  In TIME_WAIT for %s to %s: this side closes about %s connections a second.\n",
				core.FormatDuration(n.Newest), core.FormatDuration(n.Oldest), perSecond(n.Known, n.Oldest))
		}
		return
	}
	b.WriteString(core.Wrap("  ", "  ", n.Message(d.Target())))
	if n.Known > 1 {
		b.WriteString(core.Wrap("  Idle times: ", "    ", n.distribution()+"."))
	}
	if r := n.Release(d.CloseWaitCommand()); r != "" {
		fmt.Fprintf(b, "  To release only the old ones:  %s\n", r)
	}
}

// perSecond is n in d as a rate a second: "833", "2.5", "0.05".
func perSecond(n int, d time.Duration) string {
	r := float64(n) / d.Seconds()
	switch {
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'g', 2, 64)
}

// writeFinWait2Ages prints the idle times of the FIN_WAIT2 connections
// processes hold, a section of its own: why has none for them otherwise.
func writeFinWait2Ages(b *strings.Builder, d *Why, n *AgeNote) {
	if n == nil || n.Known+n.Aged == 0 {
		return
	}
	fmt.Fprintf(b, "\nFIN_WAIT2: %s whose peer has not closed its end yet.\n", core.Plural(n.Count, "connection"))
	writeAges(b, d, n)
}

// agesJSON writes the notes as the "idle" array of why --json.
func agesJSON(e *render.JSON, d *Why, notes []AgeNote) {
	e.Array()
	for i := range notes {
		n := &notes[i]
		e.Object()
		e.Str("state", string(n.State))
		e.IntKey("count", int64(n.Count))
		e.IntKey("known", int64(n.Known))
		e.IntKey("old_after_ms", OldAfter.Milliseconds())
		e.IntKey("old", int64(n.Old))
		if n.Known > 0 {
			e.IntKey("oldest_ms", n.Oldest.Milliseconds())
			e.IntKey("newest_ms", n.Newest.Milliseconds())
		} else {
			e.NullKey("oldest_ms")
			e.NullKey("newest_ms")
		}
		e.Key("buckets")
		e.Array()
		for j, c := range n.Buckets {
			e.Object()
			if j < len(ageEdges) {
				e.IntKey("under_ms", ageEdges[j].Milliseconds())
			} else {
				e.NullKey("under_ms")
			}
			e.IntKey("count", int64(c))
			e.End()
		}
		e.End()
		e.Key("old_processes")
		procCounts(e, n.OldProcs)
		e.IntKey("aged", int64(n.Aged))
		e.IntKey("young", int64(n.Young))
		if n.Aged > 0 {
			e.IntKey("max_age_ms", n.MaxAge.Milliseconds())
		} else {
			e.NullKey("max_age_ms")
		}
		e.Str("verdict", string(n.Verdict))
		e.Str("message", n.Message(d.Target()))
		if r := n.Release(d.CloseWaitCommand()); r != "" {
			e.Str("release", r)
		} else {
			e.NullKey("release")
		}
		e.End()
	}
	e.End()
}
