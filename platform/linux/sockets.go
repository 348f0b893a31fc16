package linux

import (
	"errors"

	"github.com/gosof/gosof/core"
)

// Sockets lists the sockets of the current network namespace: through
// NETLINK_SOCK_DIAG, or /proc/net when netlink is refused or ProcNetOnly is set.
// PLACEHOLDER: the sock_diag and /proc/net readers replace this file.
type Sockets struct {
	FS          FS
	ProcNetOnly bool
}

// Sockets implements core.SocketSource.
func (s *Sockets) Sockets(f *core.Filter) ([]core.Socket, error) {
	return nil, errors.ErrUnsupported
}
