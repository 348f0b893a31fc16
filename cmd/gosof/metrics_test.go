package main

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMetricsReplay: 'gosof metrics' over an illumos capture, on any host.
// Connections on the capture's listening ports (80, 22) are labelled with
// their holders; the NFS client connection on 2049 and the outgoing ones
// are not (nothing listens there). Every TCP listener and UDP service is a
// gosof_listeners series; Solaris does not tell a listener's accept queue
// limit, so there are no queue series rather than made-up ones.
func TestMetricsReplay(t *testing.T) {
	out, errOut, code := gosofReplay(t, "metrics", "--replay", filepath.Join(solarisFixtures, "illumos-amd64"))
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var perPort []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "gosof_port_connections{") || strings.HasPrefix(l, "gosof_listen") {
			perPort = append(perPort, l)
		}
	}
	sort.Strings(perPort)
	want := []string{
		`gosof_listeners{addr="0.0.0.0",port="111",process="rpcbind",proto="tcp"} 1`,
		`gosof_listeners{addr="0.0.0.0",port="53",process="named",proto="udp"} 1`,
		`gosof_listeners{addr="0.0.0.0",port="80",process="httpd",proto="tcp"} 1`,
		`gosof_listeners{addr="::",port="123",process="ntpd",proto="udp"} 1`,
		`gosof_listeners{addr="::",port="22",process="sshd",proto="tcp"} 1`,
		`gosof_port_connections{port="22",process="sshd",proto="tcp",state="ESTABLISHED"} 1`,
		`gosof_port_connections{port="80",process="",proto="tcp",state="TIME_WAIT"} 1`,
		`gosof_port_connections{port="80",process="httpd",proto="tcp",state="CLOSE_WAIT"} 1`,
		`gosof_port_connections{port="80",process="httpd",proto="tcp",state="ESTABLISHED"} 1`,
	}
	if diff := cmp.Diff(want, perPort); diff != "" {
		t.Errorf("per-port series (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		`gosof_sockets{proto="tcp",state="LISTEN"} 3`,
		`gosof_sockets{proto="tcp",state="ESTABLISHED"} 4`,
		`gosof_sockets{proto="udp",state="UNCONN"} 2`,
		"gosof_scrape_error 0",
		"gosof_unseen_processes 0",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestMetricsReplayUnverified: a creator gosof could not prove is still
// the process that made the socket (its pid may be another program's
// now) names no process in a label, as -t prints no pid for it: backupd
// got the pid of the process that made 7070's listener, and was labelled
// as 7070's listener and the holder of its connection.
func TestMetricsReplayUnverified(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    []string
	}{
		{"illumos-creators-amd64", []string{
			`gosof_listeners{addr="0.0.0.0",port="7070",process="mysqld",proto="tcp"} 1`,
			`gosof_port_connections{port="7070",process="",proto="tcp",state="ESTABLISHED"} 1`,
		}},
		{"solaris11-dualstack-sparc", []string{
			`gosof_listeners{addr="0.0.0.0",port="5000",process="",proto="udp"} 1`,
			`gosof_listeners{addr="0.0.0.0",port="7070",process="",proto="tcp"} 1`,
		}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			out, errOut, code := gosofReplay(t, "metrics", "--replay", filepath.Join(solarisFixtures, tc.capture))
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			var got []string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, `port="7070"`) || strings.Contains(l, `port="5000"`) {
					got = append(got, l)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("series of 7070 and 5000 (-want +got):\n%s", diff)
			}
		})
	}
}
