package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// argvRow is one line of the argv table: argv, and what it means.
type argvRow struct {
	argv  []string
	where string
	cmd   string // "" is the top level
	flag  string // the flag's first name; "" when the row sets none
	value string // its value ("true" for a switch)
	args  []string
	// separate: a flag that takes a value, with the value as the next word
	separate bool
}

// argvTable is every flag of every command, in every position (before the
// command, after it, after the positionals, after "--"), spelled with each
// of its names, in the separate and "=" forms, and bundled where short.
func argvTable(t *testing.T) []argvRow {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	type cmdFlags struct {
		cmd   string
		flags []cli.Flag
	}
	all := []cmdFlags{{"", app.Flags}}
	for _, c := range app.Commands {
		if len(c.Subcommands) > 0 || len(c.Flags) == 0 {
			continue
		}
		all = append(all, cmdFlags{c.Name, c.Flags})
	}
	var rows []argvRow
	for _, cf := range all {
		pos := "8080"
		if cf.cmd == "fds" {
			pos = "1"
		}
		var cmd []string
		if cf.cmd != "" {
			cmd = []string{cf.cmd}
		}
		// a switch of the command to bundle short flags with
		bundle := ""
		for _, b := range []string{"H", "y", "j"} {
			if f := findFlag(cf.flags, b); f != nil && isSwitch(f) {
				bundle = b
				break
			}
		}
		for _, f := range cf.flags {
			if flagOf(f) == cli.HelpFlag {
				continue
			}
			name := f.Names()[0]
			want := "true"
			if !isSwitch(f) {
				want = sampleValue[name]
				if want == "" {
					t.Fatalf("no sample value for --%s", name)
				}
			}
			var forms [][]string
			for _, n := range f.Names() {
				dash := "--"
				if len(n) == 1 {
					dash = "-"
				}
				if isSwitch(f) {
					forms = append(forms, []string{dash + n}, []string{dash + n + "=true"})
					if len(n) == 1 && bundle != "" && n != bundle {
						forms = append(forms, []string{"-" + n + bundle}, []string{"-" + bundle + n})
					}
				} else {
					forms = append(forms, []string{dash + n, want}, []string{dash + n + "=" + want})
					if len(n) == 1 {
						forms = append(forms, []string{"-" + n + want})
						if bundle != "" {
							forms = append(forms, []string{"-" + bundle + n, want})
						}
					}
				}
			}
			for _, form := range forms {
				separate := len(form) == 2 && !isSwitch(f)
				add := func(where string, argv []string) {
					rows = append(rows, argvRow{argv: argv, where: where, cmd: cf.cmd, flag: name, value: want, args: []string{pos}, separate: separate})
				}
				add("after the command", join(cmd, form, []string{pos}))
				add("after the positionals", join(cmd, []string{pos}, form))
				if cf.cmd != "" {
					add("before the command", join(form, cmd, []string{pos}))
				}
				// after "--" a flag is a positional argument
				rows = append(rows, argvRow{argv: join(cmd, []string{pos, "--"}, form), where: "after --",
					cmd: cf.cmd, args: append([]string{pos}, form...)})
			}
		}
	}
	return rows
}

