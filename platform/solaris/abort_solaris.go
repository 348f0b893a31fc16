package solaris

import (
	"fmt"
	"syscall"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// Closer implements core.SocketCloser on Solaris and illumos.
type Closer struct {
	B *Backend
}

// Shutdown cannot work here: Solaris has no way to take another
// process's descriptor.
func (c *Closer) Shutdown(*core.Socket, core.Owner) error { return errShutdown }

// Abort resets a TCP connection with TCP_IOC_ABORT_CONN on /dev/tcp
// (needs PRIV_SYS_IP_CONFIG); the application sees the equivalent of an
// RST, and a TIME_WAIT connection is freed at once. f's --idle is not
// read again: no socket here passes it (only an age is known), so none
// is planned with it.
func (c *Closer) Abort(s *core.Socket, _ *core.Filter) error {
	r, err := rowOf(s)
	if err != nil {
		return err
	}
	zone, err := c.B.zoneID()
	if err != nil {
		return err
	}
	req, err := abortConnReq(r, hostOrder(), zone)
	if err != nil {
		return err
	}
	fd, err := sysOpen("/dev/tcp", syscall.O_RDONLY)
	if err != nil {
		return fmt.Errorf("open /dev/tcp: %w", err)
	}
	defer sysClose(fd)
	err = sysStrioctl(fd, tcpIocAbortConn, req)
	if err == nil {
		return nil
	}
	switch sysfile.Sentinel(err) {
	case core.ErrGone:
		return fmt.Errorf("abort tcp %s -> %s: no such connection: %w", r.Local, r.Remote, core.ErrGone)
	case core.ErrPermission:
		return fmt.Errorf("abort tcp %s -> %s: needs PRIV_SYS_IP_CONFIG: %w", r.Local, r.Remote, core.ErrPermission)
	}
	return fmt.Errorf("abort tcp %s -> %s: TCP_IOC_ABORT_CONN: %w", r.Local, r.Remote, err)
}
