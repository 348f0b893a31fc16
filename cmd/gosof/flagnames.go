package main

import (
	"flag"
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli asks a flag for its names (Names) on every lookup, and each
// answer runs a regular expression over every name (cli.FlagNames, a
// guard for the v1 "name, n" form). Before each action it asks whether
// each name of each flag is set (runFlagActions), and each question
// looks the flag up by asking every flag before it for its names: for
// `who`'s flags, hundreds of regexp runs, 0.6 of the 1.3 ms between the
// parsed argv and the action, on every run, before the scan starts.
// gosof's names have no comma or space, and are fixed once the app is
// built: cacheNames wraps each flag in a type of the same kind that
// answers Names from a slice made once. Everything else is the flag's
// own (the wrappers embed it), and code that asks a flag's kind asks
// flagOf's.

type namedBool struct {
	*cli.BoolFlag
	names []string
}

type namedInt struct {
	*cli.IntFlag
	names []string
}

type namedString struct {
	*cli.StringFlag
	names []string
}

type namedStrings struct {
	*cli.StringSliceFlag
	names []string
}

func (f namedBool) Names() []string    { return f.names }
func (f namedInt) Names() []string     { return f.names }
func (f namedString) Names() []string  { return f.names }
func (f namedStrings) Names() []string { return f.names }

// Apply registers a list under its first name alone, the one normalize
// passes (canonical). Under its aliases too, cli copies what was given
// to each alias through JSON (normalizeFlags, copyFlag) into the one list
// the names share, and JSON turns a byte that is not UTF-8 into U+FFFD:
// -c $'\x9b' matched no process named with that byte, and -u $'a\xff'
// looked up "a\uFFFD". With no alias registered, there is nothing to copy.
// KeepSpace: cli trimmed each value, so -c 'python3 ' matched python3 and
// -u ' root' root; the bytes typed reach core, whose list readers decide.
func (f namedStrings) Apply(set *flag.FlagSet) error {
	one := *f.StringSliceFlag
	one.Aliases, one.KeepSpace = nil, true
	return one.Apply(set)
}

// cacheNames wraps the flags of the app and of every command in it.
func cacheNames(app *cli.App) {
	cacheFlagNames(app.Flags)
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			cacheFlagNames(c.Flags)
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
}

func cacheFlagNames(fs []cli.Flag) {
	for i, f := range fs {
		switch t := f.(type) {
		case *cli.BoolFlag:
			fs[i] = namedBool{t, names(t, t.Name, t.Aliases)}
		case *cli.IntFlag:
			fs[i] = namedInt{t, names(t, t.Name, t.Aliases)}
		case *cli.StringFlag:
			fs[i] = namedString{t, names(t, t.Name, t.Aliases)}
		case *cli.StringSliceFlag:
			fs[i] = namedStrings{t, names(t, t.Name, t.Aliases)}
		}
	}
}

// names is what f.Names() says, the name and then the aliases, made
// without its regexp where no name has a comma or a space (the regexp
// cuts a name there); with one, f's own answer.
func names(f cli.Flag, name string, aliases []string) []string {
	if strings.ContainsAny(name, ", ") {
		return f.Names()
	}
	for _, a := range aliases {
		if strings.ContainsAny(a, ", ") {
			return f.Names()
		}
	}
	return append([]string{name}, aliases...)
}

// flagOf is the urfave/cli flag f wraps (f itself if it wraps none), for
// a question about its kind.
func flagOf(f cli.Flag) cli.Flag {
	switch t := f.(type) {
	case namedBool:
		return t.BoolFlag
	case namedInt:
		return t.IntFlag
	case namedString:
		return t.StringFlag
	case namedStrings:
		return t.StringSliceFlag
	}
	return f
}
