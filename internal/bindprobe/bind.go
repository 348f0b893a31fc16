//go:build linux || solaris

// Package bindprobe is the system-call half of `gosof why`'s bind probe,
// shared by the Linux and Solaris/illumos backends: the same
// socket/setsockopt/bind/close sequence through golang.org/x/sys/unix.
package bindprobe

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
)

// Bind binds a TCP socket to addr:port (with SO_REUSEADDR when reuseAddr),
// never listens on it and closes it at once. An AF_INET6 socket keeps the
// system's IPV6_V6ONLY default, as most servers do, so binding "::" also
// claims the port on IPv4. Failures wrap diagnose.ErrAddrInUse,
// diagnose.ErrAddrNotAvail or core.ErrPermission.
func Bind(addr netip.Addr, port uint16, reuseAddr bool) error {
	return bind(unix.SOCK_STREAM, addr, port, reuseAddr)
}

// BindUDP is Bind for a UDP socket: what a new UDP server's bind meets.
func BindUDP(addr netip.Addr, port uint16, reuseAddr bool) error {
	return bind(unix.SOCK_DGRAM, addr, port, reuseAddr)
}

func bind(sotype int, addr netip.Addr, port uint16, reuseAddr bool) error {
	af := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Addr: addr.As16(), Port: int(port)}
	if addr.Is4() {
		af = unix.AF_INET
		sa = &unix.SockaddrInet4{Addr: addr.As4(), Port: int(port)}
	}
	fd, err := unix.Socket(af, sotype|unix.SOCK_CLOEXEC, 0)
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

// HasIPv6 reports whether ::1 can be bound.
func HasIPv6() error {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()})
}

func bindErr(addr netip.Addr, port uint16, err error) error {
	ap := netip.AddrPortFrom(addr, port)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EADDRINUSE):
		return fmt.Errorf("bind %s: %w", ap, diagnose.ErrAddrInUse)
	case errors.Is(err, unix.EADDRNOTAVAIL), errors.Is(err, unix.EAFNOSUPPORT), errors.Is(err, unix.EPROTONOSUPPORT):
		return fmt.Errorf("bind %s: %w", ap, diagnose.ErrAddrNotAvail)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("bind %s: %w", ap, core.ErrPermission)
	}
	return fmt.Errorf("bind %s: %w", ap, err)
}
