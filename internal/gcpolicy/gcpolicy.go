// Package gcpolicy is the garbage collector's policy for a gosof command
// that gathers a result and then prints it whole (ls, who). The command
// sets it, in one place; no library package sets process-wide GC policy.
package gcpolicy

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/gosof/gosof/core"
)

// ForPrint returns resolve (a core.Resolver's Resolve) run with the
// garbage collector tuned for a result printed whole next.
//
// Gathering allocates little once the sockets are listed, but the scan
// has every core and a collection takes one of them for its mark: collect
// less often meanwhile (GOGC 200: 'who' at 100k descriptors 229 -> 215
// ms, 'ls' 319 -> 306 ms; 400 saved no more and let RSS grow).
//
// A collection that overlapped the socket dump counts the slices that
// grew meanwhile as live, and sets the next goal at twice that: the table
// built next could then take the heap to 35 MB and RSS past 40 MiB for
// `gosof ls` at 100k descriptors (1 run in ~15). So it collects once
// resolve returns, when the heap holds at least gcBeforePrint, so that
// the goal is twice what rendering really starts from. On a small heap
// that goal is small anyway, and the collection is only cost: at 10k
// descriptors ~1.2 ms of CPU, a tenth of `who` beyond its scan.
func ForPrint(resolve func(*core.Filter) (*core.Result, error)) func(*core.Filter) (*core.Result, error) {
	return func(f *core.Filter) (*core.Result, error) {
		gc := debug.SetGCPercent(200)
		res, err := resolve(f)
		debug.SetGCPercent(gc)
		if err != nil {
			return nil, err
		}
		if heapObjects() >= gcBeforePrint {
			runtime.GC()
		}
		return res, nil
	}
}

// gcBeforePrint is the heap (in bytes of objects) from which ForPrint
// collects before printing.
const gcBeforePrint = 8 << 20

// heapObjects is the bytes of the heap's objects, live or not yet swept;
// reading it stops nothing.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return gcBeforePrint // unknown: collect, as before
	}
	return s[0].Value.Uint64()
}
