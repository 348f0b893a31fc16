// Package linux is gosof's Linux backend: sockets from NETLINK_SOCK_DIAG (with
// /proc/net as the fallback), owners from a scan of /proc/[pid]/fd, signals
// through pidfds. Parsers live in untagged files so they are tested anywhere;
// only files that make Linux system calls carry the _linux suffix.
package linux

import (
	"path/filepath"

	"github.com/gosof/gosof/internal/sysfile"
)

// FS is a /proc tree: the live one, or a fixture under testdata.
type FS struct {
	Proc string // e.g. "/proc"
}

// DefaultFS is the live /proc.
func DefaultFS() FS { return FS{Proc: "/proc"} }

// Path joins elements below the /proc root.
func (fs FS) Path(elem ...string) string {
	return filepath.Join(append([]string{fs.Proc}, elem...)...)
}

// maxProcFile bounds what readFile reads: /proc files report size 0, so
// their size cannot be trusted; nothing gosof reads is near this.
const maxProcFile = 64 << 20

// readFile reads a /proc file whole, without trusting Stat, up to a bound.
func readFile(path string) ([]byte, error) {
	return sysfile.ReadBounded(path, maxProcFile)
}
