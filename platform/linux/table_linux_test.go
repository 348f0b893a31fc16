package linux

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
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
// range the tests may use (testhelper.FixedPort): only such a socket keeps
// its port (SOCK_BINDPORT_LOCK) once a connect fails; one bound to port 0
// loses it.
func tcpSocketFixed(t *testing.T) (fd int, port uint16) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	p := testhelper.FixedPort(t, func(p int) error {
		return unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: p})
	})
	return fd, uint16(p)
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

// unixSocket opens a unix socket of type typ in this process, bound to
// name unless it is "", closed when the test ends.
func unixSocket(t *testing.T, typ int, name string) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if name != "" {
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	return fd
}

// unixByInode lists the unix sockets both ways and keeps those with these
// inodes, or with inode 0 or a path in paths (which no real row of this
// test has).
func unixBoth(t *testing.T, inodes []uint64, paths ...string) (netlink, procnet []core.Socket) {
	t.Helper()
	s := &Sockets{FS: DefaultFS()}
	f := &core.Filter{Protos: []core.Proto{core.Unix}}
	keep := func(socks []core.Socket) []core.Socket {
		var out []core.Socket
		for _, x := range socks {
			hit := x.Inode == 0
			for _, ino := range inodes {
				hit = hit || x.Inode == ino
			}
			for _, p := range paths {
				hit = hit || strings.Contains(x.Local.Path, p)
			}
			if hit {
				x.Key = nil
				out = append(out, x)
			}
		}
		return out
	}
	nl, err := s.Netlink(f)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := s.ProcNet(f)
	if err != nil {
		t.Fatal(err)
	}
	return keep(nl), keep(pn)
}

// TestUnixPending: a connection the listener has not accepted yet is
// CONNECTED, its remote the listener it waits on (netlink; /proc/net/unix
// tells no peer), and the kernel's end of it (an embryo, inode 0) is no
// socket of its own.
func TestUnixPending(t *testing.T) {
	name := fmt.Sprintf("@gosof-h13-pending-%d", os.Getpid())
	l := unixSocket(t, unix.SOCK_STREAM, name)
	if err := unix.Listen(l, 4); err != nil {
		t.Fatal(err)
	}
	c := unixSocket(t, unix.SOCK_STREAM, "")
	if err := unix.Connect(c, &unix.SockaddrUnix{Name: name}); err != nil {
		t.Fatal(err)
	}
	ns := liveNetNS(t)
	lino, cino := fdInode(t, l), fdInode(t, c)
	listener := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen,
		Local: core.Endpoint{Path: name}, Inode: lino, UID: -1, NetNS: ns}
	client := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Connected,
		Remote: &core.Endpoint{Path: name}, Inode: cino, UID: -1, NetNS: ns}
	nl, pn := unixBoth(t, []uint64{lino, cino}, name)
	wantNL := []core.Socket{listener, client}
	wantNL[0].UID, wantNL[1].UID = int64(os.Getuid()), int64(os.Getuid())
	wantNL[0].RecvQ, wantNL[0].SendQ, wantNL[0].BacklogKnown = 1, 4, true // one waiting for accept, backlog 4
	sortInodes := cmpopts.SortSlices(func(a, b core.Socket) bool { return a.Inode < b.Inode })
	if d := cmp.Diff(wantNL, nl, sortInodes, eqAddr); d != "" {
		t.Errorf("netlink (-want +got):\n%s", d)
	}
	client.Remote = &core.Endpoint{} // /proc/net/unix: connected, peer unknown
	if d := cmp.Diff([]core.Socket{listener, client}, pn, sortInodes, eqAddr); d != "" {
		t.Errorf("/proc/net/unix (-want +got):\n%s", d)
	}
}

