//go:build linux || solaris

// Package bindprobe is the system-call half of `gosof why`'s bind probe,
// shared by the Linux and Solaris/illumos backends: the same
// socket/setsockopt/bind/close sequence through the standard syscall package
// (which gccgo has on Solaris too, where golang.org/x/sys/unix does not build).
package bindprobe

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/internal/sysfile"
)

// Bind binds a socket of proto (TCP, UDP, UDP-Lite or SCTP) to addr:port
// (with SO_REUSEADDR and SO_REUSEPORT as opts says), never listens on it
// and closes it at once. An AF_INET6 socket keeps the system's IPV6_V6ONLY
// default, as most servers do, so binding "::" also claims the port on
// IPv4. Failures wrap diagnose.ErrAddrInUse, diagnose.ErrAddrNotAvail or
// core.ErrPermission; where no socket of proto can be opened (SCTP without
// its kernel module), or the system has no SO_REUSEPORT, core.ErrUnsupported.
func Bind(proto core.Proto, addr netip.Addr, port uint16, opts diagnose.BindOpts) error {
	sotype, protocol := syscall.SOCK_STREAM, 0
	switch proto {
	case core.TCP:
	case core.UDP:
		sotype = syscall.SOCK_DGRAM
	case core.UDPLite:
		sotype, protocol = syscall.SOCK_DGRAM, ipprotoUDPLite
	case core.SCTP:
		protocol = ipprotoSCTP // one-to-one style, as a server's listener
	default:
		return &noProto{proto: proto, err: syscall.EPROTONOSUPPORT}
	}
	af := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Addr: addr.As16(), Port: int(port)}
	if addr.Is4() {
		af = syscall.AF_INET
		sa = &syscall.SockaddrInet4{Addr: addr.As4(), Port: int(port)}
	}
	fd, err := socket(af, sotype, protocol)
	if err != nil {
		if protocol != 0 && (errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT)) {
			return &noProto{proto: proto, err: err}
		}
		return bindErr(addr, port, err)
	}
	defer syscall.Close(fd)
	if opts.ReuseAddr {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			return fmt.Errorf("SO_REUSEADDR: %w", err)
		}
	}
	if opts.ReusePort {
		err := core.ErrUnsupported
		if soReusePort != 0 {
			err = reusePortErr(syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1))
		}
		if err != nil {
			return fmt.Errorf("SO_REUSEPORT: %w", err)
		}
	}
	return bindErr(addr, port, syscall.Bind(fd, sa))
}

// reusePortErr is setsockopt(SO_REUSEPORT)'s failure: a Linux before
// 3.9 knows no such option (sock_setsockopt: ENOPROTOOPT), which is the
// system having none (core.ErrUnsupported), not the probe failing.
func reusePortErr(err error) error {
	if errors.Is(err, syscall.ENOPROTOOPT) {
		return core.ErrUnsupported
	}
	return err
}

// The IP protocol numbers (IANA's, the same on every system) of the
// protocols whose sockets socket(2) opens only when asked by number.
const (
	ipprotoSCTP    = 132
	ipprotoUDPLite = 136
)

// noProto is the failure to open any socket of a protocol: the probe
// cannot run (core.IsUnsupported), which is not an answer about the port.
type noProto struct {
	proto core.Proto
	err   error
	why   string // said instead of "cannot be opened on this host"
}

func (e *noProto) Error() string {
	if e.why != "" {
		return e.why
	}
	return e.proto.Name() + " sockets cannot be opened on this host (" + e.err.Error() + ")"
}

// Unavailable is the probe of proto not run, for why: a platform's
// reason not to open such a socket (Linux: opening one would load the
// sctp kernel module). It is core.ErrUnsupported, as a protocol the
// kernel refuses is.
func Unavailable(proto core.Proto, why string) error {
	return &noProto{proto: proto, err: syscall.EPROTONOSUPPORT, why: why}
}

func (e *noProto) Unwrap() error { return e.err }

// Is makes the failure core.ErrUnsupported (one Unwrap, for gccgo's
// errors, which know no Unwrap() []error).
func (e *noProto) Is(target error) bool { return target == core.ErrUnsupported }

// HasIPv6 reports whether ::1 can be bound.
func HasIPv6() error {
	fd, err := socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	return syscall.Bind(fd, &syscall.SockaddrInet6{Addr: [16]byte{15: 1}} /* ::1 */)
}

// sysSocket is socket(2); a variable so that a test can play a kernel
// that refuses SOCK_CLOEXEC.
var sysSocket = syscall.Socket

// socket opens a close-on-exec socket: with SOCK_CLOEXEC in the type, or,
// where the kernel refuses that flag (Oracle Solaris before 11.4 knows no
// SOCK_* flags in the type; Go's net/sock_cloexec_solaris.go does the
// same), without it and then FD_CLOEXEC, under syscall.ForkLock so that
// no fork in between inherits it.
func socket(af, sotype, protocol int) (int, error) {
	fd, err := sysSocket(af, sotype|syscall.SOCK_CLOEXEC, protocol)
	if err == nil || !cloexecRefused(err) {
		return fd, err
	}
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err = sysSocket(af, sotype, protocol)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	return fd, err
}

// cloexecRefused reports an error a kernel gives for a socket type it does
// not know: which one an old Solaris gives is not documented, so every
// errno socket(3SOCKET) lists for a bad type counts; a retry without the
// flag that fails the same way returns its own error.
func cloexecRefused(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EPROTOTYPE) ||
		errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT)
}

func bindErr(addr netip.Addr, port uint16, err error) error {
	ap := netip.AddrPortFrom(addr, port)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("bind %s: %w", ap, diagnose.ErrAddrInUse)
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EAFNOSUPPORT), errors.Is(err, syscall.EPROTONOSUPPORT):
		return fmt.Errorf("bind %s: %w", ap, diagnose.ErrAddrNotAvail)
	case sysfile.Sentinel(err) == core.ErrPermission:
		return fmt.Errorf("bind %s: %w", ap, core.ErrPermission)
	}
	return fmt.Errorf("bind %s: %w", ap, err)
}
