package fditer

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// The layout is the same for every run of one boot: the running
// kernel's BTF (/sys/kernel/btf/vmlinux, the image's own types; modules
// have theirs apart) cannot change without a new kernel, and a new
// kernel is a new boot, with a new /proc/sys/kernel/random/boot_id
// (drivers/char/random.c makes it at its first read after boot).
// Finding the layout reads megabytes of BTF: 3 ms in a fresh process on
// the bench machine, a tenth of `gosof who PORT` among 10,000
// descriptors, where it is on the critical path. So the first run that
// loads the program keeps the layout the kernel accepted in
// LayoutCache, keyed by the boot id and the BTF's size, and later runs
// of that boot read 164 bytes instead.
//
// It is trusted only as root's: the file and its directory must belong
// to uid 0 and be writable by no one else, as /run is (a tmpfs, empty
// again at boot); anything else is ignored and the BTF read, and nothing
// is written where the directory cannot be made so. A cached layout the
// kernel refuses is removed and the layout found again from BTF.

// LayoutCache is the file the layout is kept in (a variable for tests).
var LayoutCache = "/run/gosof/fditer-layout"

// cacheMagic starts the file.
const cacheMagic = "gosofLay"

// cacheBytes is the file's size: the magic, membersSum, the boot id (36
// bytes of text), the BTF's size (u64), the attach id (u32) and each of
// layoutMembers' offset and size (u32 each), little-endian.
const cacheBytes = len(cacheMagic) + 4 + 36 + 8 + 4 + len(layoutMembers)*8

// membersSum is a checksum (FNV-1a) of layoutMembers' structures, names
// and sizes in order: a file another gosof wrote for other members is
// not read as this one's.
func membersSum() uint32 {
	h := uint32(2166136261)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	for _, m := range layoutMembers {
		add(layoutStructs[m.in] + "." + m.name + "/" + strconv.Itoa(int(m.size)) + ";")
	}
	return h
}

// cacheKey is what a kept layout must match: this boot's id and the
// size of the BTF it was found in.
type cacheKey struct {
	boot    [36]byte
	btfSize uint64
}

// currentKey reads this boot's id and the BTF's size.
func currentKey() (cacheKey, bool) {
	var k cacheKey
	b, err := readHead("/proc/sys/kernel/random/boot_id")
	if err != nil || len(b) != 37 || b[36] != '\n' {
		return k, false
	}
	copy(k.boot[:], b)
	size, ok := btfSize()
	k.btfSize = size
	return k, ok
}

// encode is l as the file holds it, for key k.
func (l *layout) encode(k cacheKey) []byte {
	b := make([]byte, cacheBytes)
	i := copy(b, cacheMagic)
	binary.LittleEndian.PutUint32(b[i:], membersSum())
	i += 4
	i += copy(b[i:], k.boot[:])
	binary.LittleEndian.PutUint64(b[i:], k.btfSize)
	binary.LittleEndian.PutUint32(b[i+8:], l.attachID)
	i += 12
	for _, m := range layoutMembers {
		f := *m.to(l)
		binary.LittleEndian.PutUint32(b[i:], f.off)
		binary.LittleEndian.PutUint32(b[i+4:], f.size)
		i += 8
	}
	return b
}

// decodeLayout is the layout b holds if b was written for key k and
// passes layout's check.
func decodeLayout(b []byte, k cacheKey) (layout, bool) {
	var l layout
	if len(b) != cacheBytes || string(b[:len(cacheMagic)]) != cacheMagic || binary.LittleEndian.Uint32(b[len(cacheMagic):]) != membersSum() {
		return l, false
	}
	b = b[len(cacheMagic)+4:]
	if !bytes.Equal(b[:36], k.boot[:]) || binary.LittleEndian.Uint64(b[36:]) != k.btfSize {
		return l, false
	}
	b = b[44:]
	l.attachID = binary.LittleEndian.Uint32(b)
	b = b[4:]
	for _, m := range layoutMembers {
		*m.to(&l) = btfField{off: binary.LittleEndian.Uint32(b), size: binary.LittleEndian.Uint32(b[4:])}
		b = b[8:]
	}
	return l, l.check() == nil
}

// rootOnly reports whether st is root's and writable by no one else.
func rootOnly(st *unix.Stat_t) bool {
	return st.Uid == 0 && st.Mode&0o022 == 0
}

// cacheDirOK reports whether the cache's directory is a directory (not
// a link to one) that only root can change.
func cacheDirOK() bool {
	var st unix.Stat_t
	return unix.Lstat(filepath.Dir(LayoutCache), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR && rootOnly(&st)
}

// cachedLayout is the layout kept for key k, if there is one to trust.
func cachedLayout(k cacheKey) (layout, bool) {
	fd, err := unix.Open(LayoutCache, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return layout{}, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || !rootOnly(&st) || st.Size != int64(cacheBytes) || !cacheDirOK() {
		return layout{}, false
	}
	var buf [cacheBytes + 1]byte
	n, err := unix.Pread(fd, buf[:], 0)
	if err != nil {
		return layout{}, false
	}
	return decodeLayout(buf[:n], k)
}

// keepLayout writes l, which the kernel accepted, for key k, replacing
// the file whole (a reader sees the old one or the new one). Failing
// costs nothing but the next run's BTF read, so it says nothing.
func keepLayout(l layout, k cacheKey) {
	dir := filepath.Dir(LayoutCache)
	if err := unix.Mkdir(dir, 0o755); err != nil && err != unix.EEXIST {
		return
	}
	if !cacheDirOK() {
		return
	}
	tmp := filepath.Join(dir, "."+filepath.Base(LayoutCache)+"."+strconv.Itoa(os.Getpid()))
	fd, err := unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return
	}
	b := l.encode(k)
	n, err := unix.Write(fd, b)
	if cerr := unix.Close(fd); err == nil && n == len(b) && cerr == nil && unix.Rename(tmp, LayoutCache) == nil {
		return
	}
	unix.Unlink(tmp)
}

// forgetLayout removes a kept layout the kernel refused.
func forgetLayout() {
	if cacheDirOK() {
		unix.Unlink(LayoutCache)
	}
}
