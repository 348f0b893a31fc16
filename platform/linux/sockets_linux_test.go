package linux

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// Live tests: they open real sockets on loopback in this process and look
// for them through NETLINK_SOCK_DIAG and /proc/net.

// skInode is the inode of the socket behind c, from fstat on its descriptor.
func skInode(t testing.TB, c syscall.Conn) uint64 {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return st.Ino
}

func fdInode(t testing.TB, fd int) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func skPort(a net.Addr) uint16 {
	switch a := a.(type) {
	case *net.TCPAddr:
		return uint16(a.Port)
	case *net.UDPAddr:
		return uint16(a.Port)
	}
	panic(fmt.Sprintf("no port in %T", a))
}

func somaxconn(t testing.TB) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return min(n, 65535) // Go's listen backlog is somaxconn, capped so
}

func liveNetNS(t testing.TB) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func skListen(t testing.TB, network, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// skConnect dials l and returns both ends: the dialer's and the accepted one.
// skDumped is TCP connection c's own socket as s's sock_diag dump gives
// it (found by its inode among the sockets on its port).
func skDumped(t testing.TB, s *Sockets, c net.Conn) *core.Socket {
	t.Helper()
	port := skPort(c.LocalAddr())
	socks, err := s.Netlink(&core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: port, Hi: port}}})
	if err != nil {
		t.Fatal(err)
	}
	ino := skInode(t, c.(syscall.Conn))
	for i := range socks {
		if socks[i].Inode == ino {
			return &socks[i]
		}
	}
	t.Fatalf("socket (inode %d) not found in %v", ino, socks)
	return nil
}

func skConnect(t testing.TB, network string, l net.Listener) (client, server net.Conn) {
	t.Helper()
	client, err := net.Dial(network, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

func ipv6Loopback(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	l.Close()
}

// pick returns the sockets of got whose inode is one of want's (or, for
// inode 0, whose ports match), in want's order; missing ones are zero.
func pick(got []core.Socket, want []core.Socket) []core.Socket {
	out := make([]core.Socket, len(want))
	for i, w := range want {
		for _, g := range got {
			if sameSocket(&g, &w) {
				out[i] = g
				break
			}
		}
	}
	return out
}

func sameSocket(a, b *core.Socket) bool {
	if a.Proto != b.Proto || a.Family != b.Family || a.Inode != b.Inode {
		return false
	}
	if a.Inode != 0 {
		return true
	}
	return a.Local == b.Local && (a.Remote == nil) == (b.Remote == nil) &&
		(a.Remote == nil || *a.Remote == *b.Remote)
}

// keyed checks that every socket has a netlink key with a cookie.
func keyed(t *testing.T, socks []core.Socket) {
	t.Helper()
	for _, s := range socks {
		k, ok := s.Key.(*DiagKey)
		if !ok || k.Cookie == 0 {
			t.Errorf("%s %v inode %d: Key = %#v, want a DiagKey with a cookie", s.Proto, s.Local, s.Inode, s.Key)
		}
	}
}

var ignoreKeyExpires = cmp.Options{eqAddr, cmpopts.IgnoreFields(core.Socket{}, "Key", "Expires")}

// onLo is s bound to the loopback interface (SO_BINDTODEVICE "lo"), as
// netlink tells it; /proc/net tells no device.
func onLo(s core.Socket) core.Socket {
	s.Dev = &core.Device{Index: 1, Name: "lo"} // lo is always 1: the first device of a namespace
	return s
}

// inetFixture is a set of live inet sockets and what they should look like.
type inetFixture struct {
	want []core.Socket
}

func openInetFixture(t *testing.T) inetFixture {
	t.Helper()
	ipv6Loopback(t)
	uid := int64(os.Getuid())
	ns := liveNetNS(t)
	backlog := somaxconn(t)

	ln4 := skListen(t, "tcp4", "127.0.0.1:0")
	c4, s4 := skConnect(t, "tcp4", ln4)
	ln6 := skListen(t, "tcp6", "[::1]:0")
	c6, s6 := skConnect(t, "tcp6", ln6)

	// a dual-stack listener on ::, kept to loopback with SO_BINDTODEVICE,
	// reached over IPv4: the accepted socket has v4-mapped addresses
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = unix.BindToDevice(int(fd), "lo") })
		return errors.Join(err, serr)
	}}
	dual, err := lc.Listen(context.Background(), "tcp", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dual.Close() })
	dport := skPort(dual.Addr())
	cd, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(int(dport)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cd.Close() })
	sd, err := dual.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sd.Close() })

	u4, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u4.Close() })
	u4c, err := net.DialUDP("udp4", nil, u4.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u4c.Close() })
	u6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u6.Close() })
	u6c, err := net.DialUDP("udp6", nil, u6.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u6c.Close() })

	tcp := func(fam core.Family, st core.State, c syscall.Conn, local core.Endpoint, remote *core.Endpoint) core.Socket {
		s := core.Socket{Proto: core.TCP, Family: fam, Type: core.Stream, State: st, Local: local, Remote: remote,
			Inode: skInode(t, c), UID: uid, NetNS: ns}
		s.V6Only = v6onlyBound(fam, st, local)
		if st == core.Listen {
			s.SendQ, s.BacklogKnown = backlog, true
		} else {
			s.Timer = core.TimerKeepalive // Go turns keepalive on for every TCP conn
		}
		return s
	}
	udp := func(fam core.Family, st core.State, c syscall.Conn, local core.Endpoint, remote *core.Endpoint) core.Socket {
		return core.Socket{Proto: core.UDP, Family: fam, Type: core.Dgram, State: st, Local: local, Remote: remote,
			Inode: skInode(t, c), UID: uid, NetNS: ns, V6Only: v6onlyBound(fam, st, local)}
	}
	p4, pc4 := skPort(ln4.Addr()), skPort(c4.LocalAddr())
	p6, pc6 := skPort(ln6.Addr()), skPort(c6.LocalAddr())
	pcd := skPort(cd.LocalAddr())
	pu4, pu4c := skPort(u4.LocalAddr()), skPort(u4c.LocalAddr())
	pu6, pu6c := skPort(u6.LocalAddr()), skPort(u6c.LocalAddr())
	return inetFixture{want: []core.Socket{
		tcp(core.Inet, core.Listen, ln4.(syscall.Conn), ep("127.0.0.1", p4), nil),
		tcp(core.Inet, core.Established, c4.(syscall.Conn), ep("127.0.0.1", pc4), epp("127.0.0.1", p4)),
		tcp(core.Inet, core.Established, s4.(syscall.Conn), ep("127.0.0.1", p4), epp("127.0.0.1", pc4)),
		tcp(core.Inet6, core.Listen, ln6.(syscall.Conn), ep("::1", p6), nil),
		tcp(core.Inet6, core.Established, c6.(syscall.Conn), ep("::1", pc6), epp("::1", p6)),
		tcp(core.Inet6, core.Established, s6.(syscall.Conn), ep("::1", p6), epp("::1", pc6)),
		onLo(tcp(core.Inet6, core.Listen, dual.(syscall.Conn), ep("::", dport), nil)),
		tcp(core.Inet, core.Established, cd.(syscall.Conn), ep("127.0.0.1", pcd), epp("127.0.0.1", dport)),
		// accepted, it is bound to the listener's device
		onLo(tcp(core.Inet6, core.Established, sd.(syscall.Conn), ep("::ffff:127.0.0.1", dport), epp("::ffff:127.0.0.1", pcd))),
		udp(core.Inet, core.Unconn, u4, ep("127.0.0.1", pu4), nil),
		udp(core.Inet, core.Established, u4c, ep("127.0.0.1", pu4c), epp("127.0.0.1", pu4)),
		udp(core.Inet6, core.Unconn, u6, ep("::1", pu6), nil),
		udp(core.Inet6, core.Established, u6c, ep("::1", pu6c), epp("::1", pu6)),
	}}
}

