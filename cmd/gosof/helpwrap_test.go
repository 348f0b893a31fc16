package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

// TestHelpFitsWidth: every help page fits 80 columns (the width when the
// terminal's is unknown) and $COLUMNS when set, losing no word.
func TestHelpFitsWidth(t *testing.T) {
	pages := [][]string{{"--help"}}
	for _, c := range newApp(nil, nil, nil).Commands {
		pages = append(pages, []string{c.Name, "--help"})
	}
	for _, width := range []string{"", "60"} {
		t.Setenv("COLUMNS", width)
		max := 80
		if width != "" {
			max = 60
		}
		for _, args := range pages {
			var out bytes.Buffer
			runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &bytes.Buffer{})
			for _, l := range strings.Split(out.String(), "\n") {
				if n := utf8.RuneCountInString(l); n > max {
					t.Errorf("gosof %s at %d columns: a line of %d: %q", strings.Join(args, " "), max, n, l)
				}
			}
		}
	}
	long := "   --netns NS           Linux: read the network namespace NS: a name under /run/netns, a namespace inode, or a PID"
	got := wrapHelp(long, 80)
	if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(long), " ") {
		t.Errorf("wrapping lost words:\n%s", got)
	}
	if !strings.Contains(got, "\n                        ") {
		t.Errorf("continuation not indented to the text column:\n%s", got)
	}
	// an example whose comment starts past the middle keeps its column
	// (watch's: it lost the gap and its neighbours' alignment)
	example := "      gosof watch 8080                        # the server on 8080 and its clients' states"
	want := "      gosof watch 8080                        # the server on 8080 and its\n" +
		"                                              # clients' states"
	if got := wrapHelp(example, 80); got != want {
		t.Errorf("wrapped example:\n%s\nwant:\n%s", got, want)
	}
	// at 60 columns that column would leave 14: the line flows from its
	// indent instead
	if got := wrapHelp(example, 60); !strings.HasPrefix(got, "      gosof watch 8080 # the server") {
		t.Errorf("wrapped at 60:\n%s", got)
	}
}

// TestHelpPastes: at every width, what help shows of an example still
// runs when pasted into a shell: a command's continuation follows a line
// ending in " \\" or "&&", a comment's continuation starts with "#". And
// prose is filled: at 60 and 40 columns, no line of a paragraph could
// have taken the first word of the next (each line of the source broken
// alone left a short line after each).
func TestHelpPastes(t *testing.T) {
	var pages [][]string
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string{}, prefix...), c.Name)
			pages = append(pages, append(p, "--help"))
			walk(p, c.Subcommands)
		}
	}
	pages = append(pages, []string{"--help"})
	walk(nil, newApp(nil, nil, nil).Commands)
	for _, width := range []int{40, 50, 60, 72, 80, 100, 132} {
		t.Setenv("COLUMNS", strconv.Itoa(width))
		for _, args := range pages {
			var out bytes.Buffer
			runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &bytes.Buffer{})
			page := fmt.Sprintf("gosof %s at %d", strings.Join(args, " "), width)
			all := strings.Split(out.String(), "\n")
			var lines []string // the description, where the examples are
			for i, l := range all {
				if l == "DESCRIPTION:" {
					lines = all[i+1:]
				} else if lines != nil && (l == "OPTIONS:" || l == "COMMANDS:" || l == "GLOBAL OPTIONS:") {
					lines = all[len(all)-len(lines) : i]
					break
				}
			}
			inCode := false // the line before is an example's, or continues one
			for i, l := range lines {
				lead := len(l) - len(strings.TrimLeft(l, " "))
				text := strings.TrimSpace(l)
				switch {
				case isCodeLine(l, lead):
					inCode = true
				case inCode && lead >= 6 && text != "":
					prev := strings.TrimSpace(lines[i-1])
					if !strings.HasPrefix(text, "#") && !strings.HasSuffix(prev, "\\") && !strings.HasSuffix(prev, "&&") {
						t.Errorf("%s: %q continues an example with neither \\, && nor #", page, l)
					}
				default:
					inCode = false
				}
				if width > 60 || i+1 >= len(lines) || !isProse(l, lead) || strings.HasPrefix(text, "#") {
					continue
				}
				next := lines[i+1]
				nlead := len(next) - len(strings.TrimLeft(next, " "))
				if isProse(next, nlead) && nlead == lead && !strings.HasSuffix(text, ":") {
					first := strings.Fields(next)[0]
					if utf8.RuneCountInString(l)+1+utf8.RuneCountInString(first) <= width {
						t.Errorf("%s: %q could have taken %q", page, l, first)
					}
				}
			}
		}
	}
}

// TestHelpKeepsWords: at every width, every help page (the top level,
// each command, each subcommand) has every word of its text whole, in
// order (no "close-…e-wait" where --state's example was), and no line
// longer than the width unless it holds one word alone that is longer
// than a line (a path, a comma list that cannot be broken).
func TestHelpKeepsWords(t *testing.T) {
	pages := [][]string{{"--help"}}
	for _, c := range newApp(nil, nil, nil).Commands {
		pages = append(pages, []string{c.Name, "--help"})
		for _, sc := range c.Subcommands {
			pages = append(pages, []string{c.Name, sc.Name, "--help"})
		}
	}
	help := func(args []string, width int) string {
		t.Setenv("COLUMNS", strconv.Itoa(width))
		var out bytes.Buffer
		runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &bytes.Buffer{})
		return out.String()
	}
	// the words of a page; a command's " \" and a comment's "#" that
	// wrapping adds are not words of the text
	words := func(s string) []string {
		var out []string
		for _, w := range strings.Fields(s) {
			if w != "\\" && w != "#" {
				out = append(out, w)
			}
		}
		return out
	}
	for _, args := range pages {
		whole := words(help(args, 100000))
		for _, width := range []int{40, 47, 52, 60, 80} {
			page := help(args, width)
			if got := words(page); strings.Join(got, " ") != strings.Join(whole, " ") {
				for i := range got {
					if i >= len(whole) || got[i] != whole[i] {
						t.Errorf("gosof %s at %d columns: word %d is %q, want %q:\n%s", strings.Join(args, " "), width, i, got[i], whole[min(i, len(whole)-1)], page)
						break
					}
				}
				continue
			}
			for _, l := range strings.Split(page, "\n") {
				if n := utf8.RuneCountInString(l); n > width && len(strings.Fields(l)) != 1 {
					t.Errorf("gosof %s at %d columns: a line of %d that is not one word: %q", strings.Join(args, " "), width, n, l)
				}
			}
		}
	}
}
