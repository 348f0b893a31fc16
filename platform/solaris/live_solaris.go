package solaris

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
)

// streamMessages reads the MIB reply with getmsg(2), working around the
// two traps of unix.Getmsg: it discards getmsg's return value (MORECTL,
// MOREDATA), which readReply does not need; and it slices buf[:len] with
// the len getmsg set, which is -1 when a part is absent and panics. The
// control part is read alone (data pointer NULL leaves the data part on
// the stream), and the data part always with a buffer of at least 1 byte,
// so a zero-length data part is consumed instead of staying stuck.
type streamMessages struct {
	fd  int
	ctl [512]byte
}

func (m *streamMessages) Ctl() (b []byte, err error) {
	defer recoverAbsent(&err, "control")
	ctl, _, _, err := unix.Getmsg(m.fd, m.ctl[:], nil)
	return ctl, err
}

func (m *streamMessages) Data(n int) (b []byte, err error) {
	defer recoverAbsent(&err, "data")
	_, data, _, err := unix.Getmsg(m.fd, nil, make([]byte, max(n, 1)))
	return data, err
}

// recoverAbsent turns unix.Getmsg's slice panic on an absent part into an
// error: the stream is out of step and the reply cannot be trusted.
func recoverAbsent(err *error, part string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("getmsg: the message had no %s part (%v)", part, r)
	}
}

// liveMIB asks the kernel for its MIB the way netstat does: /dev/arp with
// tcp, udp and icmp pushed on it (each module answers for itself), a
// T_SVR4_OPTMGMT_REQ for MIB2_IP with T_CURRENT, then the reply.
func liveMIB() ([]Group, error) {
	fd, err := unix.Open("/dev/arp", unix.O_RDWR, 0)
	if err != nil {
		if err == unix.EACCES || err == unix.EPERM {
			return nil, fmt.Errorf("open /dev/arp: %w (%w)", err, core.ErrPermission)
		}
		return nil, fmt.Errorf("open /dev/arp: %w", err)
	}
	defer unix.Close(fd)
	for _, mod := range []string{"tcp", "udp", "icmp"} {
		if err := unix.IoctlSetString(fd, unix.I_PUSH, mod); err != nil {
			return nil, fmt.Errorf("I_PUSH %s on /dev/arp: %w", mod, err)
		}
	}
	bo := hostOrder()
	if err := unix.Putmsg(fd, OptmgmtReq(levelIP, bo), nil, 0); err != nil {
		return nil, fmt.Errorf("putmsg T_SVR4_OPTMGMT_REQ: %w", err)
	}
	return readReply(&streamMessages{fd: fd}, bo)
}

// OpenLive opens the backend on this host's kernel and /proc.
func OpenLive() (*Backend, error) {
	return NewBackend(liveMIB, "/proc", hostOrder()), nil
}

// NewSignaller returns a core.Signaller for this host.
func NewSignaller(b *Backend) *Signaller {
	return &Signaller{B: b, Kill: func(pid int, sig syscall.Signal) error {
		return unix.Kill(pid, sig)
	}}
}

// Capture writes a capture of this host to dir (see writeCapture);
// what it could not read is said on warn.
func Capture(dir string, warn io.Writer) error {
	b, err := OpenLive()
	if err != nil {
		return err
	}
	var u unix.Utsname
	host := HostInfo{OS: "SunOS"}
	if err := unix.Uname(&u); err == nil {
		host.OS = unix.ByteSliceToString(u.Sysname[:])
		host.Release = strings.TrimSpace(unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Version[:]))
		host.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	if _, err := os.Stat(dir); err == nil {
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			return fmt.Errorf("capture: %s exists and is not empty", dir)
		}
	}
	return b.writeCapture(dir, host, warn)
}
