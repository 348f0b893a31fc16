package fditer

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/golden"
)

// TestProgramGolden: the program for a fixed layout (kernelLike's), in
// both byte orders, byte for byte and as a disassembly read back from
// those bytes by disasm, which shares no code with the assembler. Every
// change to the program shows in testdata/program.golden (go test
// -update rewrites it); the live tests (TestFDIterRecords) have the
// running kernel's verifier check it.
func TestProgramGolden(t *testing.T) {
	const mapFD = 3
	le := program(kernelLikeLayout, mapFD, false)
	be := program(kernelLikeLayout, mapFD, true)
	if len(le) != len(be) || len(le)%8 != 0 {
		t.Fatalf("%d bytes little-endian, %d big-endian", len(le), len(be))
	}
	leText, beText := disasm(t, le, false), disasm(t, be, true)
	var b strings.Builder
	fmt.Fprintf(&b, "# program(kernelLike's layout, map fd %d): %d instructions\n", mapFD, len(le)/8)
	b.WriteString("# index: little-endian bytes | big-endian bytes | instruction\n")
	for i := range leText {
		if leText[i] != beText[i] {
			t.Errorf("instruction %d: %q little-endian, %q big-endian", i, leText[i], beText[i])
		}
		fmt.Fprintf(&b, "%3d: % x | % x | %s\n", i, le[8*i:8*i+8], be[8*i:8*i+8], leText[i])
	}
	golden.Check(t, "testdata/program.golden", []byte(b.String()))
}

// disasm reads a program's instructions, one line each (the second
// half of a 64-bit load is "(imm64)"), in the kernel verifier log's
// notation. It knows the opcodes the program uses and fails the test on
// any other, and on a jump out of the program.
func disasm(t *testing.T, p []byte, bigEndian bool) []string {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	n := len(p) / 8
	out := make([]string, 0, n)
	sizes := map[uint8]string{0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64"}
	alu := map[uint8]string{0x00: "+=", 0x50: "&=", 0xb0: "="}
	jmp := map[uint8]string{0x10: "==", 0x50: "!="}
	helpers := map[int32]string{1: "bpf_map_lookup_elem", 127: "bpf_seq_write"}
	for i := 0; i < n; i++ {
		in := p[8*i : 8*i+8]
		code := in[0]
		dst, src := in[1]&0xf, in[1]>>4
		if bigEndian {
			dst, src = in[1]>>4, in[1]&0xf
		}
		off := int16(order.Uint16(in[2:]))
		imm := int32(order.Uint32(in[4:]))
		var s string
		switch class, mode, size := code&7, code&0xe0, code&0x18; {
		case class == 1 && mode == 0x60: // BPF_LDX | BPF_MEM
			s = fmt.Sprintf("r%d = *(%s *)(r%d %+d)", dst, sizes[size], src, off)
		case class == 3 && mode == 0x60: // BPF_STX | BPF_MEM
			s = fmt.Sprintf("*(%s *)(r%d %+d) = r%d", sizes[size], dst, off, src)
		case class == 2 && mode == 0x60: // BPF_ST | BPF_MEM
			s = fmt.Sprintf("*(%s *)(r%d %+d) = %d", sizes[size], dst, off, imm)
		case code == 0x18 && i+1 < n: // BPF_LD | BPF_IMM | BPF_DW, two slots
			hi := int32(order.Uint32(p[8*i+12:]))
			if src == 1 {
				s = fmt.Sprintf("r%d = map[fd %d] ll", dst, imm)
			} else {
				s = fmt.Sprintf("r%d = %#x ll", dst, uint64(uint32(hi))<<32|uint64(uint32(imm)))
			}
			out = append(out, s)
			s = "(imm64)"
			i++
		case class == 7 && alu[code&0xf0] != "": // BPF_ALU64
			if code&8 != 0 {
				s = fmt.Sprintf("r%d %s r%d", dst, alu[code&0xf0], src)
			} else {
				s = fmt.Sprintf("r%d %s %#x", dst, alu[code&0xf0], imm)
			}
		case class == 5 && jmp[code&0xf0] != "": // BPF_JMP
			to := i + 1 + int(off)
			if to < 0 || to >= n {
				t.Errorf("instruction %d jumps to %d, out of the program", i, to)
			}
			if code&8 != 0 {
				s = fmt.Sprintf("if r%d %s r%d goto %d", dst, jmp[code&0xf0], src, to)
			} else {
				s = fmt.Sprintf("if r%d %s %#x goto %d", dst, jmp[code&0xf0], imm, to)
			}
		case code == 0x85: // BPF_JMP | BPF_CALL
			s = fmt.Sprintf("call %s", helpers[imm])
		case code == 0x95: // BPF_JMP | BPF_EXIT
			s = "exit"
		default:
			t.Errorf("instruction %d: opcode %#02x, which disasm does not know", i, code)
			s = fmt.Sprintf("? %#02x", code)
		}
		out = append(out, s)
	}
	return out
}

// TestVerifierSays: the end of the verifier's log, where it says why,
// and nothing when it wrote nothing.
func TestVerifierSays(t *testing.T) {
	for _, c := range []struct{ log, want string }{
		{"", ""},
		{"\x00garbage after the end", ""},
		{"\n  \n", ""},
		{"one line\n\x00", ": verifier: one line"},
		{"a\nb\nc\nd\n47: (79) r9 = *(u64 *)(r9 +16384)\naccess beyond struct inode at off 16384 size 8\nprocessed 47 insns\n",
			": verifier: d; 47: (79) r9 = *(u64 *)(r9 +16384); access beyond struct inode at off 16384 size 8; processed 47 insns"},
		{"15: (55) if r2 != 0x0 goto pc+15       ; R2=0\n", ": verifier: 15: (55) if r2 != 0x0 goto pc+15 ; R2=0"},
	} {
		if got := verifierSays([]byte(c.log)); got != c.want {
			t.Errorf("verifierSays(%q) = %q, want %q", c.log, got, c.want)
		}
	}
}
