package fditer

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// btfBuilder writes a BTF blob by hand, in either byte order: the types
// the descriptor iterator needs, laid out as a kernel might, and broken
// ones.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type btfBuilder struct {
	order byteOrder
	types []byte
	strs  []byte
	at    map[string]uint32 // each string once, as the kernel's BTF has it
	n     uint32
}

func newBTF(order byteOrder) *btfBuilder {
	return &btfBuilder{order: order, strs: []byte{0}, at: map[string]uint32{}}
}

func (b *btfBuilder) str(s string) uint32 {
	if s == "" {
		return 0
	}
	if off, ok := b.at[s]; ok {
		return off
	}
	off := uint32(len(b.strs))
	b.strs = append(append(b.strs, s...), 0)
	b.at[s] = off
	return off
}

func (b *btfBuilder) u32(v ...uint32) {
	for _, x := range v {
		b.types = b.order.AppendUint32(b.types, x)
	}
}

// typ adds a type and returns its id.
func (b *btfBuilder) typ(name string, kind, vlen uint32, kindFlag bool, sizeType uint32, extra ...uint32) uint32 {
	info := kind<<24 | vlen
	if kindFlag {
		info |= 1 << 31
	}
	b.u32(b.str(name), info, sizeType)
	b.u32(extra...)
	b.n++
	return b.n
}

func (b *btfBuilder) intType(name string, size uint32) uint32 {
	return b.typ(name, btfInt, 0, false, size, size*8)
}

// member is name, type, bit offset.
type member struct {
	name string
	typ  uint32
	bits uint32
}

func (b *btfBuilder) structType(name string, kind, size uint32, kindFlag bool, ms ...member) uint32 {
	var extra []uint32
	for _, m := range ms {
		extra = append(extra, b.str(m.name), m.typ, m.bits)
	}
	return b.typ(name, kind, uint32(len(ms)), kindFlag, size, extra...)
}

func (b *btfBuilder) bytes() []byte {
	h := b.order.AppendUint16(nil, btfMagic)
	h = append(h, 1, 0)
	h = b.order.AppendUint32(h, 24)
	h = b.order.AppendUint32(h, 0)
	h = b.order.AppendUint32(h, uint32(len(b.types)))
	h = b.order.AppendUint32(h, uint32(len(b.types)))
	h = b.order.AppendUint32(h, uint32(len(b.strs)))
	return append(append(h, b.types...), b.strs...)
}

// kernelLike is a blob with every type layoutFromBTF looks for, the
// iterator's context with its members in anonymous unions as
// __bpf_md_ptr makes them, task_struct's pids in an anonymous struct as
// a randomized layout has them, a function whose name ends in the one
// looked for ahead of it, and typedef and const chains. change edits the
// members before they are written.
func kernelLike(order byteOrder, change func(name string, ms []member) []member) []byte {
	return kernelLikeIn(newBTF(order), change)
}

// kernelLikeIn is kernelLike written into b.
func kernelLikeIn(b *btfBuilder, change func(name string, ms []member) []member) []byte {
	if change == nil {
		change = func(_ string, ms []member) []member { return ms }
	}
	u16 := b.intType("unsigned short", 2)
	u32 := b.intType("unsigned int", 4)
	i32 := b.intType("int", 4)
	ulong := b.intType("long unsigned int", 8)
	pidT := b.typ("pid_t", btfTypedef, 0, false, i32)
	umode := b.typ("umode_t", btfTypedef, 0, false, u16)
	cumode := b.typ("", btfConst, 0, false, umode)
	ptr := b.typ("", btfPtr, 0, false, u32) // what it points to does not matter here
	b.typ("xbpf_iter_task_file", btfFunc, 0, false, 0)
	b.typ("bpf_iter_task_file", btfProto, 0, false, 0) // right name, wrong kind
	mdptr := func() uint32 {
		return b.structType("", btfUnion, 8, false, change("md", []member{{"meta", ptr, 0}})...)
	}
	meta := mdptr()
	task := b.structType("", btfUnion, 8, false, member{"task", ptr, 0})
	file := b.structType("", btfUnion, 8, false, member{"file", ptr, 0})
	b.structType("bpf_iter__task_file", btfStruct, 32, false, change("bpf_iter__task_file", []member{{"", meta, 0}, {"", task, 64}, {"fd", u32, 128}, {"", file, 192}})...)
	b.structType("bpf_iter_meta", btfStruct, 24, false, change("bpf_iter_meta", []member{{"seq", ptr, 0}, {"session_id", ulong, 64}})...)
	rnd := b.structType("", btfStruct, 16, false, change("rnd", []member{{"pid", pidT, 32}, {"tgid", pidT, 64}})...)
	b.structType("task_struct", btfStruct, 3000, false, change("task_struct", []member{{"state", u32, 0}, {"", rnd, 1200 * 8}})...)
	b.structType("file", btfStruct, 200, false, change("file", []member{{"f_mode", u32, 0}, {"f_inode", ptr, 32 * 8}})...)
	b.structType("inode", btfStruct, 600, false, change("inode", []member{{"i_mode", cumode, 0}, {"i_sb", ptr, 40 * 8}, {"i_ino", ulong, 64 * 8}})...)
	b.structType("super_block", btfStruct, 1400, false, change("super_block", []member{{"s_list", ptr, 0}, {"s_magic", ulong, 96 * 8}})...)
	b.typ("bpf_iter_task_file", btfFunc, 0, false, 0)
	return b.bytes()
}

