package fditer

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// linkOrSkip returns the iterator's link, failing where it must load
// (Expected: as root on a kernel with BTF, this machine and CI's) and
// skipping where it cannot.
func linkOrSkip(t *testing.T) Iter {
	t.Helper()
	if ok, why := Expected(); !ok {
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
