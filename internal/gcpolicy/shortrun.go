//go:build gc

package gcpolicy

import (
	"runtime/debug"
	"sync/atomic"
)

// ShortRun turns the collector off for the rest of the run, with
// MemoryLimit as the bound that brings it back. A listing allocates what
// it prints and frees nothing before it exits: a collection during the
// socket dump only scans the sockets being decoded (write barriers on
// every one, and the pages of a chunk not written yet faulted in early),
// and one before printing frees nothing that is not freed at exit anyway.
// Only for a command that ends when it has printed: not for one that
// runs on (an exporter, a watch).
func ShortRun() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(MemoryLimit)
	atomic.StoreInt32(&shortRun, 1)
}
