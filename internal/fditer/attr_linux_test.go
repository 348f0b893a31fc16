package fditer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// TestAttrLayout: each attr struct's fields are where union bpf_attr has
// them, as this host's include/uapi/linux/bpf.h says: the test compiles
// a C program that prints offsetof and sizeof of each, and compares.
func TestAttrLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the attr structs are for 64-bit kernels only")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to compile linux/bpf.h with (Debian: apt-get install gcc)")
	}
	if _, err := os.Stat("/usr/include/linux/bpf.h"); err != nil {
		t.Skip("no /usr/include/linux/bpf.h (Debian: apt-get install linux-libc-dev)")
	}
	var (
		mc mapCreateAttr
		pl progLoadAttr
		me mapElemAttr
		lc linkCreateAttr
		ic iterCreateAttr
	)
	fields := []struct {
		c         string // the member of union bpf_attr
		off, size uintptr
	}{
		{"map_type", unsafe.Offsetof(mc.mapType), unsafe.Sizeof(mc.mapType)},
		{"key_size", unsafe.Offsetof(mc.keySize), unsafe.Sizeof(mc.keySize)},
		{"value_size", unsafe.Offsetof(mc.valueSize), unsafe.Sizeof(mc.valueSize)},
		{"max_entries", unsafe.Offsetof(mc.maxEntries), unsafe.Sizeof(mc.maxEntries)},
		{"map_flags", unsafe.Offsetof(mc.mapFlags), unsafe.Sizeof(mc.mapFlags)},
		{"inner_map_fd", unsafe.Offsetof(mc.innerMapFD), unsafe.Sizeof(mc.innerMapFD)},
		{"numa_node", unsafe.Offsetof(mc.numaNode), unsafe.Sizeof(mc.numaNode)},
		{"map_name", unsafe.Offsetof(mc.mapName), unsafe.Sizeof(mc.mapName)},

		{"prog_type", unsafe.Offsetof(pl.progType), unsafe.Sizeof(pl.progType)},
		{"insn_cnt", unsafe.Offsetof(pl.insnCnt), unsafe.Sizeof(pl.insnCnt)},
		{"insns", unsafe.Offsetof(pl.insns), unsafe.Sizeof(pl.insns)},
		{"license", unsafe.Offsetof(pl.license), unsafe.Sizeof(pl.license)},
		{"log_level", unsafe.Offsetof(pl.logLevel), unsafe.Sizeof(pl.logLevel)},
		{"log_size", unsafe.Offsetof(pl.logSize), unsafe.Sizeof(pl.logSize)},
		{"log_buf", unsafe.Offsetof(pl.logBuf), unsafe.Sizeof(pl.logBuf)},
		{"kern_version", unsafe.Offsetof(pl.kernVersion), unsafe.Sizeof(pl.kernVersion)},
		{"prog_flags", unsafe.Offsetof(pl.progFlags), unsafe.Sizeof(pl.progFlags)},
		{"prog_name", unsafe.Offsetof(pl.progName), unsafe.Sizeof(pl.progName)},
		{"prog_ifindex", unsafe.Offsetof(pl.progIfindex), unsafe.Sizeof(pl.progIfindex)},
		{"expected_attach_type", unsafe.Offsetof(pl.expectedAttachType), unsafe.Sizeof(pl.expectedAttachType)},
		{"prog_btf_fd", unsafe.Offsetof(pl.progBTFFD), unsafe.Sizeof(pl.progBTFFD)},
		{"func_info_rec_size", unsafe.Offsetof(pl.funcInfoRecSize), unsafe.Sizeof(pl.funcInfoRecSize)},
		{"func_info", unsafe.Offsetof(pl.funcInfo), unsafe.Sizeof(pl.funcInfo)},
		{"func_info_cnt", unsafe.Offsetof(pl.funcInfoCnt), unsafe.Sizeof(pl.funcInfoCnt)},
		{"line_info_rec_size", unsafe.Offsetof(pl.lineInfoRecSize), unsafe.Sizeof(pl.lineInfoRecSize)},
		{"line_info", unsafe.Offsetof(pl.lineInfo), unsafe.Sizeof(pl.lineInfo)},
		{"line_info_cnt", unsafe.Offsetof(pl.lineInfoCnt), unsafe.Sizeof(pl.lineInfoCnt)},
		{"attach_btf_id", unsafe.Offsetof(pl.attachBTFID), unsafe.Sizeof(pl.attachBTFID)},

		{"map_fd", unsafe.Offsetof(me.mapFD), unsafe.Sizeof(me.mapFD)},
		{"key", unsafe.Offsetof(me.key), unsafe.Sizeof(me.key)},
		{"value", unsafe.Offsetof(me.value), unsafe.Sizeof(me.value)},
		{"flags", unsafe.Offsetof(me.flags), unsafe.Sizeof(me.flags)},

		{"link_create.prog_fd", unsafe.Offsetof(lc.progFD), unsafe.Sizeof(lc.progFD)},
		{"link_create.target_fd", unsafe.Offsetof(lc.targetFD), unsafe.Sizeof(lc.targetFD)},
		{"link_create.attach_type", unsafe.Offsetof(lc.attachType), unsafe.Sizeof(lc.attachType)},
		{"link_create.flags", unsafe.Offsetof(lc.flags), unsafe.Sizeof(lc.flags)},

		{"iter_create.link_fd", unsafe.Offsetof(ic.linkFD), unsafe.Sizeof(ic.linkFD)},
		{"iter_create.flags", unsafe.Offsetof(ic.flags), unsafe.Sizeof(ic.flags)},
	}
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n" +
		"#define F(m) printf(\"%s %zu %zu\\n\", #m, offsetof(union bpf_attr, m), sizeof(((union bpf_attr *)0)->m))\n" +
		"int main(void) {\n")
	for _, f := range fields {
		fmt.Fprintf(&src, "\tF(%s);\n", f.c)
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "attr.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "attr")
	if out, err := exec.Command(gcc, "-o", bin, filepath.Join(dir, "attr.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(fields) {
		t.Fatalf("%d lines from the C program, want %d:\n%s", len(lines), len(fields), out)
	}
	for i, f := range fields {
		if want := fmt.Sprintf("%s %d %d", f.c, f.off, f.size); lines[i] != want {
			t.Errorf("linux/bpf.h: %s; Go: %s", lines[i], want)
		}
	}
}
