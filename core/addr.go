package core

import (
	"bufio"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Addresses: a PORT argument may name an address too (127.0.0.1:8080,
// [::1]:8080, [fe80::1%eth0]:8443, tcp:10.0.0.5:443), and --local and
// --remote narrow to addresses, prefixes and hosts (10.0.0.0/8,
// [2001:db8::]/32, db1:5432). A host name is looked up in /etc/hosts and
// nowhere else: gosof never asks the network (docs/conventions.md).

// AddrMatch is one --local or --remote value: a prefix (one address is
// a /32 or /128) and, optionally, a port range (Lo 0: any port).
type AddrMatch struct {
	Prefix netip.Prefix
	Zone   string // an IPv6 link-local address's zone, "" for any
	Lo, Hi uint16
}

// Match reports whether endpoint e, of a socket of family fam, is in m:
// an IPv4-mapped address counts as the IPv4 address it maps.
func (m AddrMatch) Match(e *Endpoint) bool {
	if e == nil || !e.Addr.IsValid() {
		return false
	}
	a := e.Addr.WithZone("")
	if m.Prefix.Addr().Is4() {
		a = a.Unmap()
	}
	if !m.Prefix.Contains(a) {
		return false
	}
	if m.Zone != "" && e.Addr.Zone() != "" && e.Addr.Zone() != m.Zone {
		return false
	}
	return m.Lo == 0 || e.Port >= m.Lo && e.Port <= m.Hi
}

func (m AddrMatch) String() string {
	s := m.Prefix.String()
	if m.Prefix.IsSingleIP() {
		s = m.Prefix.Addr().String()
		if m.Zone != "" {
			s += "%" + m.Zone
		}
		if m.Prefix.Addr().Is6() {
			s = "[" + s + "]"
		}
	}
	if m.Lo != 0 {
		s += ":" + strconv.Itoa(int(m.Lo))
		if m.Hi != m.Lo {
			s += "-" + strconv.Itoa(int(m.Hi))
		}
	}
	return s
}

// Hosts maps the names in /etc/hosts to their addresses.
type Hosts map[string][]netip.Addr

// ReadHosts reads a hosts file; nil when it cannot be read.
func ReadHosts(path string) Hosts {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	h := Hosts{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		a, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, name := range fields[1:] {
			name = strings.ToLower(name)
			h[name] = append(h[name], a)
		}
	}
	return h
}

// ParseAddrMatch reads one --local/--remote value (flag names it in
// errors): ADDR, [ADDR6], ADDR/BITS, [ADDR6]/BITS or a host name, each
// with an optional :PORT or :LO-HI.
func ParseAddrMatch(flag, v string, hosts func() Hosts) ([]AddrMatch, error) {
	orig := strings.TrimSpace(v)
	host, port, err := splitHostPort(orig)
	if err != nil {
		return nil, Usagef("%s %q: %v", flag, orig, err)
	}
	var lo, hi uint16
	if port != "" {
		rs, err := parsePortBody(port, orig, nil, "")
		if err != nil || len(rs) != 1 {
			return nil, Usagef("%s %q: %q is not a port or a range of ports", flag, orig, port)
		}
		lo, hi = rs[0].Lo, rs[0].Hi
	}
	if host == "" {
		return nil, Usagef("%s %q: no address", flag, orig)
	}
	if p, err := netip.ParsePrefix(host); err == nil {
		return []AddrMatch{{Prefix: p.Masked(), Lo: lo, Hi: hi}}, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []AddrMatch{{Prefix: netip.PrefixFrom(a.WithZone(""), a.BitLen()), Zone: a.Zone(), Lo: lo, Hi: hi}}, nil
	}
	if !validHostName(host) {
		return nil, Usagef("%s %q: not an address, a prefix or a host name", flag, orig)
	}
	var addrs []netip.Addr
	if hosts != nil {
		addrs = hosts()[strings.ToLower(host)]
	}
	if len(addrs) == 0 {
		return nil, Usagef("%s %q: %q is not in /etc/hosts (gosof never resolves names through the network: give an address)", flag, orig, host)
	}
	var out []AddrMatch
	for _, a := range addrs {
		out = append(out, AddrMatch{Prefix: netip.PrefixFrom(a.WithZone(""), a.BitLen()), Zone: a.Zone(), Lo: lo, Hi: hi})
	}
	return out, nil
}

// splitHostPort splits "10.0.0.5:443", "[::1]:80", "[2001:db8::]/32",
// "db1:5432" and plain "::1" (no port: an IPv6 address without brackets
// cannot have one).
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errBracket
		}
		host, rest := s[1:end], s[end+1:]
		if strings.HasPrefix(rest, "/") { // [2001:db8::]/32
			host += rest
			rest = ""
			if i := strings.LastIndexByte(host, ':'); i > strings.IndexByte(host, '/') {
				host, rest = host[:i], host[i:]
			}
		}
		switch {
		case rest == "":
			return host, "", nil
		case strings.HasPrefix(rest, ":"):
			return host, rest[1:], nil
		}
		return "", "", errBracket
	}
	if strings.Count(s, ":") > 1 {
		return s, "", nil // an IPv6 address or prefix, no port
	}
	host, port, _ = strings.Cut(s, ":")
	return host, port, nil
}

