package linux

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/sysfile"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// unseenHint says how to see the owners a scan could not.
// Reading another user's /proc/PID/fd takes both: ptrace read access
// (CAP_SYS_PTRACE) and opening its mode 0500 directory (CAP_DAC_READ_SEARCH);
// CAP_SYS_PTRACE alone is refused (tested).
const unseenHint = "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them"

// Owners finds socket holders: through the kernel's descriptor iterator
// (fditer_linux.go) where it may load one, else by reading every
// /proc/[pid]/fd link once. IterStatus says which the last scan did.
type Owners struct {
	// scanned is when the latest scan started, in the clock and unit of
	// /proc/PID/stat's starttime (bootTick); 0 before any. Process
	// refuses a process started after it: not the one the scan saw.
	// First, so that it is 64-bit aligned for atomic access on 32-bit
	// platforms.
	scanned uint64 // atomic

	FS      FS
	Workers int // parallel scanners; 0 means GOMAXPROCS
	// ProcFD reads /proc/PID/fd even where the descriptor iterator could
	// be used (--proc-fd; GOSOF_PROC_FD=1 does the same for every run).
	ProcFD bool

	mu     sync.Mutex
	status IterStatus // of the last scan
}

// bootTick is now as /proc/PID/stat's starttime counts: CLOCK_BOOTTIME
// (in gosof's time namespace, as the kernel prints starttime to it) in
// USER_HZ clock ticks, rounded down.
func bootTick() uint64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return 0
	}
	return uint64(ts.Nano()) / uint64(1e9/userHZ)
}

// scope is the processes a scan reads: pids, or every one in /proc (nil).
func scope(pids []int) []int32 {
	if len(pids) == 0 {
		return nil
	}
	only := make([]int32, len(pids))
	for i, p := range pids {
		only[i] = int32(p)
	}
	return only
}

// Holder is one descriptor that refers to a socket.
type Holder struct {
	Inode   uint64
	PID, FD int32
	// TID is set when the descriptor is in a table of one thread's own,
	// not the process's: the thread called unshare(CLONE_FILES), or the
	// main thread exited and /proc/PID/fd is empty. FD is then a
	// descriptor of that thread's table.
	TID int32
}

// AttachOwners implements core.OwnerSource: every process holding one of
// socks (among pids, when given), through every descriptor, is appended to
// that socket's Owners.
func (o *Owners) AttachOwners(socks []core.Socket, pids []int) (core.Unseen, error) {
	index := socketIndex(socks)
	if len(index) == 0 {
		return core.Unseen{}, nil
	}
	holders, denied, err := o.scan(scope(pids), func(ino uint64) bool { _, ok := index[ino]; return ok }, nil, nil)
	if err != nil {
		return core.Unseen{}, err
	}
	attach(socks, index, holders)
	return o.unseen(denied), nil
}

// holderChunks are the holders a scan found, in the chunks its workers
// filled: joining them into one slice was a copy of all of them at the
// peak of the heap.
type holderChunks [][]Holder

func (hc holderChunks) len() int {
	n := 0
	for _, c := range hc {
		n += len(c)
	}
	return n
}

// join returns the holders in one slice.
func (hc holderChunks) join() []Holder {
	for _, c := range hc {
		if len(c) == hc.len() {
			return c
		}
	}
	all := make([]Holder, 0, hc.len())
	for _, c := range hc {
		all = append(all, c...)
	}
	return all
}

// Prescan is core.Resolver's Prescan: it starts a scan (of pids, when
// given) that keeps every socket descriptor, to be joined with the
// sockets once they are listed. The scan costs the same; what it saves is
// waiting for the NETLINK_SOCK_DIAG dump before starting it. Where the
// scan goes through the BPF descriptor iterator, loading it (finding the
// kernel's layout in its BTF, the verifier: once per process) is the
// scan's first step, so it overlaps the dump too: nothing loads it
// earlier, and nothing loads it for a run that scans no owners.
func (o *Owners) Prescan(pids []int) core.OwnerPrescan {
	p := &prescan{o: o, done: make(chan struct{}), listed: make(chan struct{}), before: o.IterStatus()}
	go func() {
		defer close(p.done)
		p.holders, p.denied, p.err = o.scan(scope(pids), func(uint64) bool { return true }, &p.stop, p.listed)
	}()
	return p
}

type prescan struct {
	o       *Owners
	stop    int32         // atomic: 1 once the scan should stop
	listed  chan struct{} // closed once the sockets are listed
	once    sync.Once
	done    chan struct{}
	holders holderChunks
	denied  int
	err     error
	// before is o's IterStatus before this scan, again once it is
	// cancelled: how a scan whose holders nobody asked for went is no
	// note (--netns NAME it could not join said the iterator failed).
	before IterStatus
}

