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
)

// The descriptor iterator: a BPF program of the kernel's task_file
// iterator (kernel/bpf/task_iter.c, Linux 5.8+) that the kernel runs on
// every open file of every task, and that writes one record per socket.
// Read from one descriptor, it replaces a readlinkat of every
// /proc/PID/fd entry: no path walk and no system call per descriptor.
//
// It needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) and the kernel's
// BTF; without them, or if the kernel refuses any step, Link says why and
// platform/linux reads /proc instead. The program reads five fields of
// three kernel structures at the offsets the running kernel's BTF gives:
// the verifier checks each load against that same BTF, so a wrong offset
// is refused, not read. The pids it reads (task_struct's pid and tgid)
// count in the initial pid namespace, whatever namespace the iterator
// walks: platform/linux uses it only there.
//
// Facts, from include/uapi/linux/bpf.h (compiled: offsets printed with
// offsetof) and kernel/bpf/task_iter.c:
//   - bpf_attr for BPF_PROG_LOAD: prog_type 0, insn_cnt 4, insns 8,
//     license 16, log_level 24, log_size 28, log_buf 32, prog_name 48,
//     expected_attach_type 68, attach_btf_id 108; BPF_LINK_CREATE:
//     prog_fd 0, attach_type 8; BPF_ITER_CREATE: link_fd 0.
//   - BPF_PROG_TYPE_TRACING 26, BPF_TRACE_ITER 28, BPF_PROG_LOAD 5,
//     BPF_LINK_CREATE 28, BPF_ITER_CREATE 33, bpf_seq_write helper 127
//     (GPL-only: the program's licence is the project's MIT, dual with
//     GPL, which the kernel's license_is_gpl_compatible accepts).
//   - The iterator visits every task of the caller's pid namespace, in
//     tid order, but skips a thread whose descriptor table is its
//     leader's (task_seq_get_next, skip_if_dup_files): threads appear
//     only with a table of their own, or when the leader has none left.

func bpf(cmd int, attr []byte) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(&attr[0])), uintptr(len(attr)))
	runtime.KeepAlive(attr)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

var progLicense = []byte("Dual MIT/GPL\x00")

// heapBytes is make([]byte, n) on the heap. The kernel gets the address
// of a buffer inside bpf_attr, as a number: the compiler does not see it
// as a pointer, and a buffer on the goroutine's stack would move if the
// stack grew before the call, leaving the kernel an old address. Heap
// objects do not move; a slice returned from a function that is not
// inlined is on the heap.
//
//go:noinline
func heapBytes(n int) []byte { return make([]byte, n) }

// Iter is a loaded program: the link each iteration is created from,
// and the map it keeps the last task in.
type Iter struct {
	link, mapFD int
}

