package selfcheck

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// netstatTCPStates maps netstat's TCP state names (illumos netstat.c
// mitcp_state) to the contract's: BOUND, IDLE and CLOSED are all CLOSE.
var netstatTCPStates = map[string]core.State{
	"CLOSED": core.Close, "IDLE": core.Close, "BOUND": core.Close, "LISTEN": core.Listen,
	"SYN_SENT": core.SynSent, "SYN_RCVD": core.SynRecv, "ESTABLISHED": core.Established,
	"CLOSE_WAIT": core.CloseWait, "FIN_WAIT_1": core.FinWait1, "CLOSING": core.Closing,
	"LAST_ACK": core.LastAck, "FIN_WAIT_2": core.FinWait2, "TIME_WAIT": core.TimeWait,
}

// netstatUDPStates: miudp_state's names; a connected UDP socket is
// ESTABLISHED in the contract, the others UNCONN.
var netstatUDPStates = map[string]core.State{
	"Unbound": core.Unconn, "Idle": core.Unconn, "Connected": core.Established,
}

// ParseNetstat reads Solaris/illumos `netstat -an` or `netstat -anu`
// output: sections headed "TCP: IPv4", "TCP: IPv6", "UDP: IPv4", "UDP:
// IPv6" ("TCP" and "UDP" alone are IPv4), each with a heading line and a
// line of dashes, then one line per socket (with -u, one per process
// holding it). Other sections (SCTP, UNIX) are skipped. Addresses are
// "addr.port", "*" for the wildcard address or port 0 (netstat.c pr_ap,
// pr_ap6, portname); every column is separated by at least one blank, and
// the User, Pid and Command columns of -u are blank for a socket no
// process is known to hold.
func ParseNetstat(text string) ([]Row, error) {
	var rows []Row
	var proto core.Proto
	var fam core.Family
	withPID := false
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			continue
		case t == "TCP: IPv4" || t == "TCP":
			proto, fam = core.TCP, core.Inet
			continue
		case t == "TCP: IPv6":
			proto, fam = core.TCP, core.Inet6
			continue
		case t == "UDP: IPv4" || t == "UDP":
			proto, fam = core.UDP, core.Inet
			continue
		case t == "UDP: IPv6":
			proto, fam = core.UDP, core.Inet6
			continue
		case strings.HasPrefix(t, "SCTP") || strings.HasPrefix(t, "Active UNIX") || strings.HasSuffix(t, ":") && !strings.Contains(t, " "):
			proto = "" // a section gosof does not compare
			continue
		case proto == "":
			continue
		case strings.HasPrefix(t, "Local Address") || strings.HasPrefix(t, "Local/Remote"):
			withPID = strings.Contains(t, " Pid ")
			continue
		case strings.Trim(t, "- ") == "":
			continue // the underline
		}
		r, err := netstatRow(proto, fam, withPID, t)
		if err != nil {
			return nil, fmt.Errorf("netstat line %d: %w: %q", i+1, err, line)
		}
		r.Line = strings.TrimRight(line, " ")
		rows = append(rows, r)
	}
	return rows, nil
}

func netstatRow(proto core.Proto, fam core.Family, withPID bool, t string) (Row, error) {
	f := strings.Fields(t)
	r := Row{Proto: proto, Family: fam}
	if len(f) < 2 {
		return r, fmt.Errorf("too few columns")
	}
	var err error
	if r.Local, err = netstatAddr(f[0], fam); err != nil {
		return r, err
	}
	f = f[1:]
	// The columns after the local address, from the right: the state
	// (and, for IPv6, the interface, which may be blank); before them the
	// queues and windows (TCP), then User Pid Command with -u; the remote
	// address comes first, and a UDP socket that is not connected has none.
	var stateAt int = -1
	for j := len(f) - 1; j >= 0 && j >= len(f)-2; j-- {
		if _, ok := stateOf(proto, f[j]); ok {
			stateAt = j
			break
		}
	}
	if stateAt < 0 {
		return r, fmt.Errorf("no state")
	}
	r.State, _ = stateOf(proto, f[stateAt])
	mid := f[:stateAt]
	if proto == core.TCP {
		if len(mid) < 5 {
			return r, fmt.Errorf("too few columns")
		}
		mid = mid[:len(mid)-4] // Swind Send-Q Rwind Recv-Q
		for _, n := range f[stateAt-4 : stateAt] {
			if _, err := strconv.ParseInt(n, 10, 64); err != nil {
				return r, fmt.Errorf("queue or window %q is not a number", n)
			}
		}
	}
	// The remote address: always there for TCP; for UDP only when
	// connected.
	if proto == core.TCP || r.State == core.Established {
		if len(mid) == 0 {
			return r, fmt.Errorf("no remote address")
		}
		remote, err := netstatAddr(mid[0], fam)
		if err != nil {
			return r, err
		}
		if !(remote.Addr().IsUnspecified() && remote.Port() == 0) {
			r.Remote = remote
		}
		mid = mid[1:]
	}
	if withPID && len(mid) >= 2 {
		// User Pid Command; the command (pr_fname, 14 columns) may hold blanks.
		pid, err := strconv.Atoi(mid[1])
		if err != nil {
			return r, fmt.Errorf("pid %q is not a number", mid[1])
		}
		r.Owners = []Owner{{PID: pid, FD: -1, Comm: strings.Join(mid[2:], " ")}}
	} else if len(mid) != 0 && !withPID {
		return r, fmt.Errorf("unexpected columns %q", mid)
	}
	return r, nil
}

func stateOf(proto core.Proto, s string) (core.State, bool) {
	if proto == core.TCP {
		st, ok := netstatTCPStates[s]
		return st, ok
	}
	st, ok := netstatUDPStates[s]
	return st, ok
}

// netstatAddr reads "addr.port": inet_ntop's text, or "*" for the
// wildcard address; the port after the last dot, "*" for 0.
func netstatAddr(s string, fam core.Family) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("address %q has no port", s)
	}
	host, ps := s[:i], s[i+1:]
	var port uint64
	if ps != "*" {
		var err error
		if port, err = strconv.ParseUint(ps, 10, 16); err != nil {
			return netip.AddrPort{}, fmt.Errorf("address %q: port %q is not a number (run netstat with -n)", s, ps)
		}
	}
	var a netip.Addr
	switch {
	case host == "*" && fam == core.Inet6:
		a = netip.IPv6Unspecified()
	case host == "*":
		a = netip.IPv4Unspecified()
	default:
		var err error
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, fmt.Errorf("address %q is not numeric (run netstat with -n)", s)
		}
		if fam == core.Inet {
			a = a.Unmap()
		}
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}
