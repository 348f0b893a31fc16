package core

import (
	"errors"
	"syscall"
)

// Small list helpers written out per type: a SPARC build compiles this code
// with gccgo, whose library is Go 1.18 (no slices, maps or cmp packages, no
// type parameters). See docs/build.md#sparc.

func hasState(l []State, v State) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func hasProto(l []Proto, v Proto) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func hasFamily(l []Family, v Family) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func hasInt(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func hasInt64(l []int64, v int64) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// uniqInts drops repeats from a sorted list, in place.
func uniqInts(l []int) []int {
	if len(l) < 2 {
		return l
	}
	n := 1
	for _, x := range l[1:] {
		if x != l[n-1] {
			l[n] = x
			n++
		}
	}
	return l[:n]
}

// compareInts is cmp.Compare for ints: -1, 0 or +1.
func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareStrings is cmp.Compare for strings.
func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// IsUnsupported reports whether err says the operation is not available here:
// ErrUnsupported, or ENOSYS, ENOTSUP or EOPNOTSUPP anywhere in its chain (what
// errors.Is(err, errors.ErrUnsupported) matches since Go 1.21).
func IsUnsupported(err error) bool {
	return errors.Is(err, ErrUnsupported) || errors.Is(err, syscall.ENOSYS) ||
		errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP)
}

func hasPort(l []uint16, v uint16) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
