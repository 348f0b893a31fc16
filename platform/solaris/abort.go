package solaris

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/gosof/gosof/core"
)

// TCP_IOC_ABORT_CONN (inet/tcp.h): ('T'<<8)+91, sent through I_STR on
// /dev/tcp with a tcp_ioc_abort_conn_t.
const (
	tcpIocAbortConn = 'T'<<8 + 91
	ssSize          = 256 // struct sockaddr_storage (_SS_MAXSIZE)
	tcpsSynSent     = -2  // TCPS_SYN_SENT: the first state the ioctl accepts
	tcpsTimeWait    = 6   // TCPS_TIME_WAIT: the last
	allZones        = -1  // ALL_ZONES
)

// abortConnReq builds tcp_ioc_abort_conn_t {sockaddr_storage ac_local @0,
// ac_remote @256, int32 ac_start @512, ac_end @516, ac_zoneid @520}: 524
// bytes with amd64's #pragma pack(4), 528 on SPARC (8-aligned struct).
// sockaddr_in: family @0 (host order), port @2 (network order), addr @4;
// sockaddr_in6: family, port, flowinfo @4, addr @8.
func abortConnReq(r *Row, bo binary.ByteOrder) ([]byte, error) {
	if r.Proto != core.TCP {
		return nil, fmt.Errorf("%s %s: only TCP connections can be aborted on Solaris: %w", r.Proto, r.Local, core.ErrUnsupported)
	}
	if st, _ := tcpState(r); st == core.Listen || st == core.Close {
		return nil, fmt.Errorf("tcp %s is %s: TCP_IOC_ABORT_CONN only aborts connections (SYN_SENT to TIME_WAIT)", r.Local, st)
	}
	size := 524
	if bo == binary.BigEndian {
		size = 528
	}
	b := make([]byte, size)
	put := func(off int, ap netip.AddrPort) {
		if r.Family == core.Inet {
			bo.PutUint16(b[off:], afInet)
			binary.BigEndian.PutUint16(b[off+2:], ap.Port())
			a := ap.Addr().Unmap().As4()
			copy(b[off+4:], a[:])
			return
		}
		bo.PutUint16(b[off:], afInet6)
		binary.BigEndian.PutUint16(b[off+2:], ap.Port())
		a := ap.Addr().As16()
		copy(b[off+8:], a[:])
	}
	put(0, r.Local)
	put(ssSize, r.Remote)
	for i, v := range []int32{tcpsSynSent, tcpsTimeWait, allZones} {
		bo.PutUint32(b[2*ssSize+4*i:], uint32(v))
	}
	return b, nil
}

// errShutdown is what Shutdown says on Solaris.
var errShutdown = fmt.Errorf("Solaris cannot act on another process's descriptor (no pidfd_getfd); use --abort (TCP_IOC_ABORT_CONN) or kill the owner: %w", core.ErrUnsupported)

// rowOf gets the MIB row back from a socket this backend listed.
func rowOf(s *core.Socket) (*Row, error) {
	k, ok := s.Key.(Key)
	if !ok {
		return nil, fmt.Errorf("socket %s:%d was not listed by the Solaris backend", s.Local.Addr, s.Local.Port)
	}
	return &k.Row, nil
}
