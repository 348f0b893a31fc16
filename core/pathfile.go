package core

import (
	"errors"
	"io/fs"
	"os"
)

// StatPath looks at what the filesystem has at a unix socket's name,
// following symlinks as connect(2) and bind(2) do. An abstract name
// ('@') has no file.
func StatPath(name string) PathFile {
	if len(name) > 0 && name[0] == '@' {
		return PathFile{Kind: FileAbstract}
	}
	fi, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return PathFile{Kind: FileMissing}
	case err != nil:
		return PathFile{Kind: FileUnknown, Err: err}
	}
	id := fileID(fi)
	if fi.Mode().Type() == fs.ModeSocket {
		return PathFile{Kind: FileSocket, ID: id}
	}
	return PathFile{Kind: FileOther, Type: fileType(fi.Mode()), ID: id}
}

// fileType names a file's type as ls(1) and find(1) users say it.
func fileType(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "regular file"
	case fs.ModeDir:
		return "directory"
	case fs.ModeSymlink:
		return "symlink"
	case fs.ModeNamedPipe:
		return "FIFO"
	case fs.ModeDevice:
		return "block device"
	case fs.ModeDevice | fs.ModeCharDevice:
		return "character device"
	}
	return "file of type " + m.Type().String()
}
