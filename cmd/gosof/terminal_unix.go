//go:build linux || (solaris && !gccgo)

package main

import "golang.org/x/sys/unix"

// The terminal, in one place: whether a descriptor is one, its size, and
// the raw mode watch reads keys in (termios through x/sys/unix, TCGETS
// and TCSETS on Linux and illumos alike).

// isTerminal reports whether fd is a terminal (TCGETS succeeds on it).
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// terminalWidth is the width of the terminal fd is, 0 when it is none.
func terminalWidth(fd int) int {
	w, _ := terminalSize(fd)
	return w
}

// terminalSize is the width and height of the terminal fd is, 0 and 0
// when it is none.
func terminalSize(fd int) (int, int) {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return 0, 0
	}
	return int(ws.Col), int(ws.Row)
}

// makeRaw puts terminal fd in raw mode, as cfmakeraw(3) describes it:
// bytes as typed, one at a time, no echo, no signals from keys, no output
// processing. It returns the state to restore.
func makeRaw(fd int) (*unix.Termios, error) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	raw := *old
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	return old, nil
}

// restoreTerminal puts back a state makeRaw returned.
func restoreTerminal(fd int, old *unix.Termios) error {
	return unix.IoctlSetTermios(fd, unix.TCSETS, old)
}
