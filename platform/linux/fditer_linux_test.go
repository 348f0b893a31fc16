package linux

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/testhelper"
)

// iterOrSkip returns the iterator's link where it must load, and skips
// the test where it cannot (iterExpected).
func iterOrSkip(t *testing.T) fditer.Iter {
	t.Helper()
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	link, err := fditer.Link()
	if err != nil {
		t.Fatalf("the descriptor iterator did not load where it should: %v", err)
	}
	return link
}

// ourHolders scans every process both ways and keeps the holders of
// inodes.
func ourHolders(t *testing.T, inodes map[uint64]bool) (iter, proc []Holder) {
	t.Helper()
	var iterDenied, procDenied int
	defer func() {
		// the iterator sees what /proc sees and maybe more (this
		// machine's PID 1 is denied to both)
		if iterDenied > procDenied {
			t.Errorf("the iterator's scan was denied %d processes, /proc %d", iterDenied, procDenied)
		}
	}()
	for _, procFD := range []bool{false, true} {
		o := &Owners{FS: DefaultFS(), ProcFD: procFD}
		hs, denied, err := o.Scan(func(ino uint64) bool { return inodes[ino] })
		if err != nil {
			t.Fatal(err)
		}
		if st := o.IterStatus(); st.Used == procFD {
			t.Fatalf("ProcFD %v: %v", procFD, st)
		}
		if procFD {
			procDenied = denied
		} else {
			iterDenied = denied
		}
		sortHolders(hs)
		if procFD {
			proc = hs
		} else {
			iter = hs
		}
	}
	return iter, proc
}

// TestScanIterSameAsProc: for processes holding sockets every way this
// test can make them (a listener shared by a forked worker, a socketpair
// between them, a socket twice in one table, a thread's own table,
// TCP, UDP and unix), the iterator finds the holders the /proc scan
// finds, and they are the holders the test made.
func TestScanIterSameAsProc(t *testing.T) {
	iterOrSkip(t)
	h := testhelper.Start(t)
	lfd, port := listenTCP(t, h)
	a := h.Int("socket inet stream")
	h.Do("connect %d 127.0.0.1:%d", a, port)
	b := h.Int("accept %d", lfd)
	udp := h.Int("socket inet6 dgram udp")
	dup := h.Int("dup %d", lfd)
	worker := h.Spawn(lfd, b)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, _ := strconv.Atoi(f[0])
	tfd, _ := strconv.Atoi(f[1])

	inodes := map[uint64]bool{}
	var want []Holder
	for _, fd := range []int{lfd, a, b, udp, dup} {
		ino := inodeOf(t, h.PID, fd)
		inodes[ino] = true
		want = append(want, Holder{Inode: ino, PID: int32(h.PID), FD: int32(fd)})
	}
	own := threadInode(t, h.PID, tid, tfd)
	inodes[own] = true
	want = append(want, Holder{Inode: own, PID: int32(h.PID), FD: int32(tfd), TID: int32(tid)})
	for _, fd := range []int{3, 4} { // the worker's copies of lfd and b
		want = append(want, Holder{Inode: inodeOf(t, worker.PID, fd), PID: int32(worker.PID), FD: int32(fd)})
	}
	sortHolders(want)
	iter, proc := ourHolders(t, inodes)
	if d := cmp.Diff(proc, iter); d != "" {
		t.Errorf("holders (-/proc +iterator):\n%s", d)
	}
	if d := cmp.Diff(want, iter); d != "" {
		t.Errorf("holders (-made +iterator):\n%s", d)
	}
}

