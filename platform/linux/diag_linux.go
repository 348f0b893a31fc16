package linux

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// diagRecvBuf is the receive buffer of a dump. The kernel fills at most about
// 32 KiB per read (netlink_dump caps its skb there); twice that never
// truncates a message.
const diagRecvBuf = 64 << 10

// diagTimeout bounds each read, so a kernel that never ends a dump cannot
// hang gosof.
var diagTimeout = unix.Timeval{Sec: 10}

var diagSeq atomic.Uint32

// diagConn is a NETLINK_SOCK_DIAG socket.
type diagConn struct {
	fd  int
	buf []byte
}

// openDiag opens a NETLINK_SOCK_DIAG socket. Its error wraps the errno, so
// callers can tell "netlink refused" (EPERM, EACCES, EPROTONOSUPPORT,
// EAFNOSUPPORT) from the rest.
func openDiag() (*diagConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_NETLINK, NETLINK_SOCK_DIAG): %w", err)
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &diagTimeout); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("NETLINK_SOCK_DIAG: SO_RCVTIMEO: %w", err)
	}
	return &diagConn{fd: fd}, nil
}

func (c *diagConn) Close() error { return unix.Close(c.fd) }

func (c *diagConn) send(req []byte) error {
	for {
		err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		if err != unix.EINTR {
			return err
		}
	}
}

func (c *diagConn) recv() ([]byte, error) {
	if c.buf == nil {
		c.buf = make([]byte, diagRecvBuf)
	}
	for {
		// MSG_TRUNC makes recvfrom return the datagram's real length, so
		// a truncated read is caught rather than parsed.
		n, _, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_TRUNC)
		switch {
		case err == unix.EINTR: // SO_RCVTIMEO disables SA_RESTART
			continue
		case err == unix.EAGAIN:
			return nil, errors.New("NETLINK_SOCK_DIAG: no answer from the kernel within 10s")
		case err != nil:
			return nil, fmt.Errorf("NETLINK_SOCK_DIAG: recvfrom: %w", err)
		case n > len(c.buf):
			return nil, fmt.Errorf("NETLINK_SOCK_DIAG: a %d-byte message overflowed the %d-byte buffer", n, len(c.buf))
		}
		return c.buf[:n], nil
	}
}

// dump sends one dump request and decodes the answer into out.
func (c *diagConn) dump(d *diagDecoder, req []byte, out []core.Socket) ([]core.Socket, error) {
	if err := c.send(req); err != nil {
		return out, fmt.Errorf("NETLINK_SOCK_DIAG: sendto: %w", err)
	}
	for {
		b, err := c.recv()
		if err != nil {
			return out, err
		}
		var done bool
		out, done, err = d.decode(b, out)
		if err != nil || done {
			return out, err
		}
	}
}

// inetDump lists the sockets of one protocol and family.
func (c *diagConn) inetDump(f *core.Filter, t procTable, netns uint64, out []core.Socket) ([]core.Socket, error) {
	states := stateMask(f, t.proto)
	if states == 0 {
		return out, nil
	}
	seq := diagSeq.Add(1)
	req := inetDumpRequest(seq, t.af, t.ipproto, states, portBytecode(f))
	d := diagDecoder{seq: seq, proto: t.proto, family: t.family, netns: netns}
	n := len(out)
	out, err := c.dump(&d, req, out)
	if err != nil {
		return out[:n], t.dumpErr(err)
	}
	return out, nil
}

// unixDump lists the unix sockets.
func (c *diagConn) unixDump(f *core.Filter, t procTable, netns uint64, out []core.Socket) ([]core.Socket, error) {
	states := stateMask(f, core.Unix)
	if states == 0 {
		return out, nil
	}
	seq := diagSeq.Add(1)
	d := diagDecoder{seq: seq, unix: true, netns: netns}
	n := len(out)
	out, err := c.dump(&d, unixDumpRequest(seq, states), out)
	if err != nil {
		return out[:n], t.dumpErr(err)
	}
	resolveUnixPeers(out[n:])
	return out, nil
}

// dumpErr names the table in a dump's error, and turns a kernel errno into a
// unix.Errno so callers can errors.Is it.
func (t procTable) dumpErr(err error) error {
	var de *dumpError
	if errors.As(err, &de) {
		err = unix.Errno(de.Errno)
	}
	return fmt.Errorf("NETLINK_SOCK_DIAG dump of %s: %w", t.name, err)
}

// Destroy makes the kernel reset socket s (SOCK_DESTROY, as `ss -K` does):
// a TCP peer sees ECONNRESET, the holder's next call fails with
// ECONNABORTED. s is found by its exact id: addresses, ports and, when s came
// from Sockets through netlink, the kernel's cookie in s.Key (so a new
// socket that reused the ports is never hit). TCP, UDP and UDP-Lite only.
//
// The error wraps the errno: EPERM (also core.ErrPermission) when the
// caller lacks CAP_NET_ADMIN, EOPNOTSUPP when the kernel was built without
// CONFIG_INET_DIAG_DESTROY, ENOENT when the socket is already gone.
func (s *Sockets) Destroy(sock *core.Socket) error {
	seq := diagSeq.Add(1)
	req, err := destroyRequest(seq, sock)
	if err != nil {
		return err
	}
	c, err := s.openDiag()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(req); err != nil {
		return fmt.Errorf("SOCK_DESTROY %s: sendto: %w", describe(sock), err)
	}
	d := diagDecoder{seq: seq}
	for {
		b, err := c.recv()
		if err != nil {
			return fmt.Errorf("SOCK_DESTROY %s: %w", describe(sock), err)
		}
		ack, err := d.ack(b)
		if err != nil {
			return destroyErr(sock, err)
		}
		if ack {
			return nil
		}
	}
}

func destroyErr(sock *core.Socket, err error) error {
	var de *dumpError
	if !errors.As(err, &de) {
		return fmt.Errorf("SOCK_DESTROY %s: %w", describe(sock), err)
	}
	errno := unix.Errno(de.Errno)
	switch {
	case sysfile.Sentinel(errno) == core.ErrPermission:
		return fmt.Errorf("SOCK_DESTROY %s: %w: needs CAP_NET_ADMIN (%w)", describe(sock), core.ErrPermission, errno)
	case errno == unix.EOPNOTSUPP:
		return fmt.Errorf("SOCK_DESTROY %s: the kernel cannot destroy sockets (built without CONFIG_INET_DIAG_DESTROY): %w", describe(sock), errno)
	case errno == unix.ENOENT:
		return fmt.Errorf("SOCK_DESTROY %s: no such socket, already gone: %w", describe(sock), errno)
	}
	return fmt.Errorf("SOCK_DESTROY %s: %w", describe(sock), errno)
}

func describe(s *core.Socket) string {
	r := "*"
	if s.Remote != nil {
		r = fmt.Sprintf("%s:%d", s.Remote.Addr, s.Remote.Port)
	}
	return fmt.Sprintf("%s %s:%d -> %s", s.Proto, s.Local.Addr, s.Local.Port, r)
}

// netlinkRefused reports whether err from openDiag means this process may
// not, or cannot, use NETLINK_SOCK_DIAG at all.
func netlinkRefused(err error) bool {
	for _, e := range []error{unix.EPERM, unix.EACCES, unix.EPROTONOSUPPORT, unix.EAFNOSUPPORT, unix.ESOCKTNOSUPPORT, unix.EINVAL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return errors.Is(err, os.ErrPermission)
}
