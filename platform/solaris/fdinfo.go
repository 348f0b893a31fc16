package solaris

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/gosof/gosof/core"
)

// Fdinfo is /proc/<pid>/fdinfo/<fd> (prfdinfo_t, sys/procfs.h; illumos
// since 2020, Oracle Solaris 11.4): the descriptor's header and the misc
// items that follow it.
type Fdinfo struct {
	FD       int
	Mode     uint32 // st_mode; S_IFSOCK sockets are 0xc000
	Ino      uint64
	Rmajor   uint32 // pr_rmajor: the device's major (a TLI endpoint's /dev/tcp...)
	PeerPID  int32
	PeerName string

	// Socket items; Has* says which were present.
	SockName, PeerSockName netip.AddrPort
	HasSockName, HasPeer   bool
	SockFamily             uint16 // AF_INET 2, AF_INET6 26, AF_UNIX 1
	UnixPath               string // AF_UNIX PR_SOCKETNAME: sun_path, "" when unbound
	BoolOpts               uint32 // PR_SO_* bits
	HasBoolOpts            bool
	Linger                 [2]int32 // l_onoff, l_linger
	HasLinger              bool
	SndBuf, RcvBuf         int32
	HasSndBuf, HasRcvBuf   bool
	SockType               int32 // SOCK_STREAM 2, SOCK_DGRAM 1 on Solaris
	HasSockType            bool
	Congestion             string
	Path                   string
	Unknown                []uint32 // item types gosof does not decode
}

// prfdinfo_t offsets (zlayout.go); the layout is the same on every ISA
// (uint64 fields are 8-aligned in it).
const (
	fdFD       = zFdFD
	fdMode     = zFdMode
	fdIno      = zFdIno
	fdRmajor   = zFdRmajor
	fdPeerPID  = zFdPeerPID
	fdPeerName = zFdPeerName // char pr_peername[PRFNSZ]
	fdMisc     = zFdMisc     // pr_misc[]: offsetof, not sizeof (zFdSize)
)

// Misc item types (enum PR_MISC_TYPES).
const (
	prPathname     = 0
	prSocketName   = 1
	prPeerSockName = 2
	prBoolOpts     = 3
	prLinger       = 4
	prSndBuf       = 5
	prRcvBuf       = 6
	prIPNexthop    = 7
	prIPv6Nexthop  = 8
	prSockType     = 9
	prCongestion   = 11
	prSockFilters  = 14
	miscHeader     = zMiscHeader // pr_misc_header_t {uint pr_misc_size; uint pr_misc_type}
)

// Solaris address families (sys/socket_impl.h): not Linux's numbers.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 26

	sIFMT   = 0xf000
	sIFSOCK = 0xc000
)

// IsSocket reports whether the descriptor is a socket.
func (d *Fdinfo) IsSocket() bool { return d.Mode&sIFMT == sIFSOCK }

// IsChar reports a character device: a TLI/XTI endpoint (/dev/tcp,
// /dev/udp...) is one.
func (d *Fdinfo) IsChar() bool { return d.Mode&sIFMT == sIFCHR }

// tliDevices are the transport devices netstat -u looks for behind a
// character-device descriptor: the last component of its path, after
// the ':' of a /devices minor name or the '/' of a /dev link.
var tliDevices = map[string]bool{"tcp": true, "tcp6": true, "udp": true, "udp6": true}

// IsTLI reports a descriptor open on a TCP or UDP transport device, as
// netstat recognises one; the inode join does not need it (inode and
// major decide), but a capture keeps these.
func (d *Fdinfo) IsTLI() bool { return tliDevices[d.tliDevice()] }

