package core

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes text taken from other processes (command names, paths) safe
// for a terminal: control characters, escape sequences, newlines and invalid
// UTF-8 become \xNN, \n, \t or \u escapes, and a backslash is doubled, so
// what is printed can be read back unambiguously. A space that begins or
// ends s is \x20: a command named "nginx " (PR_SET_NAME allows it) would
// read as "nginx" at the end of a table cell or a line, and -c nginx does
// not match it.
func Escape(s string) string { return escape(s, true) }

// EscapeMessage is Escape for a message gosof wrote itself, such as an
// error that already quotes what the user typed with %q: everything a
// terminal could act on is escaped the same way, but a backslash is left
// as it is, so `unknown service "\x1b[31m"` is not escaped a second time
// into `"\\x1b[31m"`.
func EscapeMessage(s string) string { return escape(s, false) }

func escape(s string, backslash bool) string {
	edge := backslash && len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')
	if !edge && (isPlain(s) || !backslash && isPlainMessage(s)) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ' ' && edge && (i == 0 || i == len(s)-1):
			b.WriteString(`\x20`)
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\\' && backslash:
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && !unicode.IsPrint(r):
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case !unicode.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r) // '\u0085'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

func isPlainMessage(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
