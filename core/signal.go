package core

import (
	"strconv"
	"strings"
	"syscall"
)

// signalNames are the signals kill accepts by name, with the numbers this
// OS gives them (USR1 is 10 on Linux and 16 on Solaris, so never hard-code one).
var signalNames = map[string]syscall.Signal{
	"HUP":  syscall.SIGHUP,
	"INT":  syscall.SIGINT,
	"QUIT": syscall.SIGQUIT,
	"ABRT": syscall.SIGABRT,
	"KILL": syscall.SIGKILL,
	"ALRM": syscall.SIGALRM,
	"TERM": syscall.SIGTERM,
}

// ParseSignal reads --signal: a name with or without SIG ("TERM", "sigkill",
// "hup") or a number ("9").
func ParseSignal(s string) (syscall.Signal, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, Usagef("--signal: %d is not a signal number", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signalNames[name]; ok {
		return sig, nil
	}
	return 0, Usagef("--signal: unknown signal %q (want a name like TERM, KILL, HUP, INT or a number)", s)
}

// SignalName is a signal as kill(1) names it ("TERM"), or its number.
func SignalName(sig syscall.Signal) string {
	for name, s := range signalNames {
		if s == sig {
			return name
		}
	}
	return strconv.Itoa(int(sig))
}
