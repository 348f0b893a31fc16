package solaris

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// What a capture's files may weigh: host.json is a few hundred bytes; the
// MIB reply of a host with a million connections is about 100 MB.
const (
	maxHostJSON   = 1 << 20
	maxMIBCapture = 256 << 20
)

// readRegular reads a capture file of at most limit bytes. It refuses what
// is not a regular file (a FIFO would block for ever, /dev/zero never
// ends), opening without blocking so that a FIFO is seen, not waited on.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fi.Mode().Type())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than a capture holds (%d)", path, fi.Size(), limit)
	}
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes, more than a capture holds", path, limit)
	}
	return raw, nil
}

// OpenReplay opens a capture made by 'gosof debug capture': DIR/host.json,
// DIR/mib2 and DIR/proc. It works on every OS; the capture's byte order
// (host.json) says how to read it, so SPARC captures replay on x86.
func OpenReplay(dir string) (*Backend, error) {
	hj, err := readRegular(filepath.Join(dir, "host.json"), maxHostJSON)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	host, bo, err := ParseHostInfo(hj)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	raw, err := readRegular(filepath.Join(dir, "mib2"), maxMIBCapture)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	groups, err := ParseCapture(raw, bo)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", dir, err)
	}
	b := NewBackend(func() ([]Group, error) { return groups, nil }, filepath.Join(dir, "proc"), bo)
	b.numericUsers = true
	b.replay = true
	b.Host = host
	return b, nil
}
