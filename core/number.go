package core

import (
	"errors"
	"strconv"
	"strings"
)

// ParseWholeNumber reads the value s of a number flag (flag, as the user
// typed it): a whole number in decimal, spaces around it ignored, as
// around every value gosof reads (a PORT, a DURATION, a state). Every
// number flag of gosof and gosof-exporter is read here: Go's flag
// package took 010 for octal 8, and kingpin took 1.5 for 1. A whole
// number past an int's range is said to be too large (or small), not
// to be no number; whether it is in the flag's own range is the flag's
// own check.
func ParseWholeNumber(flag, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case errors.Is(err, strconv.ErrRange) && n < 0:
		return 0, Usagef("%s: %q is too small", flag, s)
	case errors.Is(err, strconv.ErrRange):
		return 0, Usagef("%s: %q is too large", flag, s)
	case err != nil:
		return 0, Usagef("%s: %q is not a whole number", flag, s)
	}
	return n, nil
}
