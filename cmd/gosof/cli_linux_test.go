package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// gosof runs the CLI in-process with captured writers (runT: the guard
// first).
func gosof(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// jsock is the contract's JSON socket, as a script would decode it.
type jsock struct {
	Proto  string `json:"proto"`
	Family string `json:"family"`
	State  string `json:"state"`
	Local  jep    `json:"local"`
	Remote *jep   `json:"remote"`
	Inode  uint64 `json:"inode"`
	Owners []struct {
		PID  int    `json:"pid"`
		Comm string `json:"comm"`
		FD   *int   `json:"fd"`
		User string `json:"user"`
	} `json:"owners"`
}

type jep struct {
	Addr string  `json:"addr"`
	Port int     `json:"port"`
	Zone string  `json:"zone"`
	Path *string `json:"path"`
}

func (e *jep) String() string {
	switch {
	case e == nil:
		return "*"
	case e.Path != nil:
		return *e.Path
	}
	return e.Addr + ":" + strconv.Itoa(e.Port)
}

// row is one socket summarised as a line a failure message can show:
// "tcp inet LISTEN 127.0.0.1:8080 * 4242/3,4243/3".
func (s jsock) row() string {
	var owners []string
	for _, o := range s.Owners {
		fd := "-"
		if o.FD != nil {
			fd = strconv.Itoa(*o.FD)
		}
		owners = append(owners, fmt.Sprintf("%d/%s", o.PID, fd))
	}
	slices.Sort(owners)
	return fmt.Sprintf("%s %s %s %s %s %s", s.Proto, s.Family, s.State, s.Local.String(), s.Remote.String(), strings.Join(owners, ","))
}

func gosofJSON(t *testing.T, args ...string) []jsock {
	t.Helper()
	out, errOut, code := gosof(t, append(args, "--json")...)
	if code != 0 && code != 1 {
		t.Fatalf("gosof %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var socks []jsock
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatalf("gosof %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return socks
}

func rows(socks []jsock) []string {
	var r []string
	for _, s := range socks {
		r = append(r, s.row())
	}
	slices.Sort(r)
	return r
}

// backends runs a test through sock_diag and through /proc/net, and with
// owners from /proc/PID/fd instead of the BPF descriptor iterator (which
// TestMain makes every full scan use where it loads): all must give the
// same answers.
var backends = []struct {
	name  string
	flags []string
}{{"netlink", nil}, {"procnet", []string{"--proc-net"}}, {"procfd", []string{"--proc-fd"}}}

func listen(t *testing.T, h *testhelper.Proc, family, addr string) (fd, port int) {
	t.Helper()
	fd = h.Int("socket %s stream", family)
	h.Do("bind %d %s", fd, addr)
	h.Do("listen %d", fd)
	port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
	return fd, port
}

func connect(t *testing.T, h *testhelper.Proc, family, addr string) (fd, port int) {
	t.Helper()
	fd = h.Int("socket %s stream", family)
	h.Do("connect %d %s", fd, addr)
	port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
	return fd, port
}

// waitFor polls gosof until want matches, since TCP state changes on
// loopback take a moment after the syscalls return.
func waitFor(t *testing.T, want []string, args ...string) []string {
	t.Helper()
	var got []string
	for range 50 {
		got = rows(gosofJSON(t, args...))
		if slices.Equal(got, want) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	return got
}

func diffRows(t *testing.T, what string, want, got []string) {
	t.Helper()
	if !slices.Equal(want, got) {
		t.Errorf("%s:\nwant:\n  %s\ngot:\n  %s", what, strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
}

// TestTCPStates puts real processes in every TCP state loopback can
// produce on one port and checks states, addresses and exact owners.
func TestTCPStates(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, p := listen(t, srv, "inet", "127.0.0.1:0")
	target := "127.0.0.1:" + strconv.Itoa(p)

	// ESTABLISHED, both ends.
	cEst, qEst := connect(t, cli, "inet", target)
	aEst := srv.Int("accept %d", lfd)
	// CLOSE_WAIT on the server (the client closed, the server did not); the
	// client's side is an orphaned FIN_WAIT2 that no process holds.
	cCW, qCW := connect(t, cli, "inet", target)
	aCW := srv.Int("accept %d", lfd)
	cli.Do("close %d", cCW)
	// TIME_WAIT on the server side: the server closes first, then the client.
	cTW, qTW := connect(t, cli, "inet", target)
	aTW := srv.Int("accept %d", lfd)
	srv.Do("close %d", aTW)
	cli.Do("close %d", cTW)
	// A forked worker shares the listener: two owners.
	worker := srv.Spawn(lfd)

	S, C, W := srv.PID, cli.PID, worker.PID
	loc := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	// the listener's holders in PID order, as gosof lists them: the
	// worker's PID may be the smaller one, once PIDs wrapped around
	holders := fmt.Sprintf("%d/%d,%d/3", S, lfd, W)
	if W < S {
		holders = fmt.Sprintf("%d/3,%d/%d", W, S, lfd)
	}
	server := []string{
		fmt.Sprintf("tcp inet LISTEN %s * %s", loc(p), holders),
		fmt.Sprintf("tcp inet ESTABLISHED %s %s %d/%d", loc(p), loc(qEst), S, aEst),
		fmt.Sprintf("tcp inet CLOSE_WAIT %s %s %d/%d", loc(p), loc(qCW), S, aCW),
		fmt.Sprintf("tcp inet TIME_WAIT %s %s ", loc(p), loc(qTW)),
	}
	clients := []string{
		fmt.Sprintf("tcp inet ESTABLISHED %s %s %d/%d", loc(qEst), loc(p), C, cEst),
		fmt.Sprintf("tcp inet FIN_WAIT2 %s %s ", loc(qCW), loc(p)),
	}
	all := append(slices.Clone(server), clients...)
	slices.Sort(server)
	slices.Sort(all)

	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			port := strconv.Itoa(p)
			diffRows(t, "who PORT (local side only)", server, waitFor(t, server, append([]string{"who", port}, b.flags...)...))
			diffRows(t, "who PORT --side any", all, waitFor(t, all, append([]string{"who", port, "--side", "any"}, b.flags...)...))

			cw := []string{server[slices.IndexFunc(server, func(s string) bool { return strings.Contains(s, "CLOSE_WAIT") })]}
			diffRows(t, "--state close-wait", cw, rows(gosofJSON(t, append([]string{"who", port, "--state", "close-wait"}, b.flags...)...)))

			out, _, code := gosof(t, append([]string{"who", "-t", port}, b.flags...)...)
			wantPIDs := []int{S, W}
			slices.Sort(wantPIDs)
			if want := fmt.Sprintf("%d\n%d\n", wantPIDs[0], wantPIDs[1]); out != want || code != 0 {
				t.Errorf("who -t: %q exit %d, want %q exit 0 (the client %d must not be listed)", out, code, want, C)
			}
		})
	}
}

// TestDualStack: a "::" listener without IPV6_V6ONLY reached over IPv6 and
// over IPv4; the IPv4 connection shows in the inet6 table as ::ffff:a.b.c.d.
func TestDualStack(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd := srv.Int("socket inet6 stream")
	srv.Do("setsockopt %d v6only 0", lfd)
	srv.Do("bind %d [::]:0", lfd)
	srv.Do("listen %d", lfd)
	p, _ := strconv.Atoi(srv.Do("name %d", lfd)[1])
	c6, q6 := connect(t, cli, "inet6", fmt.Sprintf("[::1]:%d", p))
	a6 := srv.Int("accept %d", lfd)
	c4, q4 := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", p))
	a4 := srv.Int("accept %d", lfd)

	S, C := srv.PID, cli.PID
	want := []string{
		fmt.Sprintf("tcp inet6 LISTEN :::%d * %d/%d", p, S, lfd),
		fmt.Sprintf("tcp inet6 ESTABLISHED ::1:%d ::1:%d %d/%d", p, q6, S, a6),
		fmt.Sprintf("tcp inet6 ESTABLISHED ::ffff:127.0.0.1:%d ::ffff:127.0.0.1:%d %d/%d", p, q4, S, a4),
		fmt.Sprintf("tcp inet6 ESTABLISHED ::1:%d ::1:%d %d/%d", q6, p, C, c6),
		fmt.Sprintf("tcp inet ESTABLISHED 127.0.0.1:%d 127.0.0.1:%d %d/%d", q4, p, C, c4),
	}
	slices.Sort(want)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			got := waitFor(t, want, append([]string{"who", strconv.Itoa(p), "--side", "any"}, b.flags...)...)
			diffRows(t, "dual-stack", want, got)
			v4 := rows(gosofJSON(t, append([]string{"who", strconv.Itoa(p), "--side", "any", "-4"}, b.flags...)...))
			diffRows(t, "-4", []string{fmt.Sprintf("tcp inet ESTABLISHED 127.0.0.1:%d 127.0.0.1:%d %d/%d", q4, p, C, c4)}, v4)
		})
	}
	out, _, _ := gosof(t, "who", strconv.Itoa(p))
	if !strings.Contains(out, fmt.Sprintf("[::ffff:127.0.0.1]:%d", p)) || !strings.Contains(out, fmt.Sprintf("[::]:%d", p)) {
		t.Errorf("table does not bracket IPv6 addresses:\n%s", out)
	}
}

func TestUDP(t *testing.T) {
	h := testhelper.Start(t)
	var want []string
	var ports []string
	for _, tc := range []struct{ family, addr, loop string }{
		{"inet", "127.0.0.1:0", "127.0.0.1"},
		{"inet6", "[::1]:0", "::1"},
	} {
		u := h.Int("socket %s dgram", tc.family)
		h.Do("bind %d %s", u, tc.addr)
		p, _ := strconv.Atoi(h.Do("name %d", u)[1])
		c := h.Int("socket %s dgram", tc.family)
		h.Do("bind %d %s", c, tc.addr)
		peer := fmt.Sprintf("%s:%d", tc.loop, p)
		if tc.family == "inet6" {
			peer = fmt.Sprintf("[%s]:%d", tc.loop, p)
		}
		h.Do("connect %d %s", c, peer)
		q, _ := strconv.Atoi(h.Do("name %d", c)[1])
		want = append(want,
			fmt.Sprintf("udp %s UNCONN %s:%d * %d/%d", tc.family, tc.loop, p, h.PID, u),
			fmt.Sprintf("udp %s ESTABLISHED %s:%d %s:%d %d/%d", tc.family, tc.loop, q, tc.loop, p, h.PID, c))
		ports = append(ports, strconv.Itoa(p), strconv.Itoa(q))
	}
	slices.Sort(want)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			got := rows(gosofJSON(t, append(append([]string{"who", "--proto", "udp"}, ports...), b.flags...)...))
			diffRows(t, "udp", want, got)
		})
	}
}

