//go:build linux || (solaris && !gccgo)

package main

import "golang.org/x/sys/unix"

// isTerminal reports whether fd is a terminal (TCGETS succeeds on it).
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// terminalWidth is the width of the terminal fd is, 0 when it is none.
func terminalWidth(fd int) int {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
