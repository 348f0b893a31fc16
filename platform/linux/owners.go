package linux

import (
	"bytes"

	"github.com/gosof/gosof/internal/hostorder"
)

// socketInode reads the inode out of a /proc/[pid]/fd link target of the
// form "socket:[12345]"; ok is false for anything else.
func socketInode(link []byte) (uint64, bool) {
	const prefix = "socket:["
	if len(link) < len(prefix)+2 || string(link[:len(prefix)]) != prefix || link[len(link)-1] != ']' {
		return 0, false
	}
	return parseDec(link[len(prefix) : len(link)-1])
}

// direntHeader is the fixed part of struct linux_dirent64: d_ino @0 (u64),
// d_off @8 (s64), d_reclen @16 (u16), d_type @18 (u8); d_name starts @19.
const direntHeader = 19

// walkDirents calls fn with each name in a getdents64 buffer. Every name is
// a subslice of buf followed by its NUL terminator, so a caller may hand
// &name[0] to a system call as a C string without copying. It stops at a
// malformed record rather than reading past buf.
func walkDirents(buf []byte, fn func(name []byte)) {
	for len(buf) >= direntHeader {
		reclen := int(hostorder.Native.Uint16(buf[16:18]))
		if reclen < direntHeader || reclen > len(buf) {
			return
		}
		name := buf[direntHeader:reclen]
		if i := bytes.IndexByte(name, 0); i > 0 {
			fn(name[:i])
		}
		buf = buf[reclen:]
	}
}

// atoiBytes parses a non-negative decimal process or descriptor number.
func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseComm reads the command name out of /proc/[pid]/stat: between the
// first '(' and the last ')', since it may itself hold parentheses.
func parseComm(b []byte) (string, bool) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", false
	}
	return string(b[open+1 : end]), true
}

// parseStatusEUID reads the effective uid, the second number of the
// "Uid:" line of /proc/[pid]/status (real, effective, saved, fs).
func parseStatusEUID(b []byte) (int64, bool) { return statusNumber(b, "Uid:", 1) }

// parseStatusTgid reads the thread group id, "Tgid:": the process a task
// of /proc/[tid] belongs to, its own id for a process.
func parseStatusTgid(b []byte) (int64, bool) { return statusNumber(b, "Tgid:", 0) }

// statusNumber reads field i (from 0) of the line of /proc/[pid]/status
// that starts with key, a decimal number of at most 10 digits.
func statusNumber(b []byte, key string, i int) (int64, bool) {
	for len(b) > 0 {
		line := b
		if j := bytes.IndexByte(b, '\n'); j >= 0 {
			line, b = b[:j], b[j+1:]
		} else {
			b = nil
		}
		if !bytes.HasPrefix(line, []byte(key)) {
			continue
		}
		rest := line[len(key):]
		var fields [20][]byte
		f := fields[:firstFields(rest, &fields)]
		if len(f) <= i || len(f[i]) == 0 || len(f[i]) > 10 {
			return 0, false
		}
		var n int64
		for _, c := range f[i] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, true
	}
	return 0, false
}

// hidepidInvisible reports whether the proc filesystem mounted at
// mountpoint hides other users' processes entirely (hidepid=2, printed as
// "invisible" since Linux 5.8), from the text of /proc/self/mountinfo:
// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
// With hidepid=1 the processes are listed and their fds are denied, which
// the scan counts; with 2 they are not even listed.
func hidepidInvisible(mountinfo []byte, mountpoint string) bool {
	hidden := false
	for _, line := range bytes.Split(mountinfo, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) < 5 || string(f[4]) != mountpoint {
			continue
		}
		sep := -1
		for i, b := range f {
			if string(b) == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+3 >= len(f) || string(f[sep+1]) != "proc" {
			continue
		}
		// The last mount on a mount point is the one in effect.
		hidden = false
		for _, opt := range bytes.Split(f[sep+3], []byte(",")) {
			if o := string(opt); o == "hidepid=2" || o == "hidepid=invisible" {
				hidden = true
			}
		}
	}
	return hidden
}
