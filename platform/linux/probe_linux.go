package linux

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// Prober is the bind probe: it binds TCP sockets in this process, never
// listens on them, and closes them at once. With NS set it does so inside
// that network namespace (a port conflict is per namespace).
type Prober struct {
	FS FS
	NS *Namespace
}

// in runs fn in the prober's namespace.
func (p *Prober) in(fn func() error) error {
	if p.NS == nil || p.NS.Self {
		return fn()
	}
	return InNamespace(p.NS.Path, fn)
}

// MayBind implements core.BindProber from
// /proc/sys/net/ipv4/ip_unprivileged_port_start (1024 when unreadable) and
// the CapEff line of /proc/self/status.
func (p *Prober) MayBind(port uint16) (bool, string) {
	start := 1024
	// The sysctl is per namespace: /proc/sys/net shows the reader's.
	p.in(func() error {
		if b, err := readFile(p.FS.Path("sys", "net", "ipv4", "ip_unprivileged_port_start")); err == nil {
			if n, err := parseUnprivStart(b); err == nil {
				start = n
			}
		}
		return nil
	})
	var caps uint64
	if b, err := readFile(p.FS.Path("self", "status")); err == nil {
		caps, _ = parseCapEff(b)
	}
	return mayBind(port, start, caps)
}

// HasIPv6 implements core.BindProber: whether ::1 can be bound.
func (p *Prober) HasIPv6() bool {
	return p.in(func() error {
		fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()})
	}) == nil
}

// Bind implements core.BindProber. An IPv6 socket keeps the system's
// IPV6_V6ONLY default (net.ipv6.bindv6only, normally 0), as most servers do,
// so binding "::" also claims the port on IPv4.
func (p *Prober) Bind(addr netip.Addr, port uint16, reuseAddr bool) error {
	return p.in(func() error { return bind(addr, port, reuseAddr) })
}

func bind(addr netip.Addr, port uint16, reuseAddr bool) error {
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
	case errors.Is(err, unix.EADDRNOTAVAIL), errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Errorf("bind %s: %w", ap, core.ErrAddrNotAvail)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("bind %s: %w", ap, core.ErrPermission)
	}
	return fmt.Errorf("bind %s: %w", ap, err)
}
