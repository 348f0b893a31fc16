// Package solaris is gosof's Solaris and illumos backend: the connection
// table from MIB2 over STREAMS (what netstat reads), owners from the
// EXPER_SOCK_INFO tables joined with /proc/<pid>/fdinfo by inode (as
// netstat -u does), else fdinfo's socket names, else the rows' creation
// pid, process details from /proc/<pid>/psinfo, and TCP_IOC_ABORT_CONN to
// drop a connection.
//
// Every parser works on bytes and takes the byte order of the host that
// produced them, so it is tested on Linux and replays a capture from any
// host (amd64 or SPARC). Only files named _solaris.go make system calls;
// Go compiles them for GOOS=solaris and GOOS=illumos.
package solaris

import (
	"encoding/binary"
	"fmt"

	"github.com/gosof/gosof/core"
)

// MIB2 levels and table names (inet/mib2.h, compiled into zlayout.go).
const (
	levelIP   = zLevelIP   // MIB2_IP: IPPROTO_MAX+4, the level every release answers
	levelTCP  = zLevelTCP  // MIB2_TCP
	levelUDP  = zLevelUDP  // MIB2_UDP
	levelTCP6 = zLevelTCP6 // MIB2_TCP6
	levelUDP6 = zLevelUDP6 // MIB2_UDP6

	nameStats     = 0              // the fixed mib2_tcp_t / mib2_udp_t group
	nameTCPConn   = zNameTCPConn   // MIB2_TCP_CONN
	nameTCP6Conn  = zNameTCP6Conn  // MIB2_TCP6_CONN
	nameUDPEntry  = zNameUDPEntry  // MIB2_UDP_ENTRY
	nameUDP6Entry = zNameUDP6Entry // MIB2_UDP6_ENTRY
	nameSockInfo  = zExperSockInfo // EXPER_SOCK_INFO (illumos since October 2019)
)

// parseErr wraps core.ErrParse with what was being read.
func parseErr(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), core.ErrParse)
}

// fields reads fixed-offset fields of a C struct with bounds checks, so a
// short buffer is an error and never a panic.
type fields struct {
	b  []byte
	bo binary.ByteOrder
}

func (f fields) has(off, n int) bool { return off >= 0 && n >= 0 && off+n <= len(f.b) }

func (f fields) u16(off int) uint16 {
	if !f.has(off, 2) {
		return 0
	}
	return f.bo.Uint16(f.b[off:])
}

func (f fields) u32(off int) uint32 {
	if !f.has(off, 4) {
		return 0
	}
	return f.bo.Uint32(f.b[off:])
}

func (f fields) i32(off int) int32 { return int32(f.u32(off)) }

func (f fields) u64(off int) uint64 {
	if !f.has(off, 8) {
		return 0
	}
	return f.bo.Uint64(f.b[off:])
}

func (f fields) raw(off, n int) []byte {
	if !f.has(off, n) {
		return nil
	}
	return f.b[off : off+n]
}

// cstring reads a NUL-terminated string from a fixed-size char array.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ParseByteOrder reads host.json's "byteorder".
func ParseByteOrder(s string) (binary.ByteOrder, error) {
	switch s {
	case "little":
		return binary.LittleEndian, nil
	case "big":
		return binary.BigEndian, nil
	}
	return nil, parseErr("byte order %q is not \"little\" or \"big\"", s)
}

func orderName(bo binary.ByteOrder) string {
	if bo == binary.BigEndian {
		return "big"
	}
	return "little"
}
