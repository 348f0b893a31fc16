package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestDryRunSaysWhatWasAsked: kill --json and close --json say "dry_run"
// true when -n was given, and false when it was not, also when nothing
// was there to signal or close (the plan is all they print then).
func TestDryRunSaysWhatWasAsked(t *testing.T) {
	h := testhelper.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close() // the port is free now: nothing to signal or close
	// --pid: a helper that holds nothing on the port, whoever takes it meanwhile
	pid := strconv.Itoa(h.PID)
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"kill", port, "--json"}, false},
		{[]string{"kill", port, "--json", "--dry-run"}, true},
		{[]string{"kill", port, "--json", "-n"}, true},
		{[]string{"close", port, "--json"}, false},
		{[]string{"close", port, "--json", "-n"}, true},
	} {
		tc.args = append(tc.args, "--pid", pid)
		out, errOut, code := gosof(t, tc.args...)
		var j struct {
			DryRun  *bool `json:"dry_run"`
			Changed *bool `json:"changed"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || j.DryRun == nil || code != exitNoMatch {
			t.Fatalf("gosof %s: exit %d %s: %v\n%s", strings.Join(tc.args, " "), code, errOut, err, out)
		}
		if *j.DryRun != tc.want || *j.Changed {
			t.Errorf("gosof %s: dry_run %v changed %v, want dry_run %v, nothing changed", strings.Join(tc.args, " "), *j.DryRun, *j.Changed, tc.want)
		}
	}
}

// TestCloseDryRunExitsAsTheRun: close -n exits as the run would. A plan
// that leaves a matched socket alone (a UDP-Lite socket, which close
// cannot act on; a TCP socket bound but neither listening nor connected)
// makes the run exit 3 ("left alone"), and the dry run exited 0.
func TestCloseDryRunExitsAsTheRun(t *testing.T) {
	h := testhelper.Start(t)
	pid := strconv.Itoa(h.PID)
	tfd := h.Int("socket inet stream")
	h.Do("bind %d 127.0.0.1:0", tfd)
	tport := h.Do("name %d", tfd)[1]
	cases := [][]string{{"close", tport, "--state", "close"}}
	if ufd, err := h.Try("socket inet dgram 136"); err == nil {
		h.Do("bind %s 127.0.0.1:0", ufd[0])
		cases = append(cases, []string{"close", h.Do("name %s", ufd[0])[1], "--proto", "udplite"})
	}
	for _, args := range cases {
		args = append(args, "--pid", pid)
		out, errOut, code := gosof(t, append(args, "-n")...)
		if code != exitSurvivors || !strings.Contains(out, "none: ") {
			t.Errorf("gosof %s -n: exit %d, want 3 and the socket left alone in the plan\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		out, errOut, code = gosof(t, append(args, "--yes")...)
		if code != exitSurvivors || !strings.Contains(out, "left alone") {
			t.Errorf("gosof %s --yes: exit %d, want 3, left alone\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	// A connection in a listener's accept queue is left alone, and stays
	// while its listener does (3); shutting the listener down takes its
	// queue with it (0): the dry run says which.
	for _, tc := range []struct {
		state string
		want  int
	}{{"established", exitSurvivors}, {"established,listen", exitMatch}} {
		// in a network namespace of the test's own: the connection
		// queued has no holder, so --pid would not match it
		q := testhelper.Start(t, testhelper.NewNetNS())
		_, port := listen(t, q, "inet", "127.0.0.1:0")
		p := strconv.Itoa(port)
		connect(t, q, "inet", "127.0.0.1:"+p) // never accepted
		args := []string{"close", p, "--netns", ownNetNS(t, strconv.Itoa(q.PID)), "--state", tc.state}
		out, errOut, dry := gosof(t, append(args, "-n")...)
		out2, errOut2, run := gosof(t, append(args, "--yes")...)
		if dry != tc.want || run != tc.want {
			t.Errorf("gosof %s: -n exit %d, --yes exit %d; want %d both\n%s%s---\n%s%s", strings.Join(args, " "), dry, run, tc.want, out, errOut, out2, errOut2)
		}
	}
}
