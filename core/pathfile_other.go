//go:build !unix

package core

import "io/fs"

// fileID is unknown where stat(2) has no device and inode.
func fileID(fs.FileInfo) FileID { return FileID{} }
