package hostorder

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
)

// CPUByteOrderPath is where Linux 6.2 and later say their byte order
// (Documentation/ABI/testing/sysfs-kernel-cpu_byteorder): "little" or "big".
const CPUByteOrderPath = "/sys/kernel/cpu_byteorder"

var kernel struct {
	once  sync.Once
	order binary.ByteOrder
}

// Kernel is the byte order of the running kernel, read once from
// CPUByteOrderPath: the order of /proc/net's hex addresses and of the
// kernel's BTF. It is the program's own except under qemu-user emulating
// another byte order (a big-endian SPARC gosof on an x86 host, as CI runs
// it): system calls are translated there, text files are not. ok is false
// where the kernel does not say (older than 6.2, or not Linux); the
// program's own order is then the only guess.
func Kernel() (order binary.ByteOrder, ok bool) {
	kernel.once.Do(func() {
		if b, err := os.ReadFile(CPUByteOrderPath); err == nil {
			kernel.order, _ = ParseCPUByteOrder(b)
		}
	})
	return kernel.order, kernel.order != nil
}

// KernelIsNative reports whether the kernel's byte order is the
// program's, as far as the kernel says (true where it does not).
func KernelIsNative() bool {
	o, ok := Kernel()
	return !ok || (o == binary.BigEndian) == BigEndian
}

// ParseCPUByteOrder reads CPUByteOrderPath's text.
func ParseCPUByteOrder(b []byte) (binary.ByteOrder, bool) {
	switch string(bytes.TrimSpace(b)) {
	case "little":
		return binary.LittleEndian, true
	case "big":
		return binary.BigEndian, true
	}
	return nil, false
}
