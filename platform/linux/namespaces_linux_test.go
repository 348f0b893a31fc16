package linux

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
}

func nsOf(t *testing.T, pid int) uint64 {
	t.Helper()
	ino, err := nsInodeOf(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		t.Fatal(err)
	}
	return ino
}

func TestNamespacesAndForeignSockets(t *testing.T) {
	needRoot(t)
	h := testhelper.Start(t, testhelper.NewNetNS())
	fd, port := listenTCP(t, h)
	ino := nsOf(t, h.PID)
	if ino == nsOf(t, os.Getpid()) {
		t.Fatal("helper is in the test's own namespace")
	}

	all, err := Namespaces(DefaultFS())
	if err != nil {
		t.Fatal(err)
	}
	if !all[0].Self || all[0].Inode != nsOf(t, os.Getpid()) {
		t.Errorf("first namespace %+v is not gosof's own", all[0])
	}
	i := slices.IndexFunc(all, func(ns Namespace) bool { return ns.Inode == ino })
	if i < 0 {
		t.Fatalf("helper's namespace %d not among %+v", ino, all)
	}

	for _, procNet := range []bool{false, true} {
		t.Run(fmt.Sprintf("procnet=%v", procNet), func(t *testing.T) {
			s := &Sockets{FS: DefaultFS(), NS: &all[i], ProcNetOnly: procNet}
			f := &core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}}, Protos: []core.Proto{core.TCP}}
			socks, err := s.Sockets(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, so := range socks {
				if f.MatchSocket(&so) {
					got = append(got, fmt.Sprintf("%s %s:%d netns=%d", so.State, so.Local.Addr, so.Local.Port, so.NetNS))
				}
			}
			want := []string{fmt.Sprintf("LISTEN 127.0.0.1:%d netns=%d", port, ino)}
			if !slices.Equal(got, want) {
				t.Errorf("sockets in the helper's namespace = %v, want %v", got, want)
			}
		})
	}

	// The host namespace does not see it.
	host := &Sockets{FS: DefaultFS()}
	socks, err := host.Sockets(&core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range socks {
		if so.Local.Port == uint16(port) && so.State == core.Listen {
			t.Errorf("host namespace shows the helper's listener: %+v", so)
		}
	}

	ns, err := FindNamespace(DefaultFS(), all, strconv.Itoa(h.PID))
	if err != nil || ns.Inode != ino {
		t.Errorf("FindNamespace(pid) = %+v, %v; want inode %d", ns, err, ino)
	}
	ns, err = FindNamespace(DefaultFS(), all, strconv.FormatUint(ino, 10))
	if err != nil || ns.Inode != ino {
		t.Errorf("FindNamespace(inode) = %+v, %v; want inode %d", ns, err, ino)
	}
	if _, err := FindNamespace(DefaultFS(), all, "no-such-netns-name"); err == nil {
		t.Error("FindNamespace of an unknown name did not fail")
	}
	_ = fd
}

// TestNetNSDestroyerSplitsByNamespace: close -A --abort hands every
// socket to NetNSDestroyer at once; each namespace's go to the sock_diag
// source of that namespace (a netlink socket acts on its own only), in
// one DestroyAll, and each answer comes back to its socket. A socket of
// a namespace no source reads is refused, never sent to another's.
func TestNetNSDestroyerSplitsByNamespace(t *testing.T) {
	needRoot(t)
	all, err := Namespaces(DefaultFS())
	if err != nil {
		t.Fatal(err)
	}
	var srcs NetNSDestroyer
	var socks []*core.Socket
	for range 2 {
		h := testhelper.Start(t, testhelper.NewNetNS())
		lfd, port := listenTCP(t, h)
		for range 3 {
			c := h.Int("socket inet stream")
			h.Do("connect %d 127.0.0.1:%d", c, port)
			h.Do("accept %d", lfd)
		}
		if all, err = Namespaces(DefaultFS()); err != nil {
			t.Fatal(err)
		}
		ino := nsOf(t, h.PID)
		i := slices.IndexFunc(all, func(ns Namespace) bool { return ns.Inode == ino })
		if i < 0 {
			t.Fatalf("helper's namespace %d not among the namespaces", ino)
		}
		src := &Sockets{FS: DefaultFS(), NS: &all[i]}
		defer src.CloseDestroyer()
		srcs = append(srcs, src)
		got, err := src.Sockets(&core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}},
			Side: core.SideRemote})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d clients of port %d in namespace %d, want 3", len(got), port, ino)
		}
		for i := range got {
			socks = append(socks, &got[i])
		}
	}
	// the two namespaces' sockets interleaved, and one of neither
	mixed := []*core.Socket{socks[0], socks[3], socks[1], socks[4], socks[2], socks[5]}
	stray := *socks[0]
	stray.NetNS = 1
	mixed = append(mixed, &stray)
	errs := srcs.DestroyAll(mixed, &core.Filter{States: []core.State{core.Established}})
	for i, err := range errs[:6] {
		if err != nil {
			t.Errorf("socket %d (netns %d): %v, want it reset", i, mixed[i].NetNS, err)
		}
	}
	if err := errs[6]; err == nil || !strings.Contains(err.Error(), "no socket source for network namespace 1") {
		t.Errorf("a socket of a namespace no source reads: %v, want it refused", err)
	}
	for _, src := range srcs {
		left, err := src.Sockets(&core.Filter{Protos: []core.Proto{core.TCP}, States: []core.State{core.Established}})
		if err != nil {
			t.Fatal(err)
		}
		for _, so := range left {
			if so.Remote != nil && slices.ContainsFunc(socks, func(s *core.Socket) bool { return s.Inode == so.Inode && s.Inode != 0 }) {
				t.Errorf("netns %d: %v -> %v still ESTABLISHED", so.NetNS, so.Local, so.Remote)
			}
		}
	}
}

