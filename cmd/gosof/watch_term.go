//go:build linux || (solaris && !gccgo)

package main

import (
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// watchTerm is the terminal gosof watch draws on: stdout in place, keys
// from stdin in raw mode (makeRaw, terminal_unix.go) when stdin is a
// terminal, resizes from SIGWINCH. restore puts back what it changed: the
// termios of stdin, the cursor, the screen (the alternate screen, left on
// restore).
type watchTerm struct {
	in, out *os.File
	old     *unix.Termios // stdin's state before raw mode; nil when not changed
	events  chan watchEvent
	winch   chan os.Signal
	once    sync.Once
	done    chan struct{}
}

// ANSI sequences: the alternate screen, the cursor, home, erase to the
// end of the line and of the screen.
const (
	ansiEnter = "\x1b[?1049h\x1b[?25l"
	ansiLeave = "\x1b[?25h\x1b[?1049l"
	ansiHome  = "\x1b[H"
	ansiEOL   = "\x1b[K"
	ansiEOS   = "\x1b[J"
)

func openWatchTerm(in, out *os.File) (*watchTerm, error) {
	t := &watchTerm{in: in, out: out, events: make(chan watchEvent, 8), winch: make(chan os.Signal, 1), done: make(chan struct{})}
	if in != nil && isTerminal(int(in.Fd())) {
		old, err := makeRaw(int(in.Fd()))
		if err != nil {
			return nil, err
		}
		t.old = old
		go t.readKeys()
	}
	signal.Notify(t.winch, syscall.SIGWINCH)
	go func() {
		for {
			select {
			case <-t.winch:
				t.send(watchEvent{resize: true})
			case <-t.done:
				return
			}
		}
	}()
	if _, err := t.out.WriteString(ansiEnter); err != nil {
		t.restore()
		return nil, err
	}
	return t, nil
}

// readKeys sends each byte typed; it ends with stdin. A panic here puts
// the terminal back before it ends gosof.
func (t *watchTerm) readKeys() {
	defer func() {
		if r := recover(); r != nil {
			t.restore()
			panic(r)
		}
	}()
	buf := make([]byte, 16)
	for {
		n, err := t.in.Read(buf)
		for _, c := range buf[:n] {
			t.send(watchEvent{key: c})
		}
		if err != nil {
			return
		}
	}
}

func (t *watchTerm) send(ev watchEvent) {
	select {
	case t.events <- ev:
	case <-t.done:
	default: // the loop is busy: a key or resize more is not worth blocking for
	}
}

// size is the terminal's width and height; 80x24 when it cannot tell.
func (t *watchTerm) size() (int, int) {
	w, h := terminalSize(int(t.out.Fd()))
	if w <= 0 || h <= 0 {
		return 80, 24
	}
	return w, h
}

// draw writes lines from the top left, each erased to its end, and
// erases the rest: in raw mode a newline does not return the carriage.
func (t *watchTerm) draw(lines []string) error {
	var b strings.Builder
	b.WriteString(ansiHome)
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(l)
		b.WriteString(ansiEOL)
	}
	b.WriteString(ansiEOS)
	_, err := t.out.WriteString(b.String())
	return err
}

// restore puts the terminal back as it was, once.
func (t *watchTerm) restore() {
	t.once.Do(func() {
		close(t.done)
		signal.Stop(t.winch)
		t.out.WriteString(ansiLeave)
		if t.old != nil {
			restoreTerminal(int(t.in.Fd()), t.old)
		}
	})
}
