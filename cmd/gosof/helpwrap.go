package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

// wrapHelp makes urfave/cli's help fit width columns: a line that is too
// long is broken between words, its continuation lines indented to where
// its text column starts (the description after a command's name or a
// flag's names, "    -l, --listen     only sockets..."), so the columns
// stay readable at 80.
func wrapHelp(text string, width int) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		nl := strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		if utf8.RuneCountInString(line) <= width {
			b.WriteString(line)
		} else {
			b.WriteString(wrapLine(line, width))
		}
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// wrapLine breaks one long line; its hanging indent is the column after
// the first gap of two or more spaces past the leading indent (a flag's
// text, an example's comment) where that leaves a third of the width or
// more, else the leading indent itself.
func wrapLine(line string, width int) string {
	lead := len(line) - len(strings.TrimLeft(line, " "))
	hang := lead
	if gap := strings.Index(line[lead:], "  "); gap >= 0 {
		col := lead + gap
		for col < len(line) && line[col] == ' ' {
			col++
		}
		if col <= width-width/3 {
			hang = col
		}
	}
	indent := strings.Repeat(" ", hang)
	var b strings.Builder
	cur := line[:hang]
	rest := strings.Fields(line[hang:])
	first := true
	for _, w := range rest {
		if !first && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > width {
			b.WriteString(strings.TrimRight(cur, " ") + "\n")
			cur, first = indent, true
		}
		if !first {
			cur += " "
		}
		if room := width - utf8.RuneCountInString(cur); utf8.RuneCountInString(w) > room && room > 0 {
			w = shortWord(w, room) // longer than a whole line: its middle goes
		}
		cur += w
		first = false
	}
	b.WriteString(cur)
	return b.String()
}

// shortWord is w shortened to n runes in the middle: its start, "…",
// its end, as a table shortens a cell.
func shortWord(w string, n int) string {
	r := []rune(w)
	if len(r) <= n {
		return w
	}
	head := n / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

// helpWidth is the width help is wrapped at: the terminal's (termCols),
// or, written to a pipe or a file, $COLUMNS, else 80.
func helpWidth(w io.Writer) int {
	if n := termCols(w); n > 0 {
		return n
	}
	return envCols()
}

// termCols is the width of the terminal w writes to: its own
// (TIOCGWINSZ), else $COLUMNS, else 80; 0 when w is no terminal.
func termCols(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(int(f.Fd())) {
		return 0
	}
	if n := terminalWidth(int(f.Fd())); n > 0 {
		return n
	}
	return envCols()
}

// envCols is $COLUMNS, else 80.
func envCols() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	return 80
}

// output is where a command prints: the app's writer, and on a terminal
// one that fits its width (termWriter), unless --wide asks for every
// cell whole.
func output(c *cli.Context) io.Writer {
	if n := termCols(c.App.Writer); n > 0 && !c.Bool("wide") {
		return &termWriter{w: c.App.Writer, cols: n}
	}
	return c.App.Writer
}

// termWriter is output to a terminal cols wide. Tables written to it
// fit (core/render reads its Width: long cells are shortened in the
// middle); any other line longer than the terminal (a sentence of why,
// kill or close, a note, an error) is broken between words as help is
// (wrapLine), so the terminal itself never wraps one mid-word. A word
// longer than a line is shortened in the middle. Text written without a
// final newline (a question) passes as it is.
type termWriter struct {
	w    io.Writer
	cols int
}

// Width is the terminal's width (render.WidthOf).
func (t *termWriter) Width() int { return t.cols }

func (t *termWriter) Write(p []byte) (int, error) {
	text := string(p)
	var b strings.Builder
	for text != "" {
		line, rest, nl := strings.Cut(text, "\n")
		if nl && utf8.RuneCountInString(line) > t.cols {
			line = wrapLine(line, t.cols)
		}
		b.WriteString(line)
		if nl {
			b.WriteByte('\n')
		}
		text = rest
	}
	if _, err := io.WriteString(t.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// wrappingHelpPrinter is cli's help printer, with its output wrapped.
func wrappingHelpPrinter(w io.Writer, templ string, data interface{}) {
	var buf bytes.Buffer
	cli.HelpPrinterCustom(&buf, templ, data, nil)
	io.WriteString(w, wrapHelp(buf.String(), helpWidth(w)))
}
