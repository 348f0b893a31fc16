package linux

import "github.com/gosof/gosof/core"

// openDiagFn opens the NETLINK_SOCK_DIAG socket; tests replace it to play a
// kernel that refuses netlink.
var openDiagFn = openDiag

// Netlink lists the sockets f can match through NETLINK_SOCK_DIAG alone,
// letting the kernel filter by state and port. When a protocol's dump
// fails, the error says which and wraps the errno; the sockets of the
// other protocols are still returned.
func (s *Sockets) Netlink(f *core.Filter) ([]core.Socket, error) {
	socks, _, err := s.netlink(f)
	return socks, err
}

// netlink dumps every table f wants. failed lists the tables whose dump
// failed; err with no failed tables means netlink could not be used at all.
func (s *Sockets) netlink(f *core.Filter) (socks []core.Socket, failed []procTable, err error) {
	c, err := s.openDiag()
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	netns := s.netns()
	var errs []error
	out := sockChunks{hint: s.sizeHint(f)}
	unixFrom, unixTo := 0, 0
	for _, t := range procTables {
		if !t.wanted(f) {
			continue
		}
		var err error
		if t.proto == core.Unix {
			unixFrom = out.len()
			err = c.unixDump(f, t, netns, &out)
			unixTo = out.len()
		} else {
			err = c.inetDump(f, t, netns, &out)
		}
		if err != nil {
			failed = append(failed, t)
			errs = append(errs, err)
		}
	}
	// Room for what /proc/net adds for the failed tables (raw, on
	// kernels without raw_diag), so that does not copy everything again.
	socks = out.join(64)
	resolveUnixPeers(socks[unixFrom:unixTo])
	return socks, failed, core.JoinErrors(errs...)
}

// openDiag opens the NETLINK_SOCK_DIAG socket in the namespace s reads: a
// netlink socket stays bound to the namespace it was created in.
func (s *Sockets) openDiag() (*diagConn, error) {
	if !s.foreign() {
		return openDiagFn()
	}
	var c *diagConn
	err := InNamespace(s.NS.Path, func() error {
		var err error
		c, err = openDiagFn()
		return err
	})
	return c, err
}
