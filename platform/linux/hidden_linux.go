package linux

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// hiddenPID reports whether pid runs although fs has no /proc entry for it:
// /proc is mounted with hidepid=invisible (2) and the process belongs to
// another user. pidfd_open and kill(pid, 0) look the process up in gosof's
// PID namespace without consulting /proc; neither sends anything. Only for
// the host's real /proc: a test's fake tree has nothing to do with this
// host's processes.
func hiddenPID(fs FS, pid int) bool {
	if fs.Proc != "/proc" || pid <= 0 {
		return false
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err == nil {
		unix.Close(fd)
		return true
	}
	if err == unix.ENOSYS {
		err = unix.Kill(pid, 0) // signal 0: the existence and permission check only
		return err == nil || err == unix.EPERM
	}
	return false
}

// missingProcess says why fs has no entry for pid.
func missingProcess(fs FS, pid int) string {
	if hiddenPID(fs, pid) {
		return fmt.Sprintf("process %d runs, but %s hides it from this user (hidepid); %s", pid, fs.Proc, hiddenHint)
	}
	return "no such process"
}

// hiddenHint is what lets a user see the processes hidepid hides.
const hiddenHint = "run as root, or with CAP_SYS_PTRACE, or as a member of the mount's gid= group, to see it"

// hiddenErr is the error for a process hidepid hides: a permission
// problem, not a process that exited.
func hiddenErr(fs FS, pid int) error {
	return fmt.Errorf("process %d runs, but %s hides it from this user (hidepid; %s): %w", pid, fs.Proc, hiddenHint, core.ErrPermission)
}
