package testhelper

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Cgroup makes the cgroup rel (a path such as
// "system.slice/gosof-ctx-1.service") in the unified (v2) hierarchy,
// below a directory of the test's own, gosof-ctx-PID, and returns its
// directory. It skips the test where there is no cgroup2 mount or it
// may not be written (not root). Every cgroup made is removed when the
// test ends, after the processes in it were killed (helpers are killed
// by their own cleanup, which runs first: start them after calling
// Cgroup).
func Cgroup(t testing.TB, rel string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to make cgroups")
	}
	mnt := cgroup2Mount()
	if mnt == "" {
		t.Skip("no cgroup2 hierarchy mounted")
	}
	base := filepath.Join(mnt, "gosof-ctx-"+strconv.Itoa(os.Getpid()))
	dir := filepath.Join(base, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup: %v", err)
	}
	t.Cleanup(func() {
		// deepest first; a cgroup empties a moment after its last process is reaped
		for d := dir; strings.HasPrefix(d, base); d = filepath.Dir(d) {
			for i := 0; i < 100 && errors.Is(os.Remove(d), syscall.EBUSY); i++ {
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
	return dir
}

// MoveTo moves process pid into the cgroup at dir (from Cgroup).
func MoveTo(t testing.TB, dir string, pid int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		t.Fatalf("move %d into %s: %v", pid, dir, err)
	}
}

// cgroup2Mount is where the unified hierarchy is mounted: /sys/fs/cgroup
// on a host with cgroup v2 alone, /sys/fs/cgroup/unified on a hybrid one.
func cgroup2Mount() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ... mount-point options - fstype source super-options
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, fs := strings.Fields(pre), strings.Fields(post)
		if ok && len(fields) >= 5 && len(fs) > 0 && fs[0] == "cgroup2" {
			return fields[4]
		}
	}
	return ""
}