// v6onlyBound is what sock_diag says of IPV6_V6ONLY (INET_DIAG_SKV6ONLY,
// sent for an inet6 socket in LISTEN or CLOSE, an unconnected UDP socket
// being in CLOSE) for the fixtures' sockets, none of which sets it: the
// kernel turns it on for a bind to a specific IPv6 address, neither
// wildcard nor IPv4-mapped (__inet6_bind), and leaves it off otherwise.
func v6onlyBound(fam core.Family, st core.State, local core.Endpoint) bool {
	return fam == core.Inet6 && (st == core.Listen || st == core.Close || st == core.Unconn) &&
		!local.Addr.IsUnspecified() && !local.Addr.Is4In6()
}

func TestNetlinkInet(t *testing.T) {
	fx := openInetFixture(t)
	s := &Sockets{FS: DefaultFS()}
	all, err := s.Netlink(&core.Filter{Protos: []core.Proto{core.TCP, core.UDP}})
	if err != nil {
		t.Fatal(err)
	}
	got := pick(all, fx.want)
	if d := cmp.Diff(fx.want, got, ignoreKeyExpires); d != "" {
		t.Errorf("netlink sockets (-want +got):\n%s", d)
	}
	keyed(t, got)
	for _, s := range got {
		if s.Timer == core.TimerKeepalive && (s.Expires <= 0 || s.Expires > 15*time.Second) {
			t.Errorf("%v: keepalive expires in %v, want (0, 15s]", s.Local, s.Expires)
		}
		if s.Local.Addr.Is4() != (s.Family == core.Inet) {
			t.Errorf("%v: a %s socket's address has %d bits", s.Local, s.Family, s.Local.Addr.BitLen())
		}
	}
	// the dual-stack listener is bound to lo: the key names the interface
	lo, _ := net.InterfaceByName("lo")
	if k, _ := got[6].Key.(*DiagKey); k == nil || k.IfIndex != uint32(lo.Index) {
		t.Errorf("dual-stack listener: IfIndex %d, want lo's %d", k.IfIndex, lo.Index)
	}
}

