//go:build unix

package core

import "syscall"

// Signals with no equivalent on every GOOS gosof's core compiles for.
func init() {
	signalNames["USR1"] = syscall.SIGUSR1
	signalNames["USR2"] = syscall.SIGUSR2
	signalNames["CONT"] = syscall.SIGCONT
	signalNames["STOP"] = syscall.SIGSTOP
	signalNames["PIPE"] = syscall.SIGPIPE
}
