package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gosof/gosof/core/metrics"
	"github.com/gosof/gosof/internal/promtest"
	"github.com/gosof/gosof/internal/scrape"
	"github.com/gosof/gosof/platform"
)

// TestExporterSameFamilies: what gosof-exporter serves (its own go_,
// process_ and promhttp_ metrics left out) and what 'gosof metrics' writes
// (metrics.WriteText) are the same families, with the same help, type and
// label names, over real sockets: core/metrics decides them for both.
// gosof_build_info was the exporter's alone (client_golang's version
// collector, registered beside the families), so a textfile had no
// version to tell.
func TestExporterSameFamilies(t *testing.T) {
	w := promtest.NewWorld(t, 2, 1, 16)
	for _, allNetNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("all-netns=%v", allNetNS), func(t *testing.T) {
			src, err := scrape.Open(platform.Options{AllNetNS: allNetNS}, func(string) {})
			if err != nil {
				t.Fatal(err)
			}
			col, err := metrics.New(metrics.Options{Gather: src.Gather, MaxSeries: metrics.DefaultMaxSeries, NetNS: allNetNS,
				Build: metrics.Build{Version: "v1.2.3", Revision: "0123abc", GoVersion: "go1.99"}})
			if err != nil {
				t.Fatal(err)
			}
			fams, err := col.Scrape()
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := metrics.WriteText(&text, fams); err != nil {
				t.Fatal(err)
			}
			h, err := newHandler(&options{telemetryPath: "/metrics", disableExporterMetrics: true}, col, nil,
				slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != 200 {
				t.Fatalf("exporter: status %d\n%s", rec.Code, rec.Body)
			}
			served := rec.Body.String()

			if got, want := shape(t, served), shape(t, text.String()); got != want {
				t.Errorf("the exporter's families differ from gosof metrics':\nexporter:\n%s\ngosof metrics:\n%s", got, want)
			}
			for name, out := range map[string]string{"exporter": served, "gosof metrics": text.String()} {
				got := promtest.Parse(t, out)
				if !allNetNS { // the world's series, without namespace labels
					w.Check(t, got)
				}
				found := false
				for k, v := range got {
					if strings.HasPrefix(k, "gosof_build_info{") && strings.Contains(k, "version=v1.2.3") &&
						strings.Contains(k, "revision=0123abc") && strings.Contains(k, "goversion=go1.99") && v == 1 {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no gosof_build_info 1 with version v1.2.3, revision 0123abc, goversion go1.99", name)
				}
			}
		})
	}
}

// shape is an exposition's families, one line each: name, type, help and
// the label names of its series.
func shape(t *testing.T, text string) string {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	var lines []string
	for name, mf := range mfs {
		labels := map[string]bool{}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				labels[l.GetName()] = true
			}
		}
		var ls []string
		for l := range labels {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		lines = append(lines, fmt.Sprintf("%s %s {%s} %q", name, mf.GetType(), strings.Join(ls, ","), mf.GetHelp()))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
