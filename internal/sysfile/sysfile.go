// Package sysfile holds what both platform packages need when they read
// /proc or act on a process: one bounded reader and the one mapping of
// errno to the sentinels core's callers act on.
package sysfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/gosof/gosof/core"
)

// ReadBounded reads a file whole, without trusting Stat (/proc files report
// size 0), and fails if it holds more than limit bytes.
func ReadBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A page first: a /proc or /sys file of up to 4 KB (a status, a
	// sysctl) comes in one read, not the five of io.ReadAll's growth
	// from 512 bytes.
	start := int64(4096)
	if limit < start {
		start = limit + 1
	}
	b, err := readAllInto(make([]byte, 0, start), io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// ReadRegular reads a replayed capture's file: ReadRegularAs for "a
// capture".
func ReadRegular(path string, limit int64) ([]byte, error) {
	return ReadRegularAs(path, limit, "a capture")
}

// ReadRegularAs reads a file of at most limit bytes that must be a
// regular file: a replayed capture's, gosof-exporter's web config and the
// certificates it names. It refuses what is not a regular file (a FIFO
// would block for ever, /dev/zero never ends), opening without blocking so
// that a FIFO is seen, not waited on, and a file larger than limit (a
// sparse file of terabytes) without reading it. what names the kind of
// file in the error ("a capture").
func ReadRegularAs(path string, limit int64, what string) ([]byte, error) {
	f, size, err := OpenRegularAs(path, limit, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw := make([]byte, 0, size+1)
	raw, err = readAllInto(raw, io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes, more than %s holds", path, limit, what)
	}
	return raw, nil
}

// OpenRegular is OpenRegularAs for a capture's file.
func OpenRegular(path string, limit int64) (*os.File, int64, error) {
	return OpenRegularAs(path, limit, "a capture")
}

// OpenRegularAs opens a file that must be a regular file of at most
// limit bytes (see ReadRegularAs) and returns its size; the caller reads
// it and must not trust the size beyond a buffer's first guess.
func OpenRegularAs(path string, limit int64, what string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file (%s)", path, fileType(fi.Mode()))
	}
	if fi.Size() > limit {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %d bytes, more than %s holds (%d)", path, fi.Size(), what, limit)
	}
	return f, fi.Size(), nil
}

// readAllInto is io.ReadAll into b's spare capacity, growing it only if
// the file grew.
func readAllInto(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// fileType names what a file that is not regular is.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeDir != 0:
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return m.Type().String()
}

// Sentinel is the core sentinel err means for what a call read or acted
// on (a process, its descriptor, a socket): core.ErrGone when it no longer
// exists (ENOENT, ESRCH), core.ErrPermission when gosof may not inspect or
// touch it (EACCES, EPERM); nil when err is neither. Every errno that
// becomes one of these goes through here; callers add what a call's other
// errnos mean (EBADF, ENOSYS, ...) and their own words.
func Sentinel(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		return core.ErrGone
	case errors.Is(err, fs.ErrPermission):
		return core.ErrPermission
	}
	return nil
}