func TestUnix(t *testing.T) {
	h := testhelper.Start(t)
	path := t.TempDir() + "/gosof.sock"
	abstract := fmt.Sprintf("@gosof-test-%d", h.PID)
	lp := h.Int("socket unix stream")
	h.Do("bind %d %s", lp, path)
	h.Do("listen %d", lp)
	la := h.Int("socket unix stream")
	h.Do("bind %d %s", la, abstract)
	h.Do("listen %d", la)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			got := rows(gosofJSON(t, append([]string{"ls", "--proto", "unix", "--pid", strconv.Itoa(h.PID)}, b.flags...)...))
			want := []string{
				fmt.Sprintf("unix unix LISTEN %s * %d/%d", path, h.PID, lp),
				fmt.Sprintf("unix unix LISTEN %s * %d/%d", abstract, h.PID, la),
			}
			slices.Sort(want)
			diffRows(t, "unix listeners", want, got)
		})
	}
}

// TestHostileName: a process may name itself with an escape sequence and a
// newline; the table must show it escaped, JSON must carry it exactly.
func TestHostileName(t *testing.T) {
	h := testhelper.Start(t)
	evil := "ev\x1b[31mil\nx"
	h.Do("comm %x", evil)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	out, _, code := gosof(t, "who", strconv.Itoa(p))
	if code != 0 || strings.ContainsAny(out, "\x1b") || !strings.Contains(out, `ev\x1b[31mil\nx`) {
		t.Errorf("table (exit %d) does not escape the name:\n%q", code, out)
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("table has %d lines, want header + 1 row:\n%s", n, out)
	}
	socks := gosofJSON(t, "who", strconv.Itoa(p))
	if len(socks) != 1 || len(socks[0].Owners) != 1 || socks[0].Owners[0].Comm != evil {
		t.Errorf("JSON comm: %+v, want %q", socks, evil)
	}
}

