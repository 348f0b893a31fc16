package linux

import (
	"encoding/binary"
	"os"
	"testing"
)

func TestParseCPUByteOrder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want binary.ByteOrder
	}{
		{"little\n", binary.LittleEndian},
		{"big\n", binary.BigEndian},
		{"big", binary.BigEndian},
		{"", nil},
		{"middle\n", nil},
		{"Little\n", nil},
	} {
		got, ok := parseCPUByteOrder([]byte(tc.in))
		if ok != (tc.want != nil) || got != tc.want {
			t.Errorf("parseCPUByteOrder(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

// On a kernel that says its byte order, the live /proc/net is read in it.
// Natively it is also the program's own; under qemu-user (the SPARC test in
// cmd/gosof) it is not, and the addresses come out right only through this.
func TestKernelOrderFollowsSysfs(t *testing.T) {
	b, err := os.ReadFile(cpuByteOrderPath)
	if err != nil {
		t.Skipf("kernel does not say its byte order (Linux 6.2+): %v", err)
	}
	want, ok := parseCPUByteOrder(b)
	if !ok {
		t.Fatalf("%s: unexpected %q", cpuByteOrderPath, b)
	}
	if got := kernelOrder(); got != want {
		t.Fatalf("kernelOrder() = %v, %s says %v", got, cpuByteOrderPath, want)
	}
}
