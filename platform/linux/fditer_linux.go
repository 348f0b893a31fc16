package linux

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/fditer"
)

// Owners through the kernel's BPF descriptor iterator (internal/fditer),
// where it loads.

// EnvProcFD is the environment variable that, set to 1, makes every scan
// read /proc/PID/fd, as --proc-fd makes one command's: the admin's switch
// for a whole host (a systemd unit's Environment=, /etc/environment),
// where bpf(2) calls are audited or alerted on. 0 or empty leaves the
// choice to gosof.
const EnvProcFD = "GOSOF_PROC_FD"

// IterStatus is how an owner scan found the holders: through the BPF
// descriptor iterator, or by reading /proc/PID/fd, and why.
type IterStatus struct {
	// Scanned: a scan ran; before one, the other fields say nothing.
	Scanned bool
	// Used: the scan went through the iterator.
	Used bool
	// Reason says why it did not: "--proc-fd", "GOSOF_PROC_FD=1", a
	// capability, the pid namespace, few files on the host, or what the
	// kernel said when it refused to load it (errno and verifier log).
	Reason string
	// Failed: the plan said to use it, and the kernel refused it or
	// reading it failed; the scan then read /proc.
	Failed bool
	// Layout is where the program's layout came from when it was used:
	// the kernel's BTF, or the copy an earlier run of this boot kept
	// (fditer.LayoutCache).
	Layout string
}

// String is the status as a note, for a --verbose run or gosof debug.
func (s IterStatus) String() string {
	switch {
	case !s.Scanned:
		return "no owner scan ran"
	case s.Used:
		return "owners found through the BPF descriptor iterator (its layout read from " + s.Layout + ")"
	}
	return "owners found by reading /proc/PID/fd, not through the BPF descriptor iterator: " + s.Reason
}

// IterStatus is how the last scan of o found the holders.
func (o *Owners) IterStatus() IterStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status
}

func (o *Owners) setStatus(s IterStatus) {
	o.mu.Lock()
	o.status = s
	o.mu.Unlock()
}

// linkIter is fditer.Link; a test makes the load fail.
var linkIter = fditer.Link

// iterPlan is the one decision whether a scan of only (nil: every
// process) goes through the BPF descriptor iterator, and if not, why
// not. It makes no bpf(2) call (fditer.Link, which does, is tried only
// when it says yes): not for a scan of a few processes, which reads
// their /proc/PID/fd; not with --proc-fd or GOSOF_PROC_FD=1; not on a
// /proc other than the live one (a fixture); not where fditer.Usable
// says the process may not (capabilities, a seccomp filter, another pid
// namespace); not when /proc is mounted for another pid namespace; and
// not on a host with few open files. The program reads task_struct's pid
// and tgid, which are the initial namespace's numbers whichever
// namespace the iterator walks (tested: in a new pid namespace the
// iterator gave pid 8740 for that namespace's pid 1), and /proc counts
// in the namespace it was mounted for: both must be gosof's. err is a
// GOSOF_PROC_FD that is neither 1 nor 0.
func (o *Owners) iterPlan(only []int32) (use bool, why string, err error) {
	off, err := procFDFromEnv()
	switch {
	case err != nil:
		return false, "", err
	case only != nil:
		return false, "a scan of some processes reads their /proc/PID/fd", nil
	case o.ProcFD:
		return false, "--proc-fd", nil
	case off:
		return false, EnvProcFD + "=" + os.Getenv(EnvProcFD), nil
	case filepath.Clean(o.FS.Proc) != "/proc":
		return false, "owners are read from " + o.FS.Proc + ", not the live /proc", nil
	}
	if ok, why := fditer.Usable(); !ok {
		return false, why, nil
	}
	if self, err := os.Readlink("/proc/self"); err != nil || self != strconv.Itoa(os.Getpid()) {
		return false, "/proc is not mounted for gosof's pid namespace", nil
	}
	if !fditer.ManyFiles() {
		return false, fmt.Sprintf("fewer than %d open files on the host (/proc/sys/fs/file-nr): reading /proc costs less than loading it", fditer.MinFiles), nil
	}
	return true, "", nil
}

// procFDFromEnv reads GOSOF_PROC_FD: true for 1, false for 0 or unset.
func procFDFromEnv() (bool, error) {
	v, ok := os.LookupEnv(EnvProcFD)
	switch {
	case !ok || v == "" || v == "0":
		return false, nil
	case v == "1":
		return true, nil
	}
	return false, core.Usagef("%s=%q: want 1 (find owners in /proc/PID/fd, not with the BPF descriptor iterator) or 0", EnvProcFD, v)
}

