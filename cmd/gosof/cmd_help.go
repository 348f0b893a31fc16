package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// helpCommand is `gosof help` and `gosof help CMD`. cli's own help
// command is off (HideHelpCommand, for the app and every command in
// newApp), and without one "help" was read as a service name.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of gosof, or of one command",
		ArgsUsage: "[COMMAND]",
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return cli.ShowAppHelp(c)
			case 1:
				name := c.Args().First()
				if cmd := c.App.Command(name); cmd != nil {
					return cli.ShowCommandHelp(c, cmd.Name)
				}
				if cs := closeCommands(c.App, name); len(cs) > 0 {
					return core.Usagef("help: no command %q; did you mean '%s'?", name, cs[0])
				}
				return core.Usagef("help: no command %q (commands: %s)", name, commandNames(c.App))
			}
			return core.Usagef("help takes at most one COMMAND")
		},
	}
}

// commandNames lists the visible commands: "ls, who, kill, ...".
func commandNames(app *cli.App) string {
	var names []string
	for _, c := range app.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}

// checkCommandWord decides what the first word of `gosof WORD ...` is
// when it is not a command: a typo of one (exit 2, did you mean), a
// service name (then it is 'who WORD'), or neither (exit 2, saying both).
// Numbers and ranges are ports and pass. typo: decide only whether it is
// a typo (normalize asks that before any hint: the hints read the flags
// against the top level, and 'gosof Kill -n 80' was told to drop -n,
// kill's dry run).
func checkCommandWord(app *cli.App, word string, typo bool) error {
	if word == "" || (word[0] >= '0' && word[0] <= '9') || strings.ContainsAny(word, ":/") {
		return nil // a port, or one spelled with its protocol (tcp:8080, :8080, udp/53)
	}
	cs := closeCommands(app, word)
	if typo && len(cs) == 0 {
		return nil
	}
	ports := core.ReadServices("/etc/services").Lookup(word)
	if len(cs) > 0 {
		msg := fmt.Sprintf("%q is not a command; did you mean 'gosof %s'?", word, cs[0])
		if len(ports) > 0 {
			msg += fmt.Sprintf(" (%q is also a service name in /etc/services, port %d: 'gosof who %s' looks it up)", word, ports[0], word)
		}
		return core.Usagef("%s", msg)
	}
	if len(ports) == 0 && !strings.ContainsAny(word, "-,") {
		return core.Usagef("%q is neither a gosof command (%s) nor a service name in /etc/services", word, commandNames(app))
	}
	return nil
}
