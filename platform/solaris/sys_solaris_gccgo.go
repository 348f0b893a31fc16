//go:build solaris && gccgo

package solaris

import (
	"errors"
	"runtime"
	"syscall"
	"unsafe"
)

// The live backend's system calls for gccgo, the only Go compiler for
// Solaris on SPARC: golang.org/x/sys/unix does not build there (no
// solaris/sparc64 type files, and its Solaris calls are gc-only assembly and
// //go:cgo_import_dynamic), so this calls libc directly. gccgo calls a C
// function declared with //extern like a Go one: no cgo, and libc is linked
// anyway, as every Solaris program's is. sys_solaris.go is the gc twin.
//
// The declarations follow sys/stropts.h, sys/utsname.h and unistd.h of
// Solaris 11 and illumos (LP64: int is 32 bits, pointers 64). Built only
// as far as this project's CI can (see docs/build.md#sparc): never run on a
// Solaris host.

// strbuf is struct strbuf: int maxlen; int len; char *buf.
type strbuf struct {
	maxlen int32
	len    int32 // set by getmsg; -1 when that part of the message is absent
	buf    *byte
}

// strioctlArg is struct strioctl: int ic_cmd; int ic_timout; int ic_len;
// char *ic_dp.
type strioctlArg struct {
	cmd    int32
	timout int32 // -1: no timeout
	len    int32
	dp     *byte
}

const (
	iPush   = 'S'<<8 | 2 // I_PUSH, 0x5302
	iStr    = 'S'<<8 | 8 // I_STR, 0x5308
	sysNMLN = 257        // _SYS_NMLN: each field of struct utsname
)

//extern getmsg
func libcGetmsg(fd int32, ctl *strbuf, data *strbuf, flags *int32) int32

//extern putmsg
func libcPutmsg(fd int32, ctl *strbuf, data *strbuf, flags int32) int32

// ioctl is variadic in C (int ioctl(int, int, ...)); its one argument is
// passed as the third fixed one, which the SPARC V9 and amd64 calling
// conventions place where a variadic pointer argument goes.
//
//extern ioctl
func libcIoctl(fd int32, req int32, arg unsafe.Pointer) int32

//extern uname
func libcUname(buf *[5 * sysNMLN]byte) int32

// long sysconf(int name)
//
//extern sysconf
func libcSysconf(name int32) int64

// clock_t times(struct tms *buf): struct tms is four clock_t (long).
//
//extern times
func libcTimes(buf *[4]int64) int64

// errno after a failed libc call; called between Entersyscall and
// Exitsyscall, before anything else can overwrite it.
func failed(r int32) error {
	if r >= 0 {
		return nil
	}
	return syscall.GetErrno()
}

func sysOpen(path string, mode int) (int, error) {
	return syscall.Open(path, mode|syscall.O_CLOEXEC, 0)
}

// sysSocket opens a socket (the tunables ioctl's).
func sysSocket(family, sotype int) (int, error) { return syscall.Socket(family, sotype, 0) }

func sysClose(fd int) error { return syscall.Close(fd) }

func sysKill(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

// scClkTck is _SC_CLK_TCK (sys/unistd.h:108).
const scClkTck = 3

// sysClockRate is the kernel's hz: sysconf(_SC_CLK_TCK).
func sysClockRate() (int64, error) {
	n := libcSysconf(scClkTck)
	if n <= 0 {
		return 0, errors.New("sysconf(_SC_CLK_TCK) failed")
	}
	return n, nil
}

// sysLbolt is the kernel's lbolt, clock ticks since boot: what times(2)
// returns (times.c:65, ddi_get_lbolt()).
func sysLbolt() (int64, error) {
	var t [4]int64
	syscall.Entersyscall()
	n := libcTimes(&t)
	var err error
	if n == -1 {
		err = syscall.GetErrno()
	}
	syscall.Exitsyscall()
	return n, err
}

// sysPush pushes STREAMS module mod on fd (I_PUSH takes the module's name).
func sysPush(fd int, mod string) error {
	name := append([]byte(mod), 0)
	syscall.Entersyscall()
	err := failed(libcIoctl(int32(fd), iPush, unsafe.Pointer(&name[0])))
	syscall.Exitsyscall()
	runtime.KeepAlive(name)
	return err
}

// sysPutmsg sends a message of control part ctl and no data part.
func sysPutmsg(fd int, ctl []byte) error {
	if len(ctl) == 0 {
		return errors.New("putmsg: empty control part")
	}
	c := strbuf{maxlen: int32(len(ctl)), len: int32(len(ctl)), buf: &ctl[0]}
	syscall.Entersyscall()
	err := failed(libcPutmsg(int32(fd), &c, nil, 0))
	syscall.Exitsyscall()
	runtime.KeepAlive(ctl)
	return err
}

// sysStrioctl sends the STREAMS ioctl cmd with buf as its data (I_STR, no
// timeout); the module may write its answer into buf.
func sysStrioctl(fd int, cmd int32, buf []byte) error {
	if len(buf) == 0 {
		return errors.New("I_STR: empty argument")
	}
	sio := strioctlArg{cmd: cmd, timout: -1, len: int32(len(buf)), dp: &buf[0]}
	syscall.Entersyscall()
	err := failed(libcIoctl(int32(fd), iStr, unsafe.Pointer(&sio)))
	syscall.Exitsyscall()
	runtime.KeepAlive(buf)
	return err
}

func sysUname() (sysname, release, version, machine string, err error) {
	var u [5 * sysNMLN]byte
	if libcUname(&u) < 0 {
		return "", "", "", "", syscall.GetErrno()
	}
	field := func(i int) string {
		b := u[i*sysNMLN : (i+1)*sysNMLN]
		for n, c := range b {
			if c == 0 {
				return string(b[:n])
			}
		}
		return string(b)
	}
	return field(0), field(2), field(3), field(4), nil // 1 is the node name
}

// streamMessages reads the MIB reply with getmsg(2): the control part
// alone (a NULL data buffer leaves the data part on the stream), then the
// data part, always into a buffer of at least 1 byte so that a zero-length
// data part is consumed rather than left stuck. Unlike x/sys's Getmsg (see
// sys_solaris.go), an absent part comes back as len -1, which is an error
// here: the stream is out of step and the reply cannot be trusted.
type streamMessages struct {
	fd  int
	ctl [512]byte
}

func (m *streamMessages) Ctl() ([]byte, error) {
	c := strbuf{maxlen: int32(len(m.ctl)), buf: &m.ctl[0]}
	n, err := m.getmsg(&c, nil)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, errors.New("getmsg: the message had no control part")
	}
	return m.ctl[:n], nil
}

func (m *streamMessages) Data(n int) ([]byte, error) {
	buf := make([]byte, atLeastOne(n))
	d := strbuf{maxlen: int32(len(buf)), buf: &buf[0]}
	got, err := m.getmsg(nil, &d)
	if err != nil {
		return nil, err
	}
	if got < 0 {
		return nil, errors.New("getmsg: the message had no data part")
	}
	return buf[:got], nil
}

// getmsg reads into whichever of ctl and data is not nil and returns the
// length getmsg set in it.
func (m *streamMessages) getmsg(ctl, data *strbuf) (int, error) {
	var flags int32 // 0: the next message, of any priority band
	syscall.Entersyscall()
	err := failed(libcGetmsg(int32(m.fd), ctl, data, &flags))
	syscall.Exitsyscall()
	if err != nil {
		return 0, err
	}
	if ctl != nil {
		return int(ctl.len), nil
	}
	return int(data.len), nil
}
