package linux

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gosof/gosof/core"
)

// procStat is what the signaller needs from /proc/[pid]/stat.
type procStat struct {
	State byte   // field 3: R, S, D, Z (zombie), X (dead)...
	PPID  int    // field 4
	Start uint64 // field 22: starttime, clock ticks after boot
}

// parseStat reads /proc/[pid]/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so the fields
// are counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("stat %q: no ')' after the command name: %w", clip(b), core.ErrParse)
	}
	var fields [20][]byte // on the stack: bytes.Fields allocated ~1 KB a process
	f := fields[:firstFields(b[i+1:], &fields)]
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("stat %q: %d fields after the command name, want at least 20: %w", clip(b), len(f), core.ErrParse)
	}
	// The state is one letter (task_state_array: R S D T t X Z P I, and
	// older kernels' x K W); anything else, a NUL say, is no stat line.
	if c := f[0][0]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
		return procStat{}, fmt.Errorf("stat %q: state %q is not a letter: %w", clip(b), f[0], core.ErrParse)
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("stat %q: starttime %q: %w", clip(b), f[19], core.ErrParse)
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil || ppid < 0 {
		return procStat{}, fmt.Errorf("stat %q: ppid %q: %w", clip(b), f[1], core.ErrParse)
	}
	return procStat{State: f[0][0], PPID: ppid, Start: start}, nil
}

// firstFields puts the first len(f) fields of b, separated by ASCII white
// space, in f, and returns how many it found. The numbers of a stat line
// after the command name are ASCII; what is not is no stat line, and
// fails to parse as a number or a state letter.
func firstFields(b []byte, f *[20][]byte) int {
	n := 0
	for i := 0; i < len(b) && n < len(f); {
		for i < len(b) && asciiSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !asciiSpace(b[j]) {
			j++
		}
		if j > i {
			f[n] = b[i:j]
			n++
		}
		i = j
	}
	return n
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// exited reports whether a stat describes a process that has exited and
// only waits to be reaped: it holds no descriptors any more.
func (s procStat) exited() bool { return s.State == 'Z' || s.State == 'X' || s.State == 'x' }

func clip(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}
