// Package promtest holds what the tests of 'gosof metrics' and
// gosof-exporter share: Prometheus's own parser and promtool as oracles
// of an exposition, a real Prometheus server, and a world of sockets with
// known metrics. It is for tests only.
package promtest

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Parse reads a text exposition with Prometheus's own parser into
// "name{k=v,...}" -> value, label names sorted; it fails the test on text
// Prometheus would reject and on a series given twice.
func Parse(t testing.TB, text string) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	got := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			k := name + "{" + strings.Join(ls, ",") + "}"
			if _, dup := got[k]; dup {
				t.Errorf("duplicate series %s", k)
			}
			got[k] = m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return got
}

// Check runs 'promtool check metrics' (Prometheus's own linter) over an
// exposition; without promtool it says so and checks nothing.
func Check(t testing.TB, text string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian package prometheus; .ci/run installs it): exposition not linted")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
