package selfcheck

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PfilesFD is one descriptor of a process as pfiles prints it.
type PfilesFD struct {
	FD       int
	Kind     string // S_IFSOCK, S_IFCHR, S_IFREG...
	Ino      uint64
	Sockname netip.AddrPort // zero when pfiles printed none (or not AF_INET/AF_INET6)
	Peername netip.AddrPort
}

// Pfiles is what pfiles printed for one process.
type Pfiles struct {
	PID    int
	FDs    map[int]PfilesFD
	System bool // "[system process]": pfiles shows no descriptors
}

// ParsePfiles reads the output of `pfiles PID...` (illumos
// ptools/pfiles.c): for each process a line "PID:\tARGS", then for each
// descriptor "%4d: S_IF... mode:... dev:... ino:N ..." followed by
// indented detail lines, among them "\tsockname: AF_INET ADDR  port: N"
// and "\tpeername: ..." for sockets and TLI endpoints (show_sockaddr).
// Processes pfiles could not grab print to stderr only and are absent.
//
// pfiles prints ARGS (pr_psargs, at most PRARGSZ bytes) raw, so arguments
// holding newlines continue on the next lines: the unindented lines right
// after a process's line, before any indented one, are its arguments,
// even one that looks like "PID: ARGS" (pfiles prints at least its
// "Current rlimit" line, indented, for a process it grabbed). A line
// that still cannot be read is skipped and counted in skipped, as
// ParseSS does: a hostile command line must not stop the check.
func ParsePfiles(text string) (procs map[int]*Pfiles, skipped int, err error) {
	procs = map[int]*Pfiles{}
	var cur *Pfiles
	var fd *PfilesFD
	argsLines := -1 // lines of the current process's ARGS so far; -1 once an indented line came
	flush := func() {
		if cur != nil && fd != nil {
			cur.FDs[fd.FD] = *fd
		}
		fd = nil
	}
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			continue
		case line[0] != ' ' && line[0] != '\t':
			if argsLines >= 0 && argsLines < pfilesMaxArgsLines {
				argsLines++ // ARGS continued after a newline
				continue
			}
			// "PID:\tARGS" (or "core 'x' of PID:", not taken here).
			colon := strings.IndexByte(line, ':')
			pid, err := strconv.Atoi(line[:max0(colon)])
			if colon < 0 || err != nil {
				skipped++
				continue
			}
			flush()
			cur = &Pfiles{PID: pid, FDs: map[int]PfilesFD{}}
			procs[pid] = cur
			argsLines = 0
			continue
		}
		argsLines = -1
		switch {
		case cur == nil:
			skipped++ // no process before it
		case t == "[system process]":
			cur.System = true
		case isFDLine(t):
			flush()
			f, err := pfilesFD(t)
			if err != nil {
				skipped++
				continue
			}
			fd = &f
		case fd != nil && (strings.HasPrefix(t, "sockname: ") || strings.HasPrefix(t, "peername: ")):
			ap, ok, err := pfilesAddr(t[len("sockname: "):])
			if err != nil {
				skipped++
				continue
			}
			if ok && strings.HasPrefix(t, "sockname") {
				fd.Sockname = ap
			} else if ok {
				fd.Peername = ap
			}
		}
	}
	flush()
	return procs, skipped, nil
}

// pfilesMaxArgsLines bounds the lines one process's ARGS is read from:
// pr_psargs holds at most PRARGSZ (80) bytes, so at most 79 newlines.
const pfilesMaxArgsLines = 80

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// isFDLine: "%4d: S_IF... mode:..." (or "0x%.4x " for an unknown type).
func isFDLine(t string) bool {
	colon := strings.IndexByte(t, ':')
	if colon <= 0 {
		return false
	}
	if _, err := strconv.Atoi(t[:colon]); err != nil {
		return false
	}
	return strings.Contains(t, " mode:")
}

func pfilesFD(t string) (PfilesFD, error) {
	colon := strings.IndexByte(t, ':')
	n, _ := strconv.Atoi(t[:colon])
	f := PfilesFD{FD: n}
	fields := strings.Fields(t[colon+1:])
	if len(fields) == 0 {
		return f, fmt.Errorf("descriptor %d: no type", n)
	}
	f.Kind = fields[0]
	for _, fl := range fields[1:] {
		if strings.HasPrefix(fl, "ino:") {
			v := fl[len("ino:"):]
			ino, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return f, fmt.Errorf("descriptor %d: ino %q", n, v)
			}
			f.Ino = ino
		}
	}
	return f, nil
}

// pfilesAddr reads "AF_INET 10.0.0.1  port: 22" or "AF_INET6 ::  port: 22";
// ok is false for the other families (AF_UNIX...).
func pfilesAddr(s string) (netip.AddrPort, bool, error) {
	f := strings.Fields(s)
	if len(f) == 0 || f[0] != "AF_INET" && f[0] != "AF_INET6" {
		return netip.AddrPort{}, false, nil
	}
	if len(f) != 4 || f[2] != "port:" {
		return netip.AddrPort{}, false, fmt.Errorf("socket address %q", s)
	}
	a, err := netip.ParseAddr(f[1])
	if err != nil {
		return netip.AddrPort{}, false, fmt.Errorf("socket address %q", s)
	}
	p, err := strconv.ParseUint(f[3], 10, 16)
	if err != nil {
		return netip.AddrPort{}, false, fmt.Errorf("socket port %q", s)
	}
	return netip.AddrPortFrom(a, uint16(p)), true, nil
}
