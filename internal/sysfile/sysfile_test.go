package sysfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gosof/gosof/core"
)

func TestSentinel(t *testing.T) {
	_, enoent := os.Open(filepath.Join(t.TempDir(), "absent"))
	tests := []struct {
		err  error
		want error
	}{
		{nil, nil},
		{syscall.ENOENT, core.ErrGone},
		{syscall.ESRCH, core.ErrGone},
		{enoent, core.ErrGone}, // a *PathError from a /proc read
		{fmt.Errorf("pidfd_getfd: %w", syscall.ESRCH), core.ErrGone},
		{syscall.EACCES, core.ErrPermission},
		{syscall.EPERM, core.ErrPermission},
		{&fs.PathError{Op: "open", Path: "/proc/1/fd", Err: syscall.EACCES}, core.ErrPermission},
		{syscall.EBADF, nil},
		{syscall.ENOSYS, nil},
		{syscall.Errno(0), nil},
	}
	for _, tc := range tests {
		if got := Sentinel(tc.err); got != tc.want {
			t.Errorf("Sentinel(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestReadBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadBounded(path, 5); err != nil || string(b) != "12345" {
		t.Errorf("ReadBounded(limit 5) = %q, %v; want the whole file", b, err)
	}
	if _, err := ReadBounded(path, 4); err == nil {
		t.Error("ReadBounded(limit 4) of 5 bytes succeeded, want an error")
	}
}