func TestNetlinkTimeWait(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	c, srv := skConnect(t, "tcp4", ln)
	port, cport := skPort(ln.Addr()), skPort(c.LocalAddr())
	c.Close() // the side that closes first ends in TIME_WAIT
	if _, err := srv.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after the peer closed: no EOF")
	}
	srv.Close()
	want := core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.TimeWait,
		Local: ep("127.0.0.1", cport), Remote: epp("127.0.0.1", port), UID: -1, NetNS: liveNetNS(t),
		Timer: core.TimerTimeWait}
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: cport, Hi: cport}}, States: []core.State{core.TimeWait}}
	var got core.Socket
	for range 100 {
		socks, err := s.Netlink(f)
		if err != nil {
			t.Fatal(err)
		}
		if got = pick(socks, []core.Socket{want})[0]; got.State != "" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := cmp.Diff(want, got, ignoreKeyExpires); d != "" {
		t.Fatalf("TIME_WAIT socket (-want +got):\n%s", d)
	}
	if got.Expires <= 0 || got.Expires > 60*time.Second {
		t.Errorf("TIME_WAIT expires in %v, want (0, 60s]", got.Expires)
	}
	proc, err := s.ProcNet(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, pick(proc, []core.Socket{want})[0], ignoreKeyExpires); d != "" {
		t.Errorf("TIME_WAIT socket in /proc/net/tcp (-want +got):\n%s", d)
	}
}

// openUnixFixture opens unix sockets: a listener on a path with one accepted
// connection, a listener on an abstract name, a socketpair, and a
// connected datagram socket.
func openUnixFixture(t *testing.T) []core.Socket {
	t.Helper()
	uid := int64(os.Getuid())
	ns := liveNetNS(t)
	backlog := somaxconn(t)
	path := filepath.Join(t.TempDir(), "gosof.sock")
	lp := skListen(t, "unix", path)
	cp, sp := skConnect(t, "unix", lp)
	abstract := fmt.Sprintf("@gosof-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	la := skListen(t, "unix", abstract)

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(pair[0]); unix.Close(pair[1]) })

	dpath := filepath.Join(t.TempDir(), "gosof.dgram")
	dsrv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: dpath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dsrv.Close() })
	dcli, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: dpath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dcli.Close() })

	sock := func(typ core.SockType, st core.State, ino uint64, path string, peer uint64, peerPath string) core.Socket {
		s := core.Socket{Proto: core.Unix, Family: core.Local, Type: typ, State: st, Local: core.Endpoint{Path: path},
			Inode: ino, UID: uid, NetNS: ns, PeerInode: peer}
		if peer != 0 {
			s.Remote = &core.Endpoint{Path: peerPath}
		}
		if st == core.Listen {
			s.SendQ, s.BacklogKnown = backlog, true
		}
		// the file a name made, as stat(2) tells it (UNIX_DIAG_VFS must
		// agree, the device's encoding included)
		if strings.HasPrefix(path, "/") {
			s.File = core.StatPath(path).ID
		}
		return s
	}
	ilp, icp, isp := skInode(t, lp.(syscall.Conn)), skInode(t, cp.(syscall.Conn)), skInode(t, sp.(syscall.Conn))
	ip0, ip1 := fdInode(t, pair[0]), fdInode(t, pair[1])
	ids, idc := skInode(t, dsrv), skInode(t, dcli)
	return []core.Socket{
		sock(core.Stream, core.Listen, ilp, path, 0, ""),
		// the client's peer is the accepted socket, which bears the listener's name
		sock(core.Stream, core.Connected, icp, "", isp, path),
		sock(core.Stream, core.Connected, isp, path, icp, ""),
		sock(core.Stream, core.Listen, skInode(t, la.(syscall.Conn)), abstract, 0, ""),
		sock(core.Stream, core.Connected, ip0, "", ip1, ""),
		sock(core.Stream, core.Connected, ip1, "", ip0, ""),
		sock(core.Dgram, core.Unconn, ids, dpath, 0, ""),
		sock(core.Dgram, core.Connected, idc, "", ids, dpath),
	}
}

func TestNetlinkUnix(t *testing.T) {
	want := openUnixFixture(t)
	s := &Sockets{FS: DefaultFS()}
	all, err := s.Netlink(&core.Filter{Protos: []core.Proto{core.Unix}})
	if err != nil {
		t.Fatal(err)
	}
	got := pick(all, want)
	if d := cmp.Diff(want, got, ignoreKeyExpires); d != "" {
		t.Errorf("netlink unix sockets (-want +got):\n%s", d)
	}
	keyed(t, got)
}

