package solaris

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

func TestFdinfoKind(t *testing.T) {
	for _, tc := range []struct {
		mode uint32
		path string
		want core.FDKind
	}{
		{0x81a4, "/etc/passwd", core.FDFile},
		{0x41ed, "/", core.FDDir},
		{0x1180, "", core.FDPipe},
		{0x1180, "/tmp/fifo", core.FDFIFO},
		{0x2190, "/dev/null", core.FDChar},
		{0x61b0, "/dev/dsk/c0t0d0s0", core.FDBlock},
		{0xc1b6, "", core.FDSocket},
		{0xd124, "/var/run/name_service_door", core.FDDoor},
		{0xe000, "", core.FDPort},
		{0xa1ff, "", core.FDUnknown}, // S_IFLNK
		{0x5000, "", core.FDUnknown}, // S_IFNAM (XENIX)
		{0, "", core.FDUnknown},
	} {
		d := &Fdinfo{Mode: tc.mode, Path: tc.path}
		if got := d.Kind(); got != tc.want {
			t.Errorf("mode %#x path %q: %q, want %q", tc.mode, tc.path, got, tc.want)
		}
	}
}

// TestFDs lists sshd's descriptors in the solaris11-fdinfo capture: one of
// each kind, and sockets named by their fdinfo addresses.
func TestFDs(t *testing.T) {
	l := FDs{B: openFixture(t, "solaris11-fdinfo")}
	got, err := l.FDs(1200)
	if err != nil {
		t.Fatal(err)
	}
	want := []core.FD{
		{FD: 0, Kind: core.FDChar, Path: "/dev/null", Inode: 0x1c},
		{FD: 1, Kind: core.FDPipe, Inode: 0x2f},
		{FD: 2, Kind: core.FDFile, Path: "/var/adm/authlog", Inode: 0x4a1},
		{FD: 3, Kind: core.FDSocket, Path: "AF_INET6 [::]:22", Inode: 0xf926},
		{FD: 4, Kind: core.FDDir, Path: "/var/empty", Inode: 0x3},
		{FD: 5, Kind: core.FDSocket, Path: "AF_INET 172.27.10.9:22 peer 172.27.10.79:38576", Inode: 0xf927},
		{FD: 6, Kind: core.FDDoor, Path: "/var/run/name_service_door", Inode: 0x1d},
		{FD: 7, Kind: core.FDPort},
		{FD: 8, Kind: core.FDSocket, Path: "AF_INET 172.27.10.9:22 peer 172.27.10.80:40000", Inode: 0xf928},
		{FD: 9, Kind: core.FDFIFO, Path: "/var/run/sshd.fifo", Inode: 0x55},
		{FD: 10, Kind: core.FDBlock, Path: "/dev/dsk/c0t0d0s0", Inode: 0x77},
		{FD: 11, Kind: core.FDUnknown, Inode: 0x78},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fds 1200 (-want +got):\n%s", diff)
	}
	unix, err := l.FDs(1400)
	if err != nil {
		t.Fatal(err)
	}
	if len(unix) != 2 || unix[0].Path != "AF_UNIX /var/run/syslog.sock" || unix[0].Kind != core.FDSocket {
		t.Errorf("fds 1400: %+v, want fd 3 named AF_UNIX /var/run/syslog.sock", unix)
	}
}

func bp(b bool) *bool { return &b }
func ip(n int) *int   { return &n }

// TestSockOpts reads the options the fixture's misc items set.
func TestSockOpts(t *testing.T) {
	r := SockOpts{B: openFixture(t, "solaris11-fdinfo")}
	got, err := r.Options(1200, []int{0, 3, 5, 8, 99})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]*core.SockOptions{
		// The listener: REUSEADDR and ACCEPTCONN bits, a type, nothing
		// else. REUSEPORT's bit is clear, which from a kernel built
		// without SO_REUSEPORT (illumos-gate) means nothing: unknown.
		3: {ReuseAddr: bp(true), KeepAlive: bp(false), Type: core.Stream},
		// The IPD 12 capture: REUSEADDR|KEEPALIVE, linger {0, 0}.
		5: {ReuseAddr: bp(true), KeepAlive: bp(true), Linger: &core.Linger{},
			SndBuf: ip(0xc000), RcvBuf: ip(0x1f768), Type: core.Stream, Congestion: "sunreno"},
		8: {ReuseAddr: bp(true), ReusePort: bp(true), KeepAlive: bp(true), Linger: &core.Linger{On: true, Seconds: 0},
			SndBuf: ip(128000), RcvBuf: ip(1048576), Type: core.Stream, Congestion: "cubic"},
		// fd 0 is not a socket and fd 99 is not open: both left out.
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if !got[8].LingerAbort() || got[5].LingerAbort() {
		t.Error("LingerAbort: want fd 8 only")
	}
	// TCP_NODELAY, IPV6_V6ONLY and TCP_INFO are not in fdinfo: unknown.
	for fd, o := range got {
		if o.NoDelay != nil || o.V6Only != nil || o.TCPInfo != nil {
			t.Errorf("fd %d: NoDelay %v V6Only %v TCPInfo %v, want all unknown", fd, o.NoDelay, o.V6Only, o.TCPInfo)
		}
	}
	// The forked sshd's fdinfo has only a type item: nothing else known.
	other, err := r.Options(1201, []int{4})
	if diff := cmp.Diff(map[int]*core.SockOptions{4: {Type: core.Stream}}, other); err != nil || diff != "" {
		t.Errorf("1201 fd 4 (-want +got), err %v:\n%s", err, diff)
	}
	// A socket without option items has no options; a file has none.
	if o := (&Fdinfo{Mode: 0xc1b6, HasSockName: true}).Options(); o != nil {
		t.Errorf("socket without items: %+v, want nil", o)
	}
	if o := (&Fdinfo{Mode: 0x81a4, HasBoolOpts: true}).Options(); o != nil {
		t.Errorf("regular file: %+v, want nil", o)
	}
}