// TestUnixForgedName: a socket name holding a newline and a whole row
// invents no socket on the /proc/net path, whatever inode the row names
// (one nobody has, or a real socket's), and the name is read whole.
func TestUnixForgedName(t *testing.T) {
	victim := unixSocket(t, unix.SOCK_STREAM, "")
	vino := fdInode(t, victim)
	row := func(ino uint64, path string) string {
		return fmt.Sprintf("0000000000000000: 00000002 00000000 00010000 0001 01 %d %s", ino, path)
	}
	names := []string{
		fmt.Sprintf("@gosof-h13-%d\n%s", os.Getpid(), row(77777, "/run/forged.sock")),
		fmt.Sprintf("@gosof-h13-%dv\n%s", os.Getpid(), row(vino, "/run/victim.sock")),
		fmt.Sprintf("@gosof-h13-%dm\nnot a row\n%s", os.Getpid(), row(77778, "@x")),
	}
	var inodes []uint64
	var want []core.Socket
	for _, n := range names {
		fd := unixSocket(t, unix.SOCK_DGRAM, n)
		inodes = append(inodes, fdInode(t, fd))
		want = append(want, core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Dgram, State: core.Unconn,
			Local: core.Endpoint{Path: n}, Inode: inodes[len(inodes)-1], UID: -1, NetNS: liveNetNS(t)})
	}
	want = append(want, core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Unconn,
		Inode: vino, UID: -1, NetNS: liveNetNS(t)})
	sortInodes := cmpopts.SortSlices(func(a, b core.Socket) bool { return a.Inode < b.Inode })
	_, pn := unixBoth(t, append(inodes, 77777, 77778, vino), "/run/forged.sock", "/run/victim.sock")
	if d := cmp.Diff(want, pn, sortInodes, eqAddr); d != "" {
		t.Errorf("/proc/net/unix checked by netlink (-want +got):\n%s", d)
	}

	// Without netlink, the rows are checked against every process's
	// descriptors (as root, the scan sees them all).
	defer func(f func() (*diagConn, error)) { openDiagFn = f }(openDiagFn)
	openDiagFn = func() (*diagConn, error) { return nil, fmt.Errorf("socket(AF_NETLINK): %w", unix.EPERM) }
	s := &Sockets{FS: DefaultFS()}
	all, err := s.Sockets(&core.Filter{Protos: []core.Proto{core.Unix}})
	if err != nil {
		t.Fatal(err)
	}
	var got []core.Socket
	for _, x := range all {
		for _, ino := range append(inodes, 77777, 77778, vino) {
			if x.Inode == ino {
				got = append(got, x)
			}
		}
	}
	// The fallback to /proc/net is said first.
	notes := s.Notes()
	if len(notes) == 0 || !strings.HasPrefix(notes[0], "NETLINK_SOCK_DIAG is refused here") {
		t.Fatalf("netlink refused: notes %q; want the fallback to /proc/net said first", notes)
	}
	// A busy host may deny the scan a process (one exiting, one with
	// capabilities root lacks); then what it did not find is kept, and
	// said, never silently taken for a socket.
	if n := notes[1:]; len(n) == 0 {
		if d := cmp.Diff(want, got, sortInodes, eqAddr); d != "" {
			t.Errorf("/proc/net/unix checked by the descriptor scan (-want +got):\n%s", d)
		}
	} else if len(n) != 1 || !strings.Contains(n[0], "could not be checked") || len(got) == len(want) {
		t.Errorf("notes %q with %d sockets", n, len(got))
	}
}

// A row that could be the end of the name before it, with nothing to
// check it against (a fixture), is kept, and the note says so once.
func TestUnixUncheckedNames(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/net", 0o755); err != nil {
		t.Fatal(err)
	}
	text := "Num       RefCount Protocol Flags    Type St Inode Path\n" +
		"0000000000000000: 00000002 00000000 00000000 0002 01  6001 @a\n" +
		"0000000000000000: 00000002 00000000 00010000 0001 01  6002 /run/b.sock\n" +
		"0000000000000000: 00000003 00000000 00000000 0001 03  6003\n"
	if err := os.WriteFile(dir+"/net/unix", []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Sockets{FS: FS{Proc: dir}, ProcNetOnly: true}
	socks, err := s.Sockets(&core.Filter{Protos: []core.Proto{core.Unix}})
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) != 3 {
		t.Errorf("%d sockets, want 3: %+v", len(socks), socks)
	}
	want := []string{dir + "/net/unix: 2 rows could be part of the name before them (a name may hold newlines) and could not be checked; run as root, or without --proc-net, to read them exactly"}
	if d := cmp.Diff(want, s.Notes()); d != "" {
		t.Errorf("notes (-want +got):\n%s", d)
	}
}
