package host

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform"
)

// TestReplayAnywhere: a capture opens through the same path on every OS
// (this file has no build tag), and what a system without a backend
// answers for a live read is ErrUnsupported, naming the way out.
func TestReplayAnywhere(t *testing.T) {
	b, err := Open(platform.Options{Replay: "../../testdata/solaris/illumos-amd64"})
	if err != nil {
		t.Fatal(err)
	}
	socks, err := b.Resolver().Resolve(&core.Filter{})
	if err != nil || len(socks.Sockets) == 0 {
		t.Fatalf("replay: %d sockets, err %v", len(socks.Sockets), err)
	}
	if b.Signaller != nil || b.Closer != nil {
		t.Error("a capture must not be able to act")
	}
	err = unsupported("freebsd")
	if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "--replay works everywhere") {
		t.Errorf("unsupported: %v", err)
	}
	if _, err := Open(platform.Options{Replay: "x", AllNetNS: true}); err == nil {
		t.Error("--replay with --all-netns: want a usage error")
	}
}