// TestNetlinkMatchesProcNet reads the same live sockets both ways. What
// /proc/net does not tell is cleared first: the cookie (Key), unix peers,
// unix queues and uid, unix datagram states, a listener's backlog (Send-Q in sock_diag, 0 in
// /proc/net/tcp); timer expiries differ by the time between the reads.
func TestNetlinkMatchesProcNet(t *testing.T) {
	want := append(openInetFixture(t).want, openUnixFixture(t)...)
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.TCP, core.UDP, core.Unix}}
	nl, err := s.Netlink(f)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := s.ProcNet(f)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(socks []core.Socket) []core.Socket {
		for i := range socks {
			s := &socks[i]
			s.Key, s.Expires = nil, 0
			s.Dev = nil            // /proc/net has no interface column
			s.V6Only = false       // nor one for IPV6_V6ONLY
			s.BacklogKnown = false // nor a listener's backlog
			if s.Proto == core.Unix {
				// /proc/net/unix has no column for the bound file
				s.Remote, s.PeerInode, s.RecvQ, s.SendQ, s.UID, s.File = nil, 0, 0, 0, 0, core.FileID{}
				if s.Type == core.Dgram {
					// The kernel marks a datagram socket that another
					// connected to as TCP_ESTABLISHED, which /proc/net/unix
					// prints as connected; only sock_diag's peer tells.
					s.State = ""
				}
			}
			if s.State == core.Listen {
				s.SendQ = 0
			}
		}
		return socks
	}
	gotNL, gotPN := norm(pick(nl, want)), norm(pick(pn, want))
	if d := cmp.Diff(gotNL, gotPN, eqAddr); d != "" {
		t.Errorf("netlink vs /proc/net (-netlink +procnet):\n%s", d)
	}
	for i, s := range gotNL {
		if s.Proto == "" {
			t.Errorf("socket %d of the fixture (%v) missing", i, want[i].Local)
		}
	}
}

// TestKernelFilter checks that the kernel, given a state mask and a port
// bytecode, returns exactly the sockets core's filter matches: Netlink does
// not filter again, so any socket too many or too few is the kernel's doing.
func TestKernelFilter(t *testing.T) {
	l1 := skListen(t, "tcp4", "127.0.0.1:0")
	l2 := skListen(t, "tcp4", "127.0.0.1:0")
	l3 := skListen(t, "tcp6", "[::1]:0")
	c1, s1 := skConnect(t, "tcp4", l1)
	c3, s3 := skConnect(t, "tcp6", l3)
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	uc, err := net.DialUDP("udp4", nil, u.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	ours := map[uint64]string{}
	for name, c := range map[string]syscall.Conn{
		"l1": l1.(syscall.Conn), "l2": l2.(syscall.Conn), "l3": l3.(syscall.Conn),
		"c1": c1.(syscall.Conn), "s1": s1.(syscall.Conn), "c3": c3.(syscall.Conn), "s3": s3.(syscall.Conn),
		"u": u, "uc": uc,
	} {
		ours[skInode(t, c)] = name
	}
	p1, p2, p3 := skPort(l1.Addr()), skPort(l2.Addr()), skPort(l3.Addr())
	pc1, pc3 := skPort(c1.LocalAddr()), skPort(c3.LocalAddr())
	pu := skPort(u.LocalAddr())
	one := func(p uint16) core.PortRange { return core.PortRange{Lo: p, Hi: p} }
	tcp := []core.Proto{core.TCP}
	tests := []struct {
		name string
		f    core.Filter
		want []string
		// exact: the kernel filter is as fine as core's here, so every
		// socket returned (ours or not) must match
		exact bool
	}{
		{"one local port", core.Filter{Protos: tcp, Ports: []core.PortRange{one(p2)}}, []string{"l2"}, true},
		{"two local ports", core.Filter{Protos: tcp, Ports: []core.PortRange{one(p1), one(p3)}}, []string{"l1", "s1", "l3", "s3"}, true},
		{"range", core.Filter{Protos: tcp, Ports: []core.PortRange{{Lo: min(p1, p2), Hi: max(p1, p2)}}}, nil, true}, // want: whatever falls in it
		{"remote port", core.Filter{Protos: tcp, Side: core.SideRemote, Ports: []core.PortRange{one(p1)}}, []string{"c1"}, true},
		{"either side", core.Filter{Protos: tcp, Side: core.SideAny, Ports: []core.PortRange{one(p1), one(pc3)}}, []string{"l1", "s1", "c1", "c3", "s3"}, true},
		{"listening", core.Filter{Protos: tcp, States: []core.State{core.Listen}}, []string{"l1", "l2", "l3"}, true},
		{"established", core.Filter{Protos: tcp, States: []core.State{core.Established}}, []string{"c1", "s1", "c3", "s3"}, true},
		{"state and port", core.Filter{Protos: tcp, States: []core.State{core.Established}, Ports: []core.PortRange{one(p1)}}, []string{"s1"}, true},
		{"client port", core.Filter{Protos: tcp, Ports: []core.PortRange{one(pc1)}}, []string{"c1"}, true},
		{"udp unconnected", core.Filter{Protos: []core.Proto{core.UDP}, States: []core.State{core.Unconn}}, []string{"u"}, true},
		{"udp connected to a port", core.Filter{Protos: []core.Proto{core.UDP}, States: []core.State{core.Established}, Side: core.SideRemote, Ports: []core.PortRange{one(pu)}}, []string{"uc"}, true},
		{"udp never listens", core.Filter{Protos: []core.Proto{core.UDP}, States: []core.State{core.Listen}}, nil, true},
	}
	s := &Sockets{FS: DefaultFS()}
	all, err := s.Netlink(&core.Filter{Protos: []core.Proto{core.TCP, core.UDP}})
	if err != nil {
		t.Fatal(err)
	}
	var unfiltered []core.Socket
	for _, a := range all {
		if _, ok := ours[a.Inode]; ok {
			unfiltered = append(unfiltered, a)
		}
	}
	if len(unfiltered) != len(ours) {
		t.Fatalf("found %d of our %d sockets", len(unfiltered), len(ours))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Netlink(&tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i := range got {
				g := &got[i]
				if n, ok := ours[g.Inode]; ok {
					names = append(names, n)
				}
				if tt.exact && !tt.f.MatchSocket(g) {
					t.Errorf("kernel returned %s %s %v -> %v, which the filter does not match", g.Proto, g.State, g.Local, g.Remote)
				}
			}
			// the oracle: core's own filter over the sockets we opened
			var want []string
			for _, o := range unfiltered {
				if tt.f.MatchSocket(&o) {
					want = append(want, ours[o.Inode])
				}
			}
			if tt.want != nil {
				hand := slices.Sorted(slices.Values(tt.want))
				if !slices.Equal(hand, slices.Sorted(slices.Values(want))) {
					t.Fatalf("test is wrong: core's filter matches %v, the table says %v", want, hand)
				}
			}
			slices.Sort(want)
			slices.Sort(names)
			if d := cmp.Diff(want, names, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("our sockets the kernel returned (-want +got):\n%s", d)
			}
		})
	}
}

