package fditer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// The kernel describes its own types in BTF (/sys/kernel/btf/vmlinux).
// The descriptor iterator (fditer_linux.go) reads fields of task_struct,
// file and inode, whose offsets depend on the kernel's version and
// configuration; btfTypes reads just enough of BTF to find them. The
// format is the kernel's Documentation/bpf/btf.rst and
// include/uapi/linux/btf.h: a header, a type section and a string
// section, in the byte order of the kernel that wrote it.

const btfMagic = 0xeb9f

// Type kinds (btf.h BTF_KIND_*), and the bytes each kind's record has
// after its 12-byte header (btf.rst 2.2).
const (
	btfInt      = 1
	btfPtr      = 2
	btfArray    = 3
	btfStruct   = 4
	btfUnion    = 5
	btfEnum     = 6
	btfFwd      = 7
	btfTypedef  = 8
	btfVolatile = 9
	btfConst    = 10
	btfRestrict = 11
	btfFunc     = 12
	btfProto    = 13
	btfVar      = 14
	btfDatasec  = 15
	btfFloat    = 16
	btfDeclTag  = 17
	btfTypeTag  = 18
	btfEnum64   = 19
)

// btfTypes is a parsed BTF blob: the type and string sections, and where
// every atEvery-th type's record starts (type ids count from 1). An index
// of every type was 600 KB of fresh memory for a distribution kernel, a
// page fault each 4 KB, written for the few dozen records the layout
// reads; from the nearest indexed type, a record is at most
// atEvery-1 steps away.
type btfTypes struct {
	be    bool // big-endian
	types []byte
	strs  []byte
	at    []uint32 // at[k]: offset of type id k*atEvery+1 in types
	n     int      // types walked: ids 1..n
	next  int      // offset of type n+1
}

// atEvery is how many types apart the index's entries are.
const atEvery = 64

var errBTF = errors.New("btf: malformed")