// CheckIter is what a scan of every process would do about the
// iterator, without scanning: the plan and, where it says yes, the load
// (bpf(2) calls, as a scan makes them). For gosof debug; after a scan,
// IterStatus says what it did.
func (o *Owners) CheckIter() (IterStatus, error) {
	use, why, err := o.iterPlan(nil)
	if err != nil {
		return IterStatus{}, err
	}
	if use {
		if _, err := linkIter(); err != nil {
			return IterStatus{Scanned: true, Reason: "it did not load: " + err.Error(), Failed: true}, nil
		}
		return IterStatus{Scanned: true, Used: true, Layout: fditer.LayoutFrom()}, nil
	}
	return IterStatus{Scanned: true, Reason: why}, nil
}

// scanWithIter is scan through the iterator, when iterPlan says so and
// it loads; ok is false when the caller reads /proc instead. Either way
// o's status says what happened.
func (o *Owners) scanWithIter(only []int32, want func(uint64) bool, stop *int32) (hc holderChunks, denied int, ok bool, err error) {
	use, why, err := o.iterPlan(only)
	if err != nil {
		return nil, 0, false, err
	}
	if use {
		// While the program is built and loaded, list /proc on the
		// core the socket dump leaves idle: the scan's list of the
		// processes there before the iteration (scanIter), which it
		// made itself after the load, on its critical path.
		listed := make(chan pidList, 1)
		go listProc(o.FS.Proc, listed)
		it, err := linkIter()
		if err == nil {
			hc, denied, err = o.scanIter(it, want, stop, listed)
			if err == nil {
				o.setStatus(IterStatus{Scanned: true, Used: true, Layout: fditer.LayoutFrom()})
				return hc, denied, true, nil
			}
			why = "reading it failed: " + err.Error()
		} else {
			why = "it did not load: " + err.Error()
		}
	}
	o.setStatus(IterStatus{Scanned: true, Reason: why, Failed: use})
	return nil, 0, false, nil
}

