package testhelper

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// LookAlike starts a process that holds, O_PATH, a socket node on a
// tmpfs of its own mount and user namespace (what any user may make)
// whose inode number is ino, a live socket's, and returns it and its
// descriptor. It skips the test where tmpfs cannot be brought to that
// number.
func LookAlike(t testing.TB, ino uint64) (*Proc, int) {
	t.Helper()
	dir, err := os.MkdirTemp("", "gosof-sockfile")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	p := Start(t, UserMountNS(65534, 65534))
	f, err := p.Try("sockfile %s %d", dir, ino)
	if err != nil {
		if strings.Contains(err.Error(), "too far") || strings.Contains(err.Error(), "global numbers") {
			t.Skipf("no tmpfs inode %d to be had here: %v", ino, err)
		}
		t.Fatal(err)
	}
	fd, _ := strconv.Atoi(f[0])
	// it is what it should be: a socket node with that number, not on sockfs
	var st, sockfs syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/fd/%d", p.PID, fd), &st); err != nil {
		t.Fatal(err)
	}
	s, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(s)
	if err := syscall.Fstat(s, &sockfs); err != nil {
		t.Fatal(err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK || st.Ino != ino || st.Dev == sockfs.Dev {
		t.Fatalf("the look-alike is mode %o inode %d on device %#x, want a socket node, inode %d, not on sockfs (%#x)", st.Mode, st.Ino, st.Dev, ino, sockfs.Dev)
	}
	t.Logf("pid %d holds, O_PATH, a tmpfs socket node with inode %d", p.PID, ino)
	return p, fd
}

// UserMountNS starts the helper in a user namespace and a mount
// namespace of its own, root in them and uid (e.g. nobody) outside: what
// any user may make (unshare -Urm). Needs root here, to map another uid.
func UserMountNS(uid, gid uint32) Option {
	return func(a *syscall.SysProcAttr) {
		a.Cloneflags |= syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(uid), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(gid), Size: 1}}
		a.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	}
}

// MaxSockFileIno is the largest inode number sockfile counts up to (a
// few seconds of it); past it, sockfile answers "err too far".
const MaxSockFileIno = 1 << 21

// sockFile mounts a tmpfs on dir (in the helper's own mount namespace:
// UserMountNS), makes a socket node there whose inode number is ino, and
// holds it with an O_PATH descriptor, which it answers. tmpfs numbers
// its inodes per super block, from 1 (the root) upward, one for each
// inode made (mm/shmem.c shmem_reserve_inode, since Linux 5.9): files are
// made and dropped until the next number is ino. Each is an O_TMPFILE,
// one system call, closed a batch at a time with close_range(2).
func sockFile(dir, inoText string) (string, error) {
	ino, err := strconv.ParseUint(inoText, 10, 64)
	if err != nil {
		return "", err
	}
	if ino > MaxSockFileIno {
		return "", fmt.Errorf("too far: inode %d is past %d", ino, MaxSockFileIno)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return "", fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("gosof-test", dir, "tmpfs", 0, "mode=0755"); err != nil {
		return "", fmt.Errorf("mount tmpfs: %w", err)
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer unix.Close(dfd)
	next := uint64(2) // after the root
	tmp := func() (int, error) { return unix.Openat(dfd, ".", unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600) }
	// the first file shows whether the numbers are this super block's
	fd, err := tmp()
	if err != nil {
		return "", fmt.Errorf("O_TMPFILE: %w", err)
	}
	var st unix.Stat_t
	unix.Fstat(fd, &st)
	unix.Close(fd)
	if st.Ino != next {
		return "", fmt.Errorf("global numbers: tmpfs gave its first file inode %d, not %d (Linux before 5.9)", st.Ino, next)
	}
	next++
	const batch = 512
	for next < ino {
		first, last := -1, -1
		for i := 0; i < batch && next < ino; i++ {
			fd, err := tmp()
			if err != nil {
				return "", fmt.Errorf("O_TMPFILE: %w", err)
			}
			if first < 0 {
				first = fd
			}
			last = fd
			next++
		}
		if err := unix.CloseRange(uint(first), uint(last), 0); err != nil {
			return "", err
		}
	}
	path := dir + "/sock"
	if err := unix.Mknod(path, unix.S_IFSOCK|0o600, 0); err != nil {
		return "", fmt.Errorf("mknod: %w", err)
	}
	if err := unix.Stat(path, &st); err != nil {
		return "", err
	}
	if st.Ino != ino {
		return "", fmt.Errorf("the socket node is inode %d, not %d", st.Ino, ino)
	}
	fd, err = unix.Open(path, unix.O_PATH, 0)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(fd), nil
}