func TestFDsErrors(t *testing.T) {
	b := openFixture(t, "solaris11-fdinfo")
	if _, err := (FDs{B: b}).FDs(9999); !errors.Is(err, core.ErrGone) {
		t.Errorf("fds of a process not in /proc: %v, want ErrGone", err)
	}
	if _, err := (SockOpts{B: b}).Options(9999, []int{3}); !errors.Is(err, core.ErrGone) {
		t.Errorf("options of a process not in /proc: %v, want ErrGone", err)
	}
	// nfsd (77) has a psinfo but no fdinfo directory: in a capture, it
	// held no socket; on a live host, the release has no fdinfo.
	if _, err := (FDs{B: b}).FDs(77); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "capture") {
		t.Errorf("fds of a captured process without fdinfo: %v, want ErrUnsupported naming the capture", err)
	}
	live := NewBackend(nil, b.proc, binary.LittleEndian)
	if _, err := (FDs{B: live}).FDs(77); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "predates") {
		t.Errorf("fds of a live process without fdinfo: %v, want ErrUnsupported naming the release", err)
	}
	if err := b.procErr(1, fs.ErrPermission); !errors.Is(err, core.ErrPermission) {
		t.Errorf("EACCES: %v, want ErrPermission", err)
	}

	// An fdinfo gosof cannot parse is skipped and counted once (fds and
	// options read the same file), as the socket listing's scan does.
	dir := t.TempDir()
	bad := filepath.Join(dir, "5", "fdinfo")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "3"), readFixture(t, "bad/fdinfo-overrun"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := NewBackend(nil, dir, binary.LittleEndian)
	if fds, err := (FDs{B: tb}).FDs(5); err != nil || len(fds) != 0 {
		t.Errorf("fds with a bad fdinfo: %v, %v; want none and no error", fds, err)
	}
	if m, err := (SockOpts{B: tb}).Options(5, []int{3}); err != nil || len(m) != 0 {
		t.Errorf("options with a bad fdinfo: %v, %v; want none and no error", m, err)
	}
	if n := tb.UnparsedFdinfo(); n != 1 {
		t.Errorf("UnparsedFdinfo() = %d, want 1", n)
	}
}

// TestFDsSockets checks the join fds relies on: each MIB row gets the
// inode of the descriptors that name it, so core.GatherFDs finds the
// socket, its state and its options for each descriptor.
func TestFDsSockets(t *testing.T) {
	b := openFixture(t, "solaris11-fdinfo")
	l := FDs{B: b}
	socks, err := l.Sockets(nil)
	if err != nil {
		t.Fatal(err)
	}
	byIno := map[uint64]string{}
	for _, s := range socks {
		byIno[s.Inode] = line(s)
	}
	for ino, want := range map[uint64]string{
		0xf926: "tcp inet6 LISTEN [::]:22 - q=0/0 []",
		0xf927: "tcp inet ESTABLISHED 172.27.10.9:22 172.27.10.79:38576 q=20/9 []", // held by 1200 and 1201: one inode
		0xf928: "tcp inet ESTABLISHED 172.27.10.9:22 172.27.10.80:40000 q=5/4 []",
		0x100:  "tcp inet ESTABLISHED 172.27.10.9:41000 172.27.10.1:3306 q=0/0 []",
		0x200:  "udp inet UNCONN 0.0.0.0:514 - q=0/0 []",
	} {
		if byIno[ino] != want {
			t.Errorf("inode %#x: %q, want %q", ino, byIno[ino], want)
		}
	}
	// 111 (a kernel socket), 2049 and 0.0.0.0:22 (only their creator is
	// known): no descriptor names them, so no inode; every row appears once.
	if len(socks) != 8 || len(byIno) != 6 {
		t.Errorf("%d sockets, %d inodes; want the 8 rows once each, 3 of them without an inode", len(socks), len(byIno))
	}

	procs, err := core.GatherFDs(core.FDSources{FDs: l, Sockets: l, Owners: b, Options: SockOpts{B: b}, CommandLine: l.CommandLine}, []int{1200})
	if err != nil {
		t.Fatal(err)
	}
	p := procs[0]
	if p.Err != nil || p.Missing != "" || p.Proc == nil || p.Proc.Comm != "sshd" {
		t.Fatalf("GatherFDs 1200: %+v", p)
	}
	var fd8 *core.FD
	for i := range p.FDs {
		if p.FDs[i].FD == 8 {
			fd8 = &p.FDs[i]
		}
	}
	if fd8 == nil || fd8.Socket == nil || fd8.Socket.State != core.Established ||
		fd8.Socket.Remote == nil || fd8.Socket.Remote.Port != 40000 || !fd8.Options.LingerAbort() {
		t.Errorf("fd 8: %+v, want the ESTABLISHED connection from port 40000 with SO_LINGER {1,0}", fd8)
	}
}
