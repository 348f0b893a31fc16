package fditer

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/hostorder"
	"github.com/gosof/gosof/internal/selfcaps"
)

// The descriptor iterator: a BPF program of the kernel's task_file
// iterator (kernel/bpf/task_iter.c, Linux 5.8+) that the kernel runs on
// every open file of every task, and that writes one record per socket.
// Read from one descriptor, it replaces a readlinkat of every
// /proc/PID/fd entry: no path walk and no system call per descriptor.
//
// It needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) and the kernel's
// BTF; without them (Usable says so before any bpf(2) call), or if the
// kernel refuses any step (Link says why), platform/linux reads /proc
// instead. The program reads nine fields of five kernel structures at
// the offsets the running kernel's BTF gives (kept for the boot in
// LayoutCache, layoutcache_linux.go). The verifier checks each load
// against that same BTF: a load that is not exactly a member of the size
// it loads is refused (tried: task_struct's tgid one byte off, file's
// f_inode 8 bytes off), but one that lands exactly on another member of
// that size is read (tgid at pid's offset was accepted): the offsets must
// come from the BTF, which is why the kept copy is trusted only as
// root's. The pids it reads (task_struct's pid and tgid)
// count in the initial pid namespace, whatever namespace the iterator
// walks: platform/linux uses it only there.
//
// Facts, from include/uapi/linux/bpf.h and kernel/bpf/task_iter.c:
//   - bpf_attr's layout: the attr structs below, checked against the
//     header by TestAttrLayout.
//   - BPF_PROG_TYPE_TRACING 26, BPF_TRACE_ITER 28, BPF_PROG_LOAD 5,
//     BPF_LINK_CREATE 28, BPF_ITER_CREATE 33, bpf_seq_write helper 127
//     (GPL-only: the program's licence is the project's MIT, dual with
//     GPL, which the kernel's license_is_gpl_compatible accepts).
//   - The iterator visits every task of the caller's pid namespace, in
//     tid order, but skips a thread whose descriptor table is its
//     leader's (task_seq_get_next, skip_if_dup_files): threads appear
//     only with a table of their own, or when the leader has none left.

// The attributes of the bpf(2) commands gosof uses: union bpf_attr's
// members, laid out as include/uapi/linux/bpf.h lays them out on a 64-bit
// kernel (TestAttrLayout compiles the header and compares). An address
// is an unsafe.Pointer, which the garbage collector sees: what it points
// to is kept alive, and moved with its pointer if it lives on a stack
// that grows. The iterator is for 64-bit kernels only (open refuses
// others before any call), where a pointer is the header's __aligned_u64.

// mapCreateAttr is BPF_MAP_CREATE's.
type mapCreateAttr struct {
	mapType, keySize, valueSize, maxEntries uint32
	mapFlags, innerMapFD, numaNode          uint32
	mapName                                 [16]byte
}

// progLoadAttr is BPF_PROG_LOAD's, up to attach_btf_id.
type progLoadAttr struct {
	progType, insnCnt               uint32
	insns, license                  unsafe.Pointer
	logLevel, logSize               uint32
	logBuf                          unsafe.Pointer
	kernVersion, progFlags          uint32
	progName                        [16]byte
	progIfindex, expectedAttachType uint32
	progBTFFD, funcInfoRecSize      uint32
	funcInfo                        uint64
	funcInfoCnt, lineInfoRecSize    uint32
	lineInfo                        uint64
	lineInfoCnt, attachBTFID        uint32
}

// mapElemAttr is BPF_MAP_UPDATE_ELEM's.
type mapElemAttr struct {
	mapFD      uint32
	_          uint32
	key, value unsafe.Pointer
	flags      uint64
}

// linkCreateAttr is BPF_LINK_CREATE's, without the attach type's own
// members (an iterator link needs none).
type linkCreateAttr struct {
	progFD, targetFD, attachType, flags uint32
}

// iterCreateAttr is BPF_ITER_CREATE's.
type iterCreateAttr struct {
	linkFD, flags uint32
}

