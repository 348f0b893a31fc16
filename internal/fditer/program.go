// Package fditer is gosof's BPF descriptor iterator: a program for the
// kernel's task_file iterator that writes one record per socket
// descriptor of every task, built for the running kernel's layout as its
// BTF gives it (btf.go). This file is the program and its layout, pure so
// that it is tested on any host; fditer_linux.go loads and reads it.
package fditer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// What makes a file a socket: its inode's type bits (i_mode,
// include/uapi/linux/stat.h) say socket, and the inode is on sockfs
// (super_block.s_magic, SOCKFS_MAGIC in include/uapi/linux/magic.h): any
// file system can hold a socket node (mknod S_IFSOCK, or a bound unix
// socket's path), with an inode number of its own numbering that can
// equal a real socket's. And the file is not O_PATH (f_mode FMODE_PATH,
// 1 << 14 in include/linux/fs.h, which fs/open.c do_dentry_open sets for
// O_PATH): an O_PATH descriptor of a socket (opened through
// /proc/PID/fd/N) holds its inode, not the socket, which goes when its
// last real descriptor closes.
const (
	sIFMT       = 0o170000
	sIFSOCK     = 0o140000
	sockfsMagic = 0x534f434b
	fmodePath   = 1 << 14
)

const (
	bpfProgLoad      = 5
	bpfLinkCreate    = 28
	bpfIterCreate    = 33
	bpfProgTypeTrace = 26
	bpfTraceIter     = 28
	bpfFuncSeqWrite  = 127
	bpfFuncMapLookup = 1
	bpfMapCreate     = 0
	bpfMapUpdateElem = 2
	bpfMapTypeArray  = 2
	pseudoMapFD      = 1  // src_reg of a 64-bit immediate load that names a map by descriptor
	recordBytes      = 24 // inode u64, tgid u32, tid u32, fd u32, pad u32
)

// layout is where the program finds what it reads.
type layout struct {
	attachID                uint32   // the BTF id of func bpf_iter_task_file
	ctxMeta, ctxTask, ctxFD btfField // struct bpf_iter__task_file
	ctxFile, metaSeq        btfField // and struct bpf_iter_meta
	tgid, pid               btfField // struct task_struct
	fMode, fInode           btfField // struct file
	iMode, iIno, iSB        btfField // struct inode
	sMagic                  btfField // struct super_block
}

// layoutStructs are the structures the program reads, in the order
// layoutMembers counts them.
var layoutStructs = [...]string{"bpf_iter__task_file", "bpf_iter_meta", "task_struct", "file", "inode", "super_block"}

// layoutMembers is every member the program loads: in which of
// layoutStructs, its name, where layout keeps it, and its size as the
// program loads it: 8-byte pointers, inode numbers and magic numbers (an
// unsigned long, on the 64-bit kernels the program is for), 4-byte pids,
// descriptor numbers and file modes (fmode_t), a 2-byte inode mode.
var layoutMembers = [...]struct {
	in   int
	name string
	to   func(*layout) *btfField
	size uint32
}{
	{0, "meta", func(l *layout) *btfField { return &l.ctxMeta }, 8},
	{0, "task", func(l *layout) *btfField { return &l.ctxTask }, 8},
	{0, "fd", func(l *layout) *btfField { return &l.ctxFD }, 4},
	{0, "file", func(l *layout) *btfField { return &l.ctxFile }, 8},
	{1, "seq", func(l *layout) *btfField { return &l.metaSeq }, 8},
	{2, "tgid", func(l *layout) *btfField { return &l.tgid }, 4},
	{2, "pid", func(l *layout) *btfField { return &l.pid }, 4},
	{3, "f_mode", func(l *layout) *btfField { return &l.fMode }, 4},
	{3, "f_inode", func(l *layout) *btfField { return &l.fInode }, 8},
	{4, "i_mode", func(l *layout) *btfField { return &l.iMode }, 2},
	{4, "i_ino", func(l *layout) *btfField { return &l.iIno }, 8},
	{4, "i_sb", func(l *layout) *btfField { return &l.iSB }, 8},
	{5, "s_magic", func(l *layout) *btfField { return &l.sMagic }, 8},
}

// layoutFromBTF finds the layout in the kernel's types.
func layoutFromBTF(b []byte, bigEndian bool) (layout, error) {
	var l layout
	wants := []btfWant{{btfFunc, "bpf_iter_task_file"}}
	for _, s := range layoutStructs {
		wants = append(wants, btfWant{btfStruct, s})
	}
	t, ids, err := parseBTF(b, bigEndian, wants...)
	if err != nil {
		return l, err
	}
	fn, st := ids[:1], ids[1:]
	if fn[0] == 0 {
		return l, errors.New("btf: no bpf_iter_task_file (kernel older than 5.8, or without CONFIG_BPF_SYSCALL)")
	}
	for i, n := range layoutStructs {
		if st[i] == 0 {
			return l, fmt.Errorf("btf: no struct %s", n)
		}
	}
	l.attachID = fn[0]
	for _, m := range layoutMembers {
		f, err := t.member(st[m.in], m.name, 8)
		if err != nil {
			return l, err
		}
		*m.to(&l) = f
	}
	return l, l.check()
}

