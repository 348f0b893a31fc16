package main

import (
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two neighbours ("clsoe")
// each count 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := 0; j <= len(rb); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := d[i-1][j] + 1
			if w := d[i][j-1] + 1; w < v {
				v = w
			}
			if w := d[i-1][j-1] + cost; w < v {
				v = w
			}
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				if w := d[i-2][j-2] + 1; w < v {
					v = w
				}
			}
			d[i][j] = v
		}
	}
	return d[len(ra)][len(rb)]
}

// closeEnough is how many edits still make a typo of name: one for the
// short command names (ls, who, why, fds, kill), two for longer ones.
func closeEnough(name string) int {
	if len([]rune(name)) <= 4 {
		return 1
	}
	return 2
}

// closeCommands are the names of app's commands that word is a typo of,
// closest first.
func closeCommands(app *cli.App, word string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	lower := strings.ToLower(word) // KILL, Kill: kill
	for _, c := range app.Commands {
		if c.Hidden {
			continue
		}
		for _, n := range c.Names() {
			if n == word {
				return nil
			}
			if d := editDistance(lower, n); d <= closeEnough(n) {
				cs = append(cs, cand{n, d})
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}
