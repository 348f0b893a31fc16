package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/internal/golden"
)

// TestReplayProof: the captures of issue 28 (creators proven or not,
// dual-stack twins without EXPER_SOCK_INFO, a TLI endpoint found by
// name), end to end, in both byte orders. Their rows carry creation times
// and host.json the lbolt and hz of the capture: each TCP connection's
// age is the bound of its idle time (IDLE "<=", JSON age_ms).
func TestReplayProof(t *testing.T) {
	for _, pair := range [][2]string{
		{"illumos-creators-amd64", "illumos-creators-sparc"},
		{"solaris11-dualstack-amd64", "solaris11-dualstack-sparc"},
	} {
		var outs [2]string
		for i, capture := range pair {
			for _, form := range []struct{ name, flag string }{{"json", "--json"}, {"table", ""}, {"idle", "--show-idle"}} {
				t.Run(capture+"/"+form.name, func(t *testing.T) {
					args := []string{"ls", "--replay", filepath.Join(solarisFixtures, capture)}
					if form.flag != "" {
						args = append(args, form.flag)
					}
					stdout, stderr, code := gosofReplay(t, args...)
					if code != 0 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "could not be proven to be the process that made it") {
						t.Errorf("exit %d, stderr %q; want 0 and one note on the unproven creators", code, stderr)
					}
					if form.flag == "--json" {
						outs[i] = stdout
					}
					golden.Check(t, filepath.Join(solarisFixtures, strings.TrimSuffix(strings.TrimSuffix(capture, "-amd64"), "-sparc")+"."+form.name+".golden"), []byte(stdout))
				})
			}
		}
		if outs[0] == "" || outs[0] != outs[1] {
			t.Errorf("%s and %s print differently (-amd64 +sparc):\n%s", pair[0], pair[1], cmp.Diff(outs[0], outs[1]))
		}
	}
}

// TestTerseUnverified: -t never prints an unverified creator. backupd
// (4500) got the pid of the process that made 7070's listener: `kill
// $(gosof who -t 7070)` must not reach it.
func TestTerseUnverified(t *testing.T) {
	for _, tc := range []struct {
		capture, port, want string
		code                int
	}{
		// mysqld (4501) holds the listener; 4500 is only named as the
		// creator of a connection in its queue.
		{"illumos-creators-amd64", "7070", "4501\n", 0},
		// Nothing gosof can see holds 7070: no pid at all, and exit 2.
		{"solaris11-dualstack-sparc", "7070", "", 2},
		// A proven creator is printed.
		{"solaris11-dualstack-amd64", "2049", "77\n", 0},
	} {
		t.Run(tc.capture+"/"+tc.port, func(t *testing.T) {
			stdout, stderr, code := gosofReplay(t, "who", "-t", tc.port, "--replay", filepath.Join(solarisFixtures, tc.capture))
			if stdout != tc.want || code != tc.code {
				t.Errorf("who -t %s: %q, exit %d (stderr %q); want %q, exit %d", tc.port, stdout, code, stderr, tc.want, tc.code)
			}
		})
	}
}
