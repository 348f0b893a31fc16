package linux

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"

	"github.com/gosof/gosof/internal/hostorder"
)

// cpuByteOrderPath is where Linux 6.2 and later say their byte order
// (Documentation/ABI/testing/sysfs-kernel-cpu_byteorder): "little" or "big".
const cpuByteOrderPath = "/sys/kernel/cpu_byteorder"

var (
	kernelOrderOnce sync.Once
	kernelOrderVal  binary.ByteOrder
)

// kernelOrder is the byte order of the running kernel, the one /proc/net's
// hex addresses are printed in. It is the program's own except under
// qemu-user emulating another byte order (a big-endian SPARC gosof on an x86
// host, as CI runs it): system calls are translated there, text files are
// not. A kernel older than 6.2 has no cpu_byteorder file, and the program's
// own order is then the only guess.
func kernelOrder() binary.ByteOrder {
	kernelOrderOnce.Do(func() {
		kernelOrderVal = hostorder.Native
		if b, err := os.ReadFile(cpuByteOrderPath); err == nil {
			if o, ok := parseCPUByteOrder(b); ok {
				kernelOrderVal = o
			}
		}
	})
	return kernelOrderVal
}

// parseCPUByteOrder reads /sys/kernel/cpu_byteorder's text.
func parseCPUByteOrder(b []byte) (binary.ByteOrder, bool) {
	switch string(bytes.TrimSpace(b)) {
	case "little":
		return binary.LittleEndian, true
	case "big":
		return binary.BigEndian, true
	}
	return nil, false
}