// TestArgvTable: the lexer, normalize (what cli then parses), completion
// and the habit hints agree on every row of the argv table: one oracle,
// four consumers.
func TestArgvTable(t *testing.T) {
	rows := argvTable(t)
	for _, r := range rows {
		name := strings.Join(r.argv, " ") + " (" + r.where + ")"
		app := newApp(strings.NewReader(""), io.Discard, io.Discard)

		// 1. the lexer
		lx := lex(app, r.argv)
		gotCmd := ""
		if lx.Cmd != nil {
			gotCmd = lx.Cmd.Name
		}
		var gotArgs []string
		for _, a := range lx.Args {
			gotArgs = append(gotArgs, a.Text)
		}
		set := false
		for _, u := range lx.Flags {
			if u.Name == r.flag && u.Value == r.value {
				set = true
			}
		}
		if gotCmd != r.cmd || !slices.Equal(gotArgs, r.args) || set != (r.flag != "") || len(lx.Unknown) > 0 || len(lx.Errs) > 0 {
			t.Errorf("lex %s: command %q flags %s args %q unknown %v errs %v; want %q --%s=%s args %q",
				name, gotCmd, lx, gotArgs, lx.Unknown, lx.Errs, r.cmd, r.flag, r.value, r.args)
			continue
		}

		// 2. normalize, then cli's parse of what it made
		got, err := parsed(t, r.flag, append([]string{"gosof"}, r.argv...))
		if err != nil {
			t.Errorf("run %s: %v", name, err)
			continue
		}
		if r.flag != "" && (!got.set || !strings.Contains(got.val, r.value)) || got.args != strings.Join(r.args, " ") {
			t.Errorf("run %s: set %v value %q args %q; want --%s=%s args %q", name, got.set, got.val, got.args, r.flag, r.value, r.args)
		}

		// 3. completion: after the row, "-" offers the flags of the
		// command the lexer found (nothing after "--"); a flag that takes
		// a value, typed last, is what completion completes.
		cands := complete(app, append(slices.Clone(r.argv), "-"))
		wantFlags := 0
		if r.where != "after --" {
			wantFlags = len(filterPrefix(flagCandidates(lx.flagSet(app)), "-"))
		}
		if len(cands) != wantFlags {
			t.Errorf("complete %s -: %d candidates, want %d (the flags of %q)", name, len(cands), wantFlags, r.cmd)
		}
		if r.separate && r.where == "after the command" {
			at := len(r.argv) - 3 // the flag word: cmd..., flag, value, PORT
			if plx := lex(app, r.argv[:at+1]); plx.Pending == nil || plx.Pending.Name != r.flag {
				t.Errorf("complete %s: the value of %s is not what completion would complete next", name, r.argv[at])
			} else if fv := flagValues(plx.Pending.Flag, ""); len(fv) > 0 && r.flag != "pid" && !slices.Equal(complete(app, append(slices.Clone(r.argv[:at+1]), "")), filterPrefix(fv, "")) {
				// (--pid's values are the processes running now: a list
				// that changes between two reads)
				t.Errorf("complete %s: the values offered are not those of %s", name, r.argv[at])
			}
		}

		// 4. the hints: a valid row gets none
		if h, err := habitHint(app, lx); h != "" || err != nil {
			t.Errorf("hint for %s: %q (%v), want none", name, h, err)
		}
	}
	t.Logf("%d rows", len(rows))
}

