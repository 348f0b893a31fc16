package linux

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// inodeOf is the socket inode behind descriptor fd of pid, read the way a
// test can trust independently of the scanner: stat through /proc.
func inodeOf(t *testing.T, pid, fd int) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func listenTCP(t *testing.T, h *testhelper.Proc) (fd, port int) {
	t.Helper()
	fd = h.Int("socket inet stream")
	h.Do("bind %d 127.0.0.1:0", fd)
	h.Do("listen %d", fd)
	port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
	return fd, port
}

func TestScanFindsEveryHolder(t *testing.T) {
	parent := testhelper.Start(t)
	lfd, _ := listenTCP(t, parent)
	child := parent.Spawn(lfd) // holds the same listener as its fd 3
	other := testhelper.Start(t)
	ofd, _ := listenTCP(t, other) // a socket the scan must not report
	ino := inodeOf(t, parent.PID, lfd)
	if inodeOf(t, child.PID, 3) != ino {
		t.Fatal("child does not share the listener")
	}

	o := &Owners{FS: DefaultFS()}
	holders, denied, err := o.Scan(func(i uint64) bool { return i == ino })
	if err != nil {
		t.Fatal(err)
	}
	if denied != 0 {
		t.Errorf("denied = %d as root, want 0", denied)
	}
	want := []Holder{
		{Inode: ino, PID: int32(parent.PID), FD: int32(lfd)},
		{Inode: ino, PID: int32(child.PID), FD: 3},
	}
	sortHolders(holders)
	sortHolders(want)
	if diff := cmp.Diff(want, holders); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	_ = ofd
}

func sortHolders(h []Holder) {
	slices.SortFunc(h, func(a, b Holder) int { return int(a.PID - b.PID) })
}

func TestAttachOwners(t *testing.T) {
	h := testhelper.Start(t)
	fd1, _ := listenTCP(t, h)
	fd2, _ := listenTCP(t, h)
	socks := []core.Socket{
		{Inode: inodeOf(t, h.PID, fd1)},
		{Inode: inodeOf(t, h.PID, fd2)},
		{Inode: 0}, // TIME_WAIT: no inode, no owner
	}
	o := &Owners{FS: DefaultFS(), Workers: 1}
	if _, err := o.AttachOwners(socks); err != nil {
		t.Fatal(err)
	}
	want := [][]core.Owner{{{PID: h.PID, FD: fd1}}, {{PID: h.PID, FD: fd2}}, nil}
	for i := range socks {
		if diff := cmp.Diff(want[i], socks[i].Owners); diff != "" {
			t.Errorf("socket %d owners (-want +got):\n%s", i, diff)
		}
	}
}

func TestProcessDescribesHelper(t *testing.T) {
	h := testhelper.Start(t)
	evil := "ev\x1b[31mil\nx"
	h.Do("comm %s", hex.EncodeToString([]byte(evil)))
	o := &Owners{FS: DefaultFS()}
	p, err := o.Process(h.PID)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != h.PID || p.Comm != evil || p.UID != int64(os.Geteuid()) || p.Start == 0 {
		t.Errorf("Process(%d) = %+v, want comm %q, uid %d, a start time", h.PID, p, evil, os.Geteuid())
	}
	h.Kill()
	if _, err := o.Process(h.PID); !errors.Is(err, core.ErrGone) {
		t.Errorf("Process of an exited helper: err = %v, want ErrGone", err)
	}
}

const envScanAsNobody = "GOSOF_TEST_SCAN_AS_NOBODY"

// scanAsNobody runs in a re-executed test binary as uid 65534 and prints
// what a scan of every socket could and could not see.
func scanAsNobody() {
	o := &Owners{FS: DefaultFS()}
	_, denied, err := o.Scan(func(uint64) bool { return true })
	json.NewEncoder(os.Stdout).Encode(map[string]any{"denied": denied, "err": fmt.Sprint(err)})
}

func TestScanCountsWhatItCannotSee(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a scan as another user")
	}
	h := testhelper.Start(t) // a root process nobody may not inspect
	_ = h
	bin := testhelper.Executable(t)
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), envScanAsNobody+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scan as nobody: %v", err)
	}
	var got struct {
		Denied int
		Err    string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Err != "<nil>" || got.Denied < 1 {
		t.Errorf("scan as nobody: denied=%d err=%s; want the root helper (at least) counted as denied, no error", got.Denied, got.Err)
	}
}

func TestSocketInode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"socket:[12345]", 12345, true},
		{"socket:[0]", 0, true},
		{"socket:[18446744073709551615]", 1<<64 - 1, true},
		{"socket:[18446744073709551616]", 0, false},
		{"socket:[]", 0, false},
		{"socket:[12a]", 0, false},
		{"socket:[123", 0, false},
		{"pipe:[123]", 0, false},
		{"/dev/null", 0, false},
		{"", 0, false},
	} {
		got, ok := socketInode([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("socketInode(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func BenchmarkScan(b *testing.B) {
	o := &Owners{FS: DefaultFS()}
	for b.Loop() {
		if _, _, err := o.Scan(func(uint64) bool { return false }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScopeTo: with --pid the scan reads only those processes; the parent
// that shares the listener is not reported.
func TestScopeTo(t *testing.T) {
	parent := testhelper.Start(t)
	lfd, _ := listenTCP(t, parent)
	child := parent.Spawn(lfd)
	ino := inodeOf(t, parent.PID, lfd)
	o := &Owners{FS: DefaultFS()}
	o.ScopeTo([]int{child.PID})
	holders, _, err := o.Scan(func(i uint64) bool { return i == ino })
	if err != nil {
		t.Fatal(err)
	}
	want := []Holder{{Inode: ino, PID: int32(child.PID), FD: 3}}
	if diff := cmp.Diff(want, holders); diff != "" {
		t.Errorf("scoped Scan (-want +got):\n%s", diff)
	}
}
