//go:build gccgo

package render

// putBlock copies t's block into b, tokenSize bytes (gccgo 12
// fails on block.go's conversion of a slice to an array pointer, with an
// internal compiler error).
func putBlock(b []byte, t *token) { copy(b, t.text[:]) }
