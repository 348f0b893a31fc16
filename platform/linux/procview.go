package linux

import (
	"bytes"
	"strconv"
)

// parseNSpid reads the NSpid line of /proc/PID/status: the process's pid
// in each pid namespace from the one the /proc was mounted for down to
// its own ("NSpid:\t4242\t7\n"). ok is false when there is no such line
// (kernels before 4.1) or it does not parse.
func parseNSpid(status []byte) (pids []int, ok bool) {
	for len(status) > 0 {
		line := status
		if i := bytes.IndexByte(status, '\n'); i >= 0 {
			line, status = status[:i], status[i+1:]
		} else {
			status = nil
		}
		if !bytes.HasPrefix(line, []byte("NSpid:")) {
			continue
		}
		for _, f := range bytes.Fields(line[len("NSpid:"):]) {
			n, err := strconv.Atoi(string(f))
			if err != nil || n <= 0 {
				return nil, false
			}
			pids = append(pids, n)
		}
		return pids, len(pids) > 0
	}
	return nil, false
}
