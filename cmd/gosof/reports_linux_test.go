package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestCloseListenVerdictIsTheProbes: a listener that set SO_REUSEADDR,
// shut down by close --listen, stays bound in CLOSE while its holder
// keeps the descriptor; a new server that sets SO_REUSEADDR can bind and
// listen there, one that does not cannot. close says what the bind probe
// (the one why runs) finds, never that every new server's bind fails. In
// a network namespace of the test's own, on a port it names.
func TestCloseListenVerdictIsTheProbes(t *testing.T) {
	for _, reuse := range []int{1, 0} {
		t.Run("reuseaddr="+strconv.Itoa(reuse), func(t *testing.T) {
			h := testhelper.Start(t, testhelper.NewNetNS())
			fd := h.Int("socket inet stream")
			h.Do("setsockopt %d reuseaddr %d", fd, reuse)
			h.Do("bind %d 127.0.0.1:23300", fd)
			h.Do("listen %d", fd)
			ns := ownNetNS(t, strconv.Itoa(h.PID))
			out, errOut, code := gosof(t, "close", "--listen", "-y", "--netns", ns, "23300")
			t.Logf("close --listen (exit %d):\n%s%s", code, out, errOut)
			// What a new server meets now, in that namespace.
			plain := h.Int("socket inet stream")
			_, plainErr := h.Try("bind %d 127.0.0.1:23300", plain)
			withReuse := h.Int("socket inet stream")
			h.Do("setsockopt %d reuseaddr 1", withReuse)
			_, reuseErr := h.Try("bind %d 127.0.0.1:23300", withReuse)
			t.Logf("bind without SO_REUSEADDR: %v; with: %v", plainErr, reuseErr)
			switch {
			case reuseErr == nil:
				if strings.Contains(out, "a new server's bind fails") || strings.Contains(out, "not free") || code != exitMatch || !strings.Contains(out, "SO_REUSEADDR") {
					t.Errorf("a server with SO_REUSEADDR can bind, but close says (exit %d):\n%s", code, out)
				}
			default:
				if !strings.Contains(out, "a new server's bind fails") || code != exitSurvivors {
					t.Errorf("no new server can bind, but close says (exit %d):\n%s", code, out)
				}
			}
			if plainErr == nil {
				t.Errorf("a bind without SO_REUSEADDR worked: the shut-down listener should still hold the port")
			}
		})
	}
}

// TestUnknownHolderNamed: a listener whose holder gosof could not see
// (root without capabilities, the holder root with them) is held by
// "unknown" in close's plan and in its list of listeners left alone,
// never by "-", which says no process holds it.
func TestUnknownHolderNamed(t *testing.T) {
	wrap := noCaps(t)
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	out, errOut, _ := gosofUnder(t, wrap, nil, "close", "-n", p)
	if !strings.Contains(out, "held by unknown") || strings.Contains(out, "held by -") {
		t.Errorf("close -n %s: the listener left alone is not held by unknown:\n%s%s", p, out, errOut)
	}
	out, errOut, code := gosofUnder(t, wrap, nil, "close", "-n", "--listen", p)
	if !strings.Contains(out, " unknown ") {
		t.Errorf("close -n --listen %s: the plan does not name the holder unknown:\n%s%s", p, out, errOut)
	}
	// The dry run ends as the run would, and as kill -n does: exit 3
	// (docs/kill-close.md, rule 4), never 0 for a port it cannot release.
	if code != exitSurvivors {
		t.Errorf("close -n --listen %s: exit %d, want 3 (holder unknown)\n%s%s", p, code, out, errOut)
	}
	if _, _, kcode := gosofUnder(t, wrap, nil, "kill", "-n", p); kcode != code {
		t.Errorf("kill -n %s exits %d, close -n --listen %d: one decision for both", p, kcode, code)
	}
}
