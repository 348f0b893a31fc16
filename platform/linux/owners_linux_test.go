package linux

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
	// Root is denied only what it cannot read either (here: a PID 1
	// with capabilities this root lacks); counted, never silently skipped.
	if hidden := unreadableByUs(t); denied > hidden {
		t.Errorf("denied = %d as root, but only %d processes refuse root their fd links", denied, hidden)
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
	if _, err := o.AttachOwners(socks, nil); err != nil {
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

// envScanOnly scopes that scan to one PID.
const envScanOnly = "GOSOF_TEST_SCAN_ONLY"

// scanAsNobody runs in a re-executed test binary as uid 65534 and prints
// what a scan of every socket could and could not see.
func scanAsNobody() {
	proc := os.Getenv(envScanAsNobody) // "1": the live /proc
	if proc == "1" {
		proc = "/proc"
	}
	o := &Owners{FS: FS{Proc: proc}}
	var only []int32
	if pid, err := strconv.Atoi(os.Getenv(envScanOnly)); err == nil {
		only = scope([]int{pid})
	}
	_, denied, err := o.scan(only, func(uint64) bool { return true }, nil, nil)
	json.NewEncoder(os.Stdout).Encode(map[string]any{"denied": denied, "err": fmt.Sprint(err), "message": o.unseen(denied).Message()})
}

// scanAs runs a scan of the proc tree at proc as nobody, holding the
// capabilities caps, and returns what it could not see.
func scanAs(t *testing.T, proc string, caps ...uintptr) (denied int, message string) {
	t.Helper()
	cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envScanAsNobody+"="+proc)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}, AmbientCaps: caps}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scan as nobody: %v", err)
	}
	var got struct {
		Denied  int
		Err     string
		Message string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Err != "<nil>" {
		t.Fatalf("scan as nobody: %s", got.Err)
	}
	return got.Denied, got.Message
}

func TestScanCountsWhatItCannotSee(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a scan as another user")
	}
	testhelper.Start(t) // a root process nobody may not inspect
	denied, msg := scanAs(t, "1")
	if denied < 1 || !strings.Contains(msg, "processes could not be inspected") || !strings.Contains(msg, "CAP_SYS_PTRACE") || strings.Contains(msg, "hidepid") {
		t.Errorf("scan as nobody: denied=%d, message %q; want the root helper (at least) counted as denied, no hidepid", denied, msg)
	}
}

// TestScanWithCapabilities: the capabilities the message names, without
// root, let the scan read every process's descriptors; CAP_SYS_PTRACE alone
// does not (the /proc/PID/fd directory is mode 0500).
func TestScanWithCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to hand capabilities to another user")
	}
	testhelper.Start(t) // a root process
	const capDACReadSearch, capSysPtrace = 2, 19
	if denied, msg := scanAs(t, "1", capSysPtrace, capDACReadSearch); denied > unreadableByUs(t) {
		t.Errorf("scan as nobody with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: denied=%d, message %q; want everything root sees", denied, msg)
	}
	if denied, _ := scanAs(t, "1", capSysPtrace); denied == 0 {
		t.Error("scan as nobody with CAP_SYS_PTRACE alone saw everything; the message asks for more than it needs")
	}
}