func (p *prescan) Attach(socks []core.Socket) (core.Unseen, error) {
	p.once.Do(func() { close(p.listed) })
	<-p.done
	if p.err != nil {
		return core.Unseen{}, p.err
	}
	index := socketIndex(socks)
	if len(index) == 0 {
		return core.Unseen{}, nil
	}
	for i, c := range p.holders {
		keep := c[:0]
		for _, h := range c {
			if _, ok := index[h.Inode]; ok {
				keep = append(keep, h)
			}
		}
		p.holders[i] = keep
	}
	attach(socks, index, p.holders)
	return p.o.unseen(p.denied), nil
}

func (p *prescan) Cancel() {
	atomic.StoreInt32(&p.stop, 1)
	p.once.Do(func() { close(p.listed) })
	<-p.done
	p.o.setStatus(p.before)
}

// unseen says what the scan could not see: the processes it was denied;
// when /proc is mounted with hidepid=invisible and gosof is not root,
// that other users' processes were not even listed; and when gosof runs
// in a child pid namespace, that the processes outside it were not.
func (o *Owners) unseen(denied int) core.Unseen {
	u := core.Unseen{Denied: denied, Hint: unseenHint}
	if denied > 0 {
		u.Hint = deniedHint()
	}
	// hidepid lets through whoever may ptrace-read the process: a root
	// without CAP_SYS_PTRACE is hidden from too, a user with it is not.
	hidepid := false
	if !seesAll() {
		if b, err := readFile(o.FS.Path("self", "mountinfo")); err == nil && hidepidInvisible(b, filepath.Clean(o.FS.Proc)) {
			u.Hidden = fmt.Sprintf("%s hides other users' processes (hidepid=invisible)", o.FS.Proc)
			hidepid = true
		}
	}
	// A child pid namespace (a container without --pid=host, unshare -p)
	// shows only its own processes, while its network namespace may be
	// the host's: a socket no process it sees holds may well be held by
	// one outside. (Not for a fixture: it is no view of this host.)
	if o.FS.Proc == "/proc" && !fditer.InitialPIDNamespace() {
		const outside = "processes outside gosof's pid namespace cannot be seen (it is not the host's)"
		const there = "run gosof in the host's pid namespace (nsenter -t 1 -p -m, docker run --pid=host) to see them"
		if u.Hidden != "" {
			u.Hidden += " and "
		}
		u.Hidden += outside
		switch {
		case denied > 0 || hidepid:
			u.Hint += "; " + there
		default:
			u.Hint = there
		}
	}
	return u
}

// socketIndex maps each socket's inode to its index in socks. It is sized
// for the sockets that have an inode: a server's TIME_WAITs (inode 0,
// held by nobody) can outnumber them a hundred to one.
func socketIndex(socks []core.Socket) map[uint64]int32 {
	n := 0
	for i := range socks {
		if socks[i].Inode != 0 {
			n++
		}
	}
	index := make(map[uint64]int32, n)
	for i := range socks {
		if socks[i].Inode != 0 {
			index[socks[i].Inode] = int32(i)
		}
	}
	return index
}

// attach appends each holder, all of them in index, to its socket's
// Owners. One slab holds every owner, cut per socket with its capacity
// capped, rather than an allocation per held socket (20,000 in `gosof ls`
// at 100k descriptors).
func attach(socks []core.Socket, index map[uint64]int32, holders holderChunks) {
	at := make([]int32, 0, holders.len())
	counts := make([]int32, len(socks))
	for _, c := range holders {
		for _, h := range c {
			i := index[h.Inode]
			at = append(at, i)
			counts[i]++
		}
	}
	slab := make([]core.Owner, 0, len(at))
	for i, n := range counts {
		if n > 0 && len(socks[i].Owners) == 0 {
			socks[i].Owners = slab[len(slab) : len(slab) : len(slab)+int(n)]
			slab = slab[:len(slab)+int(n)]
		}
	}
	k := 0
	for _, c := range holders {
		for _, h := range c {
			s := &socks[at[k]]
			k++
			s.Owners = append(s.Owners, core.Owner{PID: int(h.PID), FD: int(h.FD), TID: int(h.TID)})
		}
	}
}

