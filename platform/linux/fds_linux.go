package linux

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// FDs lists a process's descriptors from /proc/[pid]/fd: the link target
// of each, and a stat of what it refers to for the type and inode.
type FDs struct{ FS FS }

// CommandLine is a process's command line for the fds heading
// (core.FDSources), from /proc/[pid]/cmdline: its NUL-separated arguments
// (trailing NULs dropped), joined by spaces, read up to 1 MiB. (It was read
// through prometheus/procfs, whose package initialisation every run of
// gosof paid for.)
func (l *FDs) CommandLine(pid int) (string, error) {
	f, err := os.Open(l.FS.Path(strconv.Itoa(pid), "cmdline"))
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrGone && hiddenPID(l.FS, pid) {
			return "", hiddenErr(l.FS, pid)
		}
		return "", procErr(pid, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return "", procErr(pid, err)
	}
	return strings.Replace(string(bytes.TrimRight(data, "\x00")), "\x00", " ", -1), nil
}

// FDs implements core.FDLister. It reads the links and stats the
// descriptors relative to the open /proc/[pid]/fd directory, as the owner
// scan does: by absolute path every call walked /proc/PID/fd again (46%
// of `gosof fds` on a process with 10,000 descriptors).
func (l *FDs) FDs(pid int) ([]core.FD, error) {
	dir := l.FS.Path(strconv.Itoa(pid), "fd")
	d, err := os.Open(dir)
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrGone && hiddenPID(l.FS, pid) {
			return nil, hiddenErr(l.FS, pid)
		}
		return nil, procErr(pid, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, procErr(pid, err)
	}
	dfd := int(d.Fd())
	out := make([]core.FD, 0, len(names))
	buf := make([]byte, unix.PathMax)
	for _, name := range names {
		n, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		k, err := readlinkAt(dfd, name, buf)
		if err == unix.ENOENT {
			continue // closed since the directory was read
		}
		if err != nil {
			path := dir + "/" + name
			return nil, procErr(pid, fmt.Errorf("readlink %s: %w", path, &os.PathError{Op: "readlink", Path: path, Err: err}))
		}
		link := string(buf[:k])
		fd := core.FD{FD: n, Path: link}
		var st unix.Stat_t
		statErr := unix.Fstatat(dfd, name, &st, 0)
		fd.Kind = fdKind(link, st.Mode, statErr == nil)
		if statErr == nil {
			fd.Inode = st.Ino
		}
		if ino, ok := socketInode(buf[:k]); ok {
			fd.Inode = ino
		}
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FD < out[j].FD })
	return out, nil
}

// readlinkAt reads a link into buf, retrying on EINTR.
func readlinkAt(dfd int, name string, buf []byte) (int, error) {
	for {
		n, err := unix.Readlinkat(dfd, name, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}
