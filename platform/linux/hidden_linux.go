package linux

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/selfcaps"
	"github.com/gosof/gosof/internal/sysfile"
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
		// Signal 0: the existence and permission check only. EPERM: it
		// runs, as another user.
		err = unix.Kill(pid, 0)
		return err == nil || sysfile.Sentinel(err) == core.ErrPermission
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
	return fmt.Errorf("process %d runs, but %s hides it from this user (hidepid): %w", pid, fs.Proc, core.ErrPermission)
}

// seesAll reports whether gosof has what reading any process's
// descriptors takes, and what hidepid=invisible lets through:
// CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH.
func seesAll() bool {
	return selfcaps.Has(unix.CAP_SYS_PTRACE, unix.CAP_DAC_READ_SEARCH)
}

// deniedHint says what would let gosof see the processes it was denied,
// from what it runs as: a plain user needs root or the two capabilities;
// root without them needs them back; root with them was refused by
// something else (the holder is in a parent user namespace, or an LSM).
func deniedHint() string {
	switch {
	case unix.Geteuid() != 0:
		return unseenHint
	case !seesAll():
		return "gosof runs as root without CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH; run it with both (not under a reduced capability set, e.g. setpriv or capsh --drop) to see them"
	}
	return "they have capabilities gosof lacks or sit in a parent user namespace (or an LSM such as Yama refuses ptrace access); run gosof with the full capability set of the host's root to see them"
}

// joinHint is what joining a network namespace takes (setns: CAP_SYS_ADMIN
// in the user namespace that owns it, and in gosof's own), for the user
// gosof runs as. A gosof that has CAP_SYS_ADMIN and was refused has it in
// a user namespace of its own only (unshare -U, a rootless container):
// "root" is what it already is there.
func joinHint() string {
	if selfcaps.Has(unix.CAP_SYS_ADMIN) {
		return "joining one needs CAP_SYS_ADMIN in the user namespace that owns it, and gosof has it in its own only: run it as the host's root"
	}
	return "joining one needs root or CAP_SYS_ADMIN"
}
