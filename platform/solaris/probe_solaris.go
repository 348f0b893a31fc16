package solaris

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// Prober is the bind probe on Solaris and illumos: it binds TCP sockets in
// this process, never listens on them, and closes them at once. Not yet
// run on a real host: it is the same socket/setsockopt/bind/close sequence
// as Linux's, with Solaris's privilege rule.
type Prober struct{}

// privPorts is the default tcp smallest_nonpriv_port (ipadm show-prop -p
// smallest_nonpriv_port tcp); binding below it needs PRIV_NET_PRIVADDR.
const privPorts = 1024

// MayBind implements core.BindProber. Below 1024 only a process with
// PRIV_NET_PRIVADDR may bind; gosof assumes root has it and others do not
// (a tuned smallest_nonpriv_port, or a user granted net_privaddr, is not
// read).
func (Prober) MayBind(port uint16) (bool, string) {
	if port >= privPorts || unix.Geteuid() == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("port %d is privileged (below %d) and binding it needs PRIV_NET_PRIVADDR; run gosof as root to probe this port", port, privPorts)
}

// HasIPv6 implements core.BindProber: whether ::1 can be bound.
func (Prober) HasIPv6() bool {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}) == nil
}

// Bind implements core.BindProber. An AF_INET6 socket bound to "::" is
// dual-stack unless IPV6_V6ONLY is set, which gosof leaves alone.
func (Prober) Bind(addr netip.Addr, port uint16, reuseAddr bool) error {
	af := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Addr: addr.As16(), Port: int(port)}
	if addr.Is4() {
		af = unix.AF_INET
		sa = &unix.SockaddrInet4{Addr: addr.As4(), Port: int(port)}
	}
	fd, err := unix.Socket(af, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return bindErr(addr, port, err)
	}
	defer unix.Close(fd)
	if reuseAddr {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fmt.Errorf("SO_REUSEADDR: %w", err)
		}
	}
	return bindErr(addr, port, unix.Bind(fd, sa))
}

func bindErr(addr netip.Addr, port uint16, err error) error {
	ap := netip.AddrPortFrom(addr, port)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EADDRINUSE):
		return fmt.Errorf("bind %s: %w", ap, core.ErrAddrInUse)
	case errors.Is(err, unix.EADDRNOTAVAIL), errors.Is(err, unix.EAFNOSUPPORT), errors.Is(err, unix.EPROTONOSUPPORT):
		return fmt.Errorf("bind %s: %w", ap, core.ErrAddrNotAvail)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("bind %s: %w", ap, core.ErrPermission)
	}
	return fmt.Errorf("bind %s: %w", ap, err)
}
