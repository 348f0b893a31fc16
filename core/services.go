package core

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Services maps service names and aliases from /etc/services to their ports.
// A nil Services knows no names.
type Services map[string][]uint16

// ParseServices reads the /etc/services format: "name port/proto aliases...
// # comment". Lines it cannot read are skipped, as libc does.
func ParseServices(r io.Reader) (Services, error) {
	s := Services{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		num, _, ok := strings.Cut(fields[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(num, 10, 16)
		if err != nil || port == 0 {
			continue
		}
		for _, name := range append([]string{fields[0]}, fields[2:]...) {
			name = strings.ToLower(name)
			if !hasPort(s[name], uint16(port)) {
				s[name] = append(s[name], uint16(port))
			}
		}
	}
	return s, sc.Err()
}

// Lookup returns the ports of a service name, case-insensitively.
func (s Services) Lookup(name string) []uint16 {
	return s[strings.ToLower(name)]
}
