//go:build solaris && gccgo

package main

// isatty(3C) from libc: golang.org/x/sys/unix, which terminal_unix.go uses,
// does not build for Solaris under gccgo (see platform/solaris/sys_solaris_gccgo.go).
//
//extern isatty
func libcIsatty(fd int32) int32

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool { return libcIsatty(int32(fd)) == 1 }

// terminalWidth: the gccgo build has no TIOCGWINSZ wrapper; help is
// wrapped at $COLUMNS or 80.
func terminalWidth(int) int { return 0 }
