package linux

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// tcp6BoundOnly opens a TCP socket bound to [::1]:0 and nothing more.
func tcp6BoundOnly(t *testing.T) (fd int, port uint16) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet6{Addr: [16]byte{15: 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fd, uint16(sa.(*unix.SockaddrInet6).Port)
}

// TestTCPBothFamiliesOneDump: the TCP sockets of both families come from
// one TCPDIAG_GETSOCK dump (one walk of the kernel's hash tables, not one
// per family), and they are exactly what the two SOCK_DIAG_BY_FAMILY dumps
// give, which is what gosof falls back on when the kernel refuses it:
// listeners, connections, a v4-mapped one, and bound-only sockets of
// either family, with and without a port filter in the bytecode.
func TestTCPBothFamiliesOneDump(t *testing.T) {
	fx := openInetFixture(t)
	var want []core.Socket
	for _, s := range fx.want {
		if s.Proto == core.TCP {
			want = append(want, s)
		}
	}
	uid, ns := int64(os.Getuid()), liveNetNS(t)
	fd4, p4 := tcpSocket(t)
	fd6, p6 := tcp6BoundOnly(t)
	want = append(want,
		core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Close,
			Local: ep("127.0.0.1", p4), Inode: fdInode(t, fd4), UID: uid, NetNS: ns},
		core.Socket{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.Close, V6Only: true,
			Local: ep("::1", p6), Inode: fdInode(t, fd6), UID: uid, NetNS: ns})

	c, err := openDiag()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out sockChunks
	if !c.tcpBothDump(nil, ns, &out) {
		t.Fatal("the kernel refused TCPDIAG_GETSOCK")
	}
	c.nameDevices(&out.devs) // as netlink does once its dumps are done
	both := out.join(0)
	fams := map[core.Family]int{}
	for _, s := range both {
		if s.Proto != core.TCP {
			t.Errorf("TCPDIAG_GETSOCK gave a %s socket", s.Proto)
		}
		fams[s.Family]++
	}
	if fams[core.Inet] == 0 || fams[core.Inet6] == 0 {
		t.Errorf("one dump: sockets by family %v, want both", fams)
	}

	dump := func(f *core.Filter) []core.Socket {
		t.Helper()
		s := &Sockets{FS: DefaultFS()}
		socks, err := s.Netlink(f)
		if err != nil {
			t.Fatal(err)
		}
		return pick(socks, want)
	}
	tcp := &core.Filter{Protos: []core.Proto{core.TCP}}
	if d := cmp.Diff(want, dump(tcp), ignoreKeyExpires); d != "" {
		t.Errorf("one dump for both families (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, pick(both, want), ignoreKeyExpires); d != "" {
		t.Errorf("tcpBothDump (-want +got):\n%s", d)
	}

	// a port filter goes into the bytecode of either request
	onPort := func(port uint16) []core.Socket {
		var o []core.Socket
		for _, s := range want {
			if s.Local.Port == port {
				o = append(o, s)
			}
		}
		return o
	}
	dual := fx.want[6].Local.Port
	for _, port := range []uint16{dual, p6} {
		f := &core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: port, Hi: port}}}
		var got []core.Socket
		for _, s := range dump(f) {
			if s.Proto != "" {
				got = append(got, s)
			}
		}
		if d := cmp.Diff(onPort(port), got, ignoreKeyExpires); d != "" {
			t.Errorf("port %d, one dump (-want +got):\n%s", port, d)
		}
	}

	// a kernel that refuses the request, or answers with what gosof cannot
	// parse (leaving the rest of its answer unread on that socket):
	// nothing half-added, and the two dumps by family give the same
	defer func(typ, ans uint16) { tcpBothType, tcpBothAnswer = typ, ans }(tcpBothType, tcpBothAnswer)
	for _, tc := range []struct {
		name     string
		typ, ans uint16
	}{
		{"refused", 0x7fff, tcpDiagGetSock},
		{"unparsed", tcpDiagGetSock, 0x7ffe},
	} {
		tcpBothType, tcpBothAnswer = tc.typ, tc.ans
		out = sockChunks{}
		c, err := openDiag()
		if err != nil {
			t.Fatal(err)
		}
		ok := c.tcpBothDump(nil, ns, &out)
		c.Close()
		if ok || out.len() != 0 {
			t.Errorf("%s: ok %v, %d sockets; want false, none", tc.name, ok, out.len())
		}
		if d := cmp.Diff(want, dump(tcp), ignoreKeyExpires); d != "" {
			t.Errorf("%s: fallback, a dump per family (-want +got):\n%s", tc.name, d)
		}
	}
}
