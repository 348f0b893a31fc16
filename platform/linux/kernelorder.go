package linux

import (
	"encoding/binary"

	"github.com/gosof/gosof/internal/hostorder"
)

// kernelOrder is the byte order /proc/net's hex addresses are printed in:
// the running kernel's (hostorder.Kernel), or where the kernel does not
// say, the program's own.
func kernelOrder() binary.ByteOrder {
	if o, ok := hostorder.Kernel(); ok {
		return o
	}
	return hostorder.Native
}
