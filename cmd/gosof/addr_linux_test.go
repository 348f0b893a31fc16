package main

import (
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestAddressTargets: a PORT may name the address too; --local and
// --remote narrow by address, prefix or /etc/hosts name, with a port.
func TestAddressTargets(t *testing.T) {
	one := testhelper.Start(t)
	two := testhelper.Start(t)
	any := testhelper.Start(t)
	_, p := listen(t, one, "inet", "127.0.0.1:0")
	listen(t, two, "inet", "127.0.0.2:"+strconv.Itoa(p))
	_, q := listen(t, any, "inet6", "[::]:0") // dual-stack
	cli := testhelper.Start(t)
	cfd := cli.Int("socket inet stream")
	cli.Do("connect %d 127.0.0.2:%d", cfd, p)
	pids := func(args ...string) []string {
		t.Helper()
		out, errOut, code := gosof(t, append(args, "-t")...)
		if code > 1 {
			t.Fatalf("gosof %s: exit %d %s", strings.Join(args, " "), code, errOut)
		}
		return strings.Fields(out)
	}
	P, Q := strconv.Itoa(p), strconv.Itoa(q)
	for _, tc := range []struct {
		args []string
		want []int
	}{
		{[]string{"who", "127.0.0.1:" + P}, []int{one.PID}},
		{[]string{"who", "127.0.0.2:" + P}, []int{two.PID}},
		{[]string{"who", "tcp:127.0.0.2:" + P}, []int{two.PID}},
		{[]string{"who", P}, []int{one.PID, two.PID}},
		{[]string{"who", "[::1]:" + P}, nil},
		// a wildcard listener serves every address of its port
		{[]string{"who", "127.0.0.9:" + Q}, []int{any.PID}},
		{[]string{"who", "[::1]:" + Q}, []int{any.PID}},
		// --local is the address the socket is bound to, exactly
		{[]string{"ls", "--local", "127.0.0.2"}, []int{two.PID}},
		{[]string{"ls", "--local", "127.0.0.0/30:" + P}, []int{one.PID, two.PID}},
		{[]string{"ls", "--remote", "127.0.0.2:" + P}, []int{cli.PID}},
		{[]string{"ls", "--remote", "127.0.0.0/8:" + P, "--pid", strconv.Itoa(cli.PID)}, []int{cli.PID}},
	} {
		want := []string{}
		for _, pid := range tc.want {
			want = append(want, strconv.Itoa(pid))
		}
		slices.Sort(want)
		got := pids(tc.args...)
		if len(got) == 0 {
			got = []string{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("gosof %s -t: %v, want %v", strings.Join(tc.args, " "), got, want)
		}
	}
	if b, _ := os.ReadFile("/etc/hosts"); strings.Contains(string(b), "127.0.0.1") && strings.Contains(string(b), "localhost") {
		if got := pids("ls", "--remote", "localhost:"+P, "--pid", strconv.Itoa(cli.PID)); len(got) != 0 {
			t.Errorf("--remote localhost:%s: %v; the client is connected to 127.0.0.2", P, got)
		}
	}
	for _, bad := range [][]string{
		{"ls", "--remote", "no-such-host.invalid"}, {"ls", "--local", "10.0.0.0/33"}, {"who", "[::1:" + P},
		{"who", "300.0.0.1:" + P}, {"ls", "--local", "127.0.0.1:99999"}, {"ls", "--proto", "unix", "--local", "127.0.0.1"},
	} {
		if _, errOut, code := gosof(t, bad...); code != exitError || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d %q, want 2 and one line", strings.Join(bad, " "), code, errOut)
		}
	}
}

// TestCommandFilter: -c matches the owner's command as lsof does (a
// prefix; /REGEXP/), narrows the owners listed, and with kill plans only
// the owners that match.
func TestCommandFilter(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %s", hex.EncodeToString([]byte("gosofcmdtest")))
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	worker := h.Spawn(lfd) // the same socket, held by a process named gosof.test
	P := strconv.Itoa(port)
	for _, tc := range []struct {
		c    string
		want []int
	}{
		{"gosofcmd", []int{h.PID}},
		{"/^gosofcmdtest$/", []int{h.PID}},
		{"/^gosofcmd$/", nil},
		{"gosof", []int{h.PID, worker.PID}},
		{"gosof.t", []int{worker.PID}},
		// a /REGEXP/ keeps its commas; cli's comma split cut it in two
		{"/^gosofcm{1,2}dtest$/", []int{h.PID}},
		{"/^gosof[c,x]mdtest$/", []int{h.PID}},
		{"nomatch,/^gosofc{1,}md/", []int{h.PID}},
		{"/^gosofc{1,}md/,gosof.t", []int{h.PID, worker.PID}},
		// spaces beside a comma are the list's; a regular expression's,
		// and those at the value's ends, are the name's
		{"nomatch, gosofcmd", []int{h.PID}},
		{"gosofcmd ", nil},
		{"/^gosof[c, ]md/ , gosof.t", []int{h.PID, worker.PID}},
		{"/^gosof[ ,]cmd/", nil},
	} {
		out, errOut, code := gosof(t, "who", P, "-c", tc.c, "-t")
		var want []string
		for _, pid := range tc.want {
			want = append(want, strconv.Itoa(pid))
		}
		slices.Sort(want)
		if got := strings.Fields(out); !slices.Equal(got, want) || (len(want) == 0) != (code == exitNoMatch) {
			t.Errorf("who %s -c %s -t: %v exit %d %s, want %v", P, tc.c, got, code, errOut, want)
		}
	}
	out, _, code := gosof(t, "kill", P, "-c", "gosofcmd", "-n", "--json")
	if code != exitMatch || !strings.Contains(out, `"pid": `+strconv.Itoa(h.PID)) || strings.Contains(out, `"pid": `+strconv.Itoa(worker.PID)) {
		t.Errorf("kill -n -c gosofcmd: exit %d, want a plan for %d only:\n%s", code, h.PID, out)
	}
	if _, errOut, code := gosof(t, "who", P, "-c", "/[/"); code != exitError || !strings.Contains(errOut, "-c") {
		t.Errorf("-c /[/: exit %d %q, want 2 naming -c", code, errOut)
	}
}
