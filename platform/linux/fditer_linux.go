package linux

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/fditer"
)

// Owners through the kernel's BPF descriptor iterator (internal/fditer),
// where it loads.

// useIter reports whether a scan of only (nil: every process) goes
// through the iterator: a scan of every process, where it may and where
// it is worth it; a scan of a few processes reads their /proc/PID/fd.
func (o *Owners) useIter(only []int32) bool {
	return only == nil && o.iterates() && fditer.ManyFiles()
}

// iterates reports whether a scan of every process may use the iterator:
// not with --proc-fd, not on a /proc other than the live one (a fixture),
// and only in the initial pid namespace, with /proc mounted for it. The
// program reads task_struct's pid and tgid, which are the initial
// namespace's numbers whichever namespace the iterator walks (tested: in
// a new pid namespace the iterator gave pid 8740 for that namespace's
// pid 1); and /proc counts in the namespace it was mounted for.
func (o *Owners) iterates() bool {
	if o.ProcFD || o.FS.Proc != "/proc" || !fditer.InitialPIDNamespace() {
		return false
	}
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// scanIter is scan through the descriptor iterator: the socket
// descriptors want accepts, of every task, until stop is set. A thread
// with a table of its own is listed as the /proc scan lists it
// (scanThreads): with its TID, once per table, and not where the process's
// own table holds the same socket under the same number.
//
// A process the iterator showed no descriptor of (no marker) is read
// from /proc: a kernel thread has none to show, but a kernel can also
// keep a task's files from the iterator (this machine's PID 1: none of
// its 46 descriptors, though /proc lists them, and refuses to read
// them). /proc then finds its sockets, or counts it as not inspected;
// the iterator alone would have called it a process that holds nothing.
func (o *Owners) scanIter(it fditer.Iter, want func(uint64) bool, stop *int32) (holderChunks, int, error) {
	var (
		all     holderChunks
		cur     = make([]Holder, 0, holderChunk)
		threads []fditer.Record
		shown   = make(map[int32]bool)
		markTID int32          // the task of the last marker
		doubt   map[int32]bool // processes with records but no marker before them
	)
	buf := fdIterBufs.Get().(*[]byte)
	defer fdIterBufs.Put(buf)
	err := fditer.Read(it, *buf, func(r fditer.Record) bool {
		if stop != nil && atomic.LoadInt32(stop) != 0 {
			return false
		}
		if iterHides != nil && iterHides(r) {
			return true
		}
		if r.Ino == 0 {
			shown[r.TGID] = true
			markTID = r.TID
			return true
		}
		if r.TID != markTID {
			// the program writes a task's marker before its records;
			// without one, read this process from /proc instead
			if doubt == nil {
				doubt = make(map[int32]bool)
			}
			doubt[r.TGID] = true
		}
		if !want(r.Ino) {
			return true
		}
		if r.TID != r.TGID {
			threads = append(threads, r)
			return true
		}
		if len(cur) == cap(cur) {
			all = append(all, cur)
			cur = make([]Holder, 0, holderChunk)
		}
		cur = append(cur, Holder{Inode: r.Ino, PID: r.TGID, FD: r.FD})
		return true
	})
	if err != nil {
		return nil, 0, err
	}
	all = append(all, cur)
	cur = make([]Holder, 0, holderChunk)
	if len(doubt) > 0 {
		all, threads = forget(all, threads, doubt)
		for tgid := range doubt {
			delete(shown, tgid)
		}
	}
	if len(threads) > 0 {
		all = append(all, threadHolders(all, threads))
	}
	procfd, err := unix.Open(o.FS.Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", o.FS.Proc, err)
	}
	defer unix.Close(procfd)
	pids, err := listPIDs(procfd)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", o.FS.Proc, err)
	}
	denied := 0
	sc := newFDScanner()
	for _, pid := range pids {
		if shown[pid] || stop != nil && atomic.LoadInt32(stop) != 0 {
			continue
		}
		if sc.scanPID(procfd, pid, want, &cur) {
			denied++
		}
	}
	return append(all, cur), denied, nil
}

// forget drops what the iterator found of the processes in doubt, which
// are read from /proc instead.
func forget(all holderChunks, threads []fditer.Record, doubt map[int32]bool) (holderChunks, []fditer.Record) {
	for i, c := range all {
		keep := c[:0]
		for _, h := range c {
			if !doubt[h.PID] {
				keep = append(keep, h)
			}
		}
		all[i] = keep
	}
	keep := threads[:0]
	for _, r := range threads {
		if !doubt[r.TGID] {
			keep = append(keep, r)
		}
	}
	return all, keep
}

// iterHides, in tests, makes records vanish from the iterator: a
// process's, as this machine's kernel makes PID 1's, or a marker.
var iterHides func(fditer.Record) bool

var fdIterBufs = sync.Pool{New: func() interface{} { b := make([]byte, 64<<10); return &b }}

// threadHolders turns the records of threads with tables of their own
// into holders as scanThreads lists them: a socket under one number once
// per process, as the process's where its own table (in own) holds it,
// else as the first thread's (by tid) whose table holds it. Threads that
// share one table give the same records, so this lists that table once
// without kcmp.
func threadHolders(own holderChunks, threads []fditer.Record) []Holder {
	sort.SliceStable(threads, func(i, j int) bool {
		if threads[i].TGID != threads[j].TGID {
			return threads[i].TGID < threads[j].TGID
		}
		return threads[i].TID < threads[j].TID
	})
	procs := make(map[int32]bool)
	for _, r := range threads {
		procs[r.TGID] = true
	}
	seen := make(map[Holder]bool)
	for _, c := range own {
		for _, h := range c {
			if procs[h.PID] {
				seen[h] = true
			}
		}
	}
	var out []Holder
	for _, r := range threads {
		h := Holder{Inode: r.Ino, PID: r.TGID, FD: r.FD}
		if seen[h] {
			continue
		}
		seen[h] = true
		h.TID = r.TID
		out = append(out, h)
	}
	return out
}
