package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// ssStates maps ss's state names to the contract's.
var ssStates = map[string]string{
	"ESTAB": "ESTABLISHED", "LISTEN": "LISTEN", "UNCONN": "UNCONN", "TIME-WAIT": "TIME_WAIT",
	"CLOSE-WAIT": "CLOSE_WAIT", "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2",
	"SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV", "LAST-ACK": "LAST_ACK", "CLOSING": "CLOSING",
}

var ssUser = regexp.MustCompile(`pid=(\d+),fd=(\d+)`)

// ssRows runs `ss -tuanpH` filtered on port and summarises each socket as
// "proto STATE local remote pid/fd,...", the same shape as ourRows.
func ssRows(t *testing.T, port int) []string {
	t.Helper()
	filter := fmt.Sprintf("( sport = :%d or dport = :%d )", port, port)
	out, err := exec.Command("ss", "-tuanpH", filter).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	var r []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		var owners []string
		for _, m := range ssUser.FindAllStringSubmatch(line, -1) {
			owners = append(owners, m[1]+"/"+m[2])
		}
		slices.Sort(owners)
		remote := f[5]
		if strings.HasSuffix(remote, ":*") {
			remote = "*"
		}
		r = append(r, fmt.Sprintf("%s %s %s %s %s", f[0], ssStates[f[1]], strings.Trim(f[4], "[]"), strings.Trim(remote, "[]"), strings.Join(owners, ",")))
	}
	slices.Sort(r)
	return r
}

func ourRows(socks []jsock) []string {
	var r []string
	for _, s := range socks {
		var owners []string
		for _, o := range s.Owners {
			owners = append(owners, fmt.Sprintf("%d/%d", o.PID, *o.FD))
		}
		slices.Sort(owners)
		remote := "*"
		if s.Remote != nil {
			remote = s.Remote.String()
		}
		r = append(r, fmt.Sprintf("%s %s %s %s %s", s.Proto, s.State, s.Local.String(), remote, strings.Join(owners, ",")))
	}
	slices.Sort(r)
	return r
}

// TestAgainstSS compares gosof with `ss -tuanp` on the same live sockets.
func TestAgainstSS(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss is not installed")
	}
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, p := listen(t, srv, "inet", "127.0.0.1:0")
	target := "127.0.0.1:" + strconv.Itoa(p)
	connect(t, cli, "inet", target)
	srv.Int("accept %d", lfd)
	cw, _ := connect(t, cli, "inet", target)
	srv.Int("accept %d", lfd)
	cli.Do("close %d", cw)
	srv.Spawn(lfd)
	u := srv.Int("socket inet dgram")
	srv.Do("bind %d %s", u, target) // UDP on the same port number

	var want, got []string
	for range 50 {
		got = ourRows(gosofJSON(t, "who", strconv.Itoa(p), "--side", "any", "--proto", "tcp,udp"))
		want = ssRows(t, p)
		if slices.Equal(want, got) {
			break
		}
		time.Sleep(20 * time.Millisecond) // FIN_WAIT transitions settle
	}
	if len(want) != 6 {
		t.Errorf("ss saw %d sockets, the test set up 6:\n%s", len(want), strings.Join(want, "\n"))
	}
	diffRows(t, "gosof vs ss -tuanp", want, got)
}
