package testhelper

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	envKillOnBPF     = "GOSOF_TEST_KILL_ON_BPF"
	envRefuseNetlink = "GOSOF_TEST_REFUSE_NETLINK"
)

// KillOnBPF makes cmd, not started yet, run under a seccomp filter that
// kills it on any bpf(2) call (SECCOMP_RET_KILL_PROCESS: what systemd's
// SystemCallFilter= does to a call it does not allow, unless
// SystemCallErrorNumber= is set). The test binary starts first, installs
// the filter (in Main) and executes cmd's program, which keeps it: the
// test process itself never has it.
func KillOnBPF(cmd *exec.Cmd) {
	argv := append([]string{cmd.Path}, cmd.Args[1:]...)
	cmd.Env = append(append([]string{}, cmdEnv(cmd)...), envKillOnBPF+"="+strings.Join(argv, "\x1f"))
	cmd.Path = os.Args[0]
	cmd.Args = []string{os.Args[0], "-test.run=^$"}
}

// RefuseNetlink makes cmd, not started yet, run under a seccomp filter
// under which socket(AF_NETLINK, ...) fails with EAFNOSUPPORT, as in a
// sandbox that allows no netlink (systemd's RestrictAddressFamilies=
// without AF_NETLINK). It starts as KillOnBPF does.
func RefuseNetlink(cmd *exec.Cmd) {
	argv := append([]string{cmd.Path}, cmd.Args[1:]...)
	cmd.Env = append(append([]string{}, cmdEnv(cmd)...), envRefuseNetlink+"="+strings.Join(argv, "\x1f"))
	cmd.Path = os.Args[0]
	cmd.Args = []string{os.Args[0], "-test.run=^$"}
}

func cmdEnv(cmd *exec.Cmd) []string {
	if cmd.Env == nil {
		return os.Environ()
	}
	return cmd.Env
}

// KilledByBPFFilter reports whether a process run under KillOnBPF, and
// waited for, was killed for a bpf(2) call.
func KilledByBPFFilter(cmd *exec.Cmd) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGSYS
}

// execKillOnBPF is KillOnBPF's (and RefuseNetlink's) part in the started test binary: the
// filter on every thread (SECCOMP_FILTER_FLAG_TSYNC), then the program.
// The filter looks at the system call number only, not the
// architecture: gosof makes the native calls alone.
func execKillOnBPF(argv []string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "kill-on-bpf filter:", err)
		os.Exit(125)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fail(err)
	}
	filter := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.SYS_BPF},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_KILL_PROCESS},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
	}
	env := envKillOnBPF
	if os.Getenv(envRefuseNetlink) != "" {
		env = envRefuseNetlink
		filter = []unix.SockFilter{
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
			{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 3, K: unix.SYS_SOCKET},
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 16}, // seccomp_data.args[0], little-endian low word
			{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.AF_NETLINK},
			{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EAFNOSUPPORT)},
			{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
		}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog))); e != 0 {
		fail(e)
	}
	os.Unsetenv(env)
	fail(syscall.Exec(argv[0], argv, os.Environ()))
}
