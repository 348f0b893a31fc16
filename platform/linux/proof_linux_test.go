package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// pinProver pins pid as kill does, with pidfds or without, and returns
// its target as the core.Prover kill asks.
func pinProver(t *testing.T, pid int, noPidfd bool) (core.Target, core.Prover) {
	t.Helper()
	s := &Signaller{FS: DefaultFS(), NoPidfd: noPidfd}
	tg, err := s.Pin(describeProc(t, DefaultFS(), pid))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	p, ok := tg.(core.Prover)
	if !ok {
		t.Fatalf("%T is not a core.Prover", tg)
	}
	return tg, p
}

// TestProveHolds: the proof accepts a process that holds the socket
// (at the descriptor it was seen with, at another, in a thread's own
// table) and refuses one whose descriptor is something else, on both
// the pidfd path and the fallback of kernels without pidfds.
func TestProveHolds(t *testing.T) {
	h := testhelper.Start(t)
	fd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, fd)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, _ := strconv.Atoi(f[0])
	tfd, _ := strconv.Atoi(f[1])
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/task/%d/fd/%d", h.PID, tid, tfd), &st); err != nil {
		t.Fatal(err)
	}
	tino := st.Ino
	other := h.Int("socket inet stream") // a socket, not the planned one
	for _, noPidfd := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPidfd=%v", noPidfd), func(t *testing.T) {
			_, p := pinProver(t, h.PID, noPidfd)
			for _, tc := range []struct {
				name string
				hs   []core.Hold
				want error
			}{
				{"at its descriptor", []core.Hold{{Inode: ino, FD: fd}}, nil},
				{"one of several", []core.Hold{{Inode: 1 << 40, FD: other}, {Inode: ino, FD: fd}}, nil},
				{"moved to another descriptor", []core.Hold{{Inode: ino, FD: 999}}, nil},
				{"in a thread's own table", []core.Hold{{Inode: tino, FD: tfd, TID: tid}}, nil},
				{"descriptor is another socket", []core.Hold{{Inode: 1 << 40, FD: other}}, core.ErrNotHeld},
				{"descriptor closed", []core.Hold{{Inode: 1 << 40, FD: 999}}, core.ErrNotHeld},
			} {
				if err := p.Holds(tc.hs); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
					t.Errorf("%s: Holds = %v, want %v", tc.name, err, tc.want)
				}
			}
		})
	}
	t.Run("exited", func(t *testing.T) {
		g := testhelper.Start(t)
		gfd, _ := listenTCP(t, g)
		gino := inodeOf(t, g.PID, gfd)
		_, p := pinProver(t, g.PID, false)
		g.Kill()
		if err := p.Holds([]core.Hold{{Inode: gino, FD: gfd}}); !errors.Is(err, core.ErrGone) {
			t.Errorf("Holds of an exited process = %v, want ErrGone", err)
		}
	})
}

// TestProveSockfsOnly: a socket node on another file system (mknod
// S_IFSOCK, held O_PATH) with the planned socket's inode number is not
// that socket: the device must be sockfs's as well.
func TestProveSockfsOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node")
	if err := unix.Mknod(path, unix.S_IFSOCK|0o600, 0); err != nil {
		t.Skipf("mknod a socket node: %v", err)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	for _, noPidfd := range []bool{false, true} {
		_, p := pinProver(t, os.Getpid(), noPidfd)
		err := p.Holds([]core.Hold{{Inode: st.Ino, FD: fd}})
		if !errors.Is(err, core.ErrNotHeld) || !strings.Contains(err.Error(), "not on sockfs") {
			t.Errorf("noPidfd=%v: Holds of an O_PATH socket node = %v, want ErrNotHeld naming sockfs", noPidfd, err)
		}
	}
}

// TestShutdownThreadTable: a socket held only in a thread's own
// descriptor table is shut down through a pidfd of that thread, not
// taken for another socket at the same number of the process's table.
func TestShutdownThreadTable(t *testing.T) {
	h := testhelper.Start(t)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, _ := strconv.Atoi(f[0])
	tfd, _ := strconv.Atoi(f[1])
	port, _ := strconv.Atoi(f[2])
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/task/%d/fd/%d", h.PID, tid, tfd), &st); err != nil {
		t.Fatal(err)
	}
	// The process's own table holds another socket at the same number.
	for {
		n := h.Int("socket inet stream")
		if n == tfd {
			break
		}
		if n > tfd {
			t.Skipf("the process's table already uses fd %d", tfd)
		}
	}
	sock := &core.Socket{Proto: core.TCP, State: core.Listen, Inode: st.Ino}
	owner := core.Owner{PID: h.PID, FD: tfd, TID: tid, Proc: describeProc(t, DefaultFS(), h.PID)}
	c := &Closer{}
	defer c.Release()
	err := c.Shutdown(sock, owner)
	if errors.Is(err, unix.EINVAL) {
		t.Skipf("no PIDFD_THREAD on this kernel: %v", err)
	}
	if err != nil {
		t.Fatalf("Shutdown of a thread's socket: %v", err)
	}
	if s := tcpState(t, port, st.Ino); s == core.Listen {
		t.Errorf("the thread's listener still listens after shutdown")
	}
}

// TestProveOPath: a descriptor opened O_PATH on a live socket (through
// /proc/PID/fd/N) names its inode, and the /proc scan lists it, but it
// does not hold the socket open: the proof refuses it, on both paths.
func TestProveOPath(t *testing.T) {
	h := testhelper.Start(t)
	fd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, fd)
	o := testhelper.Start(t)
	ofd := o.Int("opath /proc/%d/fd/%d", h.PID, fd)
	if got := inodeOf(t, o.PID, ofd); got != ino {
		t.Fatalf("the O_PATH descriptor names inode %d, want %d", got, ino)
	}
	for _, noPidfd := range []bool{false, true} {
		_, p := pinProver(t, o.PID, noPidfd)
		err := p.Holds([]core.Hold{{Inode: ino, FD: ofd}})
		if !errors.Is(err, core.ErrNotHeld) || !strings.Contains(err.Error(), "O_PATH") {
			t.Errorf("noPidfd=%v: %v, want ErrNotHeld naming O_PATH", noPidfd, err)
		}
		_, hp := pinProver(t, h.PID, noPidfd)
		if err := hp.Holds([]core.Hold{{Inode: ino, FD: fd}}); err != nil {
			t.Errorf("noPidfd=%v: the real holder: %v", noPidfd, err)
		}
	}
}
