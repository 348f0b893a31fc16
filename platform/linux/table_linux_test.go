package linux

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// Odd states, live: sockets that are bound and nothing more, connects that
// failed, connections the kernel holds no uid for.

// tcpSocket opens a blocking TCP socket bound to 127.0.0.1:0, closed when
// the test ends, and returns it with its port.
func tcpSocket(t *testing.T) (fd int, port uint16) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fd, uint16(sa.(*unix.SockaddrInet4).Port)
}

// tcpSocketFixed is tcpSocket bound to a port named explicitly, from the
// range 43000-43999 the tests may use: only such a socket keeps its port
// (SOCK_BINDPORT_LOCK) once a connect fails; one bound to port 0 loses it.
func tcpSocketFixed(t *testing.T) (fd int, port uint16) {
	t.Helper()
	for p := 43000; p < 44000; p++ {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: p}); err != nil {
			unix.Close(fd)
			continue
		}
		t.Cleanup(func() { unix.Close(fd) })
		return fd, uint16(p)
	}
	t.Fatal("no free port in 43000-43999")
	return -1, 0
}

// bothWays lists the TCP sockets on port through netlink and /proc/net with
// filter f (its Ports and Protos set here).
func bothWays(t *testing.T, f core.Filter, port uint16) (netlink, procnet []core.Socket) {
	t.Helper()
	f.Protos = []core.Proto{core.TCP}
	f.Ports = []core.PortRange{{Lo: port, Hi: port}}
	f.Side = core.SideLocal
	s := &Sockets{FS: DefaultFS()}
	nl, err := s.Netlink(&f)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := s.ProcNet(&f)
	if err != nil {
		t.Fatal(err)
	}
	var fl core.Filter = f
	keep := func(socks []core.Socket) []core.Socket {
		var out []core.Socket
		for _, s := range socks {
			if fl.MatchSocket(&s) {
				s.Key, s.Expires = nil, 0
				out = append(out, s)
			}
		}
		return out
	}
	return keep(nl), keep(pn)
}

// TestStateCloseListsBoundSockets: a TCP socket that is bound and nothing
// more is CLOSE, and --state close finds it (through netlink: /proc/net/tcp
// never lists such sockets, a kernel limit written down in docs/contract.md).
func TestStateCloseListsBoundSockets(t *testing.T) {
	fd, port := tcpSocket(t)
	want := []core.Socket{{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Close,
		Local: ep("127.0.0.1", port), Inode: fdInode(t, fd), UID: int64(os.Getuid()), NetNS: liveNetNS(t)}}
	for _, f := range []core.Filter{{}, {States: []core.State{core.Close}}, {States: []core.State{core.Close, core.Listen}}} {
		nl, pn := bothWays(t, f, port)
		if d := cmp.Diff(want, nl, eqAddr); d != "" {
			t.Errorf("states %v: netlink (-want +got):\n%s", f.States, d)
		}
		if len(pn) != 0 {
			t.Errorf("states %v: /proc/net/tcp lists a bound-only socket now: %+v", f.States, pn)
		}
	}
}

// TestFailedConnectHasNoRemote: a socket whose connect was refused, or
// whose connection was reset, is CLOSE with no remote, as getpeername says
// (ENOTCONN), though the kernel still reports the address it tried.
func TestFailedConnectHasNoRemote(t *testing.T) {
	uid, ns := int64(os.Getuid()), liveNetNS(t)
	closed := func(fd int, port uint16) []core.Socket {
		return []core.Socket{{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Close,
			Local: ep("127.0.0.1", port), Inode: fdInode(t, fd), UID: uid, NetNS: ns}}
	}

	t.Run("refused", func(t *testing.T) {
		_, dead := tcpSocket(t) // bound, not listening: a connect to it is refused
		fd, port := tcpSocketFixed(t)
		err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: int(dead)})
		if err != unix.ECONNREFUSED {
			t.Fatalf("connect to a port nobody listens on: %v, want ECONNREFUSED", err)
		}
		if _, err := unix.Getpeername(fd); err != unix.ENOTCONN {
			t.Fatalf("getpeername after a refused connect: %v, want ENOTCONN", err)
		}
		// Send-Q counts the unacknowledged SYN the kernel still has
		// (write_seq - snd_una), whatever it is.
		ignoreSendQ := cmpopts.IgnoreFields(core.Socket{}, "SendQ")
		for _, f := range []core.Filter{{}, {States: []core.State{core.Close}}} {
			nl, _ := bothWays(t, f, port)
			if d := cmp.Diff(closed(fd, port), nl, eqAddr, ignoreSendQ); d != "" {
				t.Errorf("states %v: netlink (-want +got):\n%s", f.States, d)
			}
		}
	})

	t.Run("reset", func(t *testing.T) {
		lfd, lport := tcpSocket(t)
		if err := unix.Listen(lfd, 1); err != nil {
			t.Fatal(err)
		}
		fd, port := tcpSocketFixed(t)
		if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: int(lport)}); err != nil {
			t.Fatal(err)
		}
		afd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		// SO_LINGER 0: close sends a reset
		if err := unix.SetsockoptLinger(afd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err != nil {
			t.Fatal(err)
		}
		unix.Close(afd)
		if _, err := unix.Read(fd, make([]byte, 1)); err != unix.ECONNRESET {
			t.Fatalf("read after the peer reset: %v, want ECONNRESET", err)
		}
		if _, err := unix.Getpeername(fd); err != unix.ENOTCONN {
			t.Fatalf("getpeername after a reset: %v, want ENOTCONN", err)
		}
		for _, f := range []core.Filter{{}, {States: []core.State{core.Close}}} {
			nl, _ := bothWays(t, f, port)
			if d := cmp.Diff(closed(fd, port), nl, eqAddr); d != "" {
				t.Errorf("states %v: netlink (-want +got):\n%s", f.States, d)
			}
		}
	})
}

// TestSynRecvHasNoUID: a connection the listener has not completed (here
// held back by TCP_DEFER_ACCEPT, which drops the handshake's last ACK) is
// a request socket, with no inode and no uid: null, not root's 0.
func TestSynRecvHasNoUID(t *testing.T) {
	lfd, lport := tcpSocket(t)
	if err := unix.SetsockoptInt(lfd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, 30); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 8); err != nil {
		t.Fatal(err)
	}
	cfd, cport := tcpSocket(t)
	if err := unix.Connect(cfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: int(lport)}); err != nil {
		t.Fatal(err)
	}
	want := []core.Socket{{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.SynRecv,
		Local: ep("127.0.0.1", lport), Remote: epp("127.0.0.1", cport), UID: -1, NetNS: liveNetNS(t),
		Timer: core.TimerRetrans}}
	f := core.Filter{States: []core.State{core.SynRecv}}
	var nl, pn []core.Socket
	for range 100 {
		if nl, pn = bothWays(t, f, lport); len(nl) > 0 && len(pn) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d := cmp.Diff(want, nl, eqAddr); d != "" {
		t.Errorf("netlink (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, pn, eqAddr); d != "" {
		t.Errorf("/proc/net/tcp (-want +got):\n%s", d)
	}
}
