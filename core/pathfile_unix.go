//go:build unix

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
