package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// Exit codes, as docs/contract.md fixes them.
const (
	exitMatch     = 0 // something matched; kill/close: every matched thing is gone
	exitNoMatch   = 1 // nothing matched
	exitError     = 2 // usage error, or an error that stopped the work
	exitSurvivors = 3 // kill/close: something matched is still there
)

// errSurvivors is returned by kill and close when a matched process or socket
// is still there after they ran.
var errSurvivors = errors.New("some matched processes or sockets are still there")

// run builds the app, runs it on args and turns its outcome into an exit
// code; it is main without os.Exit, so tests call it with captured writers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if n := termCols(stderr); n > 0 {
		stderr = &termWriter{w: stderr, cols: n} // notes and errors broken between words, never mid-word
	}
	app := newApp(stdin, stdout, stderr)
	if completeWords(app, args, stdout) {
		return exitMatch
	}
	argv, err := normalize(app, args)
	if err != nil {
		return exitCode(err, stderr)
	}
	return exitCode(app.Run(argv), stderr)
}

// exitCode is the one place where outcomes become exit codes.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitMatch
	case errors.Is(err, core.ErrNoMatch):
		return exitNoMatch
	case errors.Is(err, errSurvivors):
		return exitSurvivors
	case errors.As(err, new(*watchEnded)):
		var we *watchEnded
		errors.As(err, &we)
		return we.code()
	case errors.As(err, new(*interruptedError)):
		var ie *interruptedError
		errors.As(err, &ie)
		fmt.Fprintf(stderr, "gosof: %s\n", ie.Error())
		return ie.code()
	default:
		fmt.Fprintf(stderr, "gosof: %s\n", oneLine(err.Error()))
		return exitError
	}
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "gosof",
		Usage: "who holds this port, in what state, and how to release it",
		Description: "gosof lists sockets (TCP, UDP, raw, unix; IPv4 and IPv6; every state)\n" +
			"with every process that holds them, and releases ports safely.\n" +
			"With no command it runs 'ls'; 'gosof PORT' is 'gosof who PORT' (and 'gosof PATH' 'gosof who PATH').",
		Version:              versionString(),
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: false,
		// core splits the list flags (SplitList): cli's own split on
		// commas broke a -c /REGEXP/ that holds one, /^p[y,z]thon/.
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		Flags:                     whoFlags(),
		Action:                    rootAction,
		Commands: []*cli.Command{
			lsCommand(),
			whoCommand(),
			killCommand(),
			closeCommand(),
			whyCommand(),
			watchCommand(),
			fdsCommand(),
			metricsCommand(),
			exporterCommand(),
			debugCommand(),
			helpCommand(),
			manCommand(),
			completionCommand(),
		},
		// Errors go back to run, which prints one line and picks the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
	}
	for _, c := range app.Commands {
		c.OnUsageError = usageError
		// Help is gosof's own command, 'gosof help CMD' (cmd_help.go): cli's
		// "help, h" subcommand was listed in 'gosof debug --help', but lex
		// knows no such subcommand, so 'gosof debug help' was refused.
		c.HideHelpCommand = true
	}
	cli.FlagStringer = flagHelp
	cli.HelpPrinter = wrappingHelpPrinter
	// cli adds its -h/--help flag to the top level only when the app has
	// no help command; gosof has one (cmd_help.go), and --help is listed
	// all the same (normalize turns it into 'gosof help').
	app.Flags = append(app.Flags, cli.HelpFlag)
	cacheNames(app)
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintf(c.App.Writer, "gosof %s\n", c.App.Version) }
	return app
}

// usageError turns urfave/cli's flag errors into a one-line UsageError
// instead of a help dump.
func usageError(c *cli.Context, err error, _ bool) error {
	return core.Usagef("%s (see 'gosof %s--help')", oneLine(err.Error()), commandPrefix(c))
}

func commandPrefix(c *cli.Context) string {
	// At the top level cli's context names the app's own root command
	// "gosof": that is no subcommand ("see 'gosof gosof --help'").
	if c != nil && c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		return c.Command.Name + " "
	}
	return ""
}

// rootAction is 'ls' with no arguments and 'who' with ports.
func rootAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return lsAction(c)
	}
	if err := checkCommandWord(c.App, c.Args().First(), false); err != nil {
		return err
	}
	return whoAction(c)
}

// oneLine keeps an error message on one line, and safe for a terminal;
// what it quotes with %q is not escaped twice.
func oneLine(s string) string {
	return core.EscapeMessage(s)
}
