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
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
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
