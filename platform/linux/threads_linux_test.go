package linux

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// Sockets held in a descriptor table that is not the process's own.

// threadInode is the inode behind descriptor fd of thread tid of pid.
func threadInode(t *testing.T, pid, tid, fd int) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/task/%d/fd/%d", pid, tid, fd), &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// ownersOf attaches owners to sockets with these inodes, every way the
// resolver does it: a scan for them, and a prescan joined afterwards,
// each through the descriptor iterator (as root) and through /proc.
func ownersOf(t *testing.T, inodes ...uint64) [][]core.Owner {
	t.Helper()
	var got [][]core.Owner
	for k := 0; k < 4; k++ {
		pre, procFD := k%2 == 1, k >= 2
		socks := make([]core.Socket, len(inodes))
		for i, ino := range inodes {
			socks[i].Inode = ino
		}
		o := &Owners{FS: DefaultFS(), ProcFD: procFD}
		var err error
		if pre {
			_, err = o.Prescan(nil).Attach(socks)
		} else {
			_, err = o.AttachOwners(socks, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range socks {
			if k > 0 {
				if d := cmp.Diff(got[i], socks[i].Owners); d != "" {
					t.Errorf("socket %d: the scan (prescan %v, /proc %v) differs from the iterator's (-iterator +it):\n%s", i, pre, procFD, d)
				}
			} else {
				got = append(got, socks[i].Owners)
			}
		}
	}
	return got
}

// TestThreadOwnTable: a thread that called unshare(CLONE_FILES) holds a
// listener no other table has. Its owner is the process, with the thread
// and the descriptor in that thread's table; what the thread's copy of the
// table shares with the process's is listed once, as the process's.
func TestThreadOwnTable(t *testing.T) {
	h := testhelper.Start(t)
	sfd, _ := listenTCP(t, h) // in the process's table, copied into the thread's
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, _ := strconv.Atoi(f[0])
	tfd, _ := strconv.Atoi(f[1])
	shared := inodeOf(t, h.PID, sfd)
	own := threadInode(t, h.PID, tid, tfd)
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/fd/%d", h.PID, tfd)); err == nil && inodeOf(t, h.PID, tfd) == own {
		t.Fatal("the thread's listener is in the process's table too")
	}
	got := ownersOf(t, shared, own)
	want := [][]core.Owner{{{PID: h.PID, FD: sfd}}, {{PID: h.PID, FD: tfd, TID: tid}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("owners (-want +got):\n%s", d)
	}
}

// TestLeaderExited: the main thread has exited, so /proc/PID/fd is empty,
// and the other threads still hold the process's sockets.
func TestLeaderExited(t *testing.T) {
	h := testhelper.Start(t)
	lfd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, lfd)
	h.Do("leader-exit")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", h.PID, h.PID))
		if err != nil {
			t.Fatal(err)
		}
		if _, rest, _ := strings.Cut(string(b), ") "); strings.HasPrefix(rest, "Z") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the main thread did not exit: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", h.PID)); err == nil && len(ents) > 0 {
		t.Fatalf("/proc/%d/fd lists %d descriptors after the main thread exited", h.PID, len(ents))
	}
	got := ownersOf(t, ino)
	if len(got[0]) != 1 {
		t.Fatalf("owners %+v, want one: %d through fd %d of a live thread", got[0], h.PID, lfd)
	}
	o := got[0][0]
	if o.PID != h.PID || o.FD != lfd || o.TID == 0 || o.TID == h.PID {
		t.Errorf("owner %+v, want pid %d, fd %d, a thread other than the main one", o, h.PID, lfd)
	}
	if threadInode(t, h.PID, o.TID, lfd) != ino {
		t.Errorf("thread %d's fd %d is not the listener", o.TID, lfd)
	}
	// the helper still answers: a live process
	if got := h.Int("pid"); got != h.PID {
		t.Errorf("pid %d, want %d", got, h.PID)
	}
}
