package metrics

import (
	"os/exec"
	"testing"
)

// TestAlertRules checks docs/gosof-alerts.yml with Prometheus's own
// promtool: the rules parse, and its unit tests (docs/gosof-alerts.test.yml:
// a growing CLOSE_WAIT leak fires, a busy server's steady CLOSE_WAIT does
// not, a full accept queue fires, unseen processes fire) pass.
func TestAlertRules(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; .ci/run installs it)")
	}
	for _, args := range [][]string{
		{"check", "rules", "../../docs/gosof-alerts.yml"},
		{"test", "rules", "../../docs/gosof-alerts.test.yml"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
