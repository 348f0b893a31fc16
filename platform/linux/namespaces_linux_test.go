package linux

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

func needRoot(t *testing.T) {
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