// scanIter is scan through the descriptor iterator: the socket
// descriptors want accepts, of every task, until stop is set. A thread
// with a table of its own is listed as the /proc scan lists it
// (scanThreads): with its TID, once per table, and not where the process's
// own table holds the same socket under the same number.
//
// A process the iterator showed no descriptor of (no marker) is read
// from /proc: a kernel thread has none to show, but a kernel can also
// keep a task's files from the iterator (seen: a VM's PID 1, none of its
// descriptors shown, though /proc lists them and refuses to read them).
// /proc then finds its sockets, or counts it as not inspected;
// the iterator alone would have called it a process that holds nothing.
//
// A kernel thread has no descriptors to read; it is not read from /proc
// (kernelThread tells it, for those only). The others are read while
// the iterator goes on: it visits tasks in pid order, so
// once a marker passes a pid /proc listed and it showed nothing of,
// that process goes to a goroutine that reads it (hidden). A process
// shown after all (a leader that exited before its threads is shown
// through them, later) keeps what the iterator found, and what /proc
// found of it is dropped. /proc is listed again at the end, for a
// process the iterator could have missed.
//
// listed is /proc's pids, sorted, listed before the iteration starts.
func (o *Owners) scanIter(it fditer.Iter, want func(uint64) bool, stop *int32, listed <-chan pidList) (holderChunks, int, error) {
	procfd, err := unix.Open(o.FS.Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", o.FS.Proc, err)
	}
	defer unix.Close(procfd)
	l := <-listed
	if l.err != nil {
		return nil, 0, l.err
	}
	before := l.pids
	var (
		all     holderChunks
		cur     = make([]Holder, 0, holderChunk)
		threads []fditer.Record
		shown   = make(map[int32]bool)
		markTID int32          // the task of the last marker
		doubt   map[int32]bool // processes with records but no marker before them
		passed  int            // before[:passed] are behind the iterator
		hidden  = startHiddenScan(procfd, want, stop)
	)
	defer hidden.end() // an error return must not leave it running
	pass := func(tgid int32) {
		for ; passed < len(before) && before[passed] < tgid; passed++ {
			if p := before[passed]; !shown[p] {
				hidden.read(p)
			}
		}
	}
	buf := fdIterBufs.Get().(*[]byte)
	defer fdIterBufs.Put(buf)
	err = fditer.Read(it, *buf, func(r fditer.Record) bool {
		if stop != nil && atomic.LoadInt32(stop) != 0 {
			return false
		}
		if iterHides != nil && iterHides(r) {
			return true
		}
		if r.Ino == 0 {
			shown[r.TGID] = true
			markTID = r.TID
			pass(r.TGID)
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
	pids, err := listPIDs(procfd)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", o.FS.Proc, err)
	}
	read, found, deniedPIDs := hidden.end()
	denied := 0
	for _, h := range found {
		if !shown[h.PID] {
			cur = append(cur, h)
		}
	}
	for _, pid := range deniedPIDs {
		if !shown[pid] {
			denied++
		}
	}
	sc := newFDScanner()
	for _, pid := range pids {
		if shown[pid] || read[pid] || stop != nil && atomic.LoadInt32(stop) != 0 {
			continue
		}
		if sc.scanUnshown(procfd, pid, want, &cur) {
			denied++
		}
	}
	return append(all, cur), denied, nil
}

// hiddenScan reads, on a goroutine of its own, the processes the
// iterator passed without showing them.
type hiddenScan struct {
	pids   chan int32
	done   chan struct{}
	sent   map[int32]bool
	found  []Holder
	denied []int32
	ended  bool
}

func startHiddenScan(procfd int, want func(uint64) bool, stop *int32) *hiddenScan {
	h := &hiddenScan{pids: make(chan int32, 256), done: make(chan struct{}), sent: map[int32]bool{}}
	go func() {
		defer close(h.done)
		sc := newFDScanner()
		for pid := range h.pids {
			if stop != nil && atomic.LoadInt32(stop) != 0 {
				continue
			}
			if sc.scanUnshown(procfd, pid, want, &h.found) {
				h.denied = append(h.denied, pid)
			}
		}
	}()
	return h
}

func (h *hiddenScan) read(pid int32) {
	if iterReadAhead != nil {
		iterReadAhead(pid)
	}
	h.sent[pid] = true
	h.pids <- pid
}

// iterReadAhead, in tests, is told each pid hiddenScan reads.
var iterReadAhead func(pid int32)

// end waits for the reads and returns the pids sent, what they found and
// the pids denied; once.
func (h *hiddenScan) end() (sent map[int32]bool, found []Holder, denied []int32) {
	if !h.ended {
		h.ended = true
		close(h.pids)
		<-h.done
	}
	return h.sent, h.found, h.denied
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
// process's, as a kernel may keep a task's files from it, or a marker.
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

// scanUnshown is scanPID for a process the iterator showed nothing of,
// which is most often a kernel thread: one is not read (kernelThread).
// Told apart this way, per process the iterator passed, where a pass
// over every process listed (two readlinkat each) ran beside the
// iterator and could come too late for the kernel threads it passed
// first, which were then read in full.
func (sc *fdScanner) scanUnshown(procfd int, pid int32, want func(uint64) bool, out *[]Holder) (denied bool) {
	if kernelThread(procfd, pid, &sc.path) {
		return false
	}
	return sc.scanPID(procfd, pid, want, out)
}

// kernelThread reports whether pid under procfd is a kernel thread:
// /proc/PID/exe is ENOENT (get_task_exe_file, kernel/fork.c, gives no
// file for a PF_KTHREAD task or one without mm) and /proc/PID/cwd is
// not (a kernel thread shares init's fs_struct). A zombie has neither
// (do_exit ran exit_fs): it is left to be read, for the scan may end
// after it is reaped and its pid given to a process that holds sockets;
// a kernel thread seldom exits. A process inside do_exit between
// exit_mm and exit_fs (kernel/exit.c: exit_mm, exit_sem, exit_shm,
// exit_files, exit_fs) passes for one and is not read: its descriptors
// close next, in exit_files. A leader that exited before its threads
// has neither too; the iterator shows its descriptors through them
// (their files are no longer the leader's, so task_seq_get_next in
// kernel/bpf/task_iter.c does not skip them). One or two readlinkat;
// any other answer (EACCES, a path) leaves the pid to be read. path is
// scratch space for the NUL-terminated paths.
func kernelThread(procfd int, pid int32, path *[]byte) bool {
	var buf [1]byte
	p := strconv.AppendInt((*path)[:0], int64(pid), 10)
	dir := len(p)
	p = append(p, "/exe\x00"...)
	*path = p
	if _, e := readlinkat(procfd, &p[0], buf[:]); e != unix.ENOENT {
		return false
	}
	p = append(p[:dir], "/cwd\x00"...)
	*path = p
	_, e := readlinkat(procfd, &p[0], buf[:])
	return e == 0
}

// pidList is the pids of a listing of /proc, sorted, or why it failed.
type pidList struct {
	pids []int32
	err  error
}

// listProc sends the pids under proc, sorted, on listed.
func listProc(proc string, listed chan<- pidList) {
	procfd, err := unix.Open(proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		listed <- pidList{err: fmt.Errorf("open %s: %w", proc, err)}
		return
	}
	defer unix.Close(procfd)
	pids, err := listPIDs(procfd)
	if err != nil {
		listed <- pidList{err: fmt.Errorf("read %s: %w", proc, err)}
		return
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	listed <- pidList{pids: pids}
}