// tliDevice is the transport device a character device's path names
// ("tcp" for /devices/pseudo/tcp@0:tcp or /dev/tcp), "" for none.
func (d *Fdinfo) tliDevice() string {
	if !d.IsChar() {
		return ""
	}
	p := d.Path
	if i := strings.LastIndexByte(p, ':'); i >= 0 {
		return p[i+1:]
	} else if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// tliProto is the protocol of a TLI endpoint's device; "" when its path
// does not say (it then matches a row of either protocol by name).
func (d *Fdinfo) tliProto() core.Proto {
	switch d.tliDevice() {
	case "tcp", "tcp6":
		return core.TCP
	case "udp", "udp6":
		return core.UDP
	}
	return ""
}

// ParseFdinfo decodes an fdinfo file, walking the misc items to the
// terminator (an item of size 0). There is no total length: a list that
// runs off the end of b is truncated and an error, as is an item whose
// size is not a multiple of 4 or smaller than its header.
func ParseFdinfo(b []byte, bo binary.ByteOrder) (*Fdinfo, error) {
	if len(b) < fdMisc {
		return nil, parseErr("fdinfo: %d bytes, want at least %d", len(b), fdMisc+miscHeader)
	}
	f := fields{b, bo}
	d := &Fdinfo{
		FD:       int(f.i32(fdFD)),
		Mode:     f.u32(fdMode),
		Ino:      f.u64(fdIno),
		Rmajor:   f.u32(fdRmajor),
		PeerPID:  f.i32(fdPeerPID),
		PeerName: cstring(f.raw(fdPeerName, 16)),
	}
	for off := fdMisc; ; {
		if !f.has(off, miscHeader) {
			if f.has(off, 4) && f.u32(off) == 0 {
				return d, nil // a terminator whose type was cut off: libproc stops on size 0
			}
			return nil, parseErr("fdinfo fd %d: misc list not terminated at offset %d of %d", d.FD, off, len(b))
		}
		size, typ := f.u32(off), f.u32(off+4)
		if size == 0 {
			return d, nil
		}
		if size < miscHeader || size%4 != 0 || uint64(size) > uint64(len(b)-off) {
			return nil, parseErr("fdinfo fd %d: misc item type %d at offset %d has size %d (%d bytes left)", d.FD, typ, off, size, len(b)-off)
		}
		if err := d.item(typ, b[off+miscHeader:off+int(size)], bo); err != nil {
			return nil, parseErr("fdinfo fd %d: misc item type %d at offset %d: %v", d.FD, typ, off, err)
		}
		off += int(size)
	}
}

type itemError string

func (e itemError) Error() string { return string(e) }

// item decodes one misc item; data includes the padding to 4 bytes. Items
// may carry no data at all (a socket without a peer, IP_NEXTHOP unset).
func (d *Fdinfo) item(typ uint32, data []byte, bo binary.ByteOrder) error {
	f := fields{data, bo}
	need := func(n int) error {
		if len(data) < n {
			return itemError("too short")
		}
		return nil
	}
	switch typ {
	case prPathname:
		d.Path = cstring(data)
	case prSocketName, prPeerSockName:
		if len(data) == 0 {
			return nil
		}
		ap, fam, err := sockaddr(f)
		if err != nil {
			return err
		}
		if typ == prSocketName {
			d.SockName, d.HasSockName, d.SockFamily = ap, fam != afUnix, fam
			if fam == afUnix {
				d.UnixPath = cstring(data[2:]) // sockaddr_un: sun_family, sun_path[108]
			}
		} else {
			d.PeerSockName, d.HasPeer = ap, fam != afUnix
		}
	case prBoolOpts:
		if len(data) == 0 {
			return nil
		}
		if err := need(4); err != nil {
			return err
		}
		d.BoolOpts, d.HasBoolOpts = f.u32(0), true
	case prLinger:
		if len(data) == 0 {
			return nil
		}
		if err := need(8); err != nil {
			return err
		}
		d.Linger, d.HasLinger = [2]int32{f.i32(0), f.i32(4)}, true
	case prSndBuf, prRcvBuf, prSockType:
		if len(data) == 0 {
			return nil
		}
		if err := need(4); err != nil {
			return err
		}
		switch typ {
		case prSndBuf:
			d.SndBuf, d.HasSndBuf = f.i32(0), true
		case prRcvBuf:
			d.RcvBuf, d.HasRcvBuf = f.i32(0), true
		default:
			d.SockType, d.HasSockType = f.i32(0), true
		}
	case prCongestion:
		d.Congestion = cstring(data)
	case prIPNexthop, prIPv6Nexthop, prSockFilters:
		// Not used by gosof.
	default:
		d.Unknown = append(d.Unknown, typ)
	}
	return nil
}

// sockaddr decodes a sockaddr_in (16 bytes) or sockaddr_in6 (32 on
// illumos): family in host order, port in network order.
func sockaddr(f fields) (netip.AddrPort, uint16, error) {
	if !f.has(0, 2) {
		return netip.AddrPort{}, 0, itemError("sockaddr without a family")
	}
	fam := f.u16(0)
	switch fam {
	case afInet:
		if !f.has(0, 8) {
			return netip.AddrPort{}, fam, itemError("short sockaddr_in")
		}
		var a [4]byte
		copy(a[:], f.raw(4, 4))
		return netip.AddrPortFrom(netip.AddrFrom4(a), binary.BigEndian.Uint16(f.raw(2, 2))), fam, nil
	case afInet6:
		if !f.has(0, 24) {
			return netip.AddrPort{}, fam, itemError("short sockaddr_in6")
		}
		var a [16]byte
		copy(a[:], f.raw(8, 16))
		return netip.AddrPortFrom(netip.AddrFrom16(a), binary.BigEndian.Uint16(f.raw(2, 2))), fam, nil
	case afUnix:
		return netip.AddrPort{}, fam, nil
	}
	return netip.AddrPort{}, fam, itemError("unknown address family")
}
