package linux

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// capNetBindService is CAP_NET_BIND_SERVICE's bit (linux/capability.h):
// probe.go builds on every OS, for its test, where x/sys names no
// capabilities.
const capNetBindService = 10

// parseUnprivStart reads net.ipv4.ip_unprivileged_port_start.
func parseUnprivStart(b []byte) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > 65536 {
		return 0, fmt.Errorf("%w ip_unprivileged_port_start %q", core.ErrParse, b)
	}
	return n, nil
}

// mayBind decides whether a process with effective capabilities capEff may
// bind port when ports below start are privileged.
func mayBind(port uint16, start int, capEff uint64) (bool, string) {
	if int(port) >= start || capEff&(1<<capNetBindService) != 0 {
		return true, ""
	}
	return false, fmt.Sprintf("port %d is privileged (below net.ipv4.ip_unprivileged_port_start, %d) "+
		"and gosof lacks CAP_NET_BIND_SERVICE; run it as root to probe this port", port, start)
}