// TestScanSaysHidepid: with /proc mounted hidepid=invisible, other users'
// processes are not even listed; the scan cannot count them, so it says why.
func TestScanSaysHidepid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a proc filesystem")
	}
	dir, err := os.MkdirTemp("", "gosof-proc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	if err := syscall.Mount("proc", dir, "proc", 0, "hidepid=invisible"); err != nil {
		t.Skipf("mount proc with hidepid=invisible: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	testhelper.Start(t) // a root process nobody cannot see
	denied, msg := scanAs(t, dir)
	want := dir + " hides other users' processes (hidepid=invisible), so the holders of some sockets are unknown"
	if denied != 0 || !strings.Contains(msg, want) {
		t.Errorf("scan as nobody under hidepid: denied=%d, message %q; want 0 denied and %q", denied, msg, want)
	}
}

func TestHidepidInvisible(t *testing.T) {
	const procLine = "22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw"
	for _, tc := range []struct {
		name, mountinfo string
		want            bool
	}{
		{"plain", procLine + "\n", false},
		{"hidepid=2", procLine + ",hidepid=2\n", true},
		{"invisible", procLine + ",hidepid=invisible,gid=4\n", true},
		{"noaccess is counted, not hidden", procLine + ",hidepid=noaccess\n", false},
		{"hidepid=1", procLine + ",hidepid=1\n", false},
		{"another mount point", "30 28 0:40 / /srv/proc rw - proc proc rw,hidepid=2\n" + procLine + "\n", false},
		{"not procfs", "22 28 0:21 / /proc rw - tmpfs tmpfs rw,hidepid=2\n", false},
		{"the last mount wins", procLine + ",hidepid=2\n" + procLine + "\n", false},
		{"optional fields", "22 28 0:21 / /proc rw shared:13 master:2 - proc proc rw,hidepid=invisible\n", true},
		{"garbage", "-\n - - -\n", false},
	} {
		if got := hidepidInvisible([]byte(tc.mountinfo), "/proc"); got != tc.want {
			t.Errorf("%s: hidepidInvisible = %v, want %v", tc.name, got, tc.want)
		}
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

// BenchmarkScan is the /proc scan (BenchmarkScanIter the iterator's).
func BenchmarkScan(b *testing.B) {
	o := &Owners{FS: DefaultFS(), ProcFD: true}
	for b.Loop() {
		if _, _, err := o.Scan(func(uint64) bool { return false }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScope: with --pid the scan reads only those processes; the parent
// that shares the listener is not reported.
func TestScope(t *testing.T) {
	parent := testhelper.Start(t)
	lfd, _ := listenTCP(t, parent)
	child := parent.Spawn(lfd)
	ino := inodeOf(t, parent.PID, lfd)
	o := &Owners{FS: DefaultFS()}
	holders, _, err := o.scan(scope([]int{child.PID}), func(i uint64) bool { return i == ino }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Holder{{Inode: ino, PID: int32(child.PID), FD: 3}}
	if diff := cmp.Diff(want, holders.join()); diff != "" {
		t.Errorf("scoped Scan (-want +got):\n%s", diff)
	}
}

// unreadableByUs counts the processes whose descriptors this test, as it
// runs, may list but not read (EACCES on the links: a process holding
// capabilities we lack), or not list at all.
func unreadableByUs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		fds, err := os.ReadDir("/proc/" + e.Name() + "/fd")
		if errors.Is(err, fs.ErrPermission) {
			n++
			continue
		}
		for _, fd := range fds {
			if _, err := os.Readlink("/proc/" + e.Name() + "/fd/" + fd.Name()); errors.Is(err, fs.ErrPermission) {
				n++
				break
			}
		}
	}
	return n
}

// TestScanCountsDeniedLinks: root without capabilities may open a root
// holder's fd directory (its owner) but not read the links (ptrace access
// needs the holder's capabilities): the holder counts as denied, not as a
// process holding nothing.
func TestScanCountsDeniedLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the holder must have capabilities the scan lacks")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	h := testhelper.Start(t)
	listenTCP(t, h)
	cmd := exec.Command(setpriv, "--inh-caps=-all", "--bounding-set=-all", "--", testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envScanAsNobody+"=1", envScanOnly+"="+strconv.Itoa(h.PID))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("capless scan: %v", err)
	}
	var got struct {
		Denied  int
		Message string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Denied != 1 || !strings.Contains(got.Message, "without CAP_SYS_PTRACE") {
		t.Errorf("capless root scanning a root holder: denied=%d, message %q; want it counted, and the remedy for a root without capabilities", got.Denied, got.Message)
	}

	// The first refused link answers for the others (the kernel asks the
	// same of the task for each): one readlinkat, not one per descriptor.
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed: the refused links are not counted")
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", h.PID))
	if err != nil || len(fds) < 3 {
		t.Fatalf("the holder's descriptors: %d, %v", len(fds), err)
	}
	trace := filepath.Join(t.TempDir(), "trace")
	cmd = exec.Command(setpriv, "--inh-caps=-all", "--bounding-set=-all", "--", strace, "-f", "-qq", "-e", "trace=readlinkat", "-o", trace, testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), envScanAsNobody+"=1", envScanOnly+"="+strconv.Itoa(h.PID))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("capless scan under strace: %v\n%s", err, out)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "= -1 EACCES"); n != 1 {
		t.Errorf("%d refused readlinkat calls for a holder of %d descriptors, want 1:\n%s", n, len(fds), b)
	}
}

// TestAttachChunks: holders spread over chunks (some empty) are attached
// exactly as the same holders in one slice, each socket's owners in scan
// order, and join gives them back in one slice in that order.
func TestAttachChunks(t *testing.T) {
	mk := func() []core.Socket {
		return []core.Socket{{Inode: 10}, {Inode: 0}, {Inode: 11}, {Inode: 12}}
	}
	all := []Holder{{Inode: 11, PID: 1, FD: 3}, {Inode: 10, PID: 2, FD: 4}, {Inode: 11, PID: 3, FD: 5, TID: 9}, {Inode: 10, PID: 2, FD: 7}, {Inode: 12, PID: 4, FD: 0}}
	one, chunked := mk(), mk()
	attach(one, socketIndex(one), holderChunks{all})
	hc := holderChunks{all[:2], nil, all[2:3], {}, all[3:]}
	attach(chunked, socketIndex(chunked), hc)
	if d := cmp.Diff(one, chunked, eqAddr); d != "" {
		t.Errorf("attach over chunks (-one slice +chunks):\n%s", d)
	}
	want := [][]core.Owner{{{PID: 2, FD: 4}, {PID: 2, FD: 7}}, nil, {{PID: 1, FD: 3}, {PID: 3, FD: 5, TID: 9}}, {{PID: 4, FD: 0}}}
	for i, s := range one {
		if d := cmp.Diff(want[i], s.Owners, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("socket %d owners (-want +got):\n%s", i, d)
		}
	}
	if d := cmp.Diff(all, hc.join()); d != "" || hc.len() != len(all) {
		t.Errorf("join (-want +got), len %d:\n%s", hc.len(), d)
	}
}
