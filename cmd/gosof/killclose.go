package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/release"
)

// releaseFlags are the flags kill and close share: the filters, --side,
// and how to go about it.
func releaseFlags(timeout, timeoutUsage string) []cli.Flag {
	return append(filterFlags(),
		sideFlag(),
		&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and stop, with the exit code the run would have: 0 if something matched, 1 if not, 3 if the run would leave something that matched there (a holder gosof could not see; for kill, a process it never signals: PID 1, gosof, its ancestors; for close, a socket it cannot act on)"},
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

// parseTimeout reads --timeout (core.ParseDuration: a Go duration or a
// number of seconds, at most a day). Zero is refused, never a silent 0:
// kill would send KILL on the heels of TERM, which then gives no time to
// clean up, and close would look once, before a closed socket can leave
// the table, and call it still there.
func parseTimeout(s string) (time.Duration, error) {
	d, err := core.ParseDuration("--timeout", s, maxTimeout, "a day")
	if err == nil && d == 0 {
		return 0, core.Usagef("--timeout: %q is zero: give how long to wait, e.g. 5s (for KILL at once: -s KILL)", s)
	}
	return d, err
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

// sawLeft records what the look after a kill or close (release.Look)
// could not see: its lines name a holder gosof could not see, and the
// remedy is the one note on stderr (flush), also when the plan's own scan
// (--pid's processes alone) missed nothing. A holder may have been missed,
// as for the plan (unseenMatters).
func (s *session) sawLeft(l *release.Left) {
	if l != nil && l.Unseen.Any() {
		s.sawUnseen(l.Unseen)
		s.unseenMatters = true
	}
}
