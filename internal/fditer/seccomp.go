package fditer

import "bytes"

// seccompFiltered reports whether /proc/PID/status text says a seccomp
// filter is in force: its "Seccomp:" line is 2 (SECCOMP_MODE_FILTER;
// 0 is none, 1 strict mode, where bpf(2) kills too). A status without the
// line (a kernel without CONFIG_SECCOMP) has none.
func seccompFiltered(status []byte) bool {
	for len(status) > 0 {
		line := status
		if i := bytes.IndexByte(status, '\n'); i >= 0 {
			line, status = status[:i], status[i+1:]
		} else {
			status = nil
		}
		if bytes.HasPrefix(line, []byte("Seccomp:")) { // not CutPrefix: Go 1.18 (docs/build.md#sparc)
			v := bytes.TrimSpace(line[len("Seccomp:"):])
			return len(v) != 1 || v[0] != '0'
		}
	}
	return false
}
