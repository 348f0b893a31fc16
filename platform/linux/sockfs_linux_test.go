package linux

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestSockfsLookAlike: a process holding, O_PATH, a socket node of a
// tmpfs whose inode number is a live listener's holds nothing: the
// iterator and the /proc scan (whose "socket:[N]" links only sockfs
// files have) list the listener's holder alone.
func TestSockfsLookAlike(t *testing.T) {
	iterOrSkip(t)
	h := testhelper.Start(t)
	lfd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, lfd)
	fake, fd := testhelper.LookAlike(t, ino)
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", fake.PID, fd))
	if err != nil || strings.HasPrefix(link, "socket:") {
		t.Errorf("the look-alike's /proc link is %q, %v: want a path", link, err)
	}
	iter, proc := ourHolders(t, map[uint64]bool{ino: true})
	want := []Holder{{Inode: ino, PID: int32(h.PID), FD: int32(lfd)}}
	if d := cmp.Diff(want, iter); d != "" {
		t.Errorf("holders through the iterator (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, proc); d != "" {
		t.Errorf("holders from /proc (-want +got):\n%s", d)
	}
}
