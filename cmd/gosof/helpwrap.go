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
// the first gap of two or more spaces past the leading indent, else the
// leading indent itself.
func wrapLine(line string, width int) string {
	lead := len(line) - len(strings.TrimLeft(line, " "))
	hang := lead
	if gap := strings.Index(line[lead:], "  "); gap >= 0 {
		col := lead + gap
		for col < len(line) && line[col] == ' ' {
			col++
		}
		if col < width/2 {
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
		cur += w
		first = false
	}
	b.WriteString(cur)
	return b.String()
}

// helpWidth is the terminal's width when w is one, else $COLUMNS, else 80.
func helpWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if n := terminalWidth(int(f.Fd())); n > 0 {
			return n
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	return 80
}

// wrappingHelpPrinter is cli's help printer, with its output wrapped.
func wrappingHelpPrinter(w io.Writer, templ string, data interface{}) {
	var buf bytes.Buffer
	cli.HelpPrinterCustom(&buf, templ, data, nil)
	io.WriteString(w, wrapHelp(buf.String(), helpWidth(w)))
}
