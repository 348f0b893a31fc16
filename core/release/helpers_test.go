package release

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

func boolPtr(v bool) *bool { return &v }
