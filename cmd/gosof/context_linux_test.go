package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

const ctxHexID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// rawText reports whether out holds what a terminal could act on: an
// escape, or a bidi control, raw.
func rawText(out string) bool { return strings.ContainsAny(out, "\x1b\u202e") }

// TestContext: processes moved into cgroups the test makes (a systemd
// service's path and a docker container's) show their unit and their
// container with --context and in JSON, and --unit keeps only the
// service's, for listing and for kill; an empty answer names --unit.
func TestContext(t *testing.T) {
	svc := testhelper.Cgroup(t, "system.slice/gosof-ctx-1.service")
	dock := testhelper.Cgroup(t, "docker/"+ctxHexID)
	h1, h2 := testhelper.Start(t), testhelper.Start(t)
	testhelper.MoveTo(t, svc, h1.PID)
	testhelper.MoveTo(t, dock, h2.PID)
	_, p1 := listen(t, h1, "inet", "127.0.0.1:0")
	_, p2 := listen(t, h2, "inet", "127.0.0.1:0")
	ports := []string{strconv.Itoa(p1), strconv.Itoa(p2)}

	out, errOut, code := gosof(t, append([]string{"who", "--context"}, ports...)...)
	if code != 0 {
		t.Fatalf("who --context: exit %d: %s", code, errOut)
	}
	header, rows, _ := strings.Cut(out, "\n")
	if !strings.HasSuffix(header, "CONTEXT") || !strings.Contains(rows, strconv.Itoa(h1.PID)+"/") {
		t.Fatalf("who --context:\n%s", out)
	}
	for _, l := range strings.Split(strings.TrimSpace(rows), "\n") {
		switch {
		case strings.Contains(l, " "+strconv.Itoa(h1.PID)+"/") && !strings.HasSuffix(l, " gosof-ctx-1.service"),
			strings.Contains(l, " "+strconv.Itoa(h2.PID)+"/") && !strings.HasSuffix(l, " docker:0123456789ab"):
			t.Errorf("who --context: row %q lacks its unit or container", l)
		}
	}
	if out, _, _ := gosof(t, append([]string{"who"}, ports...)...); strings.Contains(out, "CONTEXT") {
		t.Errorf("who without --context has the column:\n%s", out)
	}

	var socks []struct {
		Local  jep `json:"local"`
		Owners []struct {
			PID       int    `json:"pid"`
			Unit      string `json:"unit"`
			Container string `json:"container"`
		} `json:"owners"`
	}
	out, _, _ = gosof(t, append([]string{"who", "--json"}, ports...)...)
	mustUnmarshal(t, out, &socks)
	got := map[int]string{}
	for _, s := range socks {
		for _, o := range s.Owners {
			got[o.PID] = o.Unit + "|" + o.Container
		}
	}
	if got[h1.PID] != "gosof-ctx-1.service|" || got[h2.PID] != "|docker://"+ctxHexID {
		t.Errorf("JSON owners' unit|container = %v, want gosof-ctx-1.service for %d and the docker id for %d:\n%s", got, h1.PID, h2.PID, out)
	}

	for _, unit := range []string{"gosof-ctx-1", "gosof-ctx-1.service"} {
		out, errOut, code := gosof(t, append([]string{"who", "-t", "--unit", unit}, ports...)...)
		if code != 0 || strings.TrimSpace(out) != strconv.Itoa(h1.PID) {
			t.Errorf("who -t --unit %s: exit %d, %q, want %d alone: %s", unit, code, out, h1.PID, errOut)
		}
	}
	out, errOut, code = gosof(t, append([]string{"kill", "-n", "--unit", "gosof-ctx-1"}, ports...)...)
	if code != 0 || !strings.Contains(out, strconv.Itoa(h1.PID)+" ") || strings.Contains(out, strconv.Itoa(h2.PID)+" ") {
		t.Errorf("kill -n --unit: exit %d, want a plan for %d alone:\n%s%s", code, h1.PID, out, errOut)
	}
	_, errOut, code = gosof(t, append([]string{"who", "--unit", "gosof-ctx-none"}, ports...)...)
	if code != 1 || !strings.Contains(errOut, "--unit gosof-ctx-none") {
		t.Errorf("who --unit (no such unit): exit %d, want 1 naming --unit: %s", code, errOut)
	}
	if _, errOut, code := gosof(t, "ls", "--unit", "a/b"); code != 2 {
		t.Errorf("ls --unit a/b: exit %d, want 2: %s", code, errOut)
	}
}

// TestContainerLabelEscaped: a container named by a cgroup its owner
// chose (a delegated subtree: lxc.payload.NAME), holding an escape and a
// bidi control, reaches no output raw: the NETNS column of ls -A, the
// heading of why -A, the CONTEXT column, JSON.
func TestContainerLabelEscaped(t *testing.T) {
	const name = "gosof-ctx-\x1b[31m\u202e"
	dir := testhelper.Cgroup(t, "lxc.payload."+name)
	h := testhelper.Start(t, testhelper.NewNetNS())
	testhelper.MoveTo(t, dir, h.PID)
	// a namespace's container is read from the cgroup of a process in it
	_, p := listen(t, h, "inet", "127.0.0.1:27520")
	port := strconv.Itoa(p)
	const shown = `lxc:gosof-ctx-\x1b[31m\u202e`
	for _, args := range [][]string{
		{"ls", "-A", "--proto", "tcp", "-l"},
		{"who", "-A", "--context", port},
		{"why", "-A", "--no-probe", port},
	} {
		out, errOut, _ := gosof(t, args...)
		if rawText(out) || rawText(errOut) || !strings.Contains(out, shown) {
			t.Errorf("gosof %s: want %s escaped, nothing raw:\n%q\n%q", strings.Join(args, " "), shown, out, errOut)
		}
	}
	out, _, _ := gosof(t, "who", "-A", "--json", port)
	if rawText(out) || !strings.Contains(out, `"container": "lxc://gosof-ctx-\u001b[31m\u202e"`) {
		t.Errorf("who -A --json: want the container escaped:\n%q", out)
	}
}
