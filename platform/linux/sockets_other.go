//go:build !linux

package linux

import (
	"fmt"

	"github.com/gosof/gosof/core"
)

type diagHolder struct{}

// Netlink needs Linux's NETLINK_SOCK_DIAG.
func (s *Sockets) Netlink(f *core.Filter) ([]core.Socket, error) {
	return nil, fmt.Errorf("NETLINK_SOCK_DIAG: %w", core.ErrUnsupported)
}

func (s *Sockets) netlink(f *core.Filter) ([]core.Socket, []procTable, error) {
	_, err := s.Netlink(f)
	return nil, nil, err
}

// DestroyAll needs Linux's SOCK_DESTROY.
func (s *Sockets) DestroyAll(socks []*core.Socket, _ *core.Filter) []error {
	errs := make([]error, len(socks))
	for i := range errs {
		errs[i] = fmt.Errorf("SOCK_DESTROY: %w", core.ErrUnsupported)
	}
	return errs
}

func netlinkRefused(err error) bool { return core.IsUnsupported(err) }

// unixInodesExist has no kernel to ask off Linux.
func (s *Sockets) unixInodesExist([]uint64) (realUnix, bool) { return nil, false }

// netnsInode: network namespaces are Linux's.
func netnsInode(FS) uint64 { return 0 }

// joinHint: network namespaces are Linux's, and no other system joins one.
func joinHint() string { return "" }
