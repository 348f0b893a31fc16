package linux

import (
	"path/filepath"

	"github.com/gosof/gosof/core"
)

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
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	netns := s.netns()
	var errs []error
	out := sockChunks{hint: s.sizeHint(f)}
	unixFrom, unixTo := 0, 0
	var pending map[uint64]uint64
	bothTCP := false // the tcp6 table came with tcp's
	for i, t := range procTables {
		if !t.wanted(f) || bothTCP && t.proto == core.TCP {
			continue
		}
		if t.proto == core.TCP && t.family == core.Inet && i+1 < len(procTables) && procTables[i+1].proto == core.TCP && procTables[i+1].wanted(f) {
			if bothTCP = c.tcpBothDump(f, netns, &out); bothTCP {
				continue
			}
			c.Close()
			if c, err = s.openDiag(); err != nil {
				return nil, nil, err
			}
		}
		var err error
		if t.proto == core.Unix {
			unixFrom = out.len()
			pending, err = c.unixDump(f, t, netns, &out)
			unixTo = out.len()
		} else {
			err = c.inetDump(f, t, netns, &out)
		}
		if err != nil {
			failed = append(failed, t)
			errs = append(errs, err)
		}
	}
	devs := out.devs
	// Room for what /proc/net adds for the failed tables (raw, on
	// kernels without raw_diag), so that does not copy everything again.
	socks = out.join(64)
	if len(devs.m) > 0 {
		c.nameDevices(&devs)
		for i := range socks {
			if d := socks[i].Dev; d != nil {
				core.SetDevice(&socks[i], d)
			}
		}
	}
	resolveUnixPeers(socks[unixFrom:unixTo], pending)
	return socks, failed, core.JoinErrors(errs...)
}

// devicesIn is platform.Backend.Devices over the namespaces srcs read: a
// --dev value no interface of any of them has, by name or index, is bad
// input, as a malformed port is (it was "no match: nothing left after
// --dev"). -A takes a device that one namespace has; a namespace gosof
// cannot ask (not joined, not identified) may have it: nothing refused.
func devicesIn(srcs []*Sockets, devs []string) error {
	missing := devs
	for _, s := range srcs {
		if s.NS != nil && s.NS.Unreadable != "" {
			if s.NS.unseen {
				return nil
			}
			continue // a file under /run/netns that is no namespace
		}
		c, err := s.openDiag()
		if err != nil {
			return nil
		}
		var left []string
		for _, d := range missing {
			if !c.hasDevice(d) {
				left = append(left, d)
			}
		}
		c.Close()
		if missing = left; len(missing) == 0 {
			return nil
		}
	}
	where := ""
	if len(srcs) > 1 {
		where = " in any network namespace read"
	} else if srcs[0].foreign() {
		where = " in network namespace " + srcs[0].NS.Label()
	}
	return core.Usagef("--dev %q: no such network interface%s (ip link lists them)", missing[0], where)
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

// unixInodesExist tells which of inodes are unix sockets that exist, for
// the rows of /proc/net/unix that may be text from a socket's name: by a
// NETLINK_SOCK_DIAG dump when netlink can be used, else by a scan of every
// process's descriptors. complete is false when an inode missing from real
// does not prove it is no socket (the scan could not see every process).
func (s *Sockets) unixInodesExist(inodes []uint64) (real realUnix, complete bool) {
	if filepath.Clean(s.FS.Proc) != "/proc" {
		return nil, false // a fixture tree: the live kernel knows nothing of it
	}
	real = make(realUnix, len(inodes))
	if c, err := s.openDiag(); err == nil {
		var out sockChunks
		_, err := c.unixDump(nil, procTable{name: "unix", proto: core.Unix, family: core.Local, af: afUnix}, 0, &out)
		c.Close()
		socks := out.join(0)
		if err == nil {
			for i := range socks {
				real[socks[i].Inode] = realName{path: socks[i].Local.Path, named: true}
			}
			return real, true
		}
	}
	want := make(map[uint64]bool, len(inodes))
	for _, ino := range inodes {
		want[ino] = true
	}
	o := &Owners{FS: s.FS, ProcFD: s.ProcFD}
	holders, denied, err := o.Scan(func(ino uint64) bool { return want[ino] })
	if err != nil {
		return nil, false
	}
	for _, h := range holders {
		real[h.Inode] = realName{}
	}
	// What a process holds is real; what none holds proves nothing when
	// some processes could not be read.
	return real, denied == 0 && o.unseen(0).Hidden == ""
}

// netnsInode is the inode of the network namespace /proc/self/ns/net names
// in fs, 0 if it cannot be read (a fixture tree has none).
func netnsInode(fsys FS) uint64 {
	ino, _ := NetNSInode(fsys, "self")
	return ino
}
