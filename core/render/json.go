package render

import (
	"encoding/base64"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON is the one JSON encoder: `--json`, `--jsonl` and the JSON of why,
// kill, close and fds are all written through it. It appends to a buffer
// and writes it out in pieces, without reflection, without building the
// values first and without re-reading the result to indent it, as
// encoding/json and json.Indent do (bench/README.md has what that cost
// for 50,000 sockets).
//
// Its bytes are encoding/json's: indented, what json.MarshalIndent(v, "",
// "  ") makes of the same value (empty objects and arrays as {} and []);
// compact, what json.Marshal makes. Strings are escaped as encoding/json
// escapes them (its HTML escaping included, and invalid UTF-8 as \ufffd),
// and then the way docs/contract.md asks: every rune unicode.IsPrint
// rejects (DEL, C1 controls, bidi controls, zero-width and other format
// characters, U+2028...) as \uXXXX, a surrogate pair above U+FFFF, so
// that no such character reaches a terminal raw and the value decodes
// unchanged. The tests hold it to encoding/json.
//
// The caller writes keys and values in order: Key before each member of
// an object, values alone in an array. Keys are written as given: they
// are gosof's own ASCII names.
type JSON struct {
	b      []byte
	w      io.Writer
	err    error
	indent bool
	// open holds what closes each object or array open, '}' or ']',
	// the innermost last
	open  []byte
	toks  []*tokens // by depth
	empty bool      // the object or array opened last has no member yet
	keyed bool      // a key was written: the value follows it
}

// NewJSON returns an encoder writing to w, indented as `--json` is, or
// compact as one line of `--jsonl`.
func NewJSON(w io.Writer, indent bool) *JSON {
	return &JSON{w: w, indent: indent, b: make([]byte, 0, flushSize+8192)}
}

// member starts a member of the object or array open: a comma after the
// one before, and the line and indent of the indented layout.
func (e *JSON) member() {
	n := len(e.open)
	if n == 0 {
		return
	}
	t := e.tokens(n)
	if e.empty {
		e.b = appendToken(e.b, &t.elem[0])
	} else {
		e.b = appendToken(e.b, &t.elem[1])
	}
	e.empty = false
}

// value starts a value: after its key, or as a member of an array.
func (e *JSON) value() {
	if e.keyed {
		e.keyed = false
		return
	}
	e.member()
}

// seps are what goes before the members of an object or array at depth n
// (1 for the top level's): before the first, and before each other. The
// one place the layout is decided: indented, a line and two spaces a
// level; compact, a comma alone.
func (e *JSON) seps(n int) (first, next string) {
	if !e.indent || n > maxIndent {
		return e.sepsSlow(n)
	}
	return commaIndent[1 : 2+2*n], commaIndent[:2+2*n]
}

func (e *JSON) sepsSlow(n int) (first, next string) {
	if !e.indent {
		return "", ","
	}
	next = ",\n" + strings.Repeat("  ", n)
	return next[1:], next
}

// colon is what goes between a key and its value.
func (e *JSON) colon() string {
	if e.indent {
		return `": `
	}
	return `":`
}

const (
	commaIndent = ",\n" + "                                                                "
	maxIndent   = (len(commaIndent) - 2) / 2
)

// Key starts the member k of the open object.
func (e *JSON) Key(k string) {
	e.key(k)
	e.keyed = true
}

// key writes what starts the member k of the object open.
func (e *JSON) key(k string) {
	e.member()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, e.colon()...)
}

// Object opens an object; End closes it.
func (e *JSON) Object() { e.begin('{', '}') }

// Array opens an array; End closes it.
func (e *JSON) Array() { e.begin('[', ']') }

func (e *JSON) begin(c, end byte) {
	e.value()
	e.b = append(e.b, c)
	e.open = append(e.open, end)
	e.empty = true
}

// End closes the object or array opened last.
func (e *JSON) End() {
	n := len(e.open)
	c := e.open[n-1]
	e.open = e.open[:n-1]
	switch {
	case e.empty:
		e.b = append(e.b, c)
	case c == '}':
		e.b = appendToken(e.b, &e.tokens(n).endObject)
	default:
		e.b = appendToken(e.b, &e.tokens(n).endArray)
	}
	e.empty = false
	if len(e.b) >= flushSize {
		e.Flush()
	}
}

// String writes s as a JSON string.
func (e *JSON) String(s string) {
	e.value()
	e.b = appendString(e.b, s)
}

// Int writes n.
func (e *JSON) Int(n int64) {
	e.value()
	e.b = strconv.AppendInt(e.b, n, 10)
}

// Uint writes n.
func (e *JSON) Uint(n uint64) {
	e.value()
	e.b = strconv.AppendUint(e.b, n, 10)
}

// Bool writes v.
func (e *JSON) Bool(v bool) {
	e.value()
	e.b = strconv.AppendBool(e.b, v)
}

// Null writes null.
func (e *JSON) Null() {
	e.value()
	e.b = append(e.b, "null"...)
}