// bpf is bpf(2): cmd with the attributes at attr, size bytes of them.
// The kernel takes a shorter attr than its own union and zeroes the rest.
func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	runtime.KeepAlive(attr)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// sysBPF is bpf; a test makes a call fail as the kernel may.
var sysBPF = bpf

var progLicense = []byte("Dual MIT/GPL\x00")

// Iter is a loaded program: the link each iteration is created from,
// and the map it keeps the last task in.
type Iter struct {
	link, mapFD int
}

// load creates the program's map, loads the program and links it; the
// verifier's log is in the error when it refuses.
func load(l layout) (Iter, error) {
	a := mapCreateAttr{mapType: bpfMapTypeArray, keySize: 4, valueSize: 8, maxEntries: 1} // key: u32 0; value: the last marker's tid and fd
	copy(a.mapName[:], "gosof_fds_last")
	mapFD, err := sysBPF(bpfMapCreate, unsafe.Pointer(&a), unsafe.Sizeof(a))
	if err != nil {
		return Iter{}, fmt.Errorf("bpf map create: %w", err)
	}
	link, err := loadProgram(l, mapFD)
	if err != nil {
		unix.Close(mapFD)
		return Iter{}, err
	}
	return Iter{link: link, mapFD: mapFD}, nil
}

// loadProgram loads the program and links it. A refusal is asked again
// with the verifier's log, which costs time only then; should the kernel
// accept it the second time (a refusal that passes, as ENOMEM or EAGAIN
// may), that program is used.
func loadProgram(l layout, mapFD int) (link int, err error) {
	insns := program(l, int32(mapFD), hostorder.BigEndian)
	a := progLoadAttr{
		progType:           bpfProgTypeTrace,
		insnCnt:            uint32(len(insns) / 8),
		insns:              unsafe.Pointer(&insns[0]),
		license:            unsafe.Pointer(&progLicense[0]),
		expectedAttachType: bpfTraceIter,
		attachBTFID:        l.attachID,
	}
	copy(a.progName[:], "gosof_fds")
	prog, err := sysBPF(bpfProgLoad, unsafe.Pointer(&a), unsafe.Sizeof(a))
	if err != nil {
		log := make([]byte, 16<<10)
		a.logLevel, a.logSize, a.logBuf = 1, uint32(len(log)), unsafe.Pointer(&log[0])
		var err2 error
		prog, err2 = sysBPF(bpfProgLoad, unsafe.Pointer(&a), unsafe.Sizeof(a))
		if err2 != nil {
			return -1, fmt.Errorf("bpf prog load: %w%s", err, verifierSays(log))
		}
	}
	runtime.KeepAlive(insns)
	defer unix.Close(prog)
	la := linkCreateAttr{progFD: uint32(prog), attachType: bpfTraceIter}
	link, err = sysBPF(bpfLinkCreate, unsafe.Pointer(&la), unsafe.Sizeof(la))
	if err != nil {
		return -1, fmt.Errorf("bpf link create: %w", err)
	}
	return link, nil
}

// Record is one socket descriptor the iterator saw: the socket's inode,
// the process (TGID) and the task (TID) whose table holds it, counted in
// the initial pid namespace, and the descriptor's number. A record with
// Ino 0 is a task's marker instead: the kernel showed the program that
// task's descriptors (its first one is FD), sockets or not.
type Record struct {
	Ino       uint64
	TGID, TID int32
	FD        int32
}

