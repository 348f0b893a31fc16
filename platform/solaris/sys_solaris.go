//go:build !gccgo

package solaris

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The live backend's system calls, through golang.org/x/sys/unix (gc).
// sys_solaris_gccgo.go declares the same for gccgo, for which x/sys/unix does
// not build on Solaris (its Solaris calls are gc-only assembly).

func sysOpen(path string, mode int) (int, error) { return unix.Open(path, mode, 0) }

// sysSocket opens a socket (the tunables ioctl's).
func sysSocket(family, sotype int) (int, error) { return unix.Socket(family, sotype, 0) }

func sysClose(fd int) error { return unix.Close(fd) }

// sysPush pushes STREAMS module mod on fd (I_PUSH).
func sysPush(fd int, mod string) error { return unix.IoctlSetString(fd, unix.I_PUSH, mod) }

// sysPutmsg sends a message of control part ctl and no data part.
func sysPutmsg(fd int, ctl []byte) error { return unix.Putmsg(fd, ctl, nil, 0) }

// sysStrioctl sends the STREAMS ioctl cmd with buf as its data (I_STR, no
// timeout); the module may write its answer into buf.
func sysStrioctl(fd int, cmd int32, buf []byte) error {
	sio := unix.Strioctl{Cmd: cmd, Timout: -1, Len: int32(len(buf)), Dp: (*int8)(unsafe.Pointer(&buf[0]))}
	_, err := unix.IoctlSetStrioctlRetInt(fd, unix.I_STR, &sio)
	return err
}

func sysKill(pid int, sig syscall.Signal) error { return unix.Kill(pid, sig) }

// scClkTck is _SC_CLK_TCK (sys/unistd.h:108).
const scClkTck = 3

// sysClockRate is the kernel's hz: sysconf(_SC_CLK_TCK).
func sysClockRate() (int64, error) { return unix.Sysconf(scClkTck) }

// sysLbolt is the kernel's lbolt, clock ticks since boot: what times(2)
// returns (times.c:65, ddi_get_lbolt()).
func sysLbolt() (int64, error) {
	var t unix.Tms
	n, err := unix.Times(&t)
	return int64(n), err
}

func sysUname() (sysname, release, version, machine string, err error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", "", "", "", err
	}
	return unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
		unix.ByteSliceToString(u.Version[:]), unix.ByteSliceToString(u.Machine[:]), nil
}

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
	_, data, _, err := unix.Getmsg(m.fd, nil, make([]byte, atLeastOne(n)))
	return data, err
}

// recoverAbsent turns unix.Getmsg's slice panic on an absent part into an
// error: the stream is out of step and the reply cannot be trusted.
func recoverAbsent(err *error, part string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("getmsg: the message had no %s part (%v)", part, r)
	}
}
