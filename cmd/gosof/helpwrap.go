package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// wrapHelp makes urfave/cli's help fit width columns: a line that is too
// long is broken between words, its continuation lines indented to where
// its text column starts (the description after a command's name or a
// flag's names, "    -l, --listen     only sockets..."), so the columns
// stay readable at 80. A paragraph of prose (paragraph) that does not
// fit is filled again as a whole, where breaking each of its lines
// alone left a short line after each; one that fits is left as written.
func wrapHelp(text string, width int) string {
	lines := strings.Split(text, "\n")
	var b strings.Builder
	code := false // the line before is a command continued on the next
	for i := 0; i < len(lines); {
		lead := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		if code || isCodeLine(lines[i], lead) {
			l := strings.TrimSpace(lines[i])
			code = strings.HasSuffix(l, "&&") || strings.HasSuffix(l, "\\") || strings.HasSuffix(l, "|")
			b.WriteString(wrapCode(lines[i], lead, width))
			if i++; i < len(lines) {
				b.WriteByte('\n')
			}
			continue
		}
		n, hang := paragraph(lines[i:])
		too := false
		for _, l := range lines[i : i+n] {
			too = too || core.Width(l) > width
		}
		switch {
		case !too:
			b.WriteString(strings.Join(lines[i:i+n], "\n"))
		case n > 1:
			lead := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
			var words []string
			for _, l := range lines[i : i+n] {
				words = append(words, strings.Fields(l)...)
			}
			b.WriteString(fill(lines[i][:lead], strings.Repeat(" ", hang), "", words, width, false))
		default:
			b.WriteString(wrapLine(lines[i], width, false))
		}
		i += n
		if i < len(lines) {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// paragraph returns how many of lines, from the first, are one paragraph
// of prose, and the indent of its lines after the first: a line of prose
// (isProse), then those with the same indent as the second (which may be
// deeper: a list item's hanging indent, but not after a first line ending
// in ':', which a list or an example follows), up to a blank line or a
// line that is not prose. Any other line is a paragraph by itself.
func paragraph(lines []string) (n, hang int) {
	lead := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	if !isProse(lines[0], lead) {
		return 1, lead
	}
	hang = -1
	n = 1
	for ; n < len(lines); n++ {
		prev, l := lines[n-1], lines[n]
		in := len(l) - len(strings.TrimLeft(l, " "))
		if !isProse(l, in) || hang >= 0 && in != hang || hang < 0 && (in < lead || in > lead && strings.HasSuffix(prev, ":")) {
			break
		}
		hang = in
	}
	if hang < 0 {
		hang = lead
	}
	return n, hang
}

// isProse reports whether line, indented by lead, is a line of running
// text: not blank, not a command (isCodeLine), and without the gap of two
// spaces that columns have (a flag and its text, an example and its
// comment).
func isProse(line string, lead int) bool {
	t := line[lead:]
	return t != "" && lead > 0 && !isCodeLine(line, lead) && !strings.Contains(t, "  ")
}

// wrapLine breaks one long line; its hanging indent is the column after
// the first gap of two or more spaces past the leading indent (a flag's
// text, an example's comment) where that leaves a third of the width or
// more, else the leading indent itself. short: a word longer than a
// line is shortened (fill).
func wrapLine(line string, width int, short bool) string {
	lead := len(line) - len(strings.TrimLeft(line, " "))
	if isCodeLine(line, lead) {
		return wrapCode(line, lead, width)
	}
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
	return fill(line[:hang], strings.Repeat(" ", hang), "", strings.Fields(line[hang:]), width, short)
}

// fill lays words out on lines of at most width: the first line starts
// with first (an indent, or a flag's names and the gap after them), the
// others with cont; a word goes after a space unless the line ends in
// one. A line broken before a word ends in brk (a command's " \\"). A
// word that does not fit after a first line's names starts the next line.
// A word longer than a whole line is shortened in the middle (shortWord)
// when short is set (a sentence on a terminal, as a table shortens a
// cell); otherwise it is kept whole, alone on a line that is longer than
// width: help (prose, a flag's text, a command) is never cut mid-word,
// since "close-…e-wait" is not the value to type.
func fill(first, cont, brk string, words []string, width int, short bool) string {
	var b strings.Builder
	cur, n := first, core.Width(first)
	placed := strings.TrimSpace(first) != "" // cur holds text: a word, a flag's names
	for _, w := range words {
		wn := core.Width(w)
		if placed && n+1+wn+len(brk) > width {
			b.WriteString(strings.TrimRight(cur, " ") + brk + "\n")
			cur, n = cont, core.Width(cont)
		}
		if cur != "" && cur[len(cur)-1] != ' ' {
			cur += " "
			n++
		}
		if room := width - n; short && wn > room && room > 0 {
			w = shortWord(w, room) // longer than a whole line: its middle goes
			wn = core.Width(w)
		}
		cur += w
		n += wn
		placed = true
	}
	b.WriteString(cur)
	return b.String()
}

// isCodeLine reports whether line, indented by lead, is a command an
// example shows (help's examples and code blocks sit 6 columns in): it
// starts with gosof, source or a shell assignment (d=/var/lib/...).
func isCodeLine(line string, lead int) bool {
	if lead < 6 {
		return false
	}
	t := line[lead:]
	if strings.HasPrefix(t, "gosof ") || strings.HasPrefix(t, "source ") {
		return true
	}
	name, _, ok := strings.Cut(t, "=")
	return ok && name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
}

// wrapCode breaks an example's line so that its lines, pasted into a
// shell, still run as it does: the command's continuation lines follow a
// " \" and are indented four more; its comment's continuation lines start
// with "# ", at the comment's column where that leaves a third of the
// width, else at the line's indent. A word is never shortened: a longer
// line is better than a command that is not the one shown.
func wrapCode(line string, lead, width int) string {
	if core.Width(line) <= width {
		return line
	}
	text := line[lead:]
	cmd, comment, col := text, "", -1
	if i := strings.Index(text, " #"); i >= 0 {
		cmd, comment = text[:i], strings.TrimSpace(text[i+2:])
		col = lead + len(cmd) + 1 + len(text[i+1:]) - len(strings.TrimLeft(text[i+1:], " "))
	}
	indent := line[:lead]
	out := fill(indent, indent+"    ", " \\", strings.Fields(cmd), width, false)
	if comment == "" {
		return out
	}
	hang := lead
	if col >= 0 && col <= width-width/3 {
		hang = col
	}
	words := strings.Fields(comment)
	head, last := "", out
	if k := strings.LastIndexByte(out, '\n'); k >= 0 {
		head, last = out[:k+1], out[k+1:]
	}
	gap := " "
	if n := core.Width(last); n < hang {
		gap = strings.Repeat(" ", hang-n)
	}
	at := strings.Repeat(" ", hang) + "#"
	if core.Width(last)+len(gap)+2+core.Width(words[0]) > width {
		head, last, gap = out+"\n", "", at // not even its first word fits: the comment starts below
	} else {
		gap += "#"
	}
	return head + fill(last+gap, at, "", words, width, false)
}

// shortWord is w shortened to n columns (core.Width) in the middle: its
// start, "…", its end, as a table shortens a cell.
func shortWord(w string, n int) string {
	if core.Width(w) <= n {
		return w
	}
	r := []rune(w)
	i, head := 0, n/2
	for cols := 0; i < len(r) && cols+core.RuneWidth(r[i]) <= head; i++ {
		cols += core.RuneWidth(r[i])
	}
	j, tail := len(r), n-1-head
	for cols := 0; j > i && cols+core.RuneWidth(r[j-1]) <= tail; j-- {
		cols += core.RuneWidth(r[j-1])
	}
	return string(r[:i]) + "…" + string(r[j:])
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
// middle); any other line wider than the terminal (core.Width: a CJK
// rune takes two columns, as in the tables: a sentence of why, kill or
// close, a note, an error) is broken between words as help is
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
		if nl && core.Width(line) > t.cols {
			line = wrapLine(line, t.cols, true)
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
