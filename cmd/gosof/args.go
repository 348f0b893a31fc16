package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// Flag positions. Admins type flags anywhere: `gosof -t who 8080`,
// `gosof who -t 8080`, `gosof who 8080 -t` must all mean the same, and a
// script's `kill $(gosof -t who 8080)` must never receive a table. urfave/cli
// v2, like Go's flag package, stops parsing at the first positional
// argument, and a flag given before the command is parsed into the app's
// flag set, where the command's own flag of the same name (its default)
// shadows it. It has no setting for either, so normalize rewrites argv once,
// before cli sees it, into the one shape cli parses without surprises:
//
//	gosof [COMMAND] FLAGS... -- POSITIONALS...
//
// Every flag, wherever it was typed, goes to the command that runs; one
// that command does not have is refused (exit 2, naming the flag), never
// dropped. Everything after a "--" the user typed stays a positional.
func normalize(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	rest := args[1:]
	valueFlags := takesValueAnywhere(app)
	// The command is the first word that is neither a flag nor a flag's value.
	cmdAt := -1
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			break
		}
		if isFlag(a) {
			if name, hasValue := flagName(a); !hasValue && valueFlags[name] {
				i++
			}
			continue
		}
		if app.Command(a) != nil {
			cmdAt = i
		}
		break
	}
	flags, where := app.Flags, "gosof"
	var cmd *cli.Command
	if cmdAt >= 0 {
		cmd = app.Command(rest[cmdAt])
		flags, where = cmd.Flags, "gosof "+cmd.Name
	}
	// -h/--help anywhere before "--" is `gosof help [COMMAND]`: one path
	// for help, whatever else was typed (cli's own help flag is not added
	// once the app has a help command, and "--help" was refused).
	if cmd == nil || len(cmd.Subcommands) == 0 {
		for i, a := range rest {
			if a == "--" {
				break
			}
			if isFlag(a) && i != cmdAt {
				if name, _ := flagName(a); isHelpFlag(name) {
					if cmd == nil {
						return []string{args[0], "help"}, nil
					}
					return []string{args[0], "help", cmd.Name}, nil
				}
			}
		}
	}
	known := flagTable(flags)
	out := []string{args[0]}
	if cmd != nil {
		out = append(out, rest[cmdAt])
	}
	var flagArgs, positional []string
	dashdash := false
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case i == cmdAt:
			continue
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			dashdash = true
			i = len(rest)
		case isFlag(a):
			name, hasValue := flagName(a)
			takes, ok := known[name]
			if !ok && !isHelpFlag(name) && !(cmd == nil && isVersionFlag(name)) {
				if cmd != nil && i < cmdAt {
					return nil, core.Usagef("%s does not apply to '%s' (see '%s --help')", a, where, where)
				}
				if suggestion := suggestFlag(name, known); suggestion != "" {
					return nil, core.Usagef("unknown flag %s for '%s'; did you mean %s? (see '%s --help')", a, where, suggestion, where)
				}
				return nil, core.Usagef("unknown flag %s for '%s' (see '%s --help')", a, where, where)
			}
			flagArgs = append(flagArgs, a)
			if !takes {
				continue
			}
			v := ""
			if hasValue {
				v = a[strings.IndexByte(a, '=')+1:]
			} else {
				if i+1 >= len(rest) || (i+1 == cmdAt) {
					return nil, core.Usagef("%s needs a value (see '%s --help')", a, where)
				}
				i++
				v = rest[i]
				flagArgs = append(flagArgs, v)
			}
			if err := checkValue(name, v, isList(flags, name)); err != nil {
				return nil, err
			}
		default:
			positional = append(positional, a)
		}
	}
	out = append(out, flagArgs...)
	if cmd != nil && len(cmd.Subcommands) > 0 {
		// A command with subcommands (debug) parses its own words; only
		// the flags typed before it were moved, and only its own.
		return append(out, rest[cmdAt+1+countFlagTokens(rest[cmdAt+1:], known):]...), nil
	}
	if len(positional) > 0 || dashdash {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out, nil
}

// countFlagTokens counts the leading flags (and their values) of args.
func countFlagTokens(args []string, known map[string]bool) int {
	n := 0
	for n < len(args) && isFlag(args[n]) && args[n] != "--" {
		name, hasValue := flagName(args[n])
		n++
		if known[name] && !hasValue {
			n++
		}
	}
	if n > len(args) {
		n = len(args)
	}
	return n
}

// checkValue refuses an empty value, and an empty item of a list flag
// ("--state ,", "--state listen,"): an unset shell variable must not turn
// "only these" into "everything".
func checkValue(name, v string, list bool) error {
	flag := "--" + name
	if len(name) == 1 {
		flag = "-" + name
	}
	if strings.TrimSpace(v) == "" {
		return core.Usagef("%s: empty value; give one, or leave the flag out", flag)
	}
	if list {
		for _, item := range strings.Split(v, ",") {
			if strings.TrimSpace(item) == "" {
				return core.Usagef("%s %q: empty item in the list", flag, v)
			}
		}
	}
	return nil
}

// isList reports whether flag name of flags takes a comma-separated list.
func isList(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, ok := f.(*cli.StringSliceFlag)
				return ok
			}
		}
	}
	return false
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagName is the name in "-s", "--state" or "--state=x", and whether the
// value came with it.
func flagName(a string) (string, bool) {
	name := strings.TrimLeft(a, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true
	}
	return name, false
}

func isHelpFlag(name string) bool { return name == "help" || name == "h" }

func isVersionFlag(name string) bool { return name == "version" || name == "v" }

// flagTable maps every name and alias of flags to whether it takes a value.
func flagTable(flags []cli.Flag) map[string]bool {
	t := map[string]bool{}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			t[n] = !isBool
		}
	}
	return t
}

// takesValueAnywhere is the names that take a value in the app or in any
// command: used only to find the command behind flags typed before it.
func takesValueAnywhere(app *cli.App) map[string]bool {
	t := flagTable(app.Flags)
	for _, c := range app.Commands {
		for n, v := range flagTable(c.Flags) {
			t[n] = t[n] || v
		}
	}
	return t
}

// suggestFlag is the long flag of known closest to name, if one is close.
func suggestFlag(name string, known map[string]bool) string {
	best, bestD := "", 0
	for n := range known {
		if len(n) < 2 {
			continue
		}
		d := editDistance(name, n)
		if d > closeEnough(n) {
			continue
		}
		if best == "" || d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return "--" + best
}
