// Package fditer is gosof's BPF descriptor iterator: a program for the
// kernel's task_file iterator that writes one record per socket
// descriptor of every task, built for the running kernel's layout as its
// BTF gives it (btf.go). This file is the program and its layout, pure so
// that it is tested on any host; fditer_linux.go loads and reads it.
package fditer

import (
	"errors"
	"fmt"

	"github.com/gosof/gosof/internal/hostorder"
)

// File type bits of i_mode (include/uapi/linux/stat.h).
const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
)

const (
	bpfProgLoad      = 5
	bpfLinkCreate    = 28
	bpfIterCreate    = 33
	bpfProgTypeTrace = 26
	bpfTraceIter     = 28
	bpfFuncSeqWrite  = 127
	recordBytes      = 24 // inode u64, tgid u32, tid u32, fd u32, pad u32
)

// layout is where the program finds what it reads.
type layout struct {
	attachID                       uint32   // the BTF id of func bpf_iter_task_file
	ctxMeta, ctxTask, ctxFD        btfField // struct bpf_iter__task_file
	ctxFile, metaSeq               btfField // and struct bpf_iter_meta
	tgid, pid, fInode, iMode, iIno btfField
}

// layoutFromBTF finds the layout in the kernel's types, and checks each
// btfField is what the program loads: 8-byte pointers and inode numbers,
// 4-byte pids and descriptor numbers, a 2-byte mode.
func layoutFromBTF(b []byte, bigEndian bool) (layout, error) {
	var l layout
	structs := []string{"bpf_iter__task_file", "bpf_iter_meta", "task_struct", "file", "inode"}
	wants := []btfWant{{btfFunc, "bpf_iter_task_file"}}
	for _, s := range structs {
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
	for i, n := range structs {
		if st[i] == 0 {
			return l, fmt.Errorf("btf: no struct %s", n)
		}
	}
	l.attachID = fn[0]
	want := []struct {
		in   uint32
		name string
		to   *btfField
		size uint32
	}{
		{st[0], "meta", &l.ctxMeta, 8}, {st[0], "task", &l.ctxTask, 8},
		{st[0], "fd", &l.ctxFD, 4}, {st[0], "file", &l.ctxFile, 8},
		{st[1], "seq", &l.metaSeq, 8},
		{st[2], "tgid", &l.tgid, 4}, {st[2], "pid", &l.pid, 4},
		{st[3], "f_inode", &l.fInode, 8},
		{st[4], "i_mode", &l.iMode, 2}, {st[4], "i_ino", &l.iIno, 8},
	}
	for _, w := range want {
		f, err := t.member(w.in, w.name, 8)
		if err != nil {
			return l, err
		}
		if f.size != w.size {
			return l, fmt.Errorf("btf: member %s is %d bytes, the program loads %d", w.name, f.size, w.size)
		}
		if f.off > 1<<15-1 {
			return l, fmt.Errorf("btf: member %s is at offset %d, past a load's 16-bit offset", w.name, f.off)
		}
		*w.to = f
	}
	return l, nil
}

// bpfInsn is one instruction (struct bpf_insn): the registers share a
// byte, destination in the low nibble on a little-endian host and in the
// high one on a big-endian host (a C bit btfField).
type bpfInsn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
}

func (i bpfInsn) put(b []byte) {
	b[0] = i.code
	if hostorder.BigEndian {
		b[1] = i.dst<<4 | i.src
	} else {
		b[1] = i.src<<4 | i.dst
	}
	hostorder.Native.PutUint16(b[2:], uint16(i.off))
	hostorder.Native.PutUint32(b[4:], uint32(i.imm))
}

// Opcodes (uapi bpf.h and bpf_common.h): class | size | mode, or class |
// op | source.
const (
	opLdx   = 0x01 | 0x60 // BPF_LDX | BPF_MEM
	opStx   = 0x03 | 0x60 // BPF_STX | BPF_MEM
	opSt    = 0x02 | 0x60 // BPF_ST | BPF_MEM
	szW     = 0x00
	szH     = 0x08
	szDW    = 0x18
	opMovX  = 0x07 | 0xb0 | 0x08 // BPF_ALU64 | BPF_MOV | BPF_X
	opMovK  = 0x07 | 0xb0
	opAddK  = 0x07 | 0x00
	opAndK  = 0x07 | 0x50
	opJeqK  = 0x05 | 0x10
	opJneK  = 0x05 | 0x50
	opCall  = 0x05 | 0x80
	opExit  = 0x05 | 0x90
	regCtx  = 6
	regTask = 7
	regFile = 8
	regIno  = 9
	regFP   = 10
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

// program is the program: for a socket (S_IFSOCK), write inode,
// tgid, tid and descriptor number to the iterator's output.
func program(l layout) []byte {
	ld := func(dst, src uint8, f btfField) bpfInsn {
		return bpfInsn{code: opLdx | sizeCode(f.size), dst: dst, src: src, off: int16(f.off)}
	}
	st := func(off int16, size uint32, src uint8) bpfInsn {
		return bpfInsn{code: opStx | sizeCode(size), dst: regFP, src: src, off: off}
	}
	const out = 25 // the jumps land on "r0 = 0; exit"; an offset counts from the next instruction
	prog := []bpfInsn{
		/* 0 */ {code: opMovX, dst: regCtx, src: 1},
		/* 1 */ ld(regTask, regCtx, l.ctxTask),
		/* 2 */ ld(regFile, regCtx, l.ctxFile),
		/* 3 */ {code: opJeqK, dst: regTask, off: out - 4},
		/* 4 */ {code: opJeqK, dst: regFile, off: out - 5},
		/* 5 */ ld(regIno, regFile, l.fInode),
		/* 6 */ {code: opJeqK, dst: regIno, off: out - 7},
		/* 7 */ ld(2, regIno, l.iMode),
		/* 8 */ {code: opAndK, dst: 2, imm: sIFMT},
		/* 9 */ {code: opJneK, dst: 2, imm: sIFSOCK, off: out - 10},
		/* 10 */ ld(2, regIno, l.iIno),
		/* 11 */ st(-24, 8, 2),
		/* 12 */ ld(2, regTask, l.tgid),
		/* 13 */ st(-16, 4, 2),
		/* 14 */ ld(2, regTask, l.pid),
		/* 15 */ st(-12, 4, 2),
		/* 16 */ ld(2, regCtx, l.ctxFD),
		/* 17 */ st(-8, 4, 2),
		/* 18 */ {code: opSt | szW, dst: regFP, off: -4, imm: 0},
		/* 19 */ ld(1, regCtx, l.ctxMeta),
		/* 20 */ ld(1, 1, l.metaSeq),
		/* 21 */ {code: opMovX, dst: 2, src: regFP},
		/* 22 */ {code: opAddK, dst: 2, imm: -24},
		/* 23 */ {code: opMovK, dst: 3, imm: recordBytes},
		/* 24 */ {code: opCall, imm: bpfFuncSeqWrite},
		/* 25 */ {code: opMovK, dst: 0, imm: 0},
		/* 26 */ {code: opExit},
	}
	b := make([]byte, 8*len(prog))
	for i, in := range prog {
		in.put(b[8*i:])
	}
	return b
}
