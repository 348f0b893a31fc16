package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagHelp is how every flag reads in --help (cli.FlagStringer) and in
// the man page: short name first, as GNU tools print them; the value's
// placeholder from the `BACKTICKS` in its usage (DIR, PORT...), with ",..."
// for lists; a default only where there is one worth saying (never
// "(default: false)" on a switch).
func flagHelp(f cli.Flag) string {
	names, usage := flagSynopsis(f), ""
	if df, ok := f.(cli.DocGenerationFlag); ok {
		_, usage = placeholder(df.GetUsage())
		if _, isBool := flagOf(f).(*cli.BoolFlag); !isBool {
			if d := df.GetDefaultText(); d != "" && d != `""` {
				usage += " (default " + strings.Trim(d, `"`) + ")"
			}
		}
	}
	return names + "\t" + usage
}

// flagSynopsis is "-u, --user USER,..." for one flag.
func flagSynopsis(f cli.Flag) string {
	names, ph := flagParts(f)
	s := strings.Join(names, ", ")
	if ph != "" {
		s += " " + ph
	}
	return s
}

// flagParts is a flag's names, short ones first ("-u", "--user"), and the
// placeholder of its value ("USER,...", "" for a switch).
func flagParts(f cli.Flag) (names []string, ph string) {
	var long []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			names = append(names, "-"+n)
		} else {
			long = append(long, "--"+n)
		}
	}
	names = append(names, long...)
	if df, ok := f.(cli.DocGenerationFlag); ok && df.TakesValue() {
		ph, _ = placeholder(df.GetUsage())
		if ph == "" {
			ph = "VALUE"
		}
		if sf, ok := f.(cli.DocGenerationSliceFlag); ok && sf.IsSliceFlag() {
			ph += ",..."
		}
	}
	return names, ph
}

// placeholder splits "read the capture `DIR`" into "DIR" and the usage
// without backticks, as urfave/cli reads it; a placeholder in parentheses,
// "protocols (`PROTO`): tcp...", names the value only and is dropped
// from the text: "protocols: tcp...".
func placeholder(usage string) (name, text string) {
	i := strings.IndexByte(usage, '`')
	if i < 0 {
		return "", usage
	}
	j := strings.IndexByte(usage[i+1:], '`')
	if j < 0 {
		return "", usage
	}
	name, before, after := usage[i+1:i+1+j], usage[:i], usage[i+1+j+1:]
	switch {
	case strings.HasSuffix(before, " (") && strings.HasPrefix(after, ")"):
		return name, before[:len(before)-2] + after[1:]
	case strings.HasSuffix(before, "(") && strings.HasPrefix(after, ": "):
		return name, before + after[2:]
	}
	return name, before + name + after
}
