// Package hostorder is the byte order of the machine gosof runs on: what
// binary.NativeEndian is since Go 1.21. The SPARC build's gccgo library is Go
// 1.18, which has no NativeEndian, hence this. BigEndian is a constant (from
// GOARCH, in big.go and little.go), so each method compiles to the one byte
// order and inlines as binary.NativeEndian's do. Kernel (kernel.go) is the
// running kernel's order, which differs under qemu-user: the one place
// gosof asks it.
package hostorder

import "encoding/binary"

// Order implements binary.ByteOrder in the host's byte order.
type Order struct{}

// Native is the host's byte order.
var Native Order

func (Order) Uint16(b []byte) uint16 {
	if BigEndian {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (Order) Uint32(b []byte) uint32 {
	if BigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (Order) Uint64(b []byte) uint64 {
	if BigEndian {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

func (Order) PutUint16(b []byte, v uint16) {
	if BigEndian {
		binary.BigEndian.PutUint16(b, v)
	} else {
		binary.LittleEndian.PutUint16(b, v)
	}
}

func (Order) PutUint32(b []byte, v uint32) {
	if BigEndian {
		binary.BigEndian.PutUint32(b, v)
	} else {
		binary.LittleEndian.PutUint32(b, v)
	}
}

func (Order) PutUint64(b []byte, v uint64) {
	if BigEndian {
		binary.BigEndian.PutUint64(b, v)
	} else {
		binary.LittleEndian.PutUint64(b, v)
	}
}

func (Order) String() string {
	if BigEndian {
		return "BigEndian"
	}
	return "LittleEndian"
}