// TestArgvDefects: what the scanners got wrong before there was one lexer.
func TestArgvDefects(t *testing.T) {
	for _, tc := range []struct {
		argv     string
		code     int
		stderr   string // part of the one line on stderr; "" for none
		parsedAs string // lex's reading, when the run goes ahead
	}{
		// a valid flag is never answered with a hint, wherever it stands
		{argv: "-n kill 9", parsedAs: `kill --dry-run "9"`},
		{argv: "-s 9 kill 9", parsedAs: `kill --signal=9 "9"`},
		{argv: "--proto tcp who 80", parsedAs: `who --proto=tcp "80"`},
		// "--" ends the options and never names a command
		{argv: "-- kill 80", code: 2, stderr: `"kill" after "--" is not a PORT`},
		{argv: "--json -- close --abort --listen 21221", code: 2, stderr: `"close" after "--" is not a PORT`},
		// nor misspells one: "did you mean 'gosof kill'?" read as if no "--"
		{argv: "-- kil 80", code: 2, stderr: `"kil" after "--" is not a PORT: "--" ends the options, and a command comes before it ('gosof kill -- PORT...')`},
		{argv: "-t -- Kill 80", code: 2, stderr: `"Kill" after "--" is not a PORT: "--" ends the options, and a command comes before it ('gosof kill -- PORT...')`},
		// a flag given twice with different values
		{argv: "kill --dry-run --dry-run=false 80", code: 2, stderr: "--dry-run given twice with different values"},
		{argv: "kill -n -s 9 -s 15 80", code: 2, stderr: "--signal given twice with different values (-s 9, then -s 15)"},
		// each use spelled as typed: kill(1)'s -9 holds its value ("-9 9" was shown)
		{argv: "kill 80 -9 -s 15 -n", code: 2, stderr: "--signal given twice with different values (-9, then -s 15)"},
		{argv: "kill 80 -s9 --signal=15 -n", code: 2, stderr: "(-s9, then --signal=15)"},
		{argv: "who --netns a --netns b 80", code: 2, stderr: "--netns given twice"},
		{argv: "kill -n -n 80", parsedAs: `kill --dry-run --dry-run "80"`},
		// switches with values
		{argv: "kill -n=true 80", parsedAs: `kill --dry-run "80"`},
		{argv: "who -t=false 80", parsedAs: `who --terse=false "80"`},
		{argv: "who -t=maybe 80", code: 2, stderr: `-t: "maybe" is not true or false`},
		// a number flag names the flag as it was typed
		{argv: "metrics --max-series abc", code: 2, stderr: `--max-series: "abc" is not a whole number`},
		// a whole number too large is said to be one, as gosof-exporter
		// says it (its TestExporterBadInput)
		{argv: "metrics --max-series 99999999999999999999", code: 2, stderr: `--max-series: "99999999999999999999" is too large`},
		{argv: "metrics --max-series=-99999999999999999999", code: 2, stderr: `--max-series: "-99999999999999999999" is too small`},
		// and is decimal, as the check read it (Go's flag package: 010 is 8)
		{argv: "metrics --max-series 010", parsedAs: `metrics --max-series=10`},
		{argv: "watch --count=+3 80", parsedAs: `watch --count=3 "80"`},
		// subcommands
		{argv: "debug bogus", code: 2, stderr: `debug: no subcommand "bogus"`},
		// kill(1)'s spellings of the signal
		{argv: "kill -9 80", parsedAs: `kill --signal=9 "80"`},
		{argv: "kill -SIGKILL 80", parsedAs: `kill --signal=SIGKILL "80"`},
		{argv: "kill -9 -s KILL 80", code: 2, stderr: "--signal given twice"},
		// kill's -9 hint only where it helps
		{argv: "fds -9 1", code: 2, stderr: "unknown flag -9 for 'gosof fds'"},
		{argv: "why -9 80", code: 2, stderr: "unknown flag -9 for 'gosof why'"},
		{argv: "kill -t 80", code: 2, stderr: "-t does not apply to 'gosof kill'"},
		// kill(1)'s signal in a bundle is refused saying why ("unknown flag -9n")
		{argv: "kill -9n 80", code: 2, stderr: "-9n: kill(1)'s -9 is typed apart from other flags: -9 -n\n"},
		{argv: "kill -n9 80", code: 2, stderr: "-n9: kill(1)'s -9 is typed apart from other flags: -9 -n\n"},
		{argv: "kill -15yn 80", code: 2, stderr: "-15 -yn\n"},
		{argv: "kill -9x 80", code: 2, stderr: "unknown flag -9x for 'gosof kill'"},
		// an abbreviated long flag is answered with the whole name
		{argv: "kill --dry 80", code: 2, stderr: "unknown flag --dry for 'gosof kill'; did you mean --dry-run?"},
		{argv: "who --lis 80", code: 2, stderr: "did you mean --listen?"},
	} {
		args := strings.Fields(tc.argv)
		app := newApp(strings.NewReader(""), io.Discard, io.Discard)
		var errb bytes.Buffer
		argv, err := normalize(app, append([]string{"gosof"}, args...))
		code := 0
		if err != nil {
			code = exitCode(err, &errb)
		}
		if code != tc.code || (tc.stderr != "" && (!strings.Contains(errb.String(), tc.stderr) || strings.Count(errb.String(), "\n") != 1)) {
			t.Errorf("gosof %s: exit %d, stderr %q; want exit %d and %q", tc.argv, code, errb.String(), tc.code, tc.stderr)
		}
		if tc.parsedAs != "" {
			if got := lex(app, args).String(); got != tc.parsedAs {
				t.Errorf("gosof %s: read as %s, want %s (normalized %q)", tc.argv, got, tc.parsedAs, argv)
			}
		}
	}
}

// TestDashDashWordsArePorts: with no command before "--", the words after
// it are who's PORTs, never a command word: a service name one letter
// from a command ("mtn", "man") is looked up, and a word that is neither
// gets who's answer, not "neither a gosof command nor a service name".
func TestDashDashWordsArePorts(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	words := []string{"nosuch", "80"}
	if svc := core.ReadServices("/etc/services"); len(svc.Lookup("mtn")) > 0 && len(closeCommands(app, "mtn")) > 0 {
		words = append(words, "mtn")
	} else {
		t.Log(`no service "mtn" here, one letter from "man": that case is not run`)
	}
	for _, w := range words {
		for _, argv := range [][]string{{"gosof", "--", w}, {"gosof", "-t", "--", w, "81"}} {
			got, err := normalize(app, argv)
			if err != nil || len(got) < 2 || got[1] != "who" || !slices.Equal(got[slices.Index(got, "--")+1:], argv[slices.Index(argv, "--")+1:]) {
				t.Errorf("normalize %q: %q, %v; want who with %q a PORT", argv, got, err, w)
			}
		}
	}
}