// check is whether the program can load each member where l says it
// is: the size it loads, at an offset a load's 16 bits reach.
func (l *layout) check() error {
	if l.attachID == 0 {
		return errors.New("btf: no bpf_iter_task_file")
	}
	for _, m := range layoutMembers {
		f := *m.to(l)
		if f.size != m.size {
			return fmt.Errorf("btf: member %s is %d bytes, the program loads %d", m.name, f.size, m.size)
		}
		if f.off > 1<<15-1 {
			return fmt.Errorf("btf: member %s is at offset %d, past a load's 16-bit offset", m.name, f.off)
		}
	}
	return nil
}

// bpfInsn is one instruction (struct bpf_insn): the registers share a
// byte, destination in the low nibble on a little-endian host and in the
// high one on a big-endian host (a C bit field).
type bpfInsn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
}

func (i bpfInsn) put(b []byte, bigEndian bool) {
	b[0] = i.code
	if bigEndian {
		b[1] = i.dst<<4 | i.src
		binary.BigEndian.PutUint16(b[2:], uint16(i.off))
		binary.BigEndian.PutUint32(b[4:], uint32(i.imm))
		return
	}
	b[1] = i.src<<4 | i.dst
	binary.LittleEndian.PutUint16(b[2:], uint16(i.off))
	binary.LittleEndian.PutUint32(b[4:], uint32(i.imm))
}

// Opcodes (uapi bpf.h and bpf_common.h): class | size | mode, or class |
// op | source.
const (
	opLdx     = 0x01 | 0x60 // BPF_LDX | BPF_MEM
	opStx     = 0x03 | 0x60 // BPF_STX | BPF_MEM
	opSt      = 0x02 | 0x60 // BPF_ST | BPF_MEM
	szW       = 0x00
	szH       = 0x08
	szDW      = 0x18
	opMovX    = 0x07 | 0xb0 | 0x08 // BPF_ALU64 | BPF_MOV | BPF_X
	opMovK    = 0x07 | 0xb0
	opAddK    = 0x07 | 0x00
	opAndK    = 0x07 | 0x50
	opJeqK    = 0x05 | 0x10
	opJneK    = 0x05 | 0x50
	opJneX    = 0x05 | 0x50 | 0x08 // BPF_JMP | BPF_JNE | BPF_X
	opLdImm64 = 0x00 | 0x00 | 0x18 // BPF_LD | BPF_IMM | BPF_DW: two slots
	opCall    = 0x05 | 0x80
	opExit    = 0x05 | 0x90
	regCtx    = 6
	regTask   = 7
	regFile   = 8
	regIno    = 9
	regFP     = 10
)

func sizeCode(n uint32) uint8 {
	switch n {
	case 2:
		return szH
	case 4:
		return szW
	}
	return szDW
}