// TestFilterNamesKeepSpaces: -c and --user reach the filter as typed. A
// command may be named with a space at either end (PR_SET_NAME), and -c
// 'gsedge ' matched "gsedge" too: cli and core trimmed the value. A user
// name with an edge space is no user (exit 2), not root.
func TestFilterNamesKeepSpaces(t *testing.T) {
	names := []string{"gsedge", "gsedge ", " gsedge"}
	pids := make([]string, len(names))
	for i, n := range names {
		h := testhelper.Start(t)
		h.Do("comm %x", n)
		listen(t, h, "inet", "127.0.0.1:0")
		pids[i] = strconv.Itoa(h.PID)
	}
	all := strings.Join(pids, ",")
	for _, tc := range []struct {
		c    string
		want []string
	}{
		{"gsedge", pids[:2]},
		{"gsedge ", pids[1:2]},
		{" gsedge", pids[2:]},
		{"gsedge ,nope", pids[:2]}, // the list's spaces, beside its comma
		{"nope, gsedge ", pids[1:2]},
	} {
		out, errOut, code := gosof(t, "ls", "-t", "--pid", all, "-c", tc.c)
		got := strings.Fields(out)
		slices.Sort(got)
		if code != 0 || !slices.Equal(got, tc.want) {
			t.Errorf("ls -c %q: exit %d, PIDs %v; want %v (of %v)\n%s", tc.c, code, got, tc.want, pids, errOut)
		}
	}
	// a table shows a space at the end of a name (core.Escape), and JSON
	// keeps the name as it is
	out, errOut, code := gosof(t, "ls", "--pid", all)
	for i, want := range []string{"/gsedge  ", `/gsedge\x20`, `/\x20gsedge`} {
		if code != 0 || !strings.Contains(out, pids[i]+want) {
			t.Errorf("ls: exit %d, want %q in the table\n%s%s", code, pids[i]+want, out, errOut)
		}
	}
	if out, _, _ := gosof(t, "ls", "--json", "--pid", pids[1]); !strings.Contains(out, `"comm": "gsedge "`) {
		t.Errorf("ls --json: want the name with its space, raw:\n%s", out)
	}
	// the space shows where the value is echoed
	if _, errOut, code := gosof(t, "ls", "--pid", all, "-c", "gsedgex "); code != exitNoMatch || !strings.Contains(errOut, `nothing left after -c "gsedgex "`) {
		t.Errorf("ls -c 'gsedgex ': exit %d, want 1 naming the value quoted\n%s", code, errOut)
	}
	for _, u := range []string{" root", "root ", "nobody, root "} {
		_, errOut, code := gosof(t, "ls", "-t", "--pid", all, "-u", u)
		if code != exitError || !strings.Contains(errOut, "unknown user") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("ls -u %q: exit %d, want 2 naming the user as typed\n%s", u, code, errOut)
		}
	}
}

