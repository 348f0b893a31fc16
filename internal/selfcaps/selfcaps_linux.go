// Package selfcaps is gosof's own effective capability set, asked of the
// kernel (capget(2)): the one place gosof asks what it may do, for the
// iterator (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN), the notes on processes
// it could not read (CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH) and the bind
// probe (CAP_NET_BIND_SERVICE).
package selfcaps

import "golang.org/x/sys/unix"

// Effective is the effective capability set, and whether the kernel
// told it. capget(2) answers for the calling thread; gosof changes no
// thread's capabilities, so every thread's set is the process's (the
// CapEff line of /proc/self/status, which the test compares).
func Effective() (uint64, bool) {
	var data [2]unix.CapUserData
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	if unix.Capget(&hdr, &data[0]) != nil {
		return 0, false
	}
	return uint64(data[1].Effective)<<32 | uint64(data[0].Effective), true
}

// Has reports whether the effective set holds every one of caps (the
// CAP_* numbers of linux/capability.h, as unix names them).
func Has(caps ...int) bool {
	c, ok := Effective()
	if !ok {
		return false
	}
	for _, n := range caps {
		if c&(1<<uint(n)) == 0 {
			return false
		}
	}
	return true
}
