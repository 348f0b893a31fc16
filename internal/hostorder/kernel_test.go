package hostorder

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
		{" big \n", binary.BigEndian},
		{"", nil},
		{"middle\n", nil},
		{"Little\n", nil},
		{"big\nlittle\n", nil},
	} {
		got, ok := ParseCPUByteOrder([]byte(tc.in))
		if ok != (tc.want != nil) || got != tc.want {
			t.Errorf("ParseCPUByteOrder(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

// TestKernel: Kernel says what the file says, and KernelIsNative compares
// it with this binary's order (under qemu-sparc64 on x86, as the SPARC
// test runs, it is false).
func TestKernel(t *testing.T) {
	b, err := os.ReadFile(CPUByteOrderPath)
	got, ok := Kernel()
	if err != nil {
		if ok || !KernelIsNative() {
			t.Fatalf("no %s (%v), yet Kernel() = %v, %v and KernelIsNative() = %v", CPUByteOrderPath, err, got, ok, KernelIsNative())
		}
		t.Skipf("kernel does not say its byte order (Linux 6.2+): %v", err)
	}
	want, wok := ParseCPUByteOrder(b)
	if got != want || ok != wok {
		t.Fatalf("Kernel() = %v, %v; %s says %q", got, ok, CPUByteOrderPath, b)
	}
	if native := KernelIsNative(); native != ((want == binary.BigEndian) == BigEndian) {
		t.Fatalf("KernelIsNative() = %v with the kernel %v and BigEndian %v", native, want, BigEndian)
	}
}