// Read runs one iteration and calls fn for each record, until fn returns
// false. buf is where the records are read to (64 KiB is ~2,700 of
// them).
func Read(it Iter, buf []byte, fn func(Record) bool) error {
	// no marker written yet: an iteration that starts with the task the
	// one before ended with still marks it
	var key uint32
	var value [2]uint32
	ma := mapElemAttr{mapFD: uint32(it.mapFD), key: unsafe.Pointer(&key), value: unsafe.Pointer(&value)}
	if _, err := sysBPF(bpfMapUpdateElem, unsafe.Pointer(&ma), unsafe.Sizeof(ma)); err != nil {
		return fmt.Errorf("bpf map update: %w", err)
	}
	ia := iterCreateAttr{linkFD: uint32(it.link)}
	fd, err := sysBPF(bpfIterCreate, unsafe.Pointer(&ia), unsafe.Sizeof(ia))
	if err != nil {
		return fmt.Errorf("bpf iter create: %w", err)
	}
	defer unix.Close(fd)
	o := hostorder.Native
	have := 0
	for {
		n, err := unix.Read(fd, buf[have:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read bpf iterator: %w", err)
		}
		if n == 0 {
			if have != 0 {
				return fmt.Errorf("read bpf iterator: %d bytes left over", have)
			}
			return nil
		}
		have += n
		k := 0
		for ; have-k >= recordBytes; k += recordBytes {
			r := buf[k:]
			rec := Record{Ino: o.Uint64(r), TGID: int32(o.Uint32(r[8:])), TID: int32(o.Uint32(r[12:])), FD: int32(o.Uint32(r[16:]))}
			if !fn(rec) {
				return nil
			}
		}
		have = copy(buf, buf[k:have])
	}
}

// The kernel's layout and the link are found once per run.
var loaded struct {
	once sync.Once
	it   Iter
	err  error
	from string // LayoutFrom
}

// Link returns the link each iteration is created from, finding the
// kernel's layout and loading the program on first use. It makes bpf(2)
// calls: a caller asks Usable first.
func Link() (Iter, error) {
	loaded.once.Do(func() {
		loaded.it, loaded.err = open()
	})
	return loaded.it, loaded.err
}

// Usable reports whether this process may try Link at all, and if not,
// why not, without a bpf(2) call: the kernel is 64-bit (the program's
// loads are), the effective capabilities allow loading a tracing program,
// no seccomp filter is in force (it may kill on bpf(2): systemd's
// SystemCallFilter= without SystemCallErrorNumber= does, and a process
// cannot ask its filter which calls it allows), and gosof is in the
// initial pid namespace, whose pids the program's records are. Whether
// a scan uses the iterator is platform/linux's decision; this is its
// part about the process and the kernel (its BTF, and a byte order this
// binary can read). Where it says yes, as root, a Link that fails is a
// defect: the tests rely on that.
func Usable() (bool, string) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return false, "it is built for 64-bit kernels"
	}
	if !Privileged() {
		return false, "no CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) in the effective capabilities"
	}
	if b, err := readProcSelf("status"); err == nil && seccompFiltered(b) {
		return false, "a seccomp filter is in force (Seccomp: 2 in /proc/self/status), which may kill gosof on bpf(2)"
	}
	if !InitialPIDNamespace() {
		return false, "gosof is not in the initial pid namespace, whose pids the iterator reports"
	}
	if _, ok := btfSize(); !ok {
		return false, "no kernel BTF (/sys/kernel/btf/vmlinux), whose layouts the program is built from"
	}
	if !hostorder.KernelIsNative() {
		return false, "the kernel's byte order is not this binary's (qemu-user?): its BTF cannot be read"
	}
	return true, ""
}

// Privileged reports whether the effective capabilities hold CAP_BPF and
// CAP_PERFMON (a tracing program needs both), or CAP_SYS_ADMIN (which
// allows both).
func Privileged() bool {
	return selfcaps.Has(unix.CAP_SYS_ADMIN) || selfcaps.Has(unix.CAP_BPF, unix.CAP_PERFMON)
}

// readProcSelf reads /proc/self/name, the start of it that one read
// gives (4 KiB: status's Seccomp line is in its first 1.5 KiB).
func readProcSelf(name string) ([]byte, error) {
	return readHead("/proc/self/" + name)
}

