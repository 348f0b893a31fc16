package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestFiltersOnlyNarrow: for any two filter flags A and B, the (socket,
// owner) rows `A B` matches are among those A alone matches, over a world
// of real sockets in every state loopback gives, in a network namespace
// of the test's own. Two flags that can match nothing together are exit 2
// with a message naming both, never an empty answer.
func TestFiltersOnlyNarrow(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	srv := testhelper.Start(t, testhelper.NewNetNS())
	ns := strconv.Itoa(srv.PID)
	const port = 26001
	target := "127.0.0.1:" + strconv.Itoa(port)
	// LISTEN on IPv4 and IPv6; ESTABLISHED; CLOSE_WAIT and FIN_WAIT2;
	// TIME_WAIT; a bound TCP socket (CLOSE); UDP unconnected and
	// connected; unix LISTEN, CONNECTED and UNCONN.
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d %s", lfd, target)
	srv.Do("listen %d", lfd)
	l6 := srv.Int("socket inet6 stream")
	srv.Do("setsockopt %d v6only 1", l6)
	srv.Do("bind %d [::1]:%d", l6, port)
	srv.Do("listen %d", l6)
	est := srv.Int("socket inet stream")
	srv.Do("connect %d %s", est, target)
	srv.Int("accept %d", lfd)
	cw := srv.Int("socket inet stream")
	srv.Do("connect %d %s", cw, target)
	srv.Int("accept %d", lfd)
	srv.Do("close %d", cw)
	tw := srv.Int("socket inet stream")
	srv.Do("connect %d %s", tw, target)
	atw := srv.Int("accept %d", lfd)
	srv.Do("close %d", atw)
	srv.Do("close %d", tw)
	bound := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:%d", bound, port+1)
	u := srv.Int("socket inet dgram")
	srv.Do("bind %d 127.0.0.1:%d", u, port)
	uc := srv.Int("socket inet dgram")
	srv.Do("connect %d %s", uc, target)
	ul := srv.Int("socket unix stream")
	srv.Do("bind %d @gosof-narrow-%d", ul, port)
	srv.Do("listen %d", ul)
	uconn := srv.Int("socket unix stream")
	srv.Do("connect %d @gosof-narrow-%d", uconn, port)
	srv.Int("accept %d", ul)
	srv.Int("socket unix dgram")
	// a second process holding some of them
	worker := srv.Spawn(lfd, est)
	time.Sleep(100 * time.Millisecond) // the TCP states settle

	p := strconv.Itoa(port)
	filters := [][]string{
		{"--proto", "tcp"}, {"--proto", "udp"}, {"--proto", "unix"}, {"-4"}, {"-6"}, {"--listen"},
		{"--state", "established"}, {"--state", "close-wait"}, {"--state", "time-wait"}, {"--state", "listen"},
		{"--state", "unconn"}, {"--state", "fin-wait2,close"}, {"--pid", ns}, {"--pid", strconv.Itoa(worker.PID)},
		{"--user", "root"}, {"--user", "65534"},
		{p}, {p, "--side", "remote"}, {p, "--side", "any"}, {"--remote", "127.0.0.1"},
		// every connection above has been idle since before the sleep;
		// listeners, bound sockets, UDP and unix ones have no idle time
		{"--idle", "50ms"},
	}
	command := func(args []string) string {
		if slices.Contains(args, p) {
			return "who"
		}
		return "ls"
	}
	rowsOf := func(args ...string) ([]string, bool) {
		t.Helper()
		argv := append([]string{command(args), "--netns", ns, "--json"}, args...)
		out, errOut, code := gosof(t, argv...)
		if code == exitError {
			return nil, false
		}
		if code != exitMatch && code != exitNoMatch {
			t.Fatalf("gosof %s: exit %d %s", strings.Join(argv, " "), code, errOut)
		}
		var rows []string
		var socks []jsock
		if err := json.Unmarshal([]byte(out), &socks); err != nil {
			t.Fatalf("gosof %s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		for _, s := range socks {
			sock := fmt.Sprintf("%s %s %s %s %s %d", s.Proto, s.Family, s.State, s.Local.String(), s.Remote.String(), s.Inode)
			for _, o := range s.Owners {
				rows = append(rows, fmt.Sprintf("%s held by %d", sock, o.PID))
			}
			if len(s.Owners) == 0 {
				rows = append(rows, sock+" held by none")
			}
		}
		return rows, true
	}
	alone := map[int][]string{}
	for i, a := range filters {
		rows, ok := rowsOf(a...)
		if !ok {
			t.Fatalf("%s alone: exit 2", strings.Join(a, " "))
		}
		alone[i] = rows
	}
	// the world has what it was built to have
	if all, _ := rowsOf(); len(all) < 12 {
		t.Fatalf("the world has %d rows, want at least 12:\n%s", len(all), strings.Join(all, "\n"))
	}
	pairs, refused := 0, 0
	for i, a := range filters {
		for j, b := range filters {
			// two of one flag (a list: --user a --user b is a union), or
			// two PORT matches (--side says which end PORT is, it does
			// not filter), are not two filters
			if i == j || a[0] == b[0] || slices.Contains(a, p) && slices.Contains(b, p) {
				continue
			}
			args := append(slices.Clone(a), b...)
			got, ok := rowsOf(args...)
			if !ok {
				refused++
				_, errOut, _ := gosof(t, append([]string{command(args), "--netns", ns}, args...)...)
				if strings.Count(errOut, "\n") != 1 || !namesBoth(errOut, a, b) {
					t.Errorf("%s: exit 2 with %q; want one line naming both flags", strings.Join(args, " "), errOut)
				}
				continue
			}
			pairs++
			for _, r := range got {
				if !slices.Contains(alone[i], r) {
					t.Errorf("%s matches %q, which %s alone does not: a filter widened the match", strings.Join(args, " "), r, strings.Join(a, " "))
				}
			}
		}
	}
	t.Logf("%d pairs checked, %d refused as matching nothing", pairs, refused)
}

// namesBoth reports whether msg names a flag of a and one of b (a PORT
// counts as named by its number).
func namesBoth(msg string, a, b []string) bool {
	names := func(f []string) bool {
		for _, w := range f {
			if strings.HasPrefix(w, "-") && strings.Contains(msg, w) {
				return true
			}
			if w == "--listen" && strings.Contains(msg, "--listen") {
				return true
			}
			if _, err := strconv.Atoi(w); err == nil && strings.Contains(msg, "PORT") {
				return true
			}
		}
		return false
	}
	return names(a) && names(b)
}

// TestContradictionsRefused: filter pairs that can match nothing are
// exit 2 naming both, wherever the protocol or family comes from: a
// PORT's own protocol (tcp:P) as --proto tcp, an IPv6 address beside -4
// (in --local, or in the PORT itself: [::1]:P).
// They were exit 1, "nothing left after ...". Pairs that can match are
// not refused: -6 with an IPv4 address (a dual-stack socket's
// IPv4-mapped end), tcp:P with --listen, a service on two protocols
// (also with --proto naming one of them).
func TestContradictionsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"ls", "-4", "--local", "::1"}, "-4 and --local [::1] match nothing together"},
		{[]string{"ls", "-4", "--remote", "fe80::/10"}, "-4 and --remote fe80::/10 match nothing together"},
		{[]string{"who", "tcp:49123", "--state", "unconn"}, "and --state unconn match nothing together"},
		{[]string{"kill", "-n", "49123/udp", "--listen", "--state", "close-wait"}, "match nothing together"},
		{[]string{"who", "udp:53", "--state", "close-wait"}, "and --state close-wait match nothing together"},
		{[]string{"who", "[::1]:48123", "-4"}, "-4 and PORT [::1]:48123 match nothing together"},
		{[]string{"kill", "-n", "-4", "tcp:[::]:48123"}, "-4 and PORT [::]:48123/tcp match nothing together"},
		// a listener or an unconnected socket has no remote end
		{[]string{"ls", "--listen", "--remote", "127.0.0.1"}, "--listen and --remote match nothing together"},
		{[]string{"ls", "--state", "unconn", "--remote", "127.0.0.0/8"}, "--state unconn and --remote match nothing together"},
		{[]string{"who", "--side", "remote", "--listen", "48123"}, "--listen and --side remote match nothing together"},
		{[]string{"kill", "-n", "--state", "listen", "--side", "remote", "/run/gosof-none.sock"}, "--state listen and --side remote match nothing together"},
	} {
		_, errOut, code := gosof(t, tc.args...)
		if code != exitError || !strings.Contains(errOut, tc.says) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want 2 and one line saying %q", strings.Join(tc.args, " "), code, errOut, tc.says)
		}
	}
	for _, args := range [][]string{
		{"ls", "-6", "--local", "127.0.0.1"}, {"ls", "-4", "--local", "127.0.0.1,::1"},
		{"who", "tcp:49123", "--listen"}, {"who", "domain", "--state", "close-wait"}, {"who", "tcp:1", "udp:2", "--state", "unconn"},
		{"who", "[::ffff:127.0.0.1]:48123", "-4"}, {"who", "127.0.0.1:48123", "-6"}, {"who", "domain", "--proto", "tcp"},
		{"ls", "--listen", "--local", "127.0.0.1"}, {"ls", "--state", "listen,established", "--remote", "127.0.0.1"},
		{"who", "--side", "any", "--listen", "48123"}, {"who", "--side", "remote", "--state", "established,listen", "48123"},
	} {
		if _, errOut, code := gosof(t, args...); code == exitError {
			t.Errorf("gosof %s: refused, but it can match: %s", strings.Join(args, " "), errOut)
		}
	}
}
