package core

import "strings"

// Words shared by the renderers of core and the packages beside it.

// Wrap fills text to 80 columns, the first line after first, the rest
// after indent.
func Wrap(first, indent, text string) string {
	var b strings.Builder
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > 80 {
			b.WriteString(line + "\n")
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
	return b.String()
}