// Destroy is DestroyAll of one socket.
func (s *Sockets) Destroy(sock *core.Socket, f *core.Filter) error {
	return s.DestroyAll([]*core.Socket{sock}, f)[0]
}

func TestDestroy(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	c, srv := skConnect(t, "tcp4", ln)
	s := &Sockets{FS: DefaultFS()}
	client := skDumped(t, s, c)

	// the wrong cookie names another socket: the kernel must not touch this one
	wrong := *client
	k := *client.Key.(*DiagKey)
	k.Cookie++
	wrong.Key = &k
	if err := s.Destroy(&wrong, nil); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Destroy with a wrong cookie: %v, want ENOENT", err)
	}

	if err := s.Destroy(client, nil); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := srv.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("peer's read after Destroy: %v, want ECONNRESET", err)
	}
	err := s.Destroy(client, nil)
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("Destroy again: %v, want ENOENT", err)
	}
	if !strings.Contains(fmt.Sprint(err), "already gone") {
		t.Errorf("Destroy again: %q does not say the socket is gone", err)
	}
}

// TestDestroyIdleReadsWholeAnswer: with --idle, Destroy first asks for
// the one socket (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP or NLM_F_ACK).
// The kernel answers that with exactly one message: the socket
// (inet_diag_dump_one_icsk, tcp_diag_dump_one: one nlmsg_unicast, no
// NLMSG_DONE) or, when it fails, NLMSG_ERROR (netlink_rcv_skb acks only
// on an error or NLM_F_ACK). Destroy reads it, so whatever the verdict
// (active, destroyed, gone) nothing is left on the sock_diag socket it
// keeps for the next one, and an error is never taken for "idle".
func TestDestroyIdleReadsWholeAnswer(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	c, srv := skConnect(t, "tcp4", ln)
	s := &Sockets{FS: DefaultFS()}
	defer s.CloseDestroyer()
	client := skDumped(t, s, c)
	clean := func(after string) {
		t.Helper()
		if s.destroy.c == nil {
			t.Fatalf("after %s: the sock_diag socket was dropped", after)
		}
		_, _, err := unix.Recvfrom(s.destroy.c.fd, make([]byte, 64), unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if err != unix.EAGAIN {
			t.Errorf("after %s: a message is left on the sock_diag socket (recvfrom: %v)", after, err)
		}
	}
	if err := s.Destroy(client, &core.Filter{IdleOver: time.Hour}); !errors.Is(err, core.ErrActive) {
		t.Fatalf("Destroy --idle 1h of a new connection: %v, want ErrActive", err)
	}
	clean("active again")
	// --state beside --idle: the lookup's reply carries the state the
	// socket is in, judged first
	var moved *core.StateError
	if err := s.Destroy(client, &core.Filter{States: []core.State{core.CloseWait}, IdleOver: time.Nanosecond}); !errors.As(err, &moved) || moved.Now != core.Established {
		t.Fatalf("Destroy --state close-wait of an ESTABLISHED connection: %v, want it left alone, now ESTABLISHED", err)
	}
	clean("state changed")
	time.Sleep(50 * time.Millisecond)
	if err := s.Destroy(client, &core.Filter{IdleOver: 10 * time.Millisecond}); err != nil {
		t.Fatalf("Destroy --idle 10ms of a connection idle for 50ms: %v", err)
	}
	clean("destroyed")
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := srv.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("peer's read after Destroy: %v, want ECONNRESET", err)
	}
	err := s.Destroy(client, &core.Filter{IdleOver: 10 * time.Millisecond})
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("Destroy --idle again: %v, want ENOENT (gone), never nil or ErrActive", err)
	}
	// the lookup found it gone, not SOCK_DESTROY, which was never sent
	if err == nil || !strings.HasPrefix(err.Error(), "SOCK_DIAG_BY_FAMILY tcp ") || !strings.Contains(err.Error(), "already gone") {
		t.Errorf("Destroy --idle again: %q, want it to name the SOCK_DIAG_BY_FAMILY lookup that found it gone", err)
	}
	clean("gone")
	if err := s.Destroy(client, nil); err == nil || !strings.HasPrefix(err.Error(), "SOCK_DESTROY tcp ") || !errors.Is(err, unix.ENOENT) {
		t.Errorf("Destroy again: %v, want SOCK_DESTROY's ENOENT", err)
	}
}

