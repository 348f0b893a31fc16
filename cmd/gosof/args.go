package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// normalize turns argv into the one shape cli parses without surprises:
//
//	gosof [COMMAND [SUBCOMMAND]] --flag=value... -- POSITIONALS...
//
// from what lex read (argv.go). urfave/cli v2, like Go's flag package,
// stops at the first positional argument, and a flag given before the
// command lands in the app's flag set, where the command's own flag of
// the same name shadows it; so every flag, wherever it was typed, goes to
// the command that runs, and one the command does not have is refused
// (exit 2, naming it, with the gosof form when it is another tool's
// habit), never dropped. -h/--help anywhere before "--" is `gosof help
// [COMMAND]`.
func normalize(app *cli.App, argv []string) ([]string, error) {
	if len(argv) < 2 {
		return argv, nil
	}
	lx := lex(app, argv[1:])
	if lx.Help {
		switch {
		case lx.Cmd == nil:
			return []string{argv[0], "help"}, nil
		case len(lx.Cmd.Subcommands) > 0 && lx.Sub != nil:
			return []string{argv[0], lx.Cmd.Name, lx.Sub.Name, "--help"}, nil
		case len(lx.Cmd.Subcommands) > 0:
			return []string{argv[0], lx.Cmd.Name, "--help"}, nil
		}
		return []string{argv[0], "help", lx.Cmd.Name}, nil
	}
	if err := lx.problem(app); err != nil {
		return nil, err
	}
	if lx.Version && lx.Cmd == nil {
		if len(lx.Flags)+len(lx.Args) > 0 || lx.DashDash >= 0 {
			// it printed the version and dropped the rest unsaid
			return nil, core.Usagef("--version takes nothing else: 'gosof --version' prints the version")
		}
		return []string{argv[0], "--version"}, nil
	}
	out := []string{argv[0]}
	if lx.Cmd != nil {
		out = append(out, lx.Cmd.Name)
	} else if lx.first < 0 && len(lx.Args) > 0 {
		// every word came after "--": PORTs, so who's, never a word
		// rootAction reads as a command ('gosof -- mtn', a service, was
		// "did you mean 'gosof man'?")
		out = append(out, "who")
	}
	if lx.Sub != nil {
		out = append(out, lx.Sub.Name)
	}
	for _, u := range lx.Flags {
		out = append(out, u.canonical())
	}
	if len(lx.Args) > 0 || lx.DashDash >= 0 {
		out = append(out, "--")
		for _, a := range lx.Args {
			out = append(out, a.Text)
		}
	}
	return out, nil
}

// problem is the first word, in argv order, that stops the run: a habit of
// another tool (with the gosof form), an unknown flag, a missing or
// malformed value, a repeated flag, a subcommand that does not exist, a
// command name after "--".
func (lx *lexed) problem(app *cli.App) error {
	if lx.Cmd == nil && lx.first >= 0 {
		// where lex looked for the command: -s 9 kil 80 is kil, not 9
		if err := checkCommandWord(app, lx.words[lx.first], true); err != nil {
			return err // a misspelt command first: the flags were read against the wrong one
		}
	}
	if h, err := habitHint(app, lx); err != nil {
		return err
	} else if h != "" {
		return core.Usagef("%s", h)
	}
	at, err := len(lx.words), error(nil)
	if e := lx.firstError(); e != nil {
		at, err = e.At, e.Err
	}
	if len(lx.Unknown) > 0 && lx.Unknown[0].At < at {
		return lx.unknownFlag(app, lx.Unknown[0].Text)
	}
	if err != nil {
		return err
	}
	if lx.BadSub != "" {
		var subs []string
		for _, c := range lx.Cmd.Subcommands {
			subs = append(subs, c.Name)
		}
		return core.Usagef("%s: no subcommand %q (want %s; see 'gosof help %s')", lx.Cmd.Name, lx.BadSub, strings.Join(subs, ", "), lx.Cmd.Name)
	}
	if lx.Cmd != nil && len(lx.Cmd.Subcommands) > 0 && lx.Sub == nil {
		return nil // cli shows the command's help
	}
	if lx.Cmd == nil && lx.DashDash >= 0 && len(lx.Args) > 0 {
		if name := commandAfterDashDash(app, lx.Args[0].Text); name != "" {
			return core.Usagef("%q after \"--\" is not a PORT: \"--\" ends the options, and a command comes before it ('gosof %s -- PORT...')",
				lx.Args[0].Text, name)
		}
	}
	return nil
}

// commandAfterDashDash is the command word, first after "--", names or
// misspells ("gosof -- kil 80" was told "did you mean 'gosof kill'",
// as if "--" were not there), "" when it names none or is a service
// name, a PORT ("gosof -- mtn", not man).
func commandAfterDashDash(app *cli.App, word string) string {
	if app.Command(word) != nil {
		return word
	}
	if cs := closeCommands(app, word); len(cs) > 0 && len(core.ReadServices("/etc/services").Lookup(word)) == 0 {
		return cs[0]
	}
	return ""
}

// unknownFlag is the error for a flag word the command does not have.
func (lx *lexed) unknownFlag(app *cli.App, a string) error {
	where := lx.where()
	name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=") // ---n is no -n
	known := flagTable(lx.flagSet(app))
	if sig, rest := cutSignal(name); lx.killSignal(lx.Cmd != nil && lx.Cmd.Name == "kill", "-"+sig) != "" {
		if _, _, ok := readFlagWord(lx.Cmd.Flags, "-"+rest, ""); ok && rest != "" {
			// kill(1) takes no bundle either; a signal is not guessed
			return core.Usagef("%s: kill(1)'s -%s is typed apart from other flags: -%s -%s", a, sig, sig, rest)
		}
	}
	if suggestion := suggestFlag(name, known); suggestion != "" {
		return core.Usagef("unknown flag %s for '%s'; did you mean %s? (see '%s --help')", a, where, suggestion, where)
	}
	for _, c := range app.Commands {
		if c != lx.Cmd && findFlag(c.Flags, name) != nil {
			return core.Usagef("%s does not apply to '%s' (see '%s --help')", a, where, where)
		}
	}
	return core.Usagef("unknown flag %s for '%s' (see '%s --help')", a, where, where)
}

// cutSignal splits the digits off either end of a short flag word: "9n"
// is 9 and n, "n9" is 9 and n.
func cutSignal(name string) (sig, rest string) {
	rest = strings.TrimLeft(name, "0123456789")
	if sig = name[:len(name)-len(rest)]; sig == "" {
		rest = strings.TrimRight(name, "0123456789")
		sig = name[len(rest):]
	}
	return sig, rest
}

// suggestFlag is the long flag of known that name abbreviates, when one
// alone starts with it (--dry: --dry-run; getopt_long would take it,
// gosof asks for the whole name), else the closest, if one is close.
func suggestFlag(name string, known map[string]bool) string {
	best, bestD := "", 0
	var abbrev []string
	for n := range known {
		if len(n) < 2 {
			continue
		}
		if len(name) > 1 && strings.HasPrefix(n, name) {
			abbrev = append(abbrev, n)
		}
		d := editDistance(name, n)
		if d > closeEnough(n) {
			continue
		}
		if best == "" || d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if len(abbrev) == 1 {
		best = abbrev[0]
	}
	if best == "" {
		return ""
	}
	return "--" + best
}
