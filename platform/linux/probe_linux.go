package linux

import (
	"net/netip"
	"os"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/internal/bindprobe"
	"github.com/gosof/gosof/internal/selfcaps"
)

// Prober is the bind probe: it binds sockets in this process, never
// listens on them, and closes them at once. With NS set it does so inside
// that network namespace (a port conflict is per namespace).
type Prober struct {
	FS FS
	NS *Namespace
}

// in runs fn in the prober's namespace.
func (p *Prober) in(fn func() error) error {
	if p.NS == nil || p.NS.Self {
		return fn()
	}
	return InNamespace(p.NS.Path, fn)
}

// MayBind implements diagnose.BindProber from
// /proc/sys/net/ipv4/ip_unprivileged_port_start (1024 when unreadable) and
// gosof's effective capabilities.
func (p *Prober) MayBind(port uint16) (bool, string) {
	start := 1024
	// The sysctl is per namespace: /proc/sys/net shows the reader's.
	p.in(func() error {
		if b, err := readFile(p.FS.Path("sys", "net", "ipv4", "ip_unprivileged_port_start")); err == nil {
			if n, err := parseUnprivStart(b); err == nil {
				start = n
			}
		}
		return nil
	})
	caps, _ := selfcaps.Effective()
	return mayBind(port, start, caps)
}

// HasIPv6 implements diagnose.BindProber: whether ::1 can be bound.
func (p *Prober) HasIPv6() bool {
	return p.in(bindprobe.HasIPv6) == nil
}

// Bind implements diagnose.BindProber. An IPv6 socket keeps the system's
// IPV6_V6ONLY default (net.ipv6.bindv6only, normally 0), as most servers do,
// so binding "::" also claims the port on IPv4.
//
// An SCTP socket is opened only where the sctp module is loaded
// (/proc/net/sctp, which it makes): socket(2) would load it otherwise
// (request_module), and a diagnosis loads no kernel module; gosof lists
// no SCTP sockets on Linux, so why sctp:P is all that asks.
func (p *Prober) Bind(proto core.Proto, addr netip.Addr, port uint16, opts diagnose.BindOpts) error {
	if proto == core.SCTP && !sctpLoaded(p.FS) {
		return bindprobe.Unavailable(proto, "the sctp kernel module is not loaded (an SCTP socket would load it; gosof does not)")
	}
	return p.in(func() error { return bindprobe.Bind(proto, addr, port, opts) })
}

// sctpLoaded reports whether the sctp module is loaded: it makes
// /proc/net/sctp. Without it no SCTP socket exists, and socket(2) for
// one would load it.
func sctpLoaded(fs FS) bool {
	_, err := os.Stat(fs.Path("net", "sctp"))
	return err == nil
}

// unlisted is platform.Backend.Unlisted: the sources read TCP, UDP,
// UDP-Lite, raw and unix sockets, not SCTP's (sock_diag has no SCTP
// dump gosof asks for, and /proc/net/sctp is not read). Where the sctp
// module is not loaded there is no SCTP socket to miss.
func unlisted(fs FS) func(core.Proto) string {
	return func(p core.Proto) string {
		if p != core.SCTP || !sctpLoaded(fs) {
			return ""
		}
		return "Linux: gosof does not read SCTP sockets, and the sctp module is loaded"
	}
}

// UID implements diagnose.BindProber: a socket's sk_uid is the fsuid of
// the process that made it (net/socket.c sock_alloc), gosof's euid.
func (p *Prober) UID() int64 { return int64(os.Geteuid()) }