// Scan reads the descriptors of every process and returns those that refer
// to a socket whose inode want accepts, plus how many processes could not be
// inspected (permission). Processes that exit during the scan are skipped
// silently. The work is spread over Workers goroutines; each reuses its
// buffers, so the cost per descriptor is one readlinkat and no allocation.
func (o *Owners) Scan(want func(inode uint64) bool) ([]Holder, int, error) {
	hc, denied, err := o.scan(nil, want, nil, nil)
	return hc.join(), denied, err
}

// scan is Scan of the processes only (nil: all of /proc) that stops early, with what it found so far, once stop is
// set. If later is not nil, one worker starts at once and the others once
// it is closed: the scan's system calls are raw, so the scheduler never
// sees a worker block, and with every P taken the goroutine listing the
// sockets meanwhile lost its P at each of its own system calls and waited
// to get one back.
func (o *Owners) scan(only []int32, want func(inode uint64) bool, stop *int32, later <-chan struct{}) (holderChunks, int, error) {
	if o.FS.Proc == "/proc" { // a fixture's start times are not this host's
		atomic.StoreUint64(&o.scanned, bootTick())
	}
	if hc, denied, ok, err := o.scanWithIter(only, want, stop); ok || err != nil {
		return hc, denied, err
	}
	procfd, err := unix.Open(o.FS.Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", o.FS.Proc, err)
	}
	defer unix.Close(procfd)
	pids := only
	if len(pids) == 0 {
		if pids, err = listPIDs(procfd); err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", o.FS.Proc, err)
		}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > len(pids) {
		workers = len(pids)
	}
	if workers < 1 {
		workers = 1
	}

	var (
		next   int64 // atomic
		denied int64 // atomic
		wg     sync.WaitGroup
		// Each worker fills chunks of holderChunk holders (a new one
		// between processes once one is three quarters full), not one
		// slice that doubles: that left garbage as large as what it held.
		// They are used as they are (holderChunks), never joined.
		parts = make([][][]Holder, workers)
	)
	for w := 0; w < workers; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w > 0 && later != nil {
				<-later
			}
			sc := newFDScanner()
			cur := make([]Holder, 0, holderChunk)
			for {
				i := int(atomic.AddInt64(&next, 1) - 1)
				if i >= len(pids) || stop != nil && atomic.LoadInt32(stop) != 0 {
					break
				}
				if sc.scanPID(procfd, pids[i], want, &cur) {
					atomic.AddInt64(&denied, 1)
				}
				if len(cur) >= holderChunk*3/4 {
					parts[w] = append(parts[w], cur)
					cur = make([]Holder, 0, holderChunk)
				}
			}
			parts[w] = append(parts[w], cur)
		}()
	}
	wg.Wait()
	var all holderChunks
	for _, chunks := range parts {
		all = append(all, chunks...)
	}
	return all, int(atomic.LoadInt64(&denied)), nil
}

// holderChunk is the size of the chunks a scan worker fills.
const holderChunk = 1024

// listPIDs reads the numeric entries of /proc: one per process (threads
// are not listed there); of /proc/PID/task, one per thread.
func listPIDs(procfd int) ([]int32, error) {
	buf := make([]byte, 64<<10)
	var pids []int32
	for {
		n, err := unix.Getdents(procfd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return pids, nil
		}
		walkDirents(buf[:n], func(name []byte) {
			if pid, ok := atoiBytes(name); ok && pid > 0 {
				pids = append(pids, int32(pid))
			}
		})
	}
}

// fdScanner holds one worker's buffers.
type fdScanner struct {
	dirents []byte
	link    []byte
	path    []byte
	tasks   []byte  // getdents of /proc/PID/task
	tids    []int32 // threads of the process being scanned
	reps    []int32 // threads whose own descriptor tables were scanned
	seen    map[Holder]bool
}

func newFDScanner() *fdScanner {
	return &fdScanner{dirents: make([]byte, 32<<10), link: make([]byte, 64), path: make([]byte, 0, 40)}
}

// scanPID appends pid's socket descriptors that want accepts to out, and
// reports whether the process could not be inspected for lack of permission.
// Descriptors in a thread's own table (see Holder.TID) are found too.
func (sc *fdScanner) scanPID(procfd int, pid int32, want func(uint64) bool, out *[]Holder) (denied bool) {
	start := len(*out)
	sc.path = append(strconv.AppendInt(sc.path[:0], int64(pid), 10), "/fd\x00"...)
	opened, denied := sc.scanFDDir(procfd, pid, 0, want, out)
	if denied || !opened {
		return denied
	}
	sc.scanThreads(procfd, pid, start, want, out)
	return false
}

