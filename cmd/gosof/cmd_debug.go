package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/selfcheck"
	"github.com/gosof/gosof/platform/solaris"
)

// debugCommand holds tools for reporting problems: 'capture' saves what a
// Solaris/illumos kernel says so that it can be replayed anywhere with
// --replay; 'check' compares gosof with the system's own tools.
func debugCommand() *cli.Command {
	return &cli.Command{
		Name:  "debug",
		Usage: "for a bug report: save what a Solaris/illumos kernel says (debug capture DIR), compare gosof with the system's tools (debug check DIR)",
		Subcommands: []*cli.Command{{
			Name:      "capture",
			Usage:     "save this Solaris/illumos host's MIB reply and socket /proc files to DIR, for 'gosof ls --replay DIR'",
			ArgsUsage: "DIR",
			Description: "Writes DIR/mib2 (the kernel's whole MIB2 reply, byte for byte: every table,\n" +
				"EXPER_SOCK_INFO included), DIR/host.json (with the row sizes) and copies of\n" +
				"/proc/<pid>/fdinfo/<fd> for every socket and TLI endpoint of every process\n" +
				"it can read, with those processes' /proc/<pid>/psinfo. Run it as root to see\n" +
				"every process. The capture holds addresses, ports, command names and\n" +
				"arguments: review it before sending.",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return core.Usagef("usage: gosof debug capture DIR")
				}
				dir, err := debugDir(c)
				if err != nil {
					return err
				}
				if err := solaris.Capture(dir, c.App.ErrWriter); err != nil {
					return err
				}
				reportNotes(c.App.ErrWriter, []string{"capture written to " + dir})
				return nil
			},
		}, checkCommand(), ownersCommand()},
	}
}

// debugDir is the DIR 'debug capture' and 'debug check' write into. An
// empty one is bad input, as an empty flag value is (argv.go): the
// writers would take "" for the current directory.
func debugDir(c *cli.Context) (string, error) {
	dir := c.Args().First()
	if strings.TrimSpace(dir) == "" {
		return "", core.Usagef("debug %s: DIR %q is empty; give the directory to write into", c.Command.Name, dir)
	}
	return dir, nil
}

// ownersCommand is 'debug owners': how a scan finds socket holders on
// this host, and why not the BPF descriptor iterator when it does not
// (Linux: the flags, GOSOF_PROC_FD, capabilities, the kernel's refusal).
func ownersCommand() *cli.Command {
	return &cli.Command{
		Name:  "owners",
		Usage: "say how gosof finds socket holders here: the BPF descriptor iterator, or /proc and why",
		Flags: []cli.Flag{procFDFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return core.Usagef("debug owners takes no arguments")
			}
			b, err := openBackend(platform.Options{ProcFD: c.Bool("proc-fd")})
			if err != nil {
				return err
			}
			if b.OwnersHow == nil {
				fmt.Fprintln(c.App.Writer, "owners found by reading /proc")
				return nil
			}
			how, err := b.OwnersHow()
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, core.Escape(how))
			return nil
		},
	}
}

// checkReplayFlag is debug check's --replay.
var checkReplayFlag = &cli.StringFlag{Name: "replay", Usage: "debug check: check a capture made by 'gosof debug check' (`CAPTURE`: DIR/capture) against the tools' output saved in it", TakesFile: true}

// errDiffers ends a check that found differences, or could not make a
// comparison the capture should have allowed: exit 1, as diff(1) for a
// difference; a comparison not made is not agreement.
var errDiffers = fmt.Errorf("gosof and the system's tools differ, or were not all compared: %w", core.ErrNoMatch)

// checkCommand is 'debug check': gosof against the system's own tools
// (platform/selfcheck), for a user of a host nobody on the project has.
func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "compare gosof with the system's own tools (ss; netstat and pfiles) and keep both in DIR for a bug report",
		ArgsUsage: "DIR | --replay CAPTURE",
		Flags:     []cli.Flag{checkReplayFlag},
		Description: "Lists this host's TCP and UDP sockets with gosof and with the system's tools,\n" +
			"and prints, table by table, how many rows agree, how many owners agree, and\n" +
			"every difference. Linux: ss -tanup (run as root to see every process).\n" +
			"Solaris and illumos: netstat -an, netstat -anu where it exists, and pfiles\n" +
			"for the processes gosof names (pfiles stops each for a moment, as it always\n" +
			"does); gosof's view is a capture taken into DIR/capture between the two\n" +
			"netstat listings, with the tools' output saved in it, so that\n" +
			"'gosof debug check --replay DIR/capture' gives the same report on any OS.\n" +
			"The report is also written to DIR/report.txt. Exit 0 when everything agrees,\n" +
			"1 when something differs or could not be compared (a saved listing empty or\n" +
			"missing). DIR holds addresses, ports, command names and\n" +
			"arguments: review it before sending.",
		Action: func(c *cli.Context) error {
			var rep *selfcheck.Report
			var err error
			switch capture := c.String("replay"); {
			case capture != "" && c.NArg() == 0:
				rep, err = selfcheck.Replay(capture)
			case capture == "" && c.NArg() == 1:
				var dir string
				if dir, err = debugDir(c); err != nil {
					return err
				}
				gather := func() ([]core.Socket, error) {
					b, err := openBackend(platform.Options{})
					if err != nil {
						return nil, err
					}
					res, err := b.Resolver().Resolve(&core.Filter{})
					if err != nil {
						return nil, err
					}
					return res.Sockets, nil
				}
				if rep, err = selfcheck.Live(dir, gather, c.App.ErrWriter); err == nil {
					defer reportNotes(c.App.ErrWriter, []string{"report and the tools' output written to " + dir})
				}
			default:
				return core.Usagef("usage: gosof debug check DIR, or gosof debug check --replay CAPTURE")
			}
			if err != nil {
				return err
			}
			if err := rep.Write(c.App.Writer); err != nil {
				return err
			}
			if !rep.Agrees() {
				return errDiffers
			}
			return nil
		},
	}
}
