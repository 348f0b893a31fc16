package linux

import (
	"os"
	"testing"

	"github.com/gosof/gosof/internal/hostorder"
)

// On a kernel that says its byte order, the live /proc/net is read in it.
// Natively it is also the program's own; under qemu-user (the SPARC test in
// cmd/gosof) it is not, and the addresses come out right only through this.
func TestKernelOrderFollowsSysfs(t *testing.T) {
	b, err := os.ReadFile(hostorder.CPUByteOrderPath)
	if err != nil {
		t.Skipf("kernel does not say its byte order (Linux 6.2+): %v", err)
	}
	want, ok := hostorder.ParseCPUByteOrder(b)
	if !ok {
		t.Fatalf("%s: unexpected %q", hostorder.CPUByteOrderPath, b)
	}
	if got := kernelOrder(); got != want {
		t.Fatalf("kernelOrder() = %v, %s says %v", got, hostorder.CPUByteOrderPath, want)
	}
}
