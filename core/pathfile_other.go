//go:build !aix && !darwin && !dragonfly && !freebsd && !illumos && !linux && !netbsd && !openbsd && !solaris

package core

import "io/fs"

// fileID is unknown where stat(2) has no device and inode.
func fileID(fs.FileInfo) FileID { return FileID{} }
