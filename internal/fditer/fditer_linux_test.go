package fditer

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// linkOrSkip returns the iterator's link, failing where it must load
// (iterExpected: as root on a kernel with BTF, this machine and CI's) and
// skipping where it cannot.
func linkOrSkip(t *testing.T) Iter {
	t.Helper()
	if ok, why := iterExpected(); !ok {
		t.Skip(why)
	}
	link, err := Link()
	if err != nil {
		t.Fatalf("the descriptor iterator did not load where it should: %v", err)
	}
	return link
}

// TestFDIterRecords: the iterator's records are this process's socket
// descriptors, with the inode, descriptor number and pid that /proc and
// fstat give, and nothing for a pipe or a file.
func TestFDIterRecords(t *testing.T) {
	link := linkOrSkip(t)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	tcp, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range []int{pair[0], pair[1], pipe[0], pipe[1], tcp} {
		defer unix.Close(fd)
	}
	want := map[int32]uint64{}
	for _, fd := range []int{pair[0], pair[1], tcp} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		want[int32(fd)] = st.Ino
	}
	ours := map[int32]bool{int32(pipe[0]): true, int32(pipe[1]): true}
	for fd := range want {
		ours[fd] = true
	}
	got := map[int32]uint64{}
	all, markers := 0, 0
	err = Read(link, make([]byte, 4096), func(r Record) bool {
		all++
		if int(r.TGID) == os.Getpid() && r.Ino == 0 {
			markers++
			if r.TID != r.TGID {
				t.Errorf("marker %+v: a thread of this process, whose threads share one table", r)
			}
			return true
		}
		if int(r.TGID) == os.Getpid() {
			if r.TID != r.TGID {
				t.Errorf("record %+v: a thread of this process, whose threads share one table", r)
			}
			if ours[r.FD] { // other tests leave sockets of their own open
				got[r.FD] = r.Ino
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("this process's socket descriptors (-fstat +iterator):\n%s", d)
	}
	if all < len(want) {
		t.Errorf("%d records in all", all)
	}
	if markers != 1 {
		t.Errorf("%d markers for this process, want 1: its one descriptor table", markers)
	}
}

// TestFDIterStops: a callback that says stop ends the iteration.
func TestFDIterStops(t *testing.T) {
	link := linkOrSkip(t)
	a, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	defer unix.Close(a[0])
	defer unix.Close(a[1])
	n := 0
	if err := Read(link, make([]byte, 4096), func(Record) bool { n++; return false }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d records after the first said stop", n)
	}
}

// BenchmarkFDIterLoad is the cost of finding the layout and loading the
// program, once per run.
func BenchmarkFDIterLoad(b *testing.B) {
	if _, err := Link(); err != nil {
		b.Skip(err)
	}
	for i := 0; i < b.N; i++ {
		it, err := open()
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(it.link)
		unix.Close(it.mapFD)
	}
}

// TestFDIterOnlySockfs: only a file of sockfs, not opened O_PATH, is a
// socket. A socket node on another file system (a unix socket's bound
// path, a mknod'ed one), held O_PATH as a process can hold it, gives no
// record, and neither does an O_PATH descriptor of a real socket (opened
// through /proc/self/fd), which holds its inode but not the socket.
func TestFDIterOnlySockfs(t *testing.T) {
	link := linkOrSkip(t)
	dir := t.TempDir()
	srv, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(srv)
	if err := unix.Bind(srv, &unix.SockaddrUnix{Name: dir + "/bound"}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(dir+"/node", unix.S_IFSOCK|0o600, 0); err != nil {
		t.Fatal(err)
	}
	opath := func(path string) int {
		fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
			t.Fatalf("%s: mode %o, %v: not a socket node", path, st.Mode, err)
		}
		return fd
	}
	notSockets := map[int32]string{
		int32(opath(dir + "/bound")):                       "the bound path",
		int32(opath(dir + "/node")):                        "a mknod'ed node",
		int32(opath(fmt.Sprintf("/proc/self/fd/%d", srv))): "O_PATH of a real socket",
	}
	var st unix.Stat_t
	if err := unix.Fstat(srv, &st); err != nil {
		t.Fatal(err)
	}
	found := false
	err = Read(link, make([]byte, 4096), func(r Record) bool {
		if int(r.TGID) != os.Getpid() || r.Ino == 0 {
			return true
		}
		if what, ok := notSockets[r.FD]; ok {
			t.Errorf("a record for fd %d (%s, inode %d)", r.FD, what, r.Ino)
		}
		if r.FD == int32(srv) && r.Ino == st.Ino {
			found = true
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Errorf("no record for the real socket, fd %d", srv)
	}
}

// bpfFDs counts this process's descriptors of BPF objects of kind
// ("prog", "map", "link"), as /proc/self/fd names them.
func bpfFDs(t *testing.T, kind string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if l == "anon_inode:bpf-"+kind || kind == "link" && l == "anon_inode:bpf_link" {
			n++
		}
	}
	return n
}

// TestLoadRetryCloses: a program load the kernel refuses once and
// accepts when asked again with the verifier's log (as ENOMEM or EAGAIN
// may pass) is loaded, and the program's descriptor is closed once it is
// linked, as on the first try: none is left behind.
func TestLoadRetryCloses(t *testing.T) {
	linkOrSkip(t)
	l, err := liveLayout()
	if err != nil {
		t.Fatal(err)
	}
	loads := 0
	sysBPF = func(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
		if cmd == bpfProgLoad {
			if loads++; loads == 1 {
				return -1, unix.EAGAIN
			}
		}
		return bpf(cmd, attr, size)
	}
	defer func() { sysBPF = bpf }()
	progs, maps := bpfFDs(t, "prog"), bpfFDs(t, "map")
	it, err := load(l)
	if err != nil {
		t.Fatalf("refused once, then accepted: %v", err)
	}
	if loads != 2 {
		t.Errorf("%d program loads, want 2", loads)
	}
	if n := bpfFDs(t, "prog"); n != progs {
		t.Errorf("%d program descriptors after the load, %d before", n, progs)
	}
	n := 0
	if err := Read(it, make([]byte, 4096), func(Record) bool { n++; return true }); err != nil || n == 0 {
		t.Errorf("the program loaded on the second try: %d records, %v", n, err)
	}
	unix.Close(it.link)
	unix.Close(it.mapFD)
	if n := bpfFDs(t, "map"); n != maps {
		t.Errorf("%d map descriptors after, %d before", n, maps)
	}
}

// TestLoadRefusedSays: a program the verifier refuses (a load past the
// end of struct inode) is an error that says the errno and what the
// verifier said, and leaves no descriptor behind.
func TestLoadRefusedSays(t *testing.T) {
	linkOrSkip(t)
	l, err := liveLayout()
	if err != nil {
		t.Fatal(err)
	}
	l.iIno.off = 1 << 14
	progs, maps := bpfFDs(t, "prog"), bpfFDs(t, "map")
	it, err := load(l)
	if err == nil {
		unix.Close(it.link)
		unix.Close(it.mapFD)
		t.Fatal("the verifier accepted a load past the end of struct inode")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "bpf prog load: ") || !strings.Contains(msg, ": verifier: ") || !strings.Contains(msg, "inode") {
		t.Errorf("error %q, want the errno and the verifier's words about struct inode", msg)
	}
	if p, m := bpfFDs(t, "prog"), bpfFDs(t, "map"); p != progs || m != maps {
		t.Errorf("descriptors left: %d programs (%d before), %d maps (%d before)", p, progs, m, maps)
	}
	t.Log(msg)
}

// iterExpected: the iterator must load here (as root, where Usable says
// so); otherwise, why not.
func iterExpected() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	return Usable()
}