// kernelLikeLayout is the layout kernelLike's types give.
var kernelLikeLayout = layout{
	attachID: 21,
	ctxMeta:  btfField{0, 8}, ctxTask: btfField{8, 8}, ctxFD: btfField{16, 4}, ctxFile: btfField{24, 8},
	metaSeq: btfField{0, 8},
	pid:     btfField{1204, 4}, tgid: btfField{1208, 4},
	fMode: btfField{0, 4}, fInode: btfField{32, 8},
	iMode: btfField{0, 2}, iSB: btfField{40, 8}, iIno: btfField{64, 8},
	sMagic: btfField{96, 8},
}

func TestLayoutFromBTF(t *testing.T) {
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		l, err := layoutFromBTF(kernelLike(order, nil), order == binary.BigEndian)
		if err != nil {
			t.Fatalf("%v: %v", order, err)
		}
		if want := kernelLikeLayout; l != want {
			t.Errorf("%v: layout\n %+v, want\n %+v", order, l, want)
		}
		if _, err := layoutFromBTF(kernelLike(order, nil), order != binary.BigEndian); err == nil || !strings.Contains(err.Error(), "magic") {
			t.Errorf("%v read in the other byte order: %v, want a magic error", order, err)
		}
	}
}

// TestLayoutStringsTwice: in a BTF whose strings are not deduplicated
// (the kernel's are), every name looked for is in the strings once before
// the copy its type names; the layout is the same.
func TestLayoutStringsTwice(t *testing.T) {
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		b := newBTF(order)
		for _, name := range []string{"bpf_iter_task_file", "bpf_iter__task_file", "bpf_iter_meta", "task_struct", "file", "inode", "super_block"} {
			b.strs = append(append(b.strs, name...), 0) // not in b.at: str adds another copy
		}
		l, err := layoutFromBTF(kernelLikeIn(b, nil), order == binary.BigEndian)
		if err != nil {
			t.Fatalf("%v: %v", order, err)
		}
		if want := kernelLikeLayout; l != want {
			t.Errorf("%v: layout\n %+v, want\n %+v", order, l, want)
		}
	}
}

