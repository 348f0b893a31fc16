package linux

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// FDs lists a process's descriptors from /proc/[pid]/fd: the link target
// of each, and a stat of what it refers to for the type and inode. The
// details of the process (heading, command line) come through
// prometheus/procfs: fds reads them once per process shown, off the hot
// scan, where its parse-every-field speed is enough (docs/conventions.md).
type FDs struct {
	FS  FS
	pfs *procfs.FS
}

func (l *FDs) proc(pid int) (procfs.Proc, error) {
	if l.pfs == nil {
		pfs, err := procfs.NewFS(l.FS.Proc)
		if err != nil {
			return procfs.Proc{}, err
		}
		l.pfs = &pfs
	}
	p, err := l.pfs.Proc(pid)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && hiddenPID(l.FS, pid) {
			return procfs.Proc{}, hiddenErr(l.FS, pid)
		}
		return procfs.Proc{}, procErr(pid, err)
	}
	return p, nil
}

// CommandLine implements core.CommandLiner from /proc/[pid]/cmdline: the
// arguments joined by spaces, as ps shows them (fds, --cmdline).
func (l *FDs) CommandLine(pid int) (string, error) {
	p, err := l.proc(pid)
	if err != nil {
		return "", err
	}
	args, err := p.CmdLine()
	if err != nil {
		return "", procErr(pid, err)
	}
	return strings.Join(args, " "), nil
}

// Process implements core.ProcessDescriber from /proc/[pid]/stat and
// status: the command name, start time and effective uid, as Owners.Process
// gives them on the hot scan.
func (l *FDs) Process(pid int) (*core.Process, error) {
	p, err := l.proc(pid)
	if err != nil {
		return nil, err
	}
	st, err := p.Stat()
	if err != nil {
		return nil, procErr(pid, err)
	}
	status, err := p.NewStatus()
	if err != nil {
		return nil, procErr(pid, err)
	}
	return &core.Process{PID: pid, Comm: st.Comm, UID: int64(status.UIDs[1]), Start: st.Starttime}, nil
}

// FDs implements core.FDLister.
func (l *FDs) FDs(pid int) ([]core.FD, error) {
	dir := l.FS.Path(strconv.Itoa(pid), "fd")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && hiddenPID(l.FS, pid) {
			return nil, hiddenErr(l.FS, pid)
		}
		return nil, procErr(pid, err)
	}
	var out []core.FD
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		path := dir + "/" + e.Name()
		link, err := os.Readlink(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // closed since the directory was read
		}
		if err != nil {
			return nil, procErr(pid, fmt.Errorf("readlink %s: %w", path, err))
		}
		fd := core.FD{FD: n, Path: link}
		var st unix.Stat_t
		statErr := unix.Stat(path, &st)
		fd.Kind = fdKind(link, st.Mode, statErr == nil)
		if statErr == nil {
			fd.Inode = st.Ino
		}
		if ino, ok := socketInode([]byte(link)); ok {
			fd.Inode = ino
		}
		out = append(out, fd)
	}
	slices.SortFunc(out, func(a, b core.FD) int { return a.FD - b.FD })
	return out, nil
}