// u32 reads a word in the blob's byte order (a concrete call, inlined:
// through the binary.ByteOrder interface, indexing a kernel's types was
// several times slower).
func (t *btfTypes) u32(b []byte) uint32 {
	if t.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// btfWant is a type parseBTF looks for: the first of kind named name.
type btfWant struct {
	kind uint32
	name string
}

// Bytes after a type's 12-byte header (btf.rst 2.2): fixed, plus perVlen
// for each of its vlen members, parameters or values; fixed is -1 for a
// kind gosof does not know.
var btfFixed = [32]int8{
	btfInt: 4, btfVar: 4, btfDeclTag: 4, btfArray: 12,
	btfPtr: 0, btfFwd: 0, btfTypedef: 0, btfVolatile: 0, btfConst: 0, btfRestrict: 0,
	btfFunc: 0, btfFloat: 0, btfTypeTag: 0, btfStruct: 0, btfUnion: 0, btfDatasec: 0,
	btfEnum64: 0, btfEnum: 0, btfProto: 0,
	0: -1, 20: -1, 21: -1, 22: -1, 23: -1, 24: -1, 25: -1, 26: -1, 27: -1, 28: -1, 29: -1, 30: -1, 31: -1,
}

var btfPerVlen = [32]uint8{btfStruct: 12, btfUnion: 12, btfDatasec: 12, btfEnum64: 12, btfEnum: 8, btfProto: 8}

// parseBTF indexes b, which it keeps, and returns the id of each of
// wants (0: not there), found in the same pass. bigEndian is the byte
// order b must be in: the running kernel's, which is the host's.
func parseBTF(b []byte, bigEndian bool, wants ...btfWant) (*btfTypes, []uint32, error) {
	if len(b) < 24 {
		return nil, nil, errBTF
	}
	t := &btfTypes{be: bigEndian}
	magic := binary.LittleEndian.Uint16(b)
	if bigEndian {
		magic = binary.BigEndian.Uint16(b)
	}
	if magic != btfMagic {
		return nil, nil, fmt.Errorf("btf: magic %#04x, not %#04x in this host's byte order", magic, btfMagic)
	}
	if b[2] != 1 {
		return nil, nil, fmt.Errorf("btf: version %d, not 1", b[2])
	}
	hdr := uint64(t.u32(b[4:]))
	typeOff, typeLen := uint64(t.u32(b[8:])), uint64(t.u32(b[12:]))
	strOff, strLen := uint64(t.u32(b[16:])), uint64(t.u32(b[20:]))
	if hdr < 24 || hdr+typeOff+typeLen > uint64(len(b)) || hdr+strOff+strLen > uint64(len(b)) {
		return nil, nil, errBTF
	}
	t.types = b[hdr+typeOff : hdr+typeOff+typeLen]
	t.strs = b[hdr+strOff : hdr+strOff+strLen]
	ids := make([]uint32, len(wants))
	// Every name looked for is first found in the string section, and a
	// type's name is then compared by its offset alone. Reading the names
	// during the walk read a byte at a random place in the megabytes of
	// strings for each struct of a kernel's tens of thousands, a cache
	// miss, and on a VM that shadows page tables the first touch of a
	// page. A name not in the strings is no type's.
	var kinds uint32
	offs := make([]int64, len(wants))
	left := 0
	for i, w := range wants {
		if offs[i] = t.stringOffset(w.name); offs[i] >= 0 {
			kinds |= 1 << (w.kind & 31)
			left++
		}
	}
	// Over a hundred thousand types in a distribution kernel, ~24 bytes
	// each. The walk stops once every type looked for is found
	// (bpf_iter_task_file sits about half way); record takes it further
	// if a member's type lies beyond.
	t.at = make([]uint32, 0, len(t.types)/(24*atEvery)+1)
	for left > 0 && t.next < len(t.types) {
		off := t.next
		if err := t.step(); err != nil {
			return nil, nil, err
		}
		kind := t.u32(t.types[off+4:]) >> 24 & 0x1f
		if kinds&(1<<kind) == 0 {
			continue
		}
		name := int64(t.u32(t.types[off:]))
		for j, w := range wants {
			if ids[j] == 0 && w.kind == kind && name == offs[j] {
				ids[j] = uint32(t.n)
				left--
			}
		}
	}
	if left > 0 {
		// Not found by offset, though the name is in the strings: in
		// a BTF whose strings are not deduplicated (the kernel's are:
		// pahole writes each once), a type can name another copy.
		t.byName(wants, offs, ids)
	}
	return t, ids, nil
}

// step walks the type at t.next, indexing it if its id is due.
func (t *btfTypes) step() error {
	off := t.next
	end, err := t.end(off, t.n+1)
	if err != nil {
		return err
	}
	if t.n%atEvery == 0 {
		t.at = append(t.at, uint32(off))
	}
	t.n++
	t.next = end
	return nil
}

// end returns where the record of type id, at off, ends.
func (t *btfTypes) end(off, id int) (int, error) {
	if len(t.types)-off < 12 {
		return 0, errBTF
	}
	info := t.u32(t.types[off+4:])
	kind := info >> 24 & 0x1f
	fixed := int(btfFixed[kind])
	if fixed < 0 {
		return 0, fmt.Errorf("btf: type %d has kind %d, which gosof does not know", id, kind)
	}
	extra := fixed + int(btfPerVlen[kind])*int(info&0xffff)
	if len(t.types)-off-12 < extra {
		return 0, errBTF
	}
	return off + 12 + extra, nil
}

// byName is parseBTF's walk again, every type's name read and compared,
// for wants it did not find though their name is in the strings.
func (t *btfTypes) byName(wants []btfWant, offs []int64, ids []uint32) {
	off := 0
	for id := 1; id <= t.n; id++ {
		end, err := t.end(off, id)
		if err != nil {
			return
		}
		kind, name := t.u32(t.types[off+4:])>>24&0x1f, t.u32(t.types[off:])
		for j, w := range wants {
			if ids[j] == 0 && offs[j] >= 0 && w.kind == kind && name != 0 && t.named(name, w.name) {
				ids[j] = uint32(id)
			}
		}
		off = end
	}
}

// stringOffset is the offset of s in the string section, or -1.
func (t *btfTypes) stringOffset(s string) int64 {
	pat := append([]byte(s), 0)
	for from := 0; ; {
		i := bytes.Index(t.strs[from:], pat)
		if i < 0 {
			return -1
		}
		at := from + i
		if at > 0 && t.strs[at-1] == 0 {
			return int64(at)
		}
		from = at + 1 // a longer name ending in s
	}
}

// record returns type id's name offset, info and size-or-type word, and
// the bytes after its header; ok is false for an id not in t (or past a
// malformed type).
func (t *btfTypes) record(id uint32) (name, info, sizeType uint32, rest []byte, ok bool) {
	for id > uint32(t.n) && t.next < len(t.types) {
		if t.step() != nil {
			t.next = len(t.types)
		}
	}
	if id == 0 || int(id) > t.n {
		return 0, 0, 0, nil, false
	}
	k := int(id-1) / atEvery
	off := int(t.at[k])
	for i := k*atEvery + 1; i < int(id); i++ {
		end, err := t.end(off, i) // walked before: it cannot fail now
		if err != nil {
			return 0, 0, 0, nil, false
		}
		off = end
	}
	r := t.types[off:]
	return t.u32(r), t.u32(r[4:]), t.u32(r[8:]), r[12:], true
}

// named reports whether the string at off in the string section is s.
func (t *btfTypes) named(off uint32, s string) bool {
	if uint64(off)+uint64(len(s)) >= uint64(len(t.strs)) {
		return false
	}
	return string(t.strs[off:int(off)+len(s)]) == s && t.strs[int(off)+len(s)] == 0
}

// resolve skips typedefs and qualifiers.
func (t *btfTypes) resolve(id uint32) (uint32, uint32, bool) {
	for depth := 0; depth < 32; depth++ {
		_, info, next, _, ok := t.record(id)
		if !ok {
			return 0, 0, false
		}
		switch kind := info >> 24 & 0x1f; kind {
		case btfTypedef, btfVolatile, btfConst, btfRestrict, btfTypeTag:
			id = next
		default:
			return id, kind, true
		}
	}
	return 0, 0, false
}

// size is the size in bytes of a value of type id (pointers: ptrSize).
func (t *btfTypes) size(id uint32, ptrSize uint32) (uint32, bool) {
	id, kind, ok := t.resolve(id)
	if !ok {
		return 0, false
	}
	_, _, size, _, _ := t.record(id)
	switch kind {
	case btfInt, btfEnum, btfEnum64, btfStruct, btfUnion, btfFloat:
		return size, true
	case btfPtr:
		return ptrSize, true
	}
	return 0, false
}

// btfField is where a member of a struct lies: its byte offset and size.
type btfField struct {
	off, size uint32
}

// member finds the member name of struct or union id, looking into
// anonymous structs and unions (a randomized task_struct keeps most of
// its members in one), and returns its offset and size. A bit field is
// refused: it cannot be loaded on its own.
func (t *btfTypes) member(id uint32, name string, ptrSize uint32) (btfField, error) {
	f, found, err := t.member1(id, name, ptrSize, 0)
	if err == nil && !found {
		err = fmt.Errorf("btf: no member %s", name)
	}
	return f, err
}

func (t *btfTypes) member1(id uint32, name string, ptrSize uint32, depth int) (btfField, bool, error) {
	id, kind, ok := t.resolve(id)
	if !ok || kind != btfStruct && kind != btfUnion || depth > 8 {
		return btfField{}, false, errBTF
	}
	_, info, _, rest, _ := t.record(id)
	bitfields := info>>31 == 1
	for i := 0; i < int(info&0xffff); i++ {
		m := rest[12*i:]
		mname, mtype, moff := t.u32(m), t.u32(m[4:]), t.u32(m[8:])
		bitsize := uint32(0)
		if bitfields {
			bitsize, moff = moff>>24, moff&0xffffff
		}
		if mname == 0 {
			if _, k, ok := t.resolve(mtype); ok && (k == btfStruct || k == btfUnion) {
				f, found, err := t.member1(mtype, name, ptrSize, depth+1)
				if err != nil || found {
					f.off += moff / 8
					return f, found, err
				}
			}
			continue
		}
		if !t.named(mname, name) {
			continue
		}
		size, ok := t.size(mtype, ptrSize)
		if !ok || bitsize != 0 || moff%8 != 0 {
			return btfField{}, true, fmt.Errorf("btf: member %s is not a whole value", name)
		}
		return btfField{off: moff / 8, size: size}, true, nil
	}
	return btfField{}, false, nil
}
