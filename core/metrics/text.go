package metrics

import (
	"bufio"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteText writes families in the Prometheus text exposition format
// (version 0.0.4, what node_exporter's textfile collector reads): a HELP
// and a TYPE line per family, then one line per series, label names in
// sorted order. Label values are escaped as the format asks (backslash,
// double quote, newline); a value that is not UTF-8 (none of gosof's is:
// text from other processes is escaped before it becomes a label) has
// each bad byte replaced by U+FFFD, which the format takes.
func WriteText(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for _, f := range fams {
		d := f.Desc
		line = append(line[:0], "# HELP "...)
		line = append(line, d.Name...)
		line = append(line, ' ')
		line = appendEscaped(line, d.Help, false)
		line = append(line, "\n# TYPE "...)
		line = append(line, d.Name...)
		line = append(line, " gauge\n"...)
		order := sortedLabels(d.Labels)
		for _, s := range f.Series {
			line = append(line, d.Name...)
			if len(order) > 0 {
				line = append(line, '{')
				for i, k := range order {
					if i > 0 {
						line = append(line, ',')
					}
					line = append(line, d.Labels[k]...)
					line = append(line, `="`...)
					line = appendEscaped(line, s.Labels[k], true)
					line = append(line, '"')
				}
				line = append(line, '}')
			}
			line = append(line, ' ')
			line = appendValue(line, s.Value)
			line = append(line, '\n')
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// sortedLabels is the indexes of labels in the order of their names.
func sortedLabels(labels []string) []int {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return labels[order[i]] < labels[order[j]] })
	return order
}

// appendEscaped appends s escaped for a HELP text (backslash, newline) or
// a label value (also the double quote).
func appendEscaped(b []byte, s string, quote bool) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendValue appends v as the format writes a float: shortest exact
// decimal, and +Inf, -Inf, NaN.
func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