// namedNetns creates a network namespace no process is in, bind-mounted at
// /run/netns/NAME as `ip netns add` does, and removes it when the test ends.
func namedNetns(t testing.TB, name string) string {
	t.Helper()
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	path := "/run/netns/" + name
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Cleanup(func() { os.Remove(path) })
	if err := testhelper.BindNewNetNS(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(path, unix.MNT_DETACH) })
	return path
}

// TestEmptyNamespace: a named namespace with no processes is read through
// netlink; what netlink cannot dump there is said in a note, not an error.
func TestEmptyNamespace(t *testing.T) {
	needRoot(t)
	name := fmt.Sprintf("gosof-h13-empty-%d", os.Getpid())
	path := namedNetns(t, name)
	var lfd int
	var port uint16
	err := InNamespace(path, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		lfd = fd
		if err := unix.Bind(fd, &unix.SockaddrInet4{}); err != nil {
			return err
		}
		if err := unix.Listen(fd, 1); err != nil {
			return err
		}
		sa, err := unix.Getsockname(fd)
		port = uint16(sa.(*unix.SockaddrInet4).Port)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	all, err := Namespaces(DefaultFS())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(ns Namespace) bool { return ns.Name == name })
	if i < 0 || all[i].PID != 0 || all[i].Unreadable != "" {
		t.Fatalf("namespace %s: %+v in %+v", name, all[i:], all)
	}
	for _, lenient := range []bool{false, true} {
		s := &Sockets{FS: DefaultFS(), NS: &all[i], Lenient: lenient}
		socks, err := s.Sockets(nil) // every protocol, raw too
		if err != nil {
			t.Fatalf("lenient %v: %v", lenient, err)
		}
		first := len(s.Notes())
		// a second read (a watch, gosof-exporter --netns) notes nothing new
		if _, err := s.Sockets(nil); err != nil {
			t.Fatalf("lenient %v, second read: %v", lenient, err)
		}
		if len(s.Notes()) != first {
			t.Errorf("lenient %v: %d notes after one read, %d after two: %q", lenient, first, len(s.Notes()), s.Notes())
		}
		var got []string
		for _, so := range socks {
			got = append(got, fmt.Sprintf("%s %s %s:%d %s", so.Proto, so.State, so.Local.Addr, so.Local.Port, so.NetNSName()))
		}
		want := []string{fmt.Sprintf("tcp LISTEN 0.0.0.0:%d %s", port, name)}
		if !slices.Equal(got, want) {
			t.Errorf("lenient %v: sockets %v, want %v", lenient, got, want)
		}
		for _, n := range s.Notes() {
			if !strings.Contains(n, "network namespace "+name+": the kernel would not dump its ") {
				t.Errorf("note %q", n)
			}
		}
	}
}

