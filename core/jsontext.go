package core

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonSafe rewrites JSON that encoding/json produced so that no character
// that misleads a terminal or a reader passes raw: DEL, C1 controls, bidi
// controls (U+202E...), zero-width and other format characters, and every
// other rune unicode.IsPrint rejects become \uXXXX escapes (a surrogate
// pair beyond U+FFFF). encoding/json already escapes C0 controls, but
// passes these through. Such runes can only sit inside JSON strings, where
// \uXXXX means the same character, so the value decodes unchanged.
//
// JSON with nothing above 0x7e is returned as it is, without a copy.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && r != 0x7f && unicode.IsPrint(r) || r == utf8.RuneError && n == 3 {
			out = append(out, b[i:i+n]...) // printable, or U+FFFD itself
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = appendU(appendU(out, r1), r2)
		} else {
			out = appendU(out, r)
		}
		i += n
	}
	return out
}

func appendU(b []byte, r rune) []byte {
	const digits = "0123456789abcdef"
	return append(b, '\\', 'u', digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf])
}

// RawBytes is the lossless form of s for JSON: nil (field omitted) when s
// is valid UTF-8, which the string field then carries exactly; else the
// bytes themselves, which encoding/json writes as base64, next to a string
// field that carries U+FFFD for each invalid byte. See docs/contract.md.
func RawBytes(s string) []byte {
	if utf8.ValidString(s) {
		return nil
	}
	return []byte(s)
}
