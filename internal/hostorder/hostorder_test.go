package hostorder

import (
	"encoding/binary"
	"testing"
)

// The constant must agree with the compiler's own idea of the byte order.
func TestMatchesNativeEndian(t *testing.T) {
	b := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if Native.Uint16(b) != binary.NativeEndian.Uint16(b) || Native.Uint32(b) != binary.NativeEndian.Uint32(b) ||
		Native.Uint64(b) != binary.NativeEndian.Uint64(b) {
		t.Fatalf("BigEndian = %v disagrees with binary.NativeEndian (%v)", BigEndian, binary.NativeEndian)
	}
	var o [8]byte
	Native.PutUint64(o[:], 0x0102030405060708)
	var want [8]byte
	binary.NativeEndian.PutUint64(want[:], 0x0102030405060708)
	if o != want {
		t.Fatalf("PutUint64: % x, want % x", o, want)
	}
	var _ binary.ByteOrder = Native
}
