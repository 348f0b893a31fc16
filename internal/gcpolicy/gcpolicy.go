// Package gcpolicy is the garbage collector's policy for a gosof command
// that gathers a result, prints it and exits. The command sets it, in one
// place; no library package sets process-wide GC policy. A library that
// shapes its memory by the policy asks CollectorOff here.
package gcpolicy

import (
	"os"
	"strconv"
	"sync/atomic"
)

// MemoryLimit is the heap a short run may grow to before the collector
// runs at all: far above what a listing of a host with hundreds of
// thousands of descriptors holds, far below what would trouble one.
const MemoryLimit = 256 << 20

// shortRun is 1 once ShortRun turned the collector off (an int32, not
// an atomic.Bool: gccgo's Go 1.18 library has none).
var shortRun int32

// CollectorOff reports whether the collector is off for this run:
// ShortRun turned it off, or GOGC did, read as the runtime reads it at
// start ("off" or a number below zero; runtime.readGOGC, go1.26). Asked
// here, not of the runtime: runtime/metrics, which would tell, costs
// every run 0.4 ms of package initialisation.
func CollectorOff() bool {
	if atomic.LoadInt32(&shortRun) != 0 {
		return true
	}
	g := os.Getenv("GOGC")
	if g == "off" {
		return true
	}
	n, err := strconv.ParseInt(g, 10, 32)
	return err == nil && n < 0
}