// readHead reads the start of path that one read gives, up to 4 KiB.
func readHead(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// InitialPIDNamespace reports whether gosof runs in the initial pid
// namespace, the only one whose pids the program's records are.
func InitialPIDNamespace() bool {
	var st unix.Stat_t
	return unix.Stat("/proc/self/ns/pid", &st) == nil && st.Ino == procPIDInitIno
}

// procPIDInitIno is the inode of the initial pid namespace
// (PROC_PID_INIT_INO, include/linux/proc_ns.h, the same since 3.8).
const procPIDInitIno = 0xeffffffc

// MinFiles is how many open files (system-wide, /proc/sys/fs/file-nr)
// make the iterator worth loading: finding the layout and loading the
// program cost about what the /proc scan of that many descriptors does
// (bench/README.md has the figures).
var MinFiles = DefaultMinFiles

// DefaultMinFiles is MinFiles where no test changes it.
const DefaultMinFiles = 2000

// ManyFiles reports whether the host has MinFiles open files, or cannot
// say.
func ManyFiles() bool {
	if MinFiles <= 0 {
		return true
	}
	var buf [64]byte
	fd, err := unix.Open("/proc/sys/fs/file-nr", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true
	}
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil || n <= 0 {
		return true
	}
	files, ok := fileNr(buf[:n])
	return !ok || files >= MinFiles
}

// btfPath is the running kernel's BTF.
const btfPath = "/sys/kernel/btf/vmlinux"

// btfSize is the size of the kernel's BTF, stat'ed once per process:
// whether there is one (Usable) and the layout cache's key (currentKey)
// are one answer.
func btfSize() (uint64, bool) {
	btfStat.once.Do(func() {
		var st unix.Stat_t
		if unix.Stat(btfPath, &st) == nil && st.Size > 0 {
			btfStat.size = uint64(st.Size)
		}
	})
	return btfStat.size, btfStat.size > 0
}

var btfStat struct {
	once sync.Once
	size uint64
}

// open finds the layout, kept from an earlier run of this boot
// (layoutcache_linux.go) or else in the kernel's BTF, and loads the
// program.
func open() (Iter, error) {
	k, keyed := currentKey()
	if keyed {
		if l, ok := cachedLayout(k); ok {
			if it, err := load(l); err == nil {
				loaded.from = LayoutCache
				return it, nil
			}
			forgetLayout()
		}
	}
	l, err := liveLayout()
	if err != nil {
		return Iter{}, err
	}
	it, err := load(l)
	if err != nil {
		return Iter{}, err
	}
	loaded.from = btfPath
	if keyed {
		keepLayout(l, k)
	}
	return it, nil
}

// LayoutFrom is where the loaded program's layout came from: the
// kernel's BTF, or LayoutCache; empty before Link has loaded it.
func LayoutFrom() string {
	return loaded.from
}

// liveLayout is the running kernel's layout, from its BTF.
func liveLayout() (layout, error) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return layout{}, errors.New("the descriptor iterator is built for 64-bit kernels")
	}
	b, err := readBTF(btfPath)
	if err != nil {
		return layout{}, err
	}
	defer unix.Munmap(b)
	return layoutFromBTF(b, hostorder.BigEndian)
}

// readBTF maps the kernel's BTF (megabytes) read-only, as kernels since
// mid-2025 allow; an older kernel's is read into memory mapped for it:
// either way it is unmapped once the layout is found, so it is in the
// peak RSS only while the scan starts, never while the socket table is
// built, as a Go buffer would be. (sysfs reads a page per read(2): reading
// it whole is far slower than mapping it.)
func readBTF(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := int(fi.Size())
	if size <= 0 || size > 256<<20 {
		return nil, fmt.Errorf("%s: size %d", path, size)
	}
	if b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE); err == nil {
		return b, nil
	}
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, err
	}
	n := 0
	for n < size {
		k, err := f.Read(b[n:])
		if k > 0 {
			n += k
			continue
		}
		if err != nil || k == 0 {
			unix.Munmap(b)
			return nil, fmt.Errorf("read %s: %d of %d bytes: %v", path, n, size, err)
		}
	}
	return b, nil
}
