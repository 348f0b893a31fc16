//go:build linux

package bindprobe

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
)

// TestSocketWithoutCloexecFlag plays a kernel that refuses SOCK_CLOEXEC in
// the socket type (Oracle Solaris before 11.4): the probe retries without
// it, the socket is still close-on-exec, and the bind still runs.
func TestSocketWithoutCloexecFlag(t *testing.T) {
	orig := sysSocket
	defer func() { sysSocket = orig }()
	var types []int
	sysSocket = func(af, sotype, proto int) (int, error) {
		types = append(types, sotype)
		if sotype&syscall.SOCK_CLOEXEC != 0 {
			return -1, syscall.EPROTONOSUPPORT
		}
		return orig(af, sotype, proto)
	}
	fd, err := socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("FD flags %#x, %v: want FD_CLOEXEC", flags, err)
	}
	if len(types) != 2 || types[1] != syscall.SOCK_STREAM {
		t.Errorf("socket types tried %#x, want the flag, then none", types)
	}
	if err := Bind(core.TCP, netip.MustParseAddr("127.0.0.1"), 0, diagnose.BindOpts{ReuseAddr: true}); err != nil {
		t.Errorf("Bind without SOCK_CLOEXEC: %v", err)
	}
}

// TestReusePortErr: a kernel without SO_REUSEPORT (before 3.9) answers
// setsockopt with ENOPROTOOPT: that is "unsupported", as on a system
// that has none, not an error of the probe; other errors stay.
func TestReusePortErr(t *testing.T) {
	if err := reusePortErr(syscall.ENOPROTOOPT); !core.IsUnsupported(err) {
		t.Errorf("ENOPROTOOPT: %v, want core.ErrUnsupported", err)
	}
	if err := reusePortErr(syscall.EPERM); !errors.Is(err, syscall.EPERM) || core.IsUnsupported(err) {
		t.Errorf("EPERM: %v, want EPERM", err)
	}
	if err := reusePortErr(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}
