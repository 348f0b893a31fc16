package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// releaseFlags are the flags kill and close share: the filters, --side,
// and how to go about it.
func releaseFlags(timeout, timeoutUsage string) []cli.Flag {
	return append(filterFlags(),
		sideFlag(),
		&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and stop (exit 0 if something matched, 1 if not)"},
		&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation (it is only asked when stdin is a terminal)"},
		&cli.StringFlag{Name: "timeout", Value: timeout, Usage: timeoutUsage + " (`DURATION`: 5s, 500ms; a bare number is seconds)"},
		&cli.BoolFlag{Name: "json", Aliases: []string{"j"}, Usage: "print the plan and the outcome as one JSON object"},
		&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
	)
}

// parseTimeout reads --timeout: a Go duration, or a bare number of seconds.
func parseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 || n > 86400 {
			return 0, core.Usagef("--timeout: %s seconds is out of range", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, core.Usagef("--timeout: %q is not a duration like 5s or 500ms", s)
	}
	return d, nil
}

// openActor opens the backend and checks it can act, not only look.
func openActor(c *cli.Context, what string) (*backend, error) {
	b, err := openBackend(backendFromFlags(c))
	if err != nil {
		return nil, err
	}
	if (what == "kill" && b.signaller == nil) || (what == "close" && b.closer == nil) {
		return nil, fmt.Errorf("%s: this backend cannot act on processes or sockets: %w", what, errors.ErrUnsupported)
	}
	return b, nil
}

// confirm asks once, on stderr, when stdin is a terminal and -y was not
// given; otherwise it goes ahead, as fuser -k does. It returns nil to go
// ahead, and declined's error when the answer is not yes.
func confirm(c *cli.Context, question string) error {
	if c.Bool("yes") || !stdinIsTerminal(c.App.Reader) {
		return nil
	}
	fmt.Fprintf(c.App.ErrWriter, "%s [y/N] ", question)
	line, err := bufio.NewReader(c.App.Reader).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return declined(c)
}

func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(int(f.Fd()))
}

// declined says nothing was done; the matched things are still there.
func declined(c *cli.Context) error {
	fmt.Fprintln(c.App.ErrWriter, "gosof: not confirmed; nothing was done")
	return errSurvivors
}
