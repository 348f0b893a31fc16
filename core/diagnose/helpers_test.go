package diagnose

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/golden"
)

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("..", "..", "testdata", "core", name), got)
}

func ep(addr string, port uint16) core.Endpoint {
	return core.Endpoint{Addr: netip.MustParseAddr(addr), Port: port}
}

func epp(addr string, port uint16) *core.Endpoint { e := ep(addr, port); return &e }

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

var evil = &core.Process{PID: 666, Comm: "ev\x1b[31mil\nx", UID: 0, User: "root"}

// The tests name users from this table, not from the host's /etc/passwd.
func init() {
	userName = func(uid int64) string {
		if n, ok := map[int64]string{0: "root", 1000: "app", 1001: "ev\x1b[31mil"}[uid]; ok {
			return n
		}
		return strconv.FormatInt(uid, 10)
	}
}

// Probe runs the TCP bind probe, as why does for a port with no UDP socket.
func Probe(p BindProber, port uint16, socks []core.Socket) *ProbeReport {
	return ProbeProto(p, core.TCP, port, socks)
}

// fixed is a socket source that lists the same sockets every time.
type fixed []core.Socket

func (f fixed) Sockets(*core.Filter) ([]core.Socket, error) {
	return append([]core.Socket(nil), f...), nil
}

// sorted is socks in the order Resolve gives them.
func sorted(socks []core.Socket) []core.Socket {
	res, err := (&core.Resolver{Sockets: fixed(socks)}).Resolve(&core.Filter{})
	if err != nil {
		panic(err)
	}
	return res.Sockets
}
