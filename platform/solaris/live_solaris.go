package solaris

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// liveMIB asks the kernel for its MIB the way netstat does: /dev/arp with
// tcp, udp and icmp pushed on it (each module answers for itself), a
// T_SVR4_OPTMGMT_REQ for MIB2_IP with T_CURRENT, then the reply.
func liveMIB() ([]Group, error) {
	fd, err := sysOpen("/dev/arp", syscall.O_RDWR)
	if err != nil {
		if sysfile.Sentinel(err) == core.ErrPermission {
			return nil, core.Wrap2(fmt.Sprintf("open /dev/arp: %v (%v)", err, core.ErrPermission), err, core.ErrPermission)
		}
		return nil, fmt.Errorf("open /dev/arp: %w", err)
	}
	defer sysClose(fd)
	for _, mod := range []string{"tcp", "udp", "icmp"} {
		if err := sysPush(fd, mod); err != nil {
			return nil, fmt.Errorf("I_PUSH %s on /dev/arp: %w", mod, err)
		}
	}
	bo := hostOrder()
	if err := sysPutmsg(fd, OptmgmtReq(levelIP, bo)); err != nil {
		return nil, fmt.Errorf("putmsg T_SVR4_OPTMGMT_REQ: %w", err)
	}
	return readReply(&streamMessages{fd: fd}, bo)
}

// OpenLive opens the backend on this host's kernel and /proc. Without
// the clock rate no creator is proven (the notes say so), but sockets
// are still listed.
func OpenLive() (*Backend, error) {
	b := NewBackend(liveMIB, "/proc", hostOrder())
	if hz, err := sysClockRate(); err == nil {
		b.HZ = hz
	}
	b.LBolt = func() (int64, bool) {
		n, err := sysLbolt()
		return n, err == nil
	}
	return b, nil
}

// NewSignaller returns a core.Signaller for this host.
func NewSignaller(b *Backend) *Signaller {
	return &Signaller{B: b, Kill: sysKill}
}

// Capture writes a capture of this host to dir (see writeCapture);
// what it could not read is said on warn.
func Capture(dir string, warn io.Writer) error {
	b, err := OpenLive()
	if err != nil {
		return err
	}
	host := HostInfo{OS: "SunOS"}
	if lb, err := sysLbolt(); err == nil {
		host.LBolt = lb
		host.Time = time.Now().UTC().Format(time.RFC3339Nano)
	}
	if sysname, release, version, machine, err := sysUname(); err == nil {
		host.OS = sysname
		host.Release = strings.TrimSpace(release + " " + version)
		host.Arch = machine
	}
	if _, err := os.Stat(dir); err == nil {
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			return fmt.Errorf("capture: %s exists and is not empty", dir)
		}
	}
	return b.writeCapture(dir, host, warn)
}