// TestIteratorHiddenProcess: a process whose descriptors the iterator
// does not show (no marker; this machine's kernel does that to PID 1) is
// read from /proc, and its sockets are found: never "held by nobody".
//
// A process started after it holds a socket too, so that the iterator
// passes the hidden one (tasks in pid order) and it is read while the
// iterator goes on, not after: where the pids allow (the later process
// has the higher pid), the test checks that it was.
func TestIteratorHiddenProcess(t *testing.T) {
	iterOrSkip(t)
	h := testhelper.Start(t)
	lfd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, lfd)
	after := testhelper.Start(t)
	listenTCP(t, after)
	var ahead []int32
	iterReadAhead = func(pid int32) { ahead = append(ahead, pid) }
	defer func() { iterReadAhead = nil }()
	for name, hide := range map[string]func(r fditer.Record) bool{
		// all of it, as this machine's kernel hides PID 1
		"process": func(r fditer.Record) bool { return int(r.TGID) == h.PID },
		// its marker only: its records then come without one, and are
		// not taken (they would be listed twice, from /proc too)
		"marker": func(r fditer.Record) bool { return int(r.TGID) == h.PID && r.Ino == 0 },
	} {
		iterHides = hide
		ahead = nil
		iter, proc := ourHolders(t, map[uint64]bool{ino: true})
		iterHides = nil
		if name == "process" && after.PID > h.PID && !hasPID(ahead, h.PID) {
			t.Errorf("the hidden process %d was not read while the iterator went on (read ahead: %v)", h.PID, ahead)
		}
		want := []Holder{{Inode: ino, PID: int32(h.PID), FD: int32(lfd)}}
		if d := cmp.Diff(want, iter); d != "" {
			t.Errorf("%s hidden from the iterator: holders (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff(proc, iter); d != "" {
			t.Errorf("%s hidden: holders (-/proc +iterator):\n%s", name, d)
		}
	}
}

const envIterPIDNS = "GOSOF_TEST_ITER_PIDNS"

