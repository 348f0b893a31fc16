package linux

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gosof/gosof/core/diagnose"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// TestSockOpts sets options in a helper process with setsockopt and reads
// them back from this one through pidfd_getfd.
func TestSockOpts(t *testing.T) {
	h := testhelper.Start(t)
	reuse, _ := listenTCP(t, h) // getsockopt reads back whatever was set, bound or not
	h.Do("setsockopt %d reuseaddr 1", reuse)
	plain, port := listenTCP(t, h)
	c := h.Int("socket inet stream")
	h.Do("setsockopt %d linger 1 0", c)
	h.Do("setsockopt %d keepalive 1", c)
	h.Do("setsockopt %d nodelay 1", c)
	h.Do("connect %d 127.0.0.1:%d", c, port)
	u := h.Int("socket inet6 dgram")
	h.Do("setsockopt %d v6only 1", u)

	got, err := SockOpts{}.Options(h.PID, []int{reuse, plain, c, u, 0, 999})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[0]; ok {
		t.Error("fd 0 (a pipe) reported as a socket")
	}
	if _, ok := got[999]; ok {
		t.Error("fd 999 (not open) reported")
	}
	is := func(name string, b *bool, want bool) {
		t.Helper()
		if b == nil || *b != want {
			t.Errorf("%s = %v, want %v", name, b, want)
		}
	}
	is("listener SO_REUSEADDR", got[reuse].ReuseAddr, true)
	is("plain listener SO_REUSEADDR", got[plain].ReuseAddr, false)
	is("plain listener SO_REUSEPORT", got[plain].ReusePort, false)
	is("plain listener SO_KEEPALIVE", got[plain].KeepAlive, false)
	is("client SO_KEEPALIVE", got[c].KeepAlive, true)
	is("client TCP_NODELAY", got[c].NoDelay, true)
	is("plain listener TCP_NODELAY", got[plain].NoDelay, false)
	is("udp6 IPV6_V6ONLY", got[u].V6Only, true)
	if !got[c].LingerAbort() || got[plain].LingerAbort() {
		t.Errorf("linger: client %+v, listener %+v; want {1,0} on the client only", got[c].Linger, got[plain].Linger)
	}
	co := got[c]
	if co.Type != core.Stream || got[u].Type != core.Dgram {
		t.Errorf("SO_TYPE: %q, %q", co.Type, got[u].Type)
	}
	if co.SndBuf == nil || *co.SndBuf <= 0 || co.RcvBuf == nil || *co.RcvBuf <= 0 {
		t.Errorf("buffers: %v %v", co.SndBuf, co.RcvBuf)
	}
	want, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control")
	if co.Congestion == "" || co.Congestion+"\n" != string(want) {
		t.Errorf("TCP_CONGESTION %q, the default is %q", co.Congestion, want)
	}
	if co.TCPInfo == nil || co.TCPInfo.RTT <= 0 {
		t.Errorf("TCP_INFO: %+v, want an RTT for a connected socket", co.TCPInfo)
	}
	if got[u].NoDelay != nil || got[u].TCPInfo != nil || got[u].Congestion != "" {
		t.Error("TCP options reported on a UDP socket")
	}

	h.Kill()
	if _, err := (SockOpts{}).Options(h.PID, []int{c}); !errors.Is(err, core.ErrGone) {
		t.Errorf("options of an exited helper: %v, want ErrGone", err)
	}
	if err := pidfdErr("pidfd_getfd", 1, unix.EPERM); !errors.Is(err, core.ErrPermission) {
		t.Errorf("EPERM: %v", err)
	}
	if err := pidfdErr("pidfd_getfd", 1, unix.ENOSYS); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ENOSYS: %v", err)
	}
}

// TestFDsKinds lists this test process's own descriptors after opening one
// of each kind.
func TestFDsKinds(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "fds")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, _ := os.Open(t.TempDir())
	defer d.Close()
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(efd)
	sfd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	defer unix.Close(sfd)
	var st unix.Stat_t
	unix.Fstat(sfd, &st)

	fds, err := (&FDs{FS: DefaultFS()}).FDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	byFD := map[int]core.FD{}
	for _, fd := range fds {
		byFD[fd.FD] = fd
	}
	for _, tc := range []struct {
		fd   int
		kind core.FDKind
		path string
	}{
		{int(f.Fd()), core.FDFile, f.Name()},
		{int(d.Fd()), core.FDDir, d.Name()},
		{int(null.Fd()), core.FDChar, os.DevNull},
		{int(r.Fd()), core.FDPipe, ""},
		{efd, core.FDAnon, "anon_inode:[eventfd]"},
		{sfd, core.FDSocket, "socket:[" + strconv.FormatUint(st.Ino, 10) + "]"},
	} {
		got, ok := byFD[tc.fd]
		if !ok || got.Kind != tc.kind || (tc.path != "" && got.Path != tc.path) {
			t.Errorf("fd %d: %+v, want kind %s path %q", tc.fd, got, tc.kind, tc.path)
		}
	}
	if byFD[sfd].Inode != st.Ino {
		t.Errorf("socket inode %d, want %d", byFD[sfd].Inode, st.Ino)
	}
	// The pipe's inode comes from its link, without a stat: the same.
	var pst unix.Stat_t
	unix.Fstat(int(r.Fd()), &pst)
	if got := byFD[int(r.Fd())]; got.Inode != pst.Ino || got.Path != "pipe:["+strconv.FormatUint(pst.Ino, 10)+"]" {
		t.Errorf("pipe: %+v, want inode %d", got, pst.Ino)
	}
	if _, err := (&FDs{FS: DefaultFS()}).FDs(1 << 30); !errors.Is(err, core.ErrGone) {
		t.Errorf("FDs of no such pid: %v, want ErrGone", err)
	}
}