// program is the program, in the byte order of a big-endian kernel or
// not, for a map (an array of one {tid, fd}: where
// the last marker was written) whose descriptor is mapFD. For every file
// of every task:
//
//   - when the task is not the one before (its tid is not the map's), a
//     marker record: inode 0, the task's tgid and tid, and this fd. The
//     marker says the kernel showed the program this task's files: where
//     it does not (a VM's PID 1 was seen to be one: the iterator gave no
//     file of it, even asked for that task alone), the task is
//     read from /proc instead, and found unreadable there, honestly. The
//     marker is written again for the same tid and fd: when a read's
//     buffer fills, the kernel drops what the program wrote for that file
//     and shows it the same file again on the next read (bpf_seq_read),
//     and the map says the marker was written;
//   - for a socket (a file not O_PATH, whose inode is S_IFSOCK and on
//     sockfs), its record: inode, tgid, tid, fd.
//
// Registers: r6 the context, r7 the task, r8 the file, r9 the inode.
func program(l layout, mapFD int32, bigEndian bool) []byte {
	var a asm
	ld := func(dst, src uint8, f btfField) {
		a.op(bpfInsn{code: opLdx | sizeCode(f.size), dst: dst, src: src, off: int16(f.off)})
	}
	st := func(off int16, size uint32, src uint8) {
		a.op(bpfInsn{code: opStx | sizeCode(size), dst: regFP, src: src, off: off})
	}
	// write emits the 24-byte record {inode in r9, tgid, tid, fd}.
	write := func() {
		st(-24, 8, regIno)
		ld(2, regTask, l.tgid)
		st(-16, 4, 2)
		ld(2, regTask, l.pid)
		st(-12, 4, 2)
		ld(2, regCtx, l.ctxFD)
		st(-8, 4, 2)
		a.op(bpfInsn{code: opSt | szW, dst: regFP, off: -4, imm: 0})
		ld(1, regCtx, l.ctxMeta)
		ld(1, 1, l.metaSeq)
		a.op(bpfInsn{code: opMovX, dst: 2, src: regFP})
		a.op(bpfInsn{code: opAddK, dst: 2, imm: -24})
		a.op(bpfInsn{code: opMovK, dst: 3, imm: recordBytes})
		a.op(bpfInsn{code: opCall, imm: bpfFuncSeqWrite})
	}
	a.op(bpfInsn{code: opMovX, dst: regCtx, src: 1})
	ld(regTask, regCtx, l.ctxTask)
	ld(regFile, regCtx, l.ctxFile)
	a.jump(bpfInsn{code: opJeqK, dst: regTask}, "out")
	a.jump(bpfInsn{code: opJeqK, dst: regFile}, "out")
	// the marker, once per task
	a.op(bpfInsn{code: opSt | szW, dst: regFP, off: -28, imm: 0}) // key 0
	a.op(bpfInsn{code: opLdImm64, dst: 1, src: pseudoMapFD, imm: mapFD})
	a.op(bpfInsn{})
	a.op(bpfInsn{code: opMovX, dst: 2, src: regFP})
	a.op(bpfInsn{code: opAddK, dst: 2, imm: -28})
	a.op(bpfInsn{code: opCall, imm: bpfFuncMapLookup})
	a.jump(bpfInsn{code: opJeqK, dst: 0}, "socket")
	ld(2, regTask, l.pid)
	ld(4, regCtx, l.ctxFD)
	a.op(bpfInsn{code: opLdx | szW, dst: 3, src: 0}) // the last marker's tid
	a.jump(bpfInsn{code: opJneX, dst: 2, src: 3}, "marker")
	a.op(bpfInsn{code: opLdx | szW, dst: 3, src: 0, off: 4}) // and fd
	a.jump(bpfInsn{code: opJneX, dst: 4, src: 3}, "socket")
	a.label("marker")
	a.op(bpfInsn{code: opStx | szW, dst: 0, src: 2})
	a.op(bpfInsn{code: opStx | szW, dst: 0, src: 4, off: 4})
	a.op(bpfInsn{code: opMovK, dst: regIno, imm: 0})
	write()
	// the socket
	a.label("socket")
	ld(2, regFile, l.fMode)
	a.op(bpfInsn{code: opAndK, dst: 2, imm: fmodePath})
	a.jump(bpfInsn{code: opJneK, dst: 2, imm: 0}, "out")
	ld(regIno, regFile, l.fInode)
	a.jump(bpfInsn{code: opJeqK, dst: regIno}, "out")
	ld(2, regIno, l.iMode)
	a.op(bpfInsn{code: opAndK, dst: 2, imm: sIFMT})
	a.jump(bpfInsn{code: opJneK, dst: 2, imm: sIFSOCK}, "out")
	ld(2, regIno, l.iSB)
	a.jump(bpfInsn{code: opJeqK, dst: 2}, "out")
	ld(2, 2, l.sMagic)
	a.jump(bpfInsn{code: opJneK, dst: 2, imm: sockfsMagic}, "out")
	ld(regIno, regIno, l.iIno)
	write()
	a.label("out")
	a.op(bpfInsn{code: opMovK, dst: 0, imm: 0})
	a.op(bpfInsn{code: opExit})
	return a.bytes(bigEndian)
}

// asm assembles instructions, with jumps to labels resolved at the end.
type asm struct {
	insns  []bpfInsn
	labels map[string]int
	jumps  map[int]string // instruction index: the label it jumps to
}

func (a *asm) op(i bpfInsn) { a.insns = append(a.insns, i) }

func (a *asm) jump(i bpfInsn, to string) {
	if a.jumps == nil {
		a.jumps = map[int]string{}
	}
	a.jumps[len(a.insns)] = to
	a.op(i)
}

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.insns)
}

// bytes is the program; a jump's offset counts from the instruction
// after it.
func (a *asm) bytes(bigEndian bool) []byte {
	b := make([]byte, 8*len(a.insns))
	for i, in := range a.insns {
		if to, ok := a.jumps[i]; ok {
			in.off = int16(a.labels[to] - i - 1)
		}
		in.put(b[8*i:], bigEndian)
	}
	return b
}

// verifierSays is the end of the verifier's log, where it says why it
// refused, as ": line; line" (at most verifierLines lines), or "" when it
// wrote nothing.
func verifierSays(log []byte) string {
	if n := bytes.IndexByte(log, 0); n >= 0 {
		log = log[:n]
	}
	var lines []string
	for _, ln := range strings.Split(string(log), "\n") {
		if f := strings.Fields(ln); len(f) > 0 {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > verifierLines {
		lines = lines[len(lines)-verifierLines:]
	}
	return ": verifier: " + strings.Join(lines, "; ")
}

const verifierLines = 4