// TestLayoutRefused: a layout the program cannot load is refused, not
// loaded at a guess: a field of another size, a bit field, a missing
// member or type, and broken blobs.
func TestLayoutRefused(t *testing.T) {
	le := binary.LittleEndian
	edit := func(in string, f func([]member) []member) []byte {
		return kernelLike(le, func(name string, ms []member) []member {
			if name == in {
				return f(append([]member(nil), ms...))
			}
			return ms
		})
	}
	cases := map[string][]byte{
		"pid of 8 bytes":     edit("rnd", func(ms []member) []member { ms[0].typ = 4; return ms }), // long unsigned int
		"no i_ino":           edit("inode", func(ms []member) []member { return ms[:2] }),
		"no i_sb":            edit("inode", func(ms []member) []member { return append(ms[:1], ms[2]) }),
		"no s_magic":         edit("super_block", func(ms []member) []member { return ms[:1] }),
		"s_magic of 4 bytes": edit("super_block", func(ms []member) []member { ms[1].typ = 2; return ms }), // unsigned int
		"f_mode of 2 bytes":  edit("file", func(ms []member) []member { ms[0].typ = 1; return ms }),        // unsigned short
		"fd at a bit offset": edit("bpf_iter__task_file", func(ms []member) []member {
			ms[2].bits = 129
			return ms
		}),
		"member type out of range": edit("file", func(ms []member) []member { ms[1].typ = 9999; return ms }),
		"offset past what a load can reach": edit("task_struct", func(ms []member) []member {
			ms[1].bits = 40000 * 8
			return ms
		}),
	}
	// a bit field: kind_flag set on inode, i_mode 16 bits wide
	{
		b := newBTF(le)
		b.intType("unsigned short", 2)
		b.typ("", btfStruct, 1, true, 2, b.str("i_mode"), 1, 16<<24|0)
		bt, _, err := parseBTF(b.bytes(), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bt.member(2, "i_mode", 8); err == nil {
			t.Error("a bit field: no error")
		}
	}
	good := kernelLike(le, nil)
	cases["truncated"] = good[:len(good)-300]
	cases["header only"] = good[:24]
	cases["short"] = good[:10]
	cases["version 2"] = append([]byte{good[0], good[1], 2}, good[3:]...)
	unknown := append([]byte(nil), good...)
	unknown[24+7] = 25 // the first type's kind
	cases["unknown kind"] = unknown
	overrun := append([]byte(nil), good...)
	le.PutUint32(overrun[24+4:], btfStruct<<24|0xffff) // the first type: 65,535 members
	cases["members past the end"] = overrun
	noFunc := append([]byte(nil), good...)
	last := 24 + int(le.Uint32(good[12:])) - 12 // the last type: the function
	le.PutUint32(noFunc[last+4:], btfTypedef<<24)
	cases["no bpf_iter_task_file"] = noFunc
	cases["no struct super_block"] = bytes.Replace(good, []byte("\x00super_block\x00"), []byte("\x00super_blocx\x00"), 1)
	for name, blob := range cases {
		if l, err := layoutFromBTF(blob, false); err == nil {
			t.Errorf("%s: layout %+v, want an error", name, l)
		}
	}
}

func TestStringOffset(t *testing.T) {
	bt := &btfTypes{strs: []byte("\x00xinode\x00inodes\x00inode\x00")}
	if got := bt.stringOffset("inode"); got != 15 {
		t.Errorf("offset of inode %d, want 15", got)
	}
	if got := bt.stringOffset("node"); got != -1 {
		t.Errorf("offset of node %d, want -1 (only ever a suffix)", got)
	}
}

func FuzzParseBTF(f *testing.F) {
	f.Add(kernelLike(binary.LittleEndian, nil))
	f.Add(kernelLike(binary.LittleEndian, nil)[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := layoutFromBTF(b, false)
		if err == nil && (l.tgid.size != 4 || l.iIno.size != 8) {
			t.Errorf("layout %+v accepted", l)
		}
		if bt, _, err := parseBTF(b, false); err == nil {
			for id := uint32(0); id < uint32(len(bt.at))+2; id++ {
				bt.member(id, "x", 8)
				bt.size(id, 8)
			}
		}
	})
}

// TestInsnRegisters: struct bpf_insn's register byte, as the kernel's C
// bit field lays it out (dst_reg:4 then src_reg:4: the low nibble first
// on a little-endian host).
func TestInsnRegisters(t *testing.T) {
	for _, be := range []bool{false, true} {
		b := make([]byte, 8)
		bpfInsn{code: opMovX, dst: 6, src: 1, off: -2, imm: 0x01020304}.put(b, be)
		want := []byte{0xbf, 0x16, 0xfe, 0xff, 4, 3, 2, 1}
		if be {
			want = []byte{0xbf, 0x61, 0xff, 0xfe, 1, 2, 3, 4}
		}
		if string(b) != string(want) {
			t.Errorf("mov r6, r1, big-endian %v: % x, want % x", be, b, want)
		}
	}
}
