package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestFlagNamesCached: every flag of the app and of every command
// answers Names from the slice cacheNames made (a flag of a kind it does
// not wrap would run urfave/cli's regexp on every lookup again), with the
// names the flag itself has.
func TestFlagNamesCached(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	check := func(where string, fs []cli.Flag) {
		for _, f := range fs {
			inner := flagOf(f)
			if inner == f {
				t.Errorf("%s: flag %v (%T) not wrapped by cacheNames", where, f.Names(), f)
				continue
			}
			if !slices.Equal(f.Names(), inner.Names()) {
				t.Errorf("%s: names %v, the flag's own %v", where, f.Names(), inner.Names())
			}
		}
	}
	check("gosof", app.Flags)
	var walk func(string, []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			check(prefix+c.Name, c.Flags)
			walk(prefix+c.Name+" ", c.Subcommands)
		}
	}
	walk("gosof ", app.Commands)
}

// TestFlagNamesV1Form: a name in urfave/cli's v1 form ("name, n") is cut
// where FlagNames cuts it, as the flag itself would answer.
func TestFlagNamesV1Form(t *testing.T) {
	for _, f := range []*cli.BoolFlag{{Name: "all, a"}, {Name: "all", Aliases: []string{"a b"}}, {Name: "all", Aliases: []string{"a"}}} {
		if got, want := names(f, f.Name, f.Aliases), f.Names(); !slices.Equal(got, want) {
			t.Errorf("%q %q: names %q, the flag's own %q", f.Name, f.Aliases, got, want)
		}
	}
}
