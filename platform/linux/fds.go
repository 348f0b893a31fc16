package linux

import (
	"strings"

	"github.com/gosof/gosof/core"
)

// File type bits of st_mode (sys/stat.h), spelled out so this parser
// builds on every OS.
const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
)

// pseudoInode is the inode a "socket:[ino]" or "pipe:[ino]" link names
// (sockfs and pipefs name their dentries by the inode number, which is
// what a stat through the link returns); false for any other link.
func pseudoInode(link []byte) (uint64, bool) {
	if ino, ok := socketInode(link); ok {
		return ino, true
	}
	const prefix = "pipe:["
	if len(link) < len(prefix)+2 || string(link[:len(prefix)]) != prefix || link[len(link)-1] != ']' {
		return 0, false
	}
	return parseDec(link[len(prefix) : len(link)-1])
}

// fdKind classifies a descriptor by its /proc/[pid]/fd link target and,
// failing that, by the st_mode of what it refers to (statOK false: the
// stat failed). The kernel names pseudo files "socket:[ino]", "pipe:[ino]"
// and "anon_inode:[eventfd]" (or "anon_inode:inotify"); anything else is a
// path.
func fdKind(link string, mode uint32, statOK bool) core.FDKind {
	switch {
	case strings.HasPrefix(link, "socket:["):
		return core.FDSocket
	case strings.HasPrefix(link, "pipe:["):
		return core.FDPipe
	case strings.HasPrefix(link, "anon_inode:"):
		return core.FDAnon
	}
	if !statOK {
		return core.FDUnknown
	}
	switch mode & sIFMT {
	case sIFREG:
		return core.FDFile
	case sIFDIR:
		return core.FDDir
	case sIFCHR:
		return core.FDChar
	case sIFBLK:
		return core.FDBlock
	case sIFIFO:
		return core.FDFIFO
	case sIFSOCK:
		return core.FDSocket
	}
	return core.FDUnknown
}
