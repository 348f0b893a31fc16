// Package gcpolicy is the garbage collector's policy for a gosof command
// that gathers a result, prints it and exits. The command sets it, in one
// place; no library package sets process-wide GC policy.
package gcpolicy

// MemoryLimit is the heap a short run may grow to before the collector
// runs at all: far above what a listing of a host with hundreds of
// thousands of descriptors holds, far below what would trouble one.
const MemoryLimit = 256 << 20
