//go:build !linux && !(solaris && !gccgo)

package main

import (
	"os"
	"strings"
	"sync"
)

// watchTerm without raw mode, where terminal_unix.go has no termios
// (illumos built by gccgo; the replay-only builds): the
// screen is redrawn in place with ANSI sequences, keys are not read (q
// does not quit: Ctrl-C, a SIGINT, does) and resizes are not followed.
type watchTerm struct {
	out    *os.File
	events chan watchEvent
	once   sync.Once
}

const (
	ansiEnter = "\x1b[?1049h\x1b[?25l"
	ansiLeave = "\x1b[?25h\x1b[?1049l"
)

func openWatchTerm(_, out *os.File) (*watchTerm, error) {
	t := &watchTerm{out: out}
	if _, err := out.WriteString(ansiEnter); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *watchTerm) size() (int, int) {
	if w := terminalWidth(int(t.out.Fd())); w > 0 {
		return w, 24
	}
	return 80, 24
}

func (t *watchTerm) draw(lines []string) error {
	_, err := t.out.WriteString("\x1b[H" + strings.Join(lines, "\x1b[K\r\n") + "\x1b[K\x1b[J")
	return err
}

func (t *watchTerm) restore() { t.once.Do(func() { t.out.WriteString(ansiLeave) }) }
