package solaris

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/gosof/gosof/internal/bindprobe"
)

// Prober is the bind probe on Solaris and illumos: it binds TCP sockets in
// this process, never listens on them, and closes them at once. Not yet
// run on a real host: it is the same socket/setsockopt/bind/close sequence
// as Linux's, with Solaris's privilege rule.
type Prober struct{}

// privPorts is the default tcp smallest_nonpriv_port (ipadm show-prop -p
// smallest_nonpriv_port tcp); binding below it needs PRIV_NET_PRIVADDR.
const privPorts = 1024

// MayBind implements diagnose.BindProber. Below 1024 only a process with
// PRIV_NET_PRIVADDR may bind; gosof assumes root has it and others do not
// (a tuned smallest_nonpriv_port, or a user granted net_privaddr, is not
// read).
func (Prober) MayBind(port uint16) (bool, string) {
	if port >= privPorts || os.Geteuid() == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("port %d is privileged (below %d) and binding it needs PRIV_NET_PRIVADDR; run gosof as root to probe this port", port, privPorts)
}

// HasIPv6 implements diagnose.BindProber: whether ::1 can be bound.
func (Prober) HasIPv6() bool { return bindprobe.HasIPv6() == nil }

// Bind implements diagnose.BindProber. An AF_INET6 socket bound to "::" is
// dual-stack unless IPV6_V6ONLY is set, which gosof leaves alone.
func (Prober) Bind(addr netip.Addr, port uint16, reuseAddr bool) error {
	return bindprobe.Bind(addr, port, reuseAddr)
}

// BindUDP implements core.DatagramBinder.
func (Prober) BindUDP(addr netip.Addr, port uint16, reuseAddr bool) error {
	return bindprobe.BindUDP(addr, port, reuseAddr)
}
