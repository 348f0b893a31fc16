package core

// ptr is for tests; the package itself has one helper per type (stringPtr...,
// render.go), as the SPARC build's gccgo has no type parameters.
func ptr[T any](v T) *T { return &v }