type parseError string

func (e parseError) Error() string { return string(e) }

const errBracket = parseError("want [IPv6]:PORT")

// validHostName reports whether s may be a host name to look up in
// /etc/hosts. A name of digits and dots alone is a malformed address (300.1.1.1,
// 10.0.0), never a host name: RFC 1123, 2.1, keeps the dotted-decimal
// form from names (the highest-level label is not all-numeric); it was
// looked up and said to be "not in /etc/hosts".
func validHostName(s string) bool {
	if strings.Trim(s, "0123456789.") == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return s != ""
}

// cutAddr splits a PORT argument that names an address first
// ("127.0.0.1:8080", "[::1]:8080", "[fe80::1%eth0]:8443") into the
// address and what follows it; ok is false for every other spelling.
func cutAddr(arg string) (addr netip.Addr, rest string, ok bool, err error) {
	if strings.HasPrefix(arg, "[") {
		end := strings.IndexByte(arg, ']')
		if end < 0 || !strings.HasPrefix(arg[end+1:], ":") {
			return netip.Addr{}, "", true, Usagef("%q: want [IPv6]:PORT", arg)
		}
		a, err := netip.ParseAddr(arg[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, "", true, Usagef("%q: %q is not an IPv6 address", arg, arg[1:end])
		}
		return a, arg[end+2:], true, nil
	}
	i := strings.IndexByte(arg, ':')
	if i < 0 || strings.Count(arg[:i], ".") != 3 {
		return netip.Addr{}, "", false, nil
	}
	a, err := netip.ParseAddr(arg[:i])
	if err != nil || !a.Is4() {
		return netip.Addr{}, "", true, Usagef("%q: %q is not an IPv4 address", arg, arg[:i])
	}
	return a, arg[i+1:], true, nil
}

// matchAddr reports whether a socket whose end is e serves or uses addr:
// the same address (an IPv4-mapped one counts as the IPv4 one), or, for
// the local end, the wildcard of a family that receives addr's traffic
// (0.0.0.0 for IPv4; :: for IPv4 too, unless the socket is IPv6-only,
// which the socket table does not tell).
func matchAddr(addr netip.Addr, e *Endpoint, local bool) bool {
	if !e.Addr.IsValid() {
		return local
	}
	got := e.Addr.WithZone("").Unmap()
	want := addr.WithZone("").Unmap()
	if got == want {
		return addr.Zone() == "" || e.Addr.Zone() == "" || e.Addr.Zone() == addr.Zone()
	}
	if !local || !got.IsUnspecified() {
		return false
	}
	return got.Is6() || want.Is4()
}

// CommandMatch is one -c value: a prefix of the command name, as lsof's -c
// takes it, or a regular expression between slashes (-c /^nginx$/ for an
// exact name).
type CommandMatch struct {
	Prefix string
	Re     *regexp.Regexp
}

// ParseCommandMatch reads one -c value. An empty value, or an empty
// regular expression (//), would match every command: it is bad input,
// never "no filter". A value starting with / is a regular expression and
// must end with one: an unterminated /nginx is refused rather than taken
// as a prefix (a command that starts with / is -c '/^\//').
func ParseCommandMatch(v string) (CommandMatch, error) {
	switch {
	case strings.TrimSpace(v) == "":
		return CommandMatch{}, Usagef("-c: empty value; give a command name")
	case !strings.HasPrefix(v, "/"):
		return CommandMatch{Prefix: v}, nil
	case len(v) < 2 || !strings.HasSuffix(v, "/"):
		return CommandMatch{}, Usagef("-c %q: a regular expression is written between slashes, /REGEXP/; this one has no closing /", v)
	case v == "//":
		return CommandMatch{}, Usagef("-c //: an empty regular expression matches every command; give a name or a /REGEXP/")
	}
	re, err := regexp.Compile(v[1 : len(v)-1])
	if err != nil {
		return CommandMatch{}, Usagef("-c %q: %v", v, err)
	}
	return CommandMatch{Re: re}, nil
}

func (m CommandMatch) Match(comm string) bool {
	if m.Re != nil {
		return m.Re.MatchString(comm)
	}
	return strings.HasPrefix(comm, m.Prefix)
}

// String is the value as typed; quoted when a space at its edge would
// not show ("-c python3 : nothing left").
func (m CommandMatch) String() string {
	if m.Re != nil {
		return "/" + m.Re.String() + "/"
	}
	if strings.TrimSpace(m.Prefix) != m.Prefix {
		return strconv.Quote(m.Prefix)
	}
	return m.Prefix
}

func anyCommand(ms []CommandMatch, comm string) bool {
	for _, m := range ms {
		if m.Match(comm) {
			return true
		}
	}
	return false
}
