package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
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
			run(append([]string{"gosof"}, args...), strings.NewReader(""), &out, &bytes.Buffer{})
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
		"                                              clients' states"
	if got := wrapHelp(example, 80); got != want {
		t.Errorf("wrapped example:\n%s\nwant:\n%s", got, want)
	}
	// at 60 columns that column would leave 14: the line flows from its
	// indent instead
	if got := wrapHelp(example, 60); !strings.HasPrefix(got, "      gosof watch 8080 # the server") {
		t.Errorf("wrapped at 60:\n%s", got)
	}
}