// Base64 writes s's bytes as encoding/json writes a []byte: standard
// base64, padded, quoted.
func (e *JSON) Base64(s string) {
	e.value()
	e.b = appendBase64(e.b, s)
}

func appendBase64(b []byte, s string) []byte {
	b = append(b, '"')
	n := base64.StdEncoding.EncodedLen(len(s))
	for i := 0; i < n; i++ {
		b = append(b, 0)
	}
	base64.StdEncoding.Encode(b[len(b)-n:], []byte(s))
	return append(b, '"')
}

// Members with their keys, for brevity.

// Str writes the member k: s.
func (e *JSON) Str(k, s string) {
	e.key(k)
	e.b = appendString(e.b, s)
}

// IntKey writes the member k: n.
func (e *JSON) IntKey(k string, n int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, n, 10)
}

// UintKey writes the member k: n.
func (e *JSON) UintKey(k string, n uint64) {
	e.key(k)
	e.b = strconv.AppendUint(e.b, n, 10)
}

// BoolKey writes the member k: v.
func (e *JSON) BoolKey(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

// NullKey writes the member k: null.
func (e *JSON) NullKey(k string) {
	e.key(k)
	e.b = append(e.b, "null"...)
}

// Text writes the member k: s for text taken from another process, in
// the lossless scheme of docs/contract.md: when s is not valid UTF-8, the
// string carries U+FFFD for each bad byte and a member k_bytes follows
// with s's exact bytes (base64).
func (e *JSON) Text(k, s string) {
	e.Str(k, s)
	if !utf8.ValidString(s) {
		e.bytesKey(k)
		e.Base64(s)
	}
}

// Texts writes the member k: an array of strings taken from another
// process (a command line's arguments), and, when one is not valid
// UTF-8, the member k_bytes: every one's exact bytes, base64, in order.
func (e *JSON) Texts(k string, ss []string) {
	e.Key(k)
	e.value()
	e.b = e.appendTexts(e.b, len(e.open)+1, ss)
	e.empty = false
	if !validUTF8(ss) {
		e.bytesKey(k)
		e.value()
		e.b = e.appendBase64s(e.b, len(e.open)+1, ss)
	}
}

// appendTexts appends ss as an array of strings, its elements at depth n.
func (e *JSON) appendTexts(b []byte, n int, ss []string) []byte {
	return e.appendArray(b, n, ss, appendString)
}

// appendBase64s appends the bytes of each of ss, base64, as an array, its
// elements at depth n.
func (e *JSON) appendBase64s(b []byte, n int, ss []string) []byte {
	return e.appendArray(b, n, ss, appendBase64)
}

// appendArray appends ss as an array, each element written by elem, its
// elements at depth n.
func (e *JSON) appendArray(b []byte, n int, ss []string, elem func([]byte, string) []byte) []byte {
	if len(ss) == 0 {
		return append(b, '[', ']')
	}
	t := e.tokens(n)
	b = append(b, '[')
	for i, s := range ss {
		b = appendToken(b, &t.elem[min1(i)])
		b = elem(b, s)
	}
	return appendToken(b, &t.endArray)
}

func validUTF8(ss []string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// bytesKey starts the member k_bytes.
func (e *JSON) bytesKey(k string) {
	e.key(k)
	e.b = e.b[:len(e.b)-len(e.colon())]
	e.b = append(e.b, "_bytes"...)
	e.b = append(e.b, e.colon()...)
	e.keyed = true
}

// Line ends a value written at the top level with a newline: the end of
// an indented document, as json.Encoder ends it, or of one JSON Lines
// record.
func (e *JSON) Line() {
	e.b = append(e.b, '\n')
	if len(e.b) >= flushSize {
		e.Flush()
	}
}

// Flush writes what is buffered, and returns the first write error.
func (e *JSON) Flush() error {
	if e.err == nil && len(e.b) > 0 {
		_, e.err = e.w.Write(e.b)
	}
	e.b = e.b[:0]
	return e.err
}

// appendString appends s as a JSON string: the one place JSON strings
// are escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c>>6]>>(c&63)&1 != 0 {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other C0 controls, DEL, and < > & as encoding/json's HTML escaping
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 { // invalid UTF-8
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += n
			start = i
			continue
		}
		if r == utf8.RuneError || unicode.IsPrint(r) {
			i += n // printable, or U+FFFD itself: as it is
			continue
		}
		// not printable: bidi controls, zero-width and other format
		// characters, C1 controls, U+2028 and U+2029 (which
		// encoding/json escapes too)...
		b = append(b, s[start:i]...)
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			b = appendU(appendU(b, r1), r2)
		} else {
			b = appendU(b, r)
		}
		i += n
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainASCII has bit c set for each ASCII byte c a JSON string holds as it
// is: from ' ' to '~' but '"', '\\', and '<', '>', '&' (encoding/json's
// HTML escaping).
var plainASCII = [2]uint64{
	0xffffffff00000000 &^ (1<<'"' | 1<<'&' | 1<<'<' | 1<<'>'),
	0x7fffffffffffffff &^ (1 << ('\\' - 64)),
}

func appendU(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
