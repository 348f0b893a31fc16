package linux

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform"
)

// TestUnlistedSCTP: gosof reads no SCTP sockets on Linux. Where the sctp
// module is loaded (it makes /proc/net/sctp), a filter that asks for
// SCTP alone is blind (exit 2, the reason), never "no match" or "free
// for SCTP"; without the module no SCTP socket exists to miss. This
// machine has no sctp module, so a /proc of a directory plays the host
// with it loaded; the prober checks the same file (sctpLoaded).
func TestUnlistedSCTP(t *testing.T) {
	proc := t.TempDir()
	fs := FS{Proc: proc}
	f, err := core.ParseFilter(core.FilterFlags{Protos: []string{"sctp"}})
	if err != nil {
		t.Fatal(err)
	}
	b := &platform.Backend{Unlisted: unlisted(fs)}
	if msg, all := b.Blind(f); msg != "" || all {
		t.Errorf("without the sctp module: Blind = %q, %v; want nothing: no SCTP socket exists", msg, all)
	}
	if err := os.MkdirAll(filepath.Join(proc, "net", "sctp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if msg, all := b.Blind(f); !all || msg == "" {
		t.Errorf("with the sctp module: Blind = %q, %v; want blind: gosof reads no SCTP sockets", msg, all)
	}
	for _, p := range []core.Proto{core.TCP, core.UDP, core.UDPLite, core.Raw, core.Unix} {
		if why := unlisted(fs)(p); why != "" {
			t.Errorf("%s: %q, want listed", p, why)
		}
	}
}