// TestProber binds next to a helper's listener.
func TestProber(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listenTCP(t, h) // 127.0.0.1:port
	p := &Prober{FS: DefaultFS()}
	lo := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		addr netip.Addr
		opts diagnose.BindOpts
		want error
	}{
		{lo, diagnose.BindOpts{}, diagnose.ErrAddrInUse},
		{lo, diagnose.BindOpts{ReuseAddr: true}, diagnose.ErrAddrInUse}, // a LISTEN socket blocks even SO_REUSEADDR
		{lo, diagnose.BindOpts{ReusePort: true}, diagnose.ErrAddrInUse}, // and SO_REUSEPORT, when it does not set it
		{netip.IPv4Unspecified(), diagnose.BindOpts{}, diagnose.ErrAddrInUse},
		{netip.MustParseAddr("127.0.0.2"), diagnose.BindOpts{}, nil},
		{netip.MustParseAddr("127.0.0.2"), diagnose.BindOpts{ReuseAddr: true, ReusePort: true}, nil},
		{netip.IPv6Loopback(), diagnose.BindOpts{}, nil},
		{netip.MustParseAddr("192.0.2.1"), diagnose.BindOpts{}, diagnose.ErrAddrNotAvail},
	} {
		err := p.Bind(core.TCP, tc.addr, uint16(port), tc.opts)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("Bind(%s, %d, %+v) = %v, want %v", tc.addr, port, tc.opts, err, tc.want)
		}
	}
	if p.UID() != int64(os.Geteuid()) {
		t.Errorf("UID %d, want the euid %d", p.UID(), os.Geteuid())
	}
	if _, err := os.Stat("/proc/net/if_inet6"); (err == nil) != p.HasIPv6() {
		t.Errorf("HasIPv6 = %v, but /proc/net/if_inet6: %v", p.HasIPv6(), err)
	}
	if ok, why := p.MayBind(80); os.Geteuid() == 0 && !ok {
		t.Errorf("root may not bind 80: %s", why)
	}
}

// TestSocketKind reads the kernel's protocol names for this process's
// own sockets, against the families the table lists, and why a new inet
// socket is not listed (no port); a pipe and a process that is not there
// tell nothing.
func TestSocketKind(t *testing.T) {
	l := &FDs{FS: DefaultFS()}
	for _, tc := range []struct {
		family, typ, proto int
		name               string
		listed             bool
	}{
		{unix.AF_INET, unix.SOCK_STREAM, 0, "TCP", true},
		{unix.AF_INET6, unix.SOCK_DGRAM, 0, "UDPv6", true},
		{unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE, "UDP-Lite", true},
		{unix.AF_UNIX, unix.SOCK_STREAM, 0, "UNIX-STREAM", true},
		{unix.AF_UNIX, unix.SOCK_DGRAM, 0, "UNIX", true},
		{unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE, "NETLINK", false},
	} {
		fd, err := unix.Socket(tc.family, tc.typ|unix.SOCK_CLOEXEC, tc.proto)
		if err == unix.EPROTONOSUPPORT {
			t.Logf("socket %d %d %d: %v: this kernel has no such sockets", tc.family, tc.typ, tc.proto, err)
			continue
		}
		if err != nil {
			t.Fatalf("socket %d %d %d: %v", tc.family, tc.typ, tc.proto, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		k := l.SocketKind(os.Getpid(), fd, st.Ino)
		name, listed := k.Proto, k.Listed
		// a new inet socket has no port; of a unix one no reason is told
		if inet := tc.family != unix.AF_UNIX && tc.listed; inet && k.Why != core.AbsentUnbound || !inet && k.Why != "" {
			t.Errorf("socket %d %d %d: absent %q", tc.family, tc.typ, tc.proto, k.Why)
		}
		if other := l.SocketKind(os.Getpid(), fd, st.Ino+1); other.Proto != "" {
			t.Errorf("socket %d %d %d listed with another inode: %q, want none", tc.family, tc.typ, tc.proto, other.Proto)
		}
		unix.Close(fd)
		if name != tc.name || listed != tc.listed {
			t.Errorf("socket %d %d %d: %q %v, want %q %v", tc.family, tc.typ, tc.proto, name, listed, tc.name, tc.listed)
		}
	}
	// through a /proc by another path, not gosof's to open pids in: the
	// name by path, and no reason
	sfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sfd)
	var st unix.Stat_t
	if err := unix.Fstat(sfd, &st); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "proc")
	if err := os.Symlink("/proc", other); err != nil {
		t.Fatal(err)
	}
	fs := DefaultFS()
	fs.Proc = other
	if k := (&FDs{FS: fs}).SocketKind(os.Getpid(), sfd, st.Ino); k != (core.SocketKind{Proto: "TCP", Listed: true}) {
		t.Errorf("through %s: %+v, want TCP, listed, no reason", other, k)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	if k := l.SocketKind(os.Getpid(), p[0], 0); k != (core.SocketKind{}) {
		t.Errorf("a pipe: %+v", k)
	}
	if k := l.SocketKind(1<<22+1, 0, 0); k != (core.SocketKind{}) { // past pid_max's limit
		t.Errorf("no such process: %+v", k)
	}
}
