package core

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a DURATION flag (--timeout, --idle, --interval): a
// Go duration ("5s", "500ms", "1h30m") or a bare decimal number of
// seconds ("5", "0.5"). NaN, infinities, hex floats, negative values,
// values past max (named in words by maxWords, "a day") and values that
// round to nothing ("1e-400", "0.1ns") are usage errors naming flag,
// never a silent 0 or a wrapped-around duration. Zero is allowed: the
// caller says whether it means anything.
func ParseDuration(flag, s string, max time.Duration, maxWords string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := Usagef("%s: %q is not a duration like 5s, 500ms, 10m or a number of seconds", flag, s)
	if t == "" {
		return 0, bad
	}
	if strings.HasPrefix(t, "-") {
		return 0, Usagef("%s: %q is negative", flag, s)
	}
	if decimalNumber(t) {
		n, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, bad
		}
		if n > max.Seconds() {
			return 0, Usagef("%s: %s seconds is more than %s", flag, s, maxWords)
		}
		d := time.Duration(n * float64(time.Second))
		if d == 0 && strings.Trim(t, "0.") != "" {
			return 0, Usagef("%s: %s seconds is too small (under 1ns)", flag, s)
		}
		return d, nil
	}
	d, err := time.ParseDuration(t)
	switch {
	case err != nil:
		return 0, bad
	case d < 0:
		return 0, Usagef("%s: %q is negative", flag, s)
	case d > max:
		return 0, Usagef("%s: %q is more than %s", flag, s, maxWords)
	case d == 0 && strings.Trim(t, "0.nsuµmh") != "":
		return 0, Usagef("%s: %q is too small (under 1ns)", flag, s)
	}
	return d, nil
}

// decimalNumber reports whether s is digits with at most one '.' and an
// optional exponent ("5", "0.5", "2e3"): what ParseFloat reads, minus its
// signs, hex floats, underscores, NaN and Inf.
func decimalNumber(s string) bool {
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if strings.HasPrefix(exp, "-") || strings.HasPrefix(exp, "+") {
			exp = exp[1:]
		}
		if exp == "" || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	if mant == "" || mant == "." || strings.Count(mant, ".") > 1 {
		return false
	}
	return strings.Trim(mant, "0123456789.") == ""
}

// MaxIdleFlag bounds --idle: a year, longer than any socket of a running
// host has been idle, and far from time.Duration's overflow.
const MaxIdleFlag = 366 * 24 * time.Hour

// ParseIdle reads --idle: a duration above zero (ParseDuration).
func ParseIdle(s string) (time.Duration, error) {
	d, err := ParseDuration("--idle", s, MaxIdleFlag, "a year")
	if err != nil {
		return 0, err
	}
	if d == 0 {
		return 0, Usagef("--idle: %q is zero: give how long a socket must have been idle to match, e.g. 10m", s)
	}
	return d, nil
}
