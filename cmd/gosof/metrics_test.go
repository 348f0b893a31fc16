//go:build !gccgo

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsReplay: 'gosof metrics' over a Solaris capture, on any host.
// Solaris does not tell a listener's accept queue limit, so there are no
// queue series rather than made-up ones; the capture's connections are
// all outgoing (their local ports listen nowhere), so they are no label.
func TestMetricsReplay(t *testing.T) {
	out, errOut, code := gosofReplay(t, "metrics", "--replay", filepath.Join(solarisFixtures, "illumos-amd64"))
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		`gosof_sockets{proto="tcp",state="LISTEN"} 4`,
		`gosof_sockets{proto="tcp",state="CLOSE_WAIT"} 2`,
		`gosof_sockets{proto="udp",state="UNCONN"} 2`,
		"gosof_scrape_error 0",
		"gosof_unseen_processes 0",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	for _, family := range []string{"gosof_port_connections{", "gosof_listen_queue{", "gosof_listen_backlog{"} {
		if strings.Contains(out, family) {
			t.Errorf("output has %s series:\n%s", family, out)
		}
	}
}
