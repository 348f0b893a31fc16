package core

import (
	"runtime"
	"runtime/debug"
)

// ResolveToPrint is Resolve for a run that prints the whole result next
// (ls, who), with the garbage collector tuned for it.
func (r *Resolver) ResolveToPrint(f *Filter) (*Result, error) {
	// Gathering allocates little once the sockets are listed, but the
	// scan has every core and a collection takes one of them for its mark:
	// collect less often meanwhile (GOGC 200: 'who' at 100k descriptors
	// 229 -> 215 ms, 'ls' 319 -> 306 ms; 400 saved no more and let RSS grow).
	gc := debug.SetGCPercent(200)
	res, err := r.Resolve(f)
	debug.SetGCPercent(gc)
	if err != nil {
		return nil, err
	}
	// A collection that overlapped the socket dump counts the slices that
	// grew meanwhile as live, and sets the next goal at twice that: the
	// table built next could then take the heap to 35 MB and RSS past
	// 40 MiB for `gosof ls` at 100k descriptors (1 run in ~15). Collect
	// now, so the goal is twice what rendering really starts from.
	runtime.GC()
	return res, nil
}
