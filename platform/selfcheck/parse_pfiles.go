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
func ParsePfiles(text string) (map[int]*Pfiles, error) {
	procs := map[int]*Pfiles{}
	var cur *Pfiles
	var fd *PfilesFD
	flush := func() {
		if cur != nil && fd != nil {
			cur.FDs[fd.FD] = *fd
		}
		fd = nil
	}
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			continue
		case line[0] != ' ' && line[0] != '\t':
			// "PID:\tARGS" (or "core 'x' of PID:", not taken here).
			colon := strings.IndexByte(line, ':')
			pid, err := strconv.Atoi(line[:max0(colon)])
			if colon < 0 || err != nil {
				return nil, fmt.Errorf("pfiles line %d: want \"PID: ARGS\": %q", i+1, line)
			}
			flush()
			cur = &Pfiles{PID: pid, FDs: map[int]PfilesFD{}}
			procs[pid] = cur
		case cur == nil:
			return nil, fmt.Errorf("pfiles line %d: no process before %q", i+1, line)
		case t == "[system process]":
			cur.System = true
		case isFDLine(t):
			flush()
			f, err := pfilesFD(t)
			if err != nil {
				return nil, fmt.Errorf("pfiles line %d: %w", i+1, err)
			}
			fd = &f
		case fd != nil && (strings.HasPrefix(t, "sockname: ") || strings.HasPrefix(t, "peername: ")):
			ap, ok, err := pfilesAddr(t[len("sockname: "):])
			if err != nil {
				return nil, fmt.Errorf("pfiles line %d: %w", i+1, err)
			}
			if ok && strings.HasPrefix(t, "sockname") {
				fd.Sockname = ap
			} else if ok {
				fd.Peername = ap
			}
		}
	}
	flush()
	return procs, nil
}

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
