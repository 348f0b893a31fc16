package core

import (
	"strconv"
	"strings"
)

// ParseWholeNumber reads the value s of a number flag (flag, as the user
// typed it): a whole number in decimal, spaces around it ignored. Every
// number flag of gosof and gosof-exporter is read here: Go's flag
// package took 010 for octal 8, and kingpin took 1.5 for 1. Whether the
// number is in range is the flag's own check.
func ParseWholeNumber(flag, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, Usagef("%s: %q is not a whole number", flag, s)
	}
	return n, nil
}
