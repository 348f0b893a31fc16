package selfcheck

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// ssStates maps ss's state names (iproute2 misc/ss.c sstate_name) to the
// contract's. ss calls a closed TCP socket UNCONN, as it does an
// unconnected UDP one.
var ssStates = map[string]core.State{
	"ESTAB": core.Established, "SYN-SENT": core.SynSent, "SYN-RECV": core.SynRecv,
	"FIN-WAIT-1": core.FinWait1, "FIN-WAIT-2": core.FinWait2, "TIME-WAIT": core.TimeWait,
	"CLOSE-WAIT": core.CloseWait, "LAST-ACK": core.LastAck, "LISTEN": core.Listen,
	"CLOSING": core.Closing, "UNCONN": core.Unconn,
}

// ParseSS reads the output of `ss -tanup`: a header line, then one line
// per socket, "Netid State Recv-Q Send-Q Local:Port Peer:Port [Process]",
// where Process is users:(("comm",pid=N,fd=M),...) when ss could tell.
// ss prints a command name raw, so a name holding a newline continues
// the process column on the next lines: they are joined back. A line
// that still cannot be read is skipped, and counted in skipped (a
// hostile name must not stop the check).
func ParseSS(text string) (rows []Row, skipped int, err error) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		f := strings.Fields(line)
		if len(f) == 0 || i == 0 && f[0] == "Netid" {
			continue
		}
		if len(f) < 6 {
			skipped++
			continue
		}
		r := Row{Line: strings.TrimRight(line, " ")}
		switch f[0] {
		case "tcp":
			r.Proto = core.TCP
		case "udp":
			r.Proto = core.UDP
		default:
			continue // another protocol: not compared
		}
		st, ok := ssStates[f[1]]
		if !ok {
			skipped++
			continue
		}
		if st == core.Unconn && r.Proto == core.TCP {
			st = core.Close
		}
		r.State = st
		var fam core.Family
		var err error
		if r.Local, fam, err = ssAddr(f[4]); err != nil {
			skipped++
			continue
		}
		r.Family = fam
		remote, _, err := ssAddr(f[5])
		if err != nil {
			skipped++
			continue
		}
		if !(remote.Addr().IsUnspecified() && remote.Port() == 0) {
			r.Remote = remote
		}
		if len(f) > 6 {
			// The process column may hold blanks inside command names,
			// and newlines: join the next lines until it reads.
			proc := strings.TrimSpace(line[strings.Index(line, f[6]):])
			r.Owners, err = ssUsers(proc)
			for j := i + 1; err != nil && j < len(lines) && j <= i+ssMaxNameLines; j++ {
				proc += "\n" + strings.TrimRight(lines[j], " ")
				if owners, e := ssUsers(proc); e == nil {
					r.Owners, err, i = owners, nil, j
				}
			}
			if err != nil {
				skipped++
				continue
			}
		}
		rows = append(rows, r)
	}
	return rows, skipped, nil
}

// ssMaxNameLines bounds the lines one process column is joined from: a
// command name is at most 15 bytes (TASK_COMM_LEN), so at most 15
// newlines, and ss prints up to a few tuples on a line.
const ssMaxNameLines = 64

// ssAddr reads "addr:port" as ss prints it: 10.0.0.1:22, [::1]:22, *:22
// (an IPv6 socket bound to every address), 127.0.0.53%lo:53 or
// [fe80::1]%eth0:546 (bound to a device), port "*" for none.
func ssAddr(s string) (netip.AddrPort, core.Family, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, core.FamilyUnknown, fmt.Errorf("%q: no port", s)
	}
	host, ps := s[:i], s[i+1:]
	var port uint64
	if ps != "*" {
		var err error
		if port, err = strconv.ParseUint(ps, 10, 16); err != nil {
			return netip.AddrPort{}, core.FamilyUnknown, fmt.Errorf("%q: port %q", s, ps)
		}
	}
	if j := strings.LastIndexByte(host, '%'); j >= 0 && j > strings.LastIndexByte(host, ']') {
		host = host[:j]
	}
	if host == "*" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(port)), core.Inet6, nil
	}
	v6 := strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]")
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, core.FamilyUnknown, fmt.Errorf("%q: address %q", s, host)
	}
	fam := core.Inet
	if v6 || a.Is6() {
		fam = core.Inet6
	}
	return netip.AddrPortFrom(a.WithZone(""), uint16(port)), fam, nil
}

// ssUsers reads users:(("comm",pid=N,fd=M),...). ss prints a command
// name raw between quotes, so a process can name itself `x",pid=1,fd=2)`:
// a tuple ends at the first `",pid=N,fd=M)` that is followed by the next
// tuple or by the end of the list, not at the first `",pid=`.
func ssUsers(s string) ([]Owner, error) {
	if !strings.HasPrefix(s, "users:(") {
		return nil, nil // another column (ss prints nothing else with -p alone)
	}
	rest := s[len("users:("):]
	var owners []Owner
	for strings.HasPrefix(rest, `("`) {
		body := rest[2:]
		found := false
		for from := 0; ; {
			end := strings.Index(body[from:], `",pid=`)
			if end < 0 {
				break
			}
			end += from
			o, after, ok := ssTail(body[end+len(`",pid=`):])
			if ok && (after == ")" || strings.HasPrefix(after, `,("`) || strings.HasPrefix(after, ") ")) {
				o.Comm = body[:end]
				owners = append(owners, o)
				rest = strings.TrimPrefix(after, ",")
				found = true
				break
			}
			from = end + 1
		}
		if !found {
			return nil, fmt.Errorf("process column %q: no (\"comm\",pid=N,fd=M) tuple", s)
		}
	}
	return owners, nil
}

// ssTail reads "N,fd=M)" (or "N)") and returns what follows.
func ssTail(s string) (Owner, string, bool) {
	o := Owner{FD: -1}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	pid, err := strconv.Atoi(s[:n])
	if err != nil {
		return o, "", false
	}
	o.PID, s = pid, s[n:]
	if strings.HasPrefix(s, ",fd=") {
		s = s[len(",fd="):]
		n = 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if o.FD, err = strconv.Atoi(s[:n]); err != nil {
			return o, "", false
		}
		s = s[n:]
	}
	if !strings.HasPrefix(s, ")") {
		return o, "", false
	}
	return o, s[1:], true
}