// TestDestroyAllBatches: DestroyAll sends its lookups and resets in
// batches and reads the answers in any order, by sequence number; each
// socket gets its own verdict. More sockets than a batch holds (two full
// batches and part of a third), of three kinds in turn: a wrong cookie
// (another socket: ENOENT, and this one is not touched), one whose peer
// closed (CLOSE_WAIT now: left alone under --state established, and still
// there after), and the rest reset (the peer reads ECONNRESET).
func TestDestroyAllBatches(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	s := &Sockets{FS: DefaultFS()}
	defer s.CloseDestroyer()
	n := 2*destroyBatch + 5
	clients := make([]net.Conn, n)
	servers := make([]net.Conn, n)
	socks := make([]*core.Socket, n)
	for i := range socks {
		clients[i], servers[i] = skConnect(t, "tcp4", ln)
		socks[i] = skDumped(t, s, clients[i])
		switch i % 3 {
		case 0:
			k := *socks[i].Key.(*DiagKey)
			k.Cookie++
			socks[i].Key = &k
		case 1:
			servers[i].Close() // its FIN puts the client's end in CLOSE_WAIT
		}
	}
	time.Sleep(50 * time.Millisecond)
	errs := s.DestroyAll(socks, &core.Filter{States: []core.State{core.Established}})
	if len(errs) != n {
		t.Fatalf("%d errors for %d sockets", len(errs), n)
	}
	for i, err := range errs {
		var moved *core.StateError
		switch i % 3 {
		case 0:
			if !errors.Is(err, unix.ENOENT) || !strings.HasPrefix(err.Error(), "SOCK_DIAG_BY_FAMILY tcp ") {
				t.Errorf("socket %d, wrong cookie: %v, want the lookup's ENOENT", i, err)
			}
			if now := skDumped(t, s, clients[i]); now.State != core.Established {
				t.Errorf("socket %d, wrong cookie: the real one is %s now, want it untouched", i, now.State)
			}
		case 1:
			if !errors.As(err, &moved) || moved.Now != core.CloseWait {
				t.Errorf("socket %d, peer closed: %v, want left alone, now CLOSE_WAIT", i, err)
			}
			if now := skDumped(t, s, clients[i]); now.State != core.CloseWait {
				t.Errorf("socket %d, peer closed: %s now, want CLOSE_WAIT still", i, now.State)
			}
		default:
			if err != nil {
				t.Errorf("socket %d: %v, want it reset", i, err)
				continue
			}
			servers[i].SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := servers[i].Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("socket %d: the peer's read: %v, want ECONNRESET", i, err)
			}
		}
	}
	if s.destroy.c == nil {
		t.Fatal("the sock_diag socket was dropped")
	}
	if _, _, err := unix.Recvfrom(s.destroy.c.fd, make([]byte, 64), unix.MSG_PEEK|unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Errorf("a message is left on the sock_diag socket (recvfrom: %v)", err)
	}
}

// TestMmsghdrLayout: recvBatch's mmsghdr is the kernel's, as x/sys
// (newer than the SPARC build's) declares it for this architecture.
func TestMmsghdrLayout(t *testing.T) {
	var m mmsghdr
	var x unix.Mmsghdr
	if unsafe.Sizeof(m) != unsafe.Sizeof(x) || unsafe.Offsetof(m.len) != unsafe.Offsetof(x.Len) {
		t.Errorf("mmsghdr: %d bytes, len at %d; unix.Mmsghdr: %d bytes, Len at %d",
			unsafe.Sizeof(m), unsafe.Offsetof(m.len), unsafe.Sizeof(x), unsafe.Offsetof(x.Len))
	}
}

