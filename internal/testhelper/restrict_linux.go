package testhelper

import (
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// StartKillOnBPF starts cmd under a seccomp filter that kills it on any
// bpf(2) call (SECCOMP_RET_KILL_PROCESS: what systemd's
// SystemCallFilter= does to a call it does not allow, unless
// SystemCallErrorNumber= is set). The filter is installed on a thread of
// the test process locked to this call, which cmd is forked from and
// which ends with it: the rest of the test process keeps no filter
// (the Go runtime starts no thread from a locked one). The filter looks
// at the system call number only, not the architecture: gosof makes the
// native calls alone.
func StartKillOnBPF(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		errc <- func() error {
			if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
				return err
			}
			filter := []unix.SockFilter{
				{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
				{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.SYS_BPF},
				{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_KILL_PROCESS},
				{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
			}
			prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
			if err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&prog)), 0, 0); err != nil {
				return err
			}
			runtime.KeepAlive(filter)
			return cmd.Start()
		}()
	}()
	return <-errc
}

// KilledByBPFFilter reports whether a process that StartKillOnBPF
// started and that has been waited for was killed for a bpf(2) call.
func KilledByBPFFilter(cmd *exec.Cmd) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGSYS
}