// TestHalfNamespace: a plain file under /run/netns (ip netns add/del
// between its steps) is skipped with a note by -A; named with --netns
// NAME it is a usage error, never an empty namespace.
func TestHalfNamespace(t *testing.T) {
	needRoot(t)
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("gosof-h13-half-%d", os.Getpid())
	path := "/run/netns/" + name
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	all, err := Namespaces(DefaultFS())
	if err != nil {
		t.Fatal(err)
	}
	var usage *core.UsageError
	if _, err := FindNamespace(DefaultFS(), all, name); !errors.As(err, &usage) || !strings.Contains(err.Error(), "is not a network namespace") {
		t.Errorf("FindNamespace %s: %v; want a usage error saying it is not a network namespace", name, err)
	}
	i := slices.IndexFunc(all, func(n Namespace) bool { return n.Name == name })
	if i < 0 {
		t.Fatalf("namespaces %+v lack the half one", all)
	}
	ns := all[i]
	if all[len(all)-1].Name != name && !slices.ContainsFunc(all, func(n Namespace) bool { return n.Name == name && n.Unreadable != "" }) {
		t.Errorf("namespaces %+v lack the half one", all)
	}
	// /var/run/netns is /run/netns through a symlink on most systems: one
	// directory, one entry (-A noted the file twice, under both names).
	if a, errA := os.Stat("/run/netns"); errA == nil {
		if b, errB := os.Stat("/var/run/netns"); errB == nil && os.SameFile(a, b) {
			var half []string
			for _, n := range all {
				if n.Name == name {
					half = append(half, n.Unreadable)
				}
			}
			if len(half) != 1 {
				t.Errorf("the half namespace is listed %d times: %q", len(half), half)
			}
		}
	}
	for _, lenient := range []bool{false, true} {
		s := &Sockets{FS: DefaultFS(), NS: &ns, Lenient: lenient}
		// Read again and again, as by a watch or gosof-exporter --netns:
		// the note is kept once (it was kept once a read, for as long as
		// the exporter ran).
		for read := 1; read <= 3; read++ {
			socks, err := s.Sockets(nil)
			if err != nil || len(socks) != 0 {
				t.Errorf("lenient %v, read %d: %d sockets, %v", lenient, read, len(socks), err)
			}
			want := []string{path + " is not a network namespace (being created or deleted?): skipped"}
			if !slices.Equal(s.Notes(), want) {
				t.Errorf("lenient %v, read %d: notes %q, want %q", lenient, read, s.Notes(), want)
			}
		}
	}
}

