package linux

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// SockOpts reads socket options through duplicates of the holder's
// descriptors: pidfd_open, pidfd_getfd (Linux 5.6+, needs ptrace access to
// the target), getsockopt, close. It never sets an option. The duplicate
// shares the socket with the holder, and is closed at once.
type SockOpts struct{}

// ptraceHint says how to get the access pidfd_getfd needs.
const ptraceHint = "pidfd_getfd needs ptrace access to the process: run as root or with CAP_SYS_PTRACE"

// Options implements core.OptionReader.
func (SockOpts) Options(pid int, fds []int) (map[int]*core.SockOptions, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, pidfdErr("pidfd_open", pid, err)
	}
	defer unix.Close(pidfd)
	out := make(map[int]*core.SockOptions, len(fds))
	for _, fd := range fds {
		dup, err := unix.PidfdGetfd(pidfd, fd, 0)
		if err == unix.EBADF {
			continue // closed since it was listed
		}
		if err != nil {
			return nil, pidfdErr("pidfd_getfd", pid, err)
		}
		o := ReadSockOptions(dup)
		unix.Close(dup)
		if o != nil {
			out[fd] = o
		}
	}
	return out, nil
}

func pidfdErr(call string, pid int, err error) error {
	switch sentinel := sysfile.Sentinel(err); {
	case sentinel == core.ErrGone:
		return fmt.Errorf("%s %d: %w", call, pid, core.ErrGone)
	case sentinel == core.ErrPermission:
		return fmt.Errorf("%s %d: %w (%s)", call, pid, core.ErrPermission, ptraceHint)
	case err == unix.ENOSYS:
		return fmt.Errorf("%s: this kernel lacks it (pidfd_getfd needs Linux 5.6): %w", call, core.ErrUnsupported)
	}
	return fmt.Errorf("%s %d: %w", call, pid, err)
}

// ReadSockOptions reads the options of the socket fd refers to, nil if it
// is not a socket. Options the kernel refuses for this kind of socket are
// left unknown.
func ReadSockOptions(fd int) *core.SockOptions {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil
	}
	o := &core.SockOptions{Type: sockTypeName(typ)}
	flag := func(level, opt int) *bool {
		v, err := unix.GetsockoptInt(fd, level, opt)
		if err != nil {
			return nil
		}
		b := v != 0
		return &b
	}
	num := func(level, opt int) *int {
		v, err := unix.GetsockoptInt(fd, level, opt)
		if err != nil {
			return nil
		}
		return &v
	}
	o.ReuseAddr = flag(unix.SOL_SOCKET, unix.SO_REUSEADDR)
	o.ReusePort = flag(unix.SOL_SOCKET, unix.SO_REUSEPORT)
	o.KeepAlive = flag(unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	if l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER); err == nil {
		o.Linger = &core.Linger{On: l.Onoff != 0, Seconds: int(l.Linger)}
	}
	o.SndBuf = num(unix.SOL_SOCKET, unix.SO_SNDBUF)
	o.RcvBuf = num(unix.SOL_SOCKET, unix.SO_RCVBUF)
	domain, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	proto, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if domain == unix.AF_INET6 {
		o.V6Only = flag(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
	}
	if (domain == unix.AF_INET || domain == unix.AF_INET6) && proto == unix.IPPROTO_TCP {
		o.NoDelay = flag(unix.IPPROTO_TCP, unix.TCP_NODELAY)
		if cc, err := unix.GetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION); err == nil {
			o.Congestion = cstr(cc)
		}
		if ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			o.TCPInfo = tcpInfo(ti.Rtt, ti.Rttvar, ti.Retransmits, ti.Total_retrans)
		}
	}
	return o
}
