package solaris

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"

	"github.com/gosof/gosof/core"
)

// TCP_IOC_ABORT_CONN (inet/tcp.h): ('T'<<8)+91, sent through I_STR on
// /dev/tcp with a tcp_ioc_abort_conn_t.
const (
	tcpIocAbortConn = zTCPIocAbortConn // ('T'<<8)+91
	tcpsSynSent     = -2               // TCPS_SYN_SENT: the first state the ioctl accepts
	tcpsTimeWait    = 6                // TCPS_TIME_WAIT: the last
)

// abortConnReq builds tcp_ioc_abort_conn_t {sockaddr_storage ac_local,
// ac_remote, int32 ac_start, ac_end, ac_zoneid} (offsets in zlayout.go:
// 524 bytes with amd64's #pragma pack(4), 528 on SPARC), for the
// caller's zone: the kernel matches only that zone's connections (not
// ALL_ZONES, which from the global zone would reach every shared-IP
// zone's), and logs to the console only for the global zone or
// ALL_ZONES. sockaddr_in: family @0 (host order), port @2 (network
// order), addr @4; sockaddr_in6: family, port, flowinfo @4, addr @8.
func abortConnReq(r *Row, bo binary.ByteOrder, zone int32) ([]byte, error) {
	if r.Proto != core.TCP {
		return nil, fmt.Errorf("%s %s: only TCP connections can be aborted on Solaris: %w", r.Proto, r.Local, core.ErrUnsupported)
	}
	if st, _ := tcpState(r); st == core.Listen || st == core.Close {
		return nil, fmt.Errorf("tcp %s is %s: TCP_IOC_ABORT_CONN only aborts connections (SYN_SENT to TIME_WAIT)", r.Local, st)
	}
	size := zAbortSizeAmd64
	if bo == binary.BigEndian {
		size = zAbortSizeSPARC
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
	put(zAbortLocal, r.Local)
	put(zAbortRemote, r.Remote)
	for _, f := range []struct{ off, v int32 }{{zAbortStart, tcpsSynSent}, {zAbortEnd, tcpsTimeWait}, {zAbortZoneID, zone}} {
		bo.PutUint32(b[f.off:], uint32(f.v))
	}
	return b, nil
}

// zoneID is the caller's zone, as getzoneid() returns it: the pr_zoneid
// of its own psinfo (x/sys/unix has no getzoneid).
func (b *Backend) zoneID() (int32, error) {
	ps, err := b.Psinfo(os.Getpid())
	if err != nil {
		return 0, fmt.Errorf("reading this process's zone id: %w", err)
	}
	return ps.ZoneID, nil
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
