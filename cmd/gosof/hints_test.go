package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHabitHints: what lsof, ss, netstat and fuser users type gets one
// line with the gosof form and exit 2, before any parsing error.
func TestHabitHints(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string
	}{
		{"-i :8080", "gosof who 8080"},
		{"-i tcp:8080", "gosof who tcp:8080"},
		{"-iTCP:8080", "gosof who tcp:8080"},
		{"-t -i :8080", "gosof who -t 8080"},
		{"-i", "gosof ls --proto tcp,udp"},
		{"-i4", "gosof ls -4"},
		{"-i @127.0.0.1:8080", "gosof who 8080"},
		{"-p 4242", "gosof fds 4242"},
		{"-p 4242", "--pid 4242"},
		{"-K dst 192.0.2.1", "gosof close --abort"},
		{"-tlnp", "gosof ls --listen --proto tcp"},
		{"-tulpn", "gosof ls --listen --proto tcp,udp"},
		{"-anp", "gosof ls "},
		{"-lntp", "gosof ls --listen --proto tcp"},
		{"sport = :80", "gosof who 80"},
		{"( sport = :80 )", "gosof who 80"},
		{"who sport = :80", "gosof who 80"},
		{"dport = :443", "gosof who --side remote 443"},
		{"-nP", "never resolves names"},
		{"-nP -i :80", "drop -nP"},
		{"who -n 80", "drop -n"},
		{"-sTCP:LISTEN", "--state listen"},
		{"-k 8080/tcp", "gosof kill 8080/tcp"},
		{"kill -9 8080", "gosof kill -s 9 PORT"},
		{"kill -KILL 8080", "gosof kill -s KILL"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			var args []string
			if strings.HasPrefix(tc.args, "( ") {
				args = []string{tc.args}
			} else {
				args = strings.Fields(tc.args)
			}
			var out, errb bytes.Buffer
			code := run(append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != 2 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 || out.Len() != 0 {
				t.Errorf("gosof %s: exit %d, stderr %q stdout %q; want exit 2 and one line containing %q", tc.args, code, msg, out.String(), tc.want)
			}
		})
	}
}

// TestNoHintForGosofFlags: gosof's own flags, combined short flags among
// them, and values that look like habits are left alone.
func TestNoHintForGosofFlags(t *testing.T) {
	for _, args := range [][]string{
		{"kill", "-n", "9"},               // kill's own -n (dry run)
		{"kill", "-yn", "9"},              // combined
		{"close", "-n", "--", "-i"},       // after --
		{"kill", "-s", "-K", "9"},         // a value, even a flag-looking one
		{"kill", "--signal", "-9", "9"},   // a long flag's value too
		{"metrics", "--max-series", "-5"}, // a bad value is the flag's to refuse
		{"--replay", "-p", "ls"},          // a directory named -p
	} {
		if h := habitHint(newApp(nil, nil, nil), args); h != "" {
			t.Errorf("gosof %s: hint %q, want none", strings.Join(args, " "), h)
		}
	}
}

// TestSplitShortFlags: combined short flags become one word per flag
// before anything else parses argv; values and words after -- do not.
func TestSplitShortFlags(t *testing.T) {
	app := newApp(nil, nil, nil)
	for _, tc := range []struct{ in, want string }{
		{"who -lt 80", "who -l -t 80"},
		{"-lt", "-l -t"},
		{"ls -tu root", "ls -t -u root"},
		{"kill -yn 80", "kill -y -n 80"},
		{"kill -s -yn 80", "kill -s -yn 80"}, // -s takes the next word
		{"who 80 -- -lt", "who 80 -- -lt"},
		{"who --listen -t", "who --listen -t"},
	} {
		got := strings.Join(splitShortFlags(app, strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("splitShortFlags(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
