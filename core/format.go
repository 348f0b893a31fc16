package core

import (
	"bufio"
	"io"
)

// Format is how a list of sockets is printed.
type Format int

const (
	FormatTable Format = iota
	FormatJSON
	FormatTerse
	FormatJSONL // JSON Lines: one socket object per line
)

// WriteSockets renders socks in format f; an empty table or terse list
// prints nothing (like grep), an empty JSON list prints [].
//
// The renderers write a row (tabwriter: a cell) at a time; unbuffered, that
// was one write(2) per row on stdout, a quarter of `gosof ls` at 100,000
// descriptors.
func WriteSockets(w io.Writer, socks []Socket, f Format, opt TableOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch {
	case f == FormatJSON:
		err = WriteJSON(bw, socks)
	case f == FormatJSONL:
		err = WriteJSONLines(bw, socks)
	case f == FormatTerse:
		err = WriteTerse(bw, socks)
	case len(socks) > 0:
		err = WriteTable(bw, socks, opt)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// ManyNetNS reports whether socks come from more than one network
// namespace, when the table needs its NETNS column.
func ManyNetNS(socks []Socket) bool {
	for i := range socks {
		if socks[i].NetNS != socks[0].NetNS {
			return true
		}
	}
	return false
}
