package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves the flags that follow positional arguments in front of
// them, so that `gosof who 30116 --state close-wait` works as admins type
// it: urfave/cli v2, like Go's flag package, stops at the first argument.
// Everything after "--" stays where it is.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	flags := app.Flags
	// Leading global flags, then the command name if there is one.
	i := skipFlags(rest, flags)
	if i < len(rest) {
		if cmd := app.Command(rest[i]); cmd != nil {
			out = append(out, rest[:i+1]...)
			rest, flags = rest[i+1:], cmd.Flags
		}
	}
	var flagArgs, positional []string
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			positional = append(positional, rest[j:]...)
			j = len(rest)
		case isFlag(a):
			flagArgs = append(flagArgs, a)
			if takesValue(a, flags) && j+1 < len(rest) {
				j++
				flagArgs = append(flagArgs, rest[j])
			}
		default:
			positional = append(positional, a)
		}
	}
	return append(append(out, flagArgs...), positional...)
}

// skipFlags returns the index of the first argument that is not a flag or
// a flag's value.
func skipFlags(args []string, flags []cli.Flag) int {
	for i := 0; i < len(args); i++ {
		if !isFlag(args[i]) {
			return i
		}
		if takesValue(args[i], flags) {
			i++
		}
	}
	return len(args)
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// takesValue reports whether flag token a (e.g. "--state", "-s") consumes
// the next argument: a known non-boolean flag written without "=".
func takesValue(a string, flags []cli.Flag) bool {
	name := strings.TrimLeft(a, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