func TestDestroyUnsupported(t *testing.T) {
	s := &Sockets{FS: DefaultFS()}
	err := s.Destroy(&core.Socket{Proto: core.Unix, Family: core.Local}, nil)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Destroy(unix socket) = %v, want ErrUnsupported", err)
	}
}

// TestDestroyErrno checks what each errno SOCK_DESTROY can answer becomes.
func TestDestroyErrno(t *testing.T) {
	for _, tt := range []struct {
		errno unix.Errno
		is    []error
		says  string
	}{
		{unix.EPERM, []error{unix.EPERM, core.ErrPermission}, "CAP_NET_ADMIN"},
		{unix.EOPNOTSUPP, []error{unix.EOPNOTSUPP, errors.ErrUnsupported}, "CONFIG_INET_DIAG_DESTROY"},
		{unix.ENOENT, []error{unix.ENOENT}, "already gone"},
	} {
		err := destroyErr("SOCK_DESTROY", &core.Socket{Proto: core.TCP, Local: ep("127.0.0.1", 1)}, &dumpError{Errno: int32(tt.errno)})
		for _, target := range tt.is {
			if !errors.Is(err, target) {
				t.Errorf("%v: errors.Is(%q, %v) = false", tt.errno, err, target)
			}
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%v: %q does not say %q", tt.errno, err, tt.says)
		}
	}
}

// TestDestroyNeedsCapNetAdmin calls Destroy from a thread that dropped
// CAP_NET_ADMIN from its effective set: the kernel answers EPERM.
func TestDestroyNeedsCapNetAdmin(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	c, srv := skConnect(t, "tcp4", ln)
	cport := skPort(c.LocalAddr())
	s := &Sockets{FS: DefaultFS()}
	socks, err := s.Netlink(&core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: cport, Hi: cport}}})
	if err != nil || len(socks) == 0 {
		t.Fatalf("client socket: %v, %v", socks, err)
	}
	errc := make(chan error)
	go func() {
		// the thread's credentials change: never unlock, so the runtime
		// throws the thread away with the goroutine
		runtime.LockOSThread()
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			errc <- err
			return
		}
		if data[0].Effective&(1<<unix.CAP_NET_ADMIN) == 0 {
			errc <- errNoCap
			return
		}
		data[0].Effective &^= 1 << unix.CAP_NET_ADMIN
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			errc <- err
			return
		}
		errc <- s.Destroy(&socks[0], nil)
	}()
	err = <-errc
	if err == errNoCap {
		t.Skip("not running with CAP_NET_ADMIN")
	}
	if !errors.Is(err, unix.EPERM) || !errors.Is(err, core.ErrPermission) || !strings.Contains(err.Error(), "CAP_NET_ADMIN") {
		t.Fatalf("Destroy without CAP_NET_ADMIN: %v, want EPERM saying CAP_NET_ADMIN", err)
	}
	// and the socket is still there
	if _, err := c.Write([]byte("x")); err != nil {
		t.Errorf("write after a refused Destroy: %v", err)
	}
	if _, err := srv.Read(make([]byte, 1)); err != nil {
		t.Errorf("read after a refused Destroy: %v", err)
	}
}

var errNoCap = errors.New("no CAP_NET_ADMIN")

// TestRawFallsBack opens a raw ICMP socket: kernels without raw_diag
// (CONFIG_INET_RAW_DIAG unset) fail its netlink dump, and Sockets must
// then read /proc/net/raw for raw sockets alone.
func TestRawFallsBack(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP)
	if err != nil {
		t.Skipf("raw socket: %v", err)
	}
	defer unix.Close(fd)
	want := core.Socket{Proto: core.Raw, Family: core.Inet, Type: core.RawType, State: core.Unconn,
		Local: ep("0.0.0.0", unix.IPPROTO_ICMP), Inode: fdInode(t, fd), UID: int64(os.Getuid()), NetNS: liveNetNS(t)}
	s := &Sockets{FS: DefaultFS()}
	_, nlErr := s.Netlink(&core.Filter{Protos: []core.Proto{core.Raw}})
	t.Logf("raw through netlink: %v", nlErr)
	got, err := s.Sockets(&core.Filter{Protos: []core.Proto{core.Raw, core.TCP}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, pick(got, []core.Socket{want})[0], ignoreKeyExpires); d != "" {
		t.Errorf("raw socket (-want +got):\n%s", d)
	}
	if nlErr != nil {
		// TCP still came through netlink: keyed
		for _, g := range got {
			if g.Proto == core.TCP && g.Key == nil {
				t.Errorf("tcp %v came from /proc/net, though only raw's dump failed", g.Local)
				break
			}
		}
	}
}