// load creates the program's map, loads the program and links it; the
// verifier's log is in the error when it refuses.
func load(l layout) (Iter, error) {
	attr := make([]byte, 144)
	o := hostorder.Native
	o.PutUint32(attr[0:], bpfMapTypeArray)
	o.PutUint32(attr[4:], 4)  // key: u32 0
	o.PutUint32(attr[8:], 8)  // value: the last marker's tid and fd
	o.PutUint32(attr[12:], 1) // one of them
	copy(attr[28:44], "gosof_fds_last")
	mapFD, err := bpf(bpfMapCreate, attr)
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

func loadProgram(l layout, mapFD int) (link int, err error) {
	insns := program(l, int32(mapFD)) // returned by a function not inlined: on the heap
	log := heapBytes(16 << 10)
	attr := make([]byte, 144)
	o := hostorder.Native
	o.PutUint32(attr[0:], bpfProgTypeTrace)
	o.PutUint32(attr[4:], uint32(len(insns)/8))
	o.PutUint64(attr[8:], uint64(uintptr(unsafe.Pointer(&insns[0]))))
	o.PutUint64(attr[16:], uint64(uintptr(unsafe.Pointer(&progLicense[0]))))
	copy(attr[48:64], "gosof_fds")
	o.PutUint32(attr[68:], bpfTraceIter)
	o.PutUint32(attr[108:], l.attachID)
	prog, err := bpf(bpfProgLoad, attr)
	if err != nil {
		// again with the verifier's log, which costs time only then
		o.PutUint32(attr[24:], 1)
		o.PutUint32(attr[28:], uint32(len(log)))
		o.PutUint64(attr[32:], uint64(uintptr(unsafe.Pointer(&log[0]))))
		if _, err2 := bpf(bpfProgLoad, attr); err2 == nil {
			err = errors.New("refused, then accepted")
		}
	}
	runtime.KeepAlive(insns)
	runtime.KeepAlive(log)
	if err != nil {
		if n := indexNUL(log); n > 0 {
			return -1, fmt.Errorf("bpf prog load: %w: %s", err, log[:n])
		}
		return -1, fmt.Errorf("bpf prog load: %w", err)
	}
	defer unix.Close(prog)
	attr = make([]byte, 144)
	o.PutUint32(attr[0:], uint32(prog))
	o.PutUint32(attr[8:], bpfTraceIter)
	link, err = bpf(bpfLinkCreate, attr)
	if err != nil {
		return -1, fmt.Errorf("bpf link create: %w", err)
	}
	return link, nil
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
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
	kv := heapBytes(16) // key 0, then the value {0, 0}
	attr := make([]byte, 144)
	hostorder.Native.PutUint32(attr[0:], uint32(it.mapFD))
	hostorder.Native.PutUint64(attr[8:], uint64(uintptr(unsafe.Pointer(&kv[0]))))
	hostorder.Native.PutUint64(attr[16:], uint64(uintptr(unsafe.Pointer(&kv[8]))))
	_, err := bpf(bpfMapUpdateElem, attr)
	runtime.KeepAlive(kv)
	if err != nil {
		return fmt.Errorf("bpf map update: %w", err)
	}
	attr = make([]byte, 144)
	hostorder.Native.PutUint32(attr[0:], uint32(it.link))
	fd, err := bpf(bpfIterCreate, attr)
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
}

// Link returns the link each iteration is created from, finding the
// kernel's layout and loading the program on first use (or waiting for
// Preload's to end).
func Link() (Iter, error) {
	loaded.once.Do(func() {
		loaded.it, loaded.err = open()
	})
	return loaded.it, loaded.err
}

// Preload starts Link in the background where it is likely to work: with
// the capabilities it needs, in the initial pid namespace, on a host with
// MinFiles open files. cmd/gosof calls it while Go is still initialising
// its packages (~2 ms before main), for a command line that will scan
// every process.
func Preload() {
	if !privileged() || !InitialPIDNamespace() || !ManyFiles() {
		return
	}
	go Link()
}

// Expected reports whether Link should work on this host, and if not,
// why not: it runs as root on a kernel with BTF, in the initial pid
// namespace, and the kernel has this binary's byte order (under qemu-user
// it may not). Where it says so, a Link that fails is a defect; the
// tests use it to tell one from a host that cannot.
func Expected() (bool, string) {
	if os.Geteuid() != 0 || !privileged() {
		return false, "not root with CAP_BPF and CAP_PERFMON"
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return false, "no kernel BTF: " + err.Error()
	}
	if b, err := os.ReadFile("/sys/kernel/cpu_byteorder"); err == nil && (string(b) == "big\n") != hostorder.BigEndian {
		return false, "the kernel's byte order is not this binary's (qemu-user): its BTF is refused, as it must be"
	}
	if !InitialPIDNamespace() {
		return false, "not in the initial pid namespace"
	}
	return true, ""
}

// privileged reports whether the effective capabilities hold CAP_BPF and
// CAP_PERFMON, or CAP_SYS_ADMIN (which allows both).
func privileged() bool {
	var data [2]unix.CapUserData
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	if unix.Capget(&hdr, &data[0]) != nil {
		return false
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	return has(unix.CAP_SYS_ADMIN) || has(unix.CAP_BPF) && has(unix.CAP_PERFMON)
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
// program cost ~2 ms of CPU, the /proc scan ~1.7 µs per descriptor
// (bench/README.md).
var MinFiles = 2000

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

func open() (Iter, error) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return Iter{}, errors.New("the descriptor iterator is built for 64-bit kernels")
	}
	b, err := readBTF("/sys/kernel/btf/vmlinux")
	if err != nil {
		return Iter{}, err
	}
	defer unix.Munmap(b)
	l, err := layoutFromBTF(b, hostorder.BigEndian)
	if err != nil {
		return Iter{}, err
	}
	return load(l)
}

// readBTF maps the kernel's BTF (5.5 MB on this 6.18 kernel) read-only,
// as kernels since mid-2025 allow (this one does); an older kernel's is
// read into memory mapped for it: either way it is unmapped once the layout is found, so
// it is in the peak RSS only while the scan starts, never while the socket
// table is built, as a Go buffer would be. (sysfs reads a page per
// read(2): 3.5 ms for the whole of it, against 0.1 ms mapped.)
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
