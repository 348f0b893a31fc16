package solaris

import (
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/internal/bindprobe"
)

// Prober is the bind probe on Solaris and illumos: it binds sockets in
// this process, never listens on them, and closes them at once. Not yet
// run on a real host: it is the same socket/setsockopt/bind/close sequence
// as Linux's, with Solaris's privilege rule.
type Prober struct{}

// MayBind implements diagnose.BindProber. A port below tcp's
// smallest_nonpriv_port or in its extra_priv_ports (privports.go) needs
// PRIV_NET_PRIVADDR; gosof assumes root has it and others do not (a user
// granted net_privaddr is not looked for).
func (Prober) MayBind(port uint16) (bool, string) {
	if os.Geteuid() == 0 {
		return true, ""
	}
	pp := readPrivPorts(zModProtoTCP, getProp)
	if !pp.Privileged(port) {
		return true, ""
	}
	return false, fmt.Sprintf("port %d is privileged (%s) and binding it needs PRIV_NET_PRIVADDR; run gosof as root to probe this port", port, pp.Why(port))
}

// getProp reads one protocol tunable as ipadm does: SIOCGETPROP through
// I_STR on an AF_INET datagram socket.
func getProp(name string, proto uint32) (string, error) {
	req, err := propRequest(name, proto, propValSize, hostOrder())
	if err != nil {
		return "", err
	}
	fd, err := sysSocket(syscall.AF_INET, syscall.SOCK_DGRAM)
	if err != nil {
		return "", err
	}
	defer sysClose(fd)
	if err := sysStrioctl(fd, zSIOCGETPROP, req); err != nil {
		return "", err
	}
	return propValue(req), nil
}

// HasIPv6 implements diagnose.BindProber: whether ::1 can be bound.
func (Prober) HasIPv6() bool { return bindprobe.HasIPv6() == nil }

// Bind implements diagnose.BindProber. An AF_INET6 socket bound to "::" is
// dual-stack unless IPV6_V6ONLY is set, which gosof leaves alone.
func (Prober) Bind(proto core.Proto, addr netip.Addr, port uint16, opts diagnose.BindOpts) error {
	return bindprobe.Bind(proto, addr, port, opts)
}

// UID implements diagnose.BindProber: the probe's sockets are gosof's
// effective user's.
func (Prober) UID() int64 { return int64(os.Geteuid()) }