// scanFDDir appends the socket descriptors of the fd directory named by
// sc.path (relative to procfd) that want accepts, as held by pid through
// thread tid's table (0: the process's own). opened is false when the
// directory could not be opened or read, denied when that was for lack
// of permission.
func (sc *fdScanner) scanFDDir(procfd int, pid, tid int32, want func(uint64) bool, out *[]Holder) (opened, denied bool) {
	dirfd, err := openat(procfd, &sc.path[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return false, sysfile.Sentinel(err) == core.ErrPermission
	}
	defer closeRaw(dirfd)
	for {
		n, err := getdents(dirfd, sc.dirents)
		if err != nil {
			return false, denied || sysfile.Sentinel(err) == core.ErrPermission
		}
		if n <= 0 || denied {
			return true, denied
		}
		walkDirents(sc.dirents[:n], func(name []byte) {
			fd, ok := atoiBytes(name)
			if !ok || denied {
				return
			}
			k, errno := readlinkat(dirfd, &name[0], sc.link)
			if k <= 0 {
				// The directory opened, but its links are denied: a process
				// with capabilities gosof lacks. Unseen, not "holds
				// nothing". Each link asks the same question of the task
				// (proc_pid_readlink: proc_fd_access_allowed, a
				// ptrace_may_access of the task, fs/proc/base.c), so the
				// first refusal answers for the rest: on a host where
				// gosof has CAP_DAC_READ_SEARCH but not CAP_SYS_PTRACE,
				// reading on was one refused readlinkat per descriptor of
				// every other user's process.
				if sysfile.Sentinel(errno) == core.ErrPermission {
					denied = true
				}
				return
			}
			if ino, ok := socketInode(sc.link[:k]); ok && want(ino) {
				h := Holder{Inode: ino, PID: pid, FD: int32(fd)}
				if tid != 0 {
					// a thread's table starts as a copy of the process's:
					// what it shares under the same number is listed once
					if sc.seen[h] {
						return
					}
					h.TID = tid
				}
				*out = append(*out, h)
			}
		})
	}
}

// kcmpFiles is KCMP_FILES (linux/kcmp.h): do two tasks share one
// descriptor table.
const kcmpFiles = 2

// sameFiles reports whether tasks a and b share one descriptor table, by
// kcmp(2); known is false when the kernel would not say (no kcmp, or not
// permitted), and the caller then scans b's table and lets the
// duplicates go.
func sameFiles(a, b int32) (same, known bool) {
	r, _, e := unix.RawSyscall6(unix.SYS_KCMP, uintptr(a), uintptr(b), kcmpFiles, 0, 0, 0)
	if e != 0 {
		return false, false
	}
	return r == 0, true
}

// threadTables appends to reps, of pid's threads tids, one for each
// descriptor table that is not the process's (kcmp KCMP_FILES), in tids'
// order: the tables the owner scan and fds read beside /proc/PID/fd.
// Where kcmp will not say, the thread is kept: its table is read, and
// what it shares with the process's under the same number is let go.
func threadTables(pid int32, tids, reps []int32) []int32 {
	for _, tid := range tids {
		if same, known := sameFiles(pid, tid); same && known {
			continue
		}
		dup := false
		for _, r := range reps {
			if same, known := sameFiles(r, tid); same && known {
				dup = true
				break
			}
		}
		if !dup {
			reps = append(reps, tid)
		}
	}
	return reps
}

// manyThreads reports, from the link count of /proc/PID/task (2 plus the
// number of threads, proc_task_getattr), whether the process has more
// than one thread: only then can a thread hold a table of its own.
func manyThreads(taskNlink uint64) bool { return taskNlink > 3 }

// scanThreads finds the descriptor tables of pid that are not the
// process's own: a thread that called unshare(CLONE_FILES) has one, and
// when the main thread has exited /proc/PID/fd lists nothing (its table is
// gone) while the other threads still hold theirs. A single-threaded
// process costs one fstatat: the link count of /proc/PID/task is 2 plus
// the number of threads (proc_task_getattr). Otherwise each thread costs a
// kcmp(KCMP_FILES) against the process, and its /proc/PID/task/TID/fd is
// read only when its table is one not seen yet. out[start:] are the
// holders found in the process's own table.
func (sc *fdScanner) scanThreads(procfd int, pid int32, start int, want func(uint64) bool, out *[]Holder) {
	pidPath := strconv.AppendInt(sc.path[:0], int64(pid), 10)
	task := string(append(pidPath, "/task"...))
	var st unix.Stat_t
	if err := unix.Fstatat(procfd, task, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || !manyThreads(uint64(st.Nlink)) {
		return
	}
	sc.path = append(sc.path[:0], task...)
	sc.path = append(sc.path, 0)
	taskfd, err := openat(procfd, &sc.path[0], unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return
	}
	sc.tids = sc.tids[:0]
	if sc.tasks == nil {
		sc.tasks = make([]byte, 8<<10)
	}
	for {
		n, err := getdents(taskfd, sc.tasks)
		if err != nil || n <= 0 {
			break
		}
		walkDirents(sc.tasks[:n], func(name []byte) {
			if tid, ok := atoiBytes(name); ok && tid > 0 && int32(tid) != pid {
				sc.tids = append(sc.tids, int32(tid))
			}
		})
	}
	closeRaw(taskfd)
	sc.reps = threadTables(pid, sc.tids, sc.reps[:0])
	for i, tid := range sc.reps {
		if i == 0 {
			if sc.seen == nil {
				sc.seen = make(map[Holder]bool)
			}
			for k := range sc.seen {
				delete(sc.seen, k)
			}
			for _, h := range (*out)[start:] {
				sc.seen[h] = true
			}
		}
		first := len(*out)
		sc.path = append(strconv.AppendInt(append(append(sc.path[:0], task...), '/'), int64(tid), 10), "/fd\x00"...)
		sc.scanFDDir(procfd, pid, tid, want, out)
		for _, h := range (*out)[first:] {
			h.TID = 0
			sc.seen[h] = true
		}
	}
}

// openat and readlinkat take C strings that already sit NUL-terminated in a
// reused buffer, so the scan allocates nothing per process or descriptor.
//
// The scan's system calls are raw (no entersyscall/exitsyscall): on /proc
// they never block, and the scheduler's bookkeeping around hundreds of
// thousands of short calls cost more than the calls' own user time, and
// woke sysmon to hand the P to a new thread that had nothing to do.
func openat(dirfd int, path *byte, flags int) (int, error) {
	fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)), uintptr(flags), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func readlinkat(dirfd int, path *byte, buf []byte) (int, unix.Errno) {
	n, _, e := unix.RawSyscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(n), 0
}

// getdents is getdents64(2) on a /proc directory, raw as above.
func getdents(dirfd int, buf []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_GETDENTS64, uintptr(dirfd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

func closeRaw(fd int) { unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0) }

// Process implements core.OwnerSource from /proc/[pid]/stat and status.
// It reads each with one read(2) into a stack buffer and parses only the
// fields gosof shows: `gosof ls` describes every process holding a socket,
// and prometheus/procfs parsed every field of both files, allocating per
// line.
func (o *Owners) Process(pid int) (*core.Process, error) {
	// A buffer per call escaped to the heap: 4 KiB of garbage a process.
	bp := procBufs.Get().(*[4096]byte)
	defer procBufs.Put(bp)
	buf := bp[:]
	dir := o.FS.Path(strconv.Itoa(pid))
	b, err := readSmall(dir+"/stat", buf[:])
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrGone && hiddenPID(o.FS, pid) {
			return nil, hiddenErr(o.FS, pid)
		}
		return nil, procErr(pid, err)
	}
	st, err := parseStat(b)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	// The scan saw a holder with this pid; a process started after the
	// scan began cannot be it: the holder exited and its pid was given
	// to another. (Started in the very tick the scan began, it cannot be
	// told apart here: kill and close prove what it holds before acting.)
	// Resolver.describe drops such an owner as gone.
	if since := atomic.LoadUint64(&o.scanned); since != 0 && st.Start > since {
		return nil, fmt.Errorf("process %d: the pid now belongs to a process started after the owner scan (tick %d > %d): %w",
			pid, st.Start, since, core.ErrGone)
	}
	comm, _ := parseComm(b) // parseStat found the ')'
	proc := &core.Process{PID: pid, Comm: comm, UID: -1, Start: st.Start}
	// The Uid line is near the top of status: the first 4 KiB hold it.
	b, err = readSmall(dir+"/status", buf[:])
	if err != nil {
		return nil, procErr(pid, err)
	}
	// The effective uid, which ps and lsof show as the process's user.
	uid, ok := parseStatusEUID(b)
	if !ok {
		return nil, fmt.Errorf("process %d: %s/status: %w: no Uid line", pid, dir, core.ErrParse)
	}
	proc.UID = uid
	return proc, nil
}

// readSmall reads the start of a /proc file into buf with one read.
var procBufs = sync.Pool{New: func() any { return new([4096]byte) }}

func readSmall(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return buf[:n], nil
}

func procErr(pid int, err error) error {
	if s := sysfile.Sentinel(err); s != nil {
		return fmt.Errorf("process %d: %w", pid, s)
	}
	return fmt.Errorf("process %d: %w", pid, err)
}