// TestNetlinkRefused plays a kernel or a sandbox that refuses
// NETLINK_SOCK_DIAG: Sockets must read everything from /proc/net, and fail
// on an error that is not a refusal.
func TestNetlinkRefused(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	ino := skInode(t, ln.(syscall.Conn))
	defer func(f func() (*diagConn, error)) { openDiagFn = f }(openDiagFn)
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.TCP}}
	for _, errno := range []unix.Errno{unix.EPERM, unix.EACCES, unix.EPROTONOSUPPORT, unix.EAFNOSUPPORT} {
		openDiagFn = func() (*diagConn, error) { return nil, fmt.Errorf("socket(AF_NETLINK): %w", errno) }
		got, err := s.Sockets(f)
		if err != nil {
			t.Fatalf("%v: %v", errno, err)
		}
		found := false
		for _, g := range got {
			if g.Key != nil {
				t.Fatalf("%v: %v has a netlink key", errno, g.Local)
			}
			found = found || g.Inode == ino
		}
		if !found {
			t.Errorf("%v: listener inode %d not in /proc/net fallback", errno, ino)
		}
	}
	openDiagFn = func() (*diagConn, error) { return nil, fmt.Errorf("socket(AF_NETLINK): %w", unix.EMFILE) }
	if _, err := s.Sockets(f); !errors.Is(err, unix.EMFILE) {
		t.Errorf("EMFILE: err = %v, want it passed on", err)
	}
}

func TestProcNetOnly(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	ino := skInode(t, ln.(syscall.Conn))
	s := &Sockets{FS: DefaultFS(), ProcNetOnly: true}
	got, err := s.Sockets(&core.Filter{Ports: []core.PortRange{{Lo: skPort(ln.Addr()), Hi: skPort(ln.Addr())}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Inode != ino || got[0].Key != nil {
		t.Errorf("ProcNetOnly: got %+v, want the one listener (inode %d) without a netlink key", got, ino)
	}
}

// BenchmarkNetlinkDump dumps every TCP, UDP and unix socket, with 1000 TCP
// connections open (2000 sockets, plus the listener).
func BenchmarkNetlinkDump(b *testing.B) {
	ln := skListen(b, "tcp4", "127.0.0.1:0")
	for range 1000 {
		skConnect(b, "tcp4", ln)
	}
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.TCP, core.UDP, core.Unix}}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		socks, err := s.Netlink(f)
		if err != nil {
			b.Fatal(err)
		}
		n = len(socks)
	}
	b.ReportMetric(float64(n), "sockets")
}

// BenchmarkNetlinkDumpIdle dumps every TCP socket (the host's, and 1000
// connections) without and with tcp_info (Filter.Idle): what reading
// idle times adds to a dump. Run it with a bench world up for a host's
// figures (bench/README.md).
func BenchmarkNetlinkDumpIdle(b *testing.B) {
	ln := skListen(b, "tcp4", "127.0.0.1:0")
	for range 1000 {
		skConnect(b, "tcp4", ln)
	}
	s := &Sockets{FS: DefaultFS()}
	for _, idle := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "idle"}[idle], func(b *testing.B) {
			f := &core.Filter{Protos: []core.Proto{core.TCP}, Idle: idle}
			b.ReportAllocs()
			n, known := 0, 0
			// CPU time (user and system: the kernel fills tcp_info) moves
			// less with a busy host's load than wall time
			cpu0 := cpuTime()
			for b.Loop() {
				socks, err := s.Netlink(f)
				if err != nil {
					b.Fatal(err)
				}
				n, known = len(socks), 0
				for i := range socks {
					if socks[i].Idle.Known() {
						known++
					}
				}
			}
			if idle == (known == 0) {
				b.Fatalf("idle %v: %d of %d sockets with an idle time", idle, known, n)
			}
			b.ReportMetric(float64(n), "sockets")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is this process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkProcNetRead(b *testing.B) {
	ln := skListen(b, "tcp4", "127.0.0.1:0")
	for range 1000 {
		skConnect(b, "tcp4", ln)
	}
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.TCP, core.UDP, core.Unix}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ProcNet(f); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNetlinkUDPLite opens a UDP-Lite socket (IPPROTO_UDPLITE): its own
// sock_diag protocol and /proc/net file.
func TestNetlinkUDPLite(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDPLITE)
	if err != nil {
		t.Skipf("UDP-Lite socket: %v", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	want := core.Socket{Proto: core.UDPLite, Family: core.Inet6, Type: core.Dgram, State: core.Unconn,
		Local: ep("::1", uint16(sa.(*unix.SockaddrInet6).Port)), Inode: fdInode(t, fd), UID: int64(os.Getuid()), NetNS: liveNetNS(t)}
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.UDPLite}}
	nl, err := s.Netlink(f)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := s.ProcNet(f)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]core.Socket{"netlink": nl, "/proc/net": pn} {
		want := want
		want.V6Only = name == "netlink" // bound to ::1; /proc/net does not tell
		if d := cmp.Diff(want, pick(got, []core.Socket{want})[0], ignoreKeyExpires); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	keyed(t, pick(nl, []core.Socket{want}))
}
