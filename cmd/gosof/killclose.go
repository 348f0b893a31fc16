package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
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
		procFDFlag(),
		quietFlag(),
		wideFlag(),
	)
}

// maxTimeout bounds --timeout: a day is longer than anyone waits for a
// process to exit, and far from time.Duration's overflow.
const maxTimeout = 24 * time.Hour

// parseTimeout reads --timeout: a Go duration ("5s", "500ms", "1m30s") or
// a bare decimal number of seconds ("5", "0.5"). NaN, infinities, hex
// floats, negative values, values past a day and non-zero values that round
// to nothing ("1e-400", "0.1ns") are usage errors, never a silent 0 or a
// wrapped-around duration.
func parseTimeout(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := core.Usagef("--timeout: %q is not a duration like 5s, 500ms or a number of seconds", s)
	if t == "" {
		return 0, bad
	}
	if strings.HasPrefix(t, "-") {
		return 0, core.Usagef("--timeout: %q is negative", s)
	}
	var d time.Duration
	if decimalNumber(t) {
		n, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, bad
		}
		if n > maxTimeout.Seconds() {
			return 0, core.Usagef("--timeout: %s seconds is more than a day", s)
		}
		d = time.Duration(n * float64(time.Second))
		if d == 0 && strings.Trim(t, "0.") != "" {
			return 0, core.Usagef("--timeout: %s seconds is too small to wait for (under 1ns)", s)
		}
		return d, nil
	}
	d, err := time.ParseDuration(t)
	switch {
	case err != nil:
		return 0, bad
	case d < 0 || strings.HasPrefix(t, "-"):
		return 0, core.Usagef("--timeout: %q is negative", s)
	case d > maxTimeout:
		return 0, core.Usagef("--timeout: %q is more than a day", s)
	case d == 0 && strings.Trim(t, "0.nsuµmh") != "":
		return 0, core.Usagef("--timeout: %q is too small to wait for (under 1ns)", s)
	}
	return d, nil
}

// decimalNumber reports whether s is digits with at most one '.' and an
// optional exponent ("5", "0.5", "2e3"): what ParseFloat reads, minus its
// signs, hex floats, underscores, NaN and Inf.
func decimalNumber(s string) bool {
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if strings.HasPrefix(exp, "-") || strings.HasPrefix(exp, "+") {
			exp = exp[1:]
		}
		if exp == "" || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	if mant == "" || mant == "." || strings.Count(mant, ".") > 1 {
		return false
	}
	return strings.Trim(mant, "0123456789.") == ""
}

// openActor opens the backend and checks it can act, not only look.
func (s *session) openActor(what string) error {
	if err := s.open(); err != nil {
		return err
	}
	if s.b.CannotAct != nil {
		s.cannotAct = "" // the error says it
		return fmt.Errorf("%s: %w", what, s.b.CannotAct)
	}
	if (what == "kill" && s.b.Signaller == nil) || (what == "close" && s.b.Closer == nil) {
		return fmt.Errorf("%s: this backend cannot act on processes or sockets: %w", what, core.ErrUnsupported)
	}
	return nil
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
