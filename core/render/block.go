//go:build !gccgo

package render

// putBlock copies t's block into b, tokenSize bytes, as one
// move of a constant size, which gc makes without a call.
func putBlock(b []byte, t *token) {
	*(*[tokenSize]byte)(b) = t.text
}
