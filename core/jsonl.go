package core

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteJSONLines prints sockets as JSON Lines (jsonlines.org): each
// socket the contract's object on one line, nothing at all when there is
// none, so that log shippers and `while read` loops take one socket per
// record. The objects are those of WriteJSON.
func WriteJSONLines(w io.Writer, socks []Socket) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for i := range socks {
		b, err := json.Marshal(ToJSONSocket(&socks[i]))
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
