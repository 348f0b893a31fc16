package linux

import (
	"strings"
	"time"

	"github.com/gosof/gosof/core"
)

// cstr cuts a getsockopt string at its first NUL: TCP_CONGESTION fills
// TCP_CA_NAME_MAX (16) bytes.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// tcpInfo keeps what gosof shows of struct tcp_info (linux/tcp.h):
// tcpi_rtt and tcpi_rttvar in microseconds, tcpi_retransmits,
// tcpi_total_retrans.
func tcpInfo(rttUS, rttvarUS uint32, retrans uint8, total uint32) *core.TCPInfo {
	return &core.TCPInfo{
		RTT:          time.Duration(rttUS) * time.Microsecond,
		RTTVar:       time.Duration(rttvarUS) * time.Microsecond,
		Retransmits:  retrans,
		TotalRetrans: total,
	}
}