// BenchmarkNetlinkDumpNamespace is the cost of one network namespace as
// `who -A PORT` reads it, in a namespace of its own holding what each of
// the bench's netns world holds (a listener and 250 connections to it:
// 501 TCP sockets, 251 on the port): "dump" is one bare sock_diag dump for the port on a
// netlink socket already open there, what ss does once; "read" is what
// gosof does per namespace (open the socket there through setns, dump,
// close). bench/README sets what who -A adds per namespace against
// "dump". The kernel walks its whole established hash either way, so the
// figure depends on the host's hash size more than on the 501 sockets.
func BenchmarkNetlinkDumpNamespace(b *testing.B) {
	needRoot(b)
	path := namedNetns(b, fmt.Sprintf("gosof-bench-dump-%d", os.Getpid()))
	var port uint16
	err := InNamespace(path, func() error {
		if err := testhelper.LoopbackUp(); err != nil {
			return err
		}
		ln := skListen(b, "tcp4", "127.0.0.1:0")
		port = skPort(ln.Addr())
		for range 250 {
			skConnect(b, "tcp4", ln)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ino, err := nsInodeOf(path)
	if err != nil {
		b.Fatal(err)
	}
	f := &core.Filter{Protos: []core.Proto{core.TCP}, Ports: []core.PortRange{{Lo: port, Hi: port}}}
	s := &Sockets{FS: DefaultFS(), NS: &Namespace{Inode: ino, Path: path}}
	b.Run("dump", func(b *testing.B) {
		c, err := s.openDiag()
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		n := 0
		for b.Loop() {
			var out sockChunks
			if !c.tcpBothDump(f, ino, &out) {
				b.Fatal("TCPDIAG_GETSOCK dump refused")
			}
			n = out.len()
		}
		b.ReportMetric(float64(n), "sockets")
	})
	b.Run("read", func(b *testing.B) {
		n := 0
		for b.Loop() {
			socks, err := s.Netlink(f)
			if err != nil {
				b.Fatal(err)
			}
			n = len(socks)
		}
		b.ReportMetric(float64(n), "sockets")
	})
}

// TestNetNSGone: a namespace --netns named stays "there" while a name under
// /run/netns or a process refers to it, and is said gone once neither does
// (the pin gosof holds does not count). The name and the process it was
// found by are asked first; a name re-pointed to another namespace is not
// taken for it.
func TestNetNSGone(t *testing.T) {
	needRoot(t)
	fs := DefaultFS()
	name := fmt.Sprintf("gosof-gone-%d", os.Getpid())
	path := namedNetns(t, name)
	ino, err := nsInodeOf(path)
	if err != nil {
		t.Fatal(err)
	}
	ns := &Namespace{Inode: ino, Name: name, Path: path}
	if err := ns.Pin(); err != nil {
		t.Fatal(err)
	}
	defer ns.pin.Close()
	if err := netnsGone(fs, ns, name); err != nil {
		t.Fatalf("named and pinned: %v, want there", err)
	}
	// the name now refers to another namespace: gone, though a name is there
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
		t.Fatal(err)
	}
	if err := testhelper.BindNewNetNS(path); err != nil {
		t.Fatal(err)
	}
	err = netnsGone(fs, ns, name)
	if err == nil || !strings.Contains(err.Error(), "is gone") {
		t.Fatalf("name re-pointed elsewhere: %v, want gone", err)
	}
	// found by a process: there while it lives
	self, err := nsInodeOf("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if err := netnsGone(fs, &Namespace{Inode: self, PID: os.Getpid(), Path: "/proc/self/ns/net"}, strconv.Itoa(os.Getpid())); err != nil {
		t.Errorf("a live process's namespace: %v, want there", err)
	}
	// a PID whose process is in another namespace than the one found
	if err := netnsGone(fs, &Namespace{Inode: ino, PID: os.Getpid(), Path: "/proc/self/ns/net"}, strconv.Itoa(os.Getpid())); err == nil {
		t.Errorf("a PID now in another namespace: there, want gone")
	}
}

// BenchmarkNetNSGone is the check an exporter with --netns makes at every
// scrape, for a namespace found by name and one found by a process.
func BenchmarkNetNSGone(b *testing.B) {
	needRoot(b)
	fs := DefaultFS()
	name := fmt.Sprintf("gosof-bench-gone-%d", os.Getpid())
	path := namedNetns(b, name)
	ino, err := nsInodeOf(path)
	if err != nil {
		b.Fatal(err)
	}
	self, err := nsInodeOf("/proc/self/ns/net")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ns   *Namespace
	}{
		{"named", &Namespace{Inode: ino, Name: name, Path: path}},
		{"pid", &Namespace{Inode: self, PID: os.Getpid(), Path: "/proc/self/ns/net"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if err := netnsGone(fs, c.ns, c.name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestUnseenNamespacesCounted: the note for the namespaces -A cannot
// identify, and the "cannot tell" that points at it, agree with how many
// there are, over real processes in namespaces of their own. One was
// "in network namespaces gosof could not read", and "the 1 named one
// gosof saw no process in may be among them".
func TestUnseenNamespacesCounted(t *testing.T) {
	needRoot(t)
	fs := DefaultFS()
	a := testhelper.Start(t, testhelper.NewNetNS())
	b := testhelper.Start(t, testhelper.NewNetNS())
	named := func(m int) map[uint64]*Namespace {
		found := map[uint64]*Namespace{}
		for i := 0; i < m; i++ {
			found[uint64(i+1)] = &Namespace{Inode: uint64(i + 1), Name: fmt.Sprintf("n%d", i)}
		}
		return found
	}
	for _, tc := range []struct {
		refused    []int
		named      int
		note, read string
	}{
		{[]int{a.PID}, 0, "1 network namespace holding only processes gosof may not inspect (their /proc/PID/ns/net is refused; ", "in a network namespace gosof"},
		{[]int{a.PID, a.PID}, 1, "1 network namespace holding only processes gosof may not inspect (their /proc/PID/ns/net is refused; it may be the named one gosof saw no process in; ", "in a network namespace gosof"},
		{[]int{a.PID}, 2, "(their /proc/PID/ns/net is refused; it may be one of the 2 named ones gosof saw no process in; ", "in a network namespace gosof"},
		{[]int{a.PID, b.PID}, 1, "2 network namespaces holding only processes gosof may not inspect (their /proc/PID/ns/net is refused; the named one gosof saw no process in may be among them; ", "in network namespaces gosof"},
		{[]int{a.PID, b.PID}, 3, "(their /proc/PID/ns/net is refused; the 3 named ones gosof saw no process in may be among them; ", "in network namespaces gosof"},
	} {
		ns := unidentified(fs, named(tc.named), tc.refused)
		if ns == nil || !strings.Contains(ns.Unreadable, tc.note) {
			t.Errorf("refused %v, %d named: %+v; want %q", tc.refused, tc.named, ns, tc.note)
			continue
		}
		src := &Sockets{FS: fs, NS: ns, skipped: ns.unseen}
		if got := unreadIn([]*Sockets{src}, core.TCP); !strings.HasPrefix(got, tc.read) {
			t.Errorf("refused %v: Unread %q, want it to start %q", tc.refused, got, tc.read)
		}
	}
	// two namespaces skipped one by one are two
	one := &Sockets{FS: fs, NS: &Namespace{Name: "x"}, skipped: true}
	two := &Sockets{FS: fs, NS: &Namespace{Name: "y"}, skipped: true}
	if got := unreadIn([]*Sockets{one, two}, core.UDP); !strings.HasPrefix(got, "in network namespaces") {
		t.Errorf("two skipped: Unread %q", got)
	}
	if got := unreadIn([]*Sockets{one}, core.UDP); !strings.HasPrefix(got, "in a network namespace") {
		t.Errorf("one skipped: Unread %q", got)
	}
}
