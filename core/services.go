package core

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Services maps service names and aliases from /etc/services to their
// ports, each with the protocol the file gives it ("who 513/udp" is UDP
// 513, not rlogind's TCP 513). A nil Services knows no names.
type Services map[string][]PortRange

// ParseServices reads the /etc/services format: "name port/proto aliases...
// # comment". Lines it cannot read, and protocols without ports gosof
// knows (ddp), are skipped, as libc skips what it cannot read.
func ParseServices(r io.Reader) (Services, error) {
	s := Services{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		num, name, ok := strings.Cut(fields[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(num, 10, 16)
		if err != nil || port == 0 {
			continue
		}
		proto, err := ParseProto(name)
		if err != nil || !proto.HasPorts() {
			continue
		}
		r := PortRange{Lo: uint16(port), Hi: uint16(port), Proto: proto}
		for _, name := range append([]string{fields[0]}, fields[2:]...) {
			name = strings.ToLower(name)
			if !hasRange(s[name], r) {
				s[name] = append(s[name], r)
			}
		}
	}
	return s, sc.Err()
}

func hasRange(rs []PortRange, r PortRange) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Ranges returns the ports of a service name, case-insensitively, each
// limited to its protocol.
func (s Services) Ranges(name string) []PortRange {
	return s[strings.ToLower(name)]
}

// Lookup returns the distinct port numbers of a service name,
// case-insensitively, whatever their protocols.
func (s Services) Lookup(name string) []uint16 {
	var ports []uint16
	for _, r := range s.Ranges(name) {
		if !hasPort(ports, r.Lo) {
			ports = append(ports, r.Lo)
		}
	}
	return ports
}

// OnePort reads rs as one port, as why needs: a single port, or one port
// number on several protocols (a service such as domain, 53/tcp and
// 53/udp), which is that port on any protocol.
func OnePort(rs []PortRange) (PortRange, bool) {
	if len(rs) == 0 {
		return PortRange{}, false
	}
	one := rs[0]
	for _, r := range rs {
		if r.Lo != r.Hi || r.Lo != one.Lo {
			return PortRange{}, false
		}
		if r.Proto != one.Proto {
			one.Proto = ""
		}
	}
	return one, true
}