// TestExitCodes checks 0/1/2 and the stdout/stderr split.
func TestExitCodes(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	// A port nobody uses: bind one, note it, close it.
	free := testhelper.Start(t)
	ffd, fp := listen(t, free, "inet", "127.0.0.1:0")
	free.Do("close %d", ffd)

	for _, tc := range []struct {
		args       []string
		code       int
		stdout     string // substring; "" means stdout must be empty
		stderrWant string // substring; "" means stderr must be empty
	}{
		{[]string{"who", strconv.Itoa(p)}, 0, "LISTEN", ""},
		{[]string{strconv.Itoa(p)}, 0, "LISTEN", ""},
		{[]string{"who", strconv.Itoa(fp)}, 1, "", ""},
		{[]string{"who", strconv.Itoa(fp), "--json"}, 1, "[]", ""},
		{[]string{"who", "-t", strconv.Itoa(fp)}, 1, "", ""},
		{[]string{"who"}, 2, "", "who needs a PORT"},
		{[]string{"who", "99999"}, 2, "", `"99999" is not a port`},
		{[]string{"who", "80", "--state", "waiting"}, 2, "", `unknown state "waiting"`},
		{[]string{"who", "80", "--proto", "tcpx"}, 2, "", `unknown protocol "tcpx"`},
		{[]string{"who", "80", "--side", "up"}, 2, "", "--side"},
		{[]string{"who", "80", "--nosuchflag"}, 2, "", "unknown flag --nosuchflag"},
		{[]string{"who", "no-such-service-xyz"}, 2, "", "no-such-service-xyz"},
		{[]string{"ls", "8080"}, 2, "", "ls takes no arguments"},
		{[]string{"who", "80", "--json", "-t"}, 2, "", "cannot be combined"},
		{[]string{"who", "80", "--user", "no-such-user-xyz"}, 2, "", "unknown user"},
		{[]string{"who", "80", "--user", "4294967296"}, 2, "", "is not a uid"},
		{[]string{"--version"}, 0, "gosof ", ""},
		// --version printed the version and dropped the rest unsaid;
		// --help=false showed help: both are switches like any other
		{[]string{"--version", "extra"}, 2, "", "--version takes nothing else"},
		{[]string{"--version", "--json"}, 2, "", "--version takes nothing else"},
		{[]string{"--help=false", "who", strconv.Itoa(p)}, 0, ":" + strconv.Itoa(p) + " ", ""},
		{[]string{"--help=maybe"}, 2, "", `--help: "maybe" is not true or false`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := gosof(t, tc.args...)
			// A host may have processes even root cannot inspect (here: a
			// PID 1 with capabilities this root lacks); gosof says so.
			errOut = dropUnseenNote(errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
			if tc.stdout == "" && out != "" || !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout %q, want %q", out, tc.stdout)
			}
			if tc.stderrWant == "" && errOut != "" || !strings.Contains(errOut, tc.stderrWant) {
				t.Errorf("stderr %q, want %q", errOut, tc.stderrWant)
			}
			if strings.Count(errOut, "\n") > 1 {
				t.Errorf("stderr is more than one line: %q", errOut)
			}
		})
	}
}

// dropUnseenNote removes gosof's line about processes it could not inspect.
func dropUnseenNote(stderr string) string {
	var keep []string
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if !strings.Contains(l, "could not be inspected") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}