// pidnsChild runs in a pid namespace TestIteratorPIDNamespace made: with
// /proc remounted for it or not (the parent's, as a container with the
// host's /proc bind-mounted has it). It holds a listener and prints
// whether a scan would use the iterator, and the holders both scans find.
func pidnsChild(mode string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if mode == "mount" {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			fail(err)
		}
		if err := unix.Mount("proc", "/proc", "proc", 0, ""); err != nil {
			fail(err)
		}
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		fail(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		fail(err)
	}
	out := struct {
		PID, FD    int
		Iterates   bool
		Iter, Proc []Holder
	}{PID: os.Getpid(), FD: fd}
	out.Iterates, _, _ = (&Owners{FS: DefaultFS()}).iterPlan(nil)
	for _, procFD := range []bool{false, true} {
		hs, _, err := (&Owners{FS: DefaultFS(), ProcFD: procFD}).Scan(func(ino uint64) bool { return ino == st.Ino })
		if err != nil {
			fail(err)
		}
		if procFD {
			out.Proc = hs
		} else {
			out.Iter = hs
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// TestIteratorPIDNamespace: the program reads task_struct's pid and
// tgid, which count in the initial pid namespace, whichever namespace the
// iterator walks. In a new pid namespace, with the parent's /proc or one
// of its own, the scan reads /proc, and finds the holder by its pid
// there: 1 with its own /proc, its parent's number with the parent's.
func TestIteratorPIDNamespace(t *testing.T) {
	iterOrSkip(t)
	for _, mode := range []string{"parent-proc", "mount"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envIterPIDNS+"="+mode)
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var out struct {
			PID, FD    int
			Iterates   bool
			Iter, Proc []Holder
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v: %s", mode, err, b)
		}
		if out.PID != 1 {
			t.Fatalf("%s: the child is pid %d in its namespace, want 1", mode, out.PID)
		}
		if out.Iterates {
			t.Errorf("%s: in a pid namespace of its own, the scan would use the iterator", mode)
		}
		if d := cmp.Diff(out.Proc, out.Iter); d != "" {
			t.Errorf("%s: holders (-/proc +default scan):\n%s", mode, d)
		}
		if mode == "mount" && (len(out.Iter) != 1 || out.Iter[0].PID != 1 || int(out.Iter[0].FD) != out.FD) {
			t.Errorf("%s: holders %+v, want pid 1 fd %d", mode, out.Iter, out.FD)
		}
	}
}

// TestFileNrThreshold: a full scan uses the iterator from fdIterMinFiles
// open files on the host, reads /proc below that, and always reads /proc
// for a few processes, or with ProcFD.
func TestFileNrThreshold(t *testing.T) {
	iterOrSkip(t)
	defer func(n int) { fditer.MinFiles = n }(fditer.MinFiles)
	o := &Owners{FS: DefaultFS()}
	for _, c := range []struct {
		min    int
		only   []int32
		procFD bool
		want   bool
	}{
		{0, nil, false, true},
		{1, nil, false, true},
		{1 << 30, nil, false, false},
		{0, []int32{int32(os.Getpid())}, false, false},
		{0, nil, true, false},
	} {
		fditer.MinFiles, o.ProcFD = c.min, c.procFD
		if got, _, _ := o.iterPlan(c.only); got != c.want {
			t.Errorf("from %d files, scan of %v, ProcFD %v: iterator %v, want %v", c.min, c.only, c.procFD, got, c.want)
		}
	}
}

// BenchmarkScanIter is BenchmarkScan through the iterator.
func BenchmarkScanIter(b *testing.B) {
	if _, err := fditer.Link(); err != nil {
		b.Skip(err)
	}
	o := &Owners{FS: DefaultFS()}
	for i := 0; i < b.N; i++ {
		if _, _, err := o.Scan(func(uint64) bool { return false }); err != nil {
			b.Fatal(err)
		}
	}
}

// iterExpected: the iterator must load here (as root, where fditer.Usable says
// so); otherwise, why not.
func iterExpected() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	return fditer.Usable()
}

// TestKernelThreads: kernelThread names kthreadd (where this is the
// host's pid namespace), never this process, a live child, or a zombie
// the test leaves unreaped: its /proc/PID/exe is ENOENT as a kernel
// thread's, but its pid may be reused before the scan ends, so the scan
// must still read it. listProc lists /proc sorted, as scanIter needs.
func TestKernelThreads(t *testing.T) {
	live := exec.Command("sleep", "60")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { live.Process.Kill(); live.Wait() }() // the child this test started
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	defer zombie.Wait()
	for i := 0; ; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", zombie.Process.Pid))
		if err == nil && strings.Contains(string(b), ") Z ") {
			break
		}
		if i == 500 {
			t.Fatalf("child %d did not become a zombie: %q", zombie.Process.Pid, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	listed := make(chan pidList, 1)
	listProc(DefaultFS().Proc, listed)
	l := <-listed
	if l.err != nil || len(l.pids) == 0 || !sort.SliceIsSorted(l.pids, func(i, j int) bool { return l.pids[i] < l.pids[j] }) {
		t.Fatalf("listing /proc: %v, %d pids, sorted: %v", l.err, len(l.pids), l.pids)
	}
	procfd, err := unix.Open(DefaultFS().Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(procfd)
	var path []byte
	if comm, err := os.ReadFile("/proc/2/comm"); err == nil && string(comm) == "kthreadd\n" && !kernelThread(procfd, 2, &path) {
		t.Error("kthreadd (pid 2) is not taken for a kernel thread")
	}
	if _, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", zombie.Process.Pid)); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("the zombie's exe: %v, want ENOENT (the case kernelThread tells from a kernel thread's)", err)
	}
	for _, pid := range []int{os.Getpid(), live.Process.Pid, zombie.Process.Pid} {
		if kernelThread(procfd, int32(pid), &path) {
			t.Errorf("pid %d, not a kernel thread, is taken for one", pid)
		}
	}
	// a process is read after the check, with the same scratch path:
	// this one's listener is found
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	var out []Holder
	if newFDScanner().scanUnshown(procfd, int32(os.Getpid()), func(ino uint64) bool { return ino == st.Ino }, &out); len(out) < 2 {
		t.Errorf("scanUnshown of this process: %v, want the listener's two descriptors (inode %d)", out, st.Ino)
	}
}

func hasPID(pids []int32, pid int) bool {
	for _, p := range pids {
		if int(p) == pid {
			return true
		}
	}
	return false
}
