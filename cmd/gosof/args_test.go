package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// sampleValue is a value each flag that takes one accepts.
var sampleValue = map[string]string{
	"proto": "udp", "state": "listen", "pid": "42", "user": "root", "netns": "7",
	"side": "any", "replay": "/nonexistent", "timeout": "3s", "signal": "HUP",
	"command": "sshd", "local": "127.0.0.1", "remote": "10.0.0.0/8", "dev": "eth0", "unit": "nginx.service",
	"idle": "10m", "interval": "5s", "count": "3", "sort": "pid",
	// metrics and exporter
	"max-series": "100", "web.listen-address": "127.0.0.1:0", "web.telemetry-path": "/m",
	"web.config.file": "/nonexistent",
}

// seen is what one run's action saw: whether the flag was set, its
// value, and the positional arguments.
type seen struct {
	set  bool
	val  string
	args string
}

// parsed runs argv through normalize and the app with every action
// replaced by one that records what it was given for flag name.
func parsed(t *testing.T, name string, argv []string) (seen, error) {
	t.Helper()
	var out, errb bytes.Buffer
	app := newApp(strings.NewReader(""), &out, &errb)
	var got seen
	record := func(c *cli.Context) error {
		got = seen{set: c.IsSet(name), val: fmt.Sprint(c.Value(name)), args: strings.Join(c.Args().Slice(), " ")}
		return nil
	}
	app.Action = record
	for _, c := range app.Commands {
		c.Action = record
	}
	norm, err := normalize(app, argv)
	if err != nil {
		return seen{}, err
	}
	return got, app.Run(norm)
}

func join(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestFlagsRefusedNotDropped: a flag the command does not have is exit 2
// naming it, wherever it was typed.
func TestFlagsRefusedNotDropped(t *testing.T) {
	for _, argv := range [][]string{
		{"--options", "kill", "8080"},
		{"kill", "8080", "--options"},
		{"-y", "who", "8080"},
		{"who", "8080", "--yes"},
		{"--no-probe", "ls"},
		{"why", "8080", "--state", "listen"},
		{"kill", "8080", "--timeout"},
		{"--bogus"},
		// --side without a PORT or PATH changed nothing: every socket
		{"--side", "remote"},
		{"watch", "--count", "1", "--side", "any"},
		// three dashes name no flag: ---json was --json, ---n kill's -n
		{"who", "8080", "---json"},
		{"kill", "--pid", fmt.Sprint(os.Getpid()), "8080", "---n"},
	} {
		var errb bytes.Buffer
		code := runT(t, append([]string{"gosof"}, argv...), strings.NewReader(""), io.Discard, &errb)
		errOut := errb.String()
		flag := ""
		for _, a := range argv {
			if strings.HasPrefix(a, "-") {
				flag = a
			}
		}
		if code != exitError || !strings.Contains(errOut, flag) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want 2 and one line naming %s", strings.Join(argv, " "), code, errOut, flag)
		}
		if strings.Contains(errOut, "gosof gosof") {
			t.Errorf("gosof %s: %q doubles the name", strings.Join(argv, " "), errOut)
		}
	}
}

// TestDashDashKeepsPositionals: words after "--" stay arguments.
func TestDashDashKeepsPositionals(t *testing.T) {
	got, err := parsed(t, "json", []string{"gosof", "who", "8080", "--", "--json"})
	if err != nil || got.set || got.args != "8080 --json" {
		t.Errorf("who 8080 -- --json: %+v %v; want --json as an argument", got, err)
	}
}

// TestHelpAndTypos: help and help CMD are commands; a typo of a command
// gets a did-you-mean before any service lookup; a word that is neither
// says both.
func TestHelpAndTypos(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		code int
		want string
	}{
		{[]string{"help"}, exitMatch, "COMMANDS:"},
		{[]string{"--help"}, exitMatch, "COMMANDS:"},
		{[]string{"-h"}, exitMatch, "COMMANDS:"},
		{[]string{"kill", "8080", "--help"}, exitMatch, "gosof kill - signal"},
		{[]string{"--json", "who", "-h"}, exitMatch, "gosof who - show"},
		{[]string{"help", "who"}, exitMatch, "gosof who - show the sockets on PORT"},
		{[]string{"help", "debug"}, exitMatch, "gosof debug"},
		{[]string{"help", "kil"}, exitError, "did you mean 'kill'"},
		{[]string{"kil", "8080"}, exitError, "did you mean 'gosof kill'"},
		{[]string{"clsoe", "8080"}, exitError, "did you mean 'gosof close'"},
		{[]string{"wyh", "8080"}, exitError, "did you mean 'gosof why'"},
		{[]string{"fsd", "1"}, exitError, "did you mean 'gosof fds'"},
		{[]string{"nosuchword"}, exitError, "neither a gosof command"},
		// a misspelt command before any hint: "drop -n" lost kill's dry run
		{[]string{"Kill", "-n", "8080"}, exitError, "\"Kill\" is not a command; did you mean 'gosof kill'?\n"},
		{[]string{"-n", "kil", "8080"}, exitError, "\"kil\" is not a command; did you mean 'gosof kill'?\n"},
		{[]string{"-n", "-P", "KILL", "8080"}, exitError, "\"KILL\" is not a command; did you mean 'gosof kill'?\n"},
		// the word where the command stands, after -s's value: it was
		// the 9, and the answer ss -s's hint
		{[]string{"-s", "9", "kil", "8080"}, exitError, "\"kil\" is not a command; did you mean 'gosof kill'?\n"},
		// a malformed address is not looked up as a name ("not in /etc/hosts")
		{[]string{"ls", "--local", "300.1.1.1"}, exitError, `--local "300.1.1.1": not an address, a prefix or a host name` + "\n"},
		{[]string{"ls", "--remote", "10.0.0:80"}, exitError, `--remote "10.0.0:80": not an address, a prefix or a host name` + "\n"},
	} {
		var out, errb bytes.Buffer
		code := runT(t, append([]string{"gosof"}, tc.argv...), strings.NewReader(""), &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("gosof %s: exit %d, want %d and %q\n%s%s", strings.Join(tc.argv, " "), code, tc.code, tc.want, out.String(), errb.String())
		}
	}
}

func TestCloseCommands(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for word, want := range map[string]string{"kil": "kill", "kill": "", "KILL": "kill", "Who": "who", "wh": "who", "clse": "close", "ssh": "", "http": "", "https": "", "lsof": "", "domain": ""} {
		got := ""
		if cs := closeCommands(app, word); len(cs) > 0 {
			got = cs[0]
		}
		if got != want {
			t.Errorf("closeCommands(%q) = %q, want %q", word, got, want)
		}
	}
}
