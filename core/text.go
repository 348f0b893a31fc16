package core

import (
	"strconv"
	"strings"
	"time"
)

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

// Plural counts noun: "1 socket", "3 sockets", "2 processes".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return strconv.Itoa(n) + " " + noun + "es"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// ByCount is one when n is 1, else many: the word that agrees with a
// count ("waits"/"wait", "it"/"them"), for the sentences that say how
// many.
func ByCount(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Seconds prints a remaining time in whole seconds, rounded up: "gone
// within 42s" must not promise less than the kernel's timer.
func Seconds(d time.Duration) string {
	s := (d + time.Second - 1) / time.Second
	return strconv.FormatInt(int64(s), 10) + "s"
}

// LinuxTimeWait is how long Linux keeps a TIME_WAIT socket
// (TCP_TIMEWAIT_LEN in include/net/tcp.h).
const LinuxTimeWait = 60 * time.Second
