//go:build aix || darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || solaris

// The platforms with syscall.Stat_t, named one by one: the unix build
// constraint is new in Go 1.19, and gccgo's go command is Go 1.18's.

package core

import (
	"io/fs"
	"syscall"
)

// fileID is the device and inode stat(2) gave fi.
func fileID(fi fs.FileInfo) FileID {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return FileID{}
	}
	return MakeFileID(uint64(st.Dev), uint64(st.Ino))
}
