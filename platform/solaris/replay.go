package solaris

import (
	"bufio"
	"fmt"
	"path/filepath"

	"github.com/gosof/gosof/internal/sysfile"
)

// What a capture's files may weigh: host.json is a few hundred bytes; the
// MIB reply of a host with a million connections is about 100 MB.
const (
	maxHostJSON   = 1 << 20
	maxMIBCapture = 256 << 20
)

// OpenReplay opens a capture made by 'gosof debug capture': DIR/host.json,
// DIR/mib2 and DIR/proc. It works on every OS; the capture's byte order
// (host.json) says how to read it, so SPARC captures replay on x86.
func OpenReplay(dir string) (*Backend, error) {
	hj, err := sysfile.ReadRegular(filepath.Join(dir, "host.json"), maxHostJSON)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	host, bo, err := ParseHostInfo(hj)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	f, size, err := sysfile.OpenRegular(filepath.Join(dir, "mib2"), maxMIBCapture)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	groups, err := ReadCapture(bufio.NewReader(f), size, bo)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	b := NewBackend(func() ([]Group, error) { return groups, nil }, filepath.Join(dir, "proc"), bo)
	b.numericUsers = true
	b.replay = true
	b.Host = host
	b.HZ = host.HZ
	if host.LBolt > 0 {
		b.LBolt = func() (int64, bool) { return host.LBolt, true }
	}
	return b, nil
}
