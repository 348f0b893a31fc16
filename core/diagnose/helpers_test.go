package diagnose

import (
	"net/netip"
	"path/filepath"
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
