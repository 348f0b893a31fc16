package core

import (
	"fmt"
	"strconv"
	"time"
)

// How long a socket has been idle: the one definition (docs/idle.md).
//
// Linux keeps, for every TCP connection past its handshake, when it last
// sent data, last received data and last received an ACK (struct
// tcp_info's tcpi_last_data_sent, tcpi_last_data_recv and
// tcpi_last_ack_recv, as times since then). A socket's idle time is the
// smallest of the three: the time since the kernel last saw anything
// move on the connection. For a CLOSE_WAIT socket that is the time since
// the peer's FIN (which carries an ACK) unless data or ACKs moved after
// it; a leaked CLOSE_WAIT sees none, so its idle time is how long it has
// been stuck. A TIME_WAIT socket has no tcp_info: its idle time is how
// long it has been in TIME_WAIT, from its timer. Solaris and illumos tell
// only when a socket was made, which bounds its idle time from above and
// is never taken for it.

// IdleStates are the TCP states whose sockets have an idle time: those
// past the handshake. A listener, a connection still in its handshake
// and a socket that is only bound (CLOSE) have none (Linux reports zeros
// or times counted from nothing for them).
var IdleStates = []State{Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait}

// HasIdleState reports whether sockets in state st can have an idle time.
func HasIdleState(st State) bool { return hasState(IdleStates, st) }

// Idle is how long a socket has been idle, as far as its platform tells:
// exactly (ExactIdle), at most (IdleAtMost: the socket's age), or not at
// all (the zero Idle). Eight bytes, as there is one per socket.
type Idle int64

// The kind of an Idle, in its low two bits; the duration is above them.
const (
	idleUnknown = 0
	idleExact   = 1
	idleAtMost  = 2
	idleKind    = 3

	maxIdle = time.Duration(1<<61 - 1) // what fits above the kind: 73 years
)

func makeIdle(d time.Duration, kind int64) Idle {
	if d < 0 {
		d = 0
	}
	if d > maxIdle {
		d = maxIdle
	}
	return Idle(int64(d)<<2 | kind)
}

// ExactIdle is an idle time the platform measured.
func ExactIdle(d time.Duration) Idle { return makeIdle(d, idleExact) }

// IdleAtMost is an upper bound of the idle time: how long ago the socket
// was made (Solaris, illumos), which is not how long it has been idle.
func IdleAtMost(d time.Duration) Idle { return makeIdle(d, idleAtMost) }

// Exact returns the measured idle time, if the platform gave one.
func (i Idle) Exact() (time.Duration, bool) {
	return time.Duration(int64(i) >> 2), int64(i)&idleKind == idleExact
}

// Age returns how long ago the socket was made, when that is all the
// platform tells (IdleAtMost).
func (i Idle) Age() (time.Duration, bool) {
	return time.Duration(int64(i) >> 2), int64(i)&idleKind == idleAtMost
}

// Known reports whether the platform told anything about it.
func (i Idle) Known() bool { return int64(i)&idleKind != idleUnknown }

// TCPIdle is a TCP socket's idle time in state st, from the time since it
// last sent data, last received data and last received an ACK (Linux
// tcp_info): the smallest, for the states of IdleStates but TIME_WAIT
// (which has no tcp_info: TimeWaitIdle); unknown for the others.
func TCPIdle(st State, sent, recv, ack time.Duration) Idle {
	if st == TimeWait || !HasIdleState(st) {
		return 0
	}
	d := sent
	if recv < d {
		d = recv
	}
	if ack < d {
		d = ack
	}
	return ExactIdle(d)
}

// TimeWaitIdle is a TIME_WAIT socket's idle time: how long it has been in
// TIME_WAIT, which lasts length (Linux: TCP_TIMEWAIT_LEN) from when it
// began or from the last segment the peer sent into it, and left of it.
// Unknown when left is not within length.
func TimeWaitIdle(length, left time.Duration) Idle {
	if left < 0 || left > length {
		return 0
	}
	return ExactIdle(length - left)
}

// MatchIdle reports whether s passes --idle: its exact idle time is
// longer than f.IdleOver. A socket whose idle time is unknown, or only
// bounded by its age, never does.
func (f *Filter) MatchIdle(s *Socket) bool { return f.idleErr(s.Idle) == nil }

// ProvedAtAct reports whether close reads a TCP socket's state and idle
// time again as it acts on it (StillMatches): for --idle or --state, not
// without them, where nothing read then could change the decision.
func (f *Filter) ProvedAtAct() bool { return f != nil && (f.IdleOver > 0 || len(f.States) > 0) }

// StillMatches is close's one decision, at the moment it acts on a TCP
// socket the plan matched (core.ShutdownVia, SocketCloser's Abort), that
// the socket still passes the filters its state and idle time decide,
// read again from the kernel then: st and i. nil when it does; else an
// error that says what it is now: a *StateError when --state no longer
// names st, one wrapping ErrActive when it is no longer idle for longer
// than --idle. A socket in CLOSE (reset, or ended, since the plan) is
// gone, not moved: nil, and the act finds it so (shutdown's ENOTCONN).
func (f *Filter) StillMatches(st State, i Idle) error {
	if f == nil || st == Close {
		return nil
	}
	if len(f.States) > 0 && !hasState(f.States, st) {
		return &StateError{Now: st, flag: f.statesFlag()}
	}
	return f.idleErr(i)
}

// StateError: a socket close was about to act on is in a state --state
// (or --listen) does not name any more (StillMatches).
type StateError struct {
	Now  State
	flag string
}

func (e *StateError) Error() string { return "now " + string(e.Now) + ", not " + e.flag }

// idleErr is nil when idle time i passes --idle, else an error wrapping
// ErrActive that says what i is.
func (f *Filter) idleErr(i Idle) error {
	if f == nil || f.IdleOver <= 0 {
		return nil
	}
	d, ok := i.Exact()
	switch {
	case !ok:
		return fmt.Errorf("%w: its idle time is no longer known (it left the states that have one)", ErrActive)
	case d <= f.IdleOver:
		return fmt.Errorf("%w: idle for %s now, not longer than --idle %s", ErrActive, FormatDuration(d), FlagDuration(f.IdleOver))
	}
	return nil
}

// WantsIdle reports whether the sockets' idle times are to be read: for
// --idle, or for a column, why or the metrics (Filter.Idle).
func (f *Filter) WantsIdle() bool { return f != nil && (f.IdleOver > 0 || f.Idle) }

// IdleLabel is the IDLE cell: "4m12s" measured, "<=3h12m" when only the
// socket's age bounds it, "-" when unknown.
func IdleLabel(i Idle) string { return string(AppendIdle(nil, i)) }

// AppendIdle appends IdleLabel(i).
func AppendIdle(b []byte, i Idle) []byte {
	if d, ok := i.Exact(); ok {
		return AppendDuration(b, d)
	}
	if d, ok := i.Age(); ok {
		return AppendDuration(append(b, "<="...), d)
	}
	return append(b, '-')
}

// FormatDuration prints d compactly in its two largest units, rounded
// down: "850ms", "42s", "4m12s", "3h12m", "2d5h".
func FormatDuration(d time.Duration) string { return string(AppendDuration(nil, d)) }

// durationUnits are the units FormatDuration and FlagDuration write.
var durationUnits = [...]struct {
	d    time.Duration
	name string
}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}

// FlagDuration writes a duration the user gave (--idle, --interval,
// --timeout) whole, as messages echo it and as the flag reads it back:
// hours down to milliseconds ("25h1m1s", "1s500ms"), where
// FormatDuration keeps two units; time.Duration's own form for what is
// finer.
func FlagDuration(d time.Duration) string {
	if d <= 0 || d%time.Millisecond != 0 {
		return d.String()
	}
	var b []byte
	for _, u := range durationUnits[1:] { // no days: the flags do not read them
		if d >= u.d {
			b = strconv.AppendInt(b, int64(d/u.d), 10)
			b = append(b, u.name...)
			d %= u.d
		}
	}
	return string(b)
}

// AppendDuration appends FormatDuration(d).
func AppendDuration(b []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	units := durationUnits[:4] // down to the second
	if d < time.Second {
		b = strconv.AppendInt(b, int64(d/time.Millisecond), 10)
		return append(b, "ms"...)
	}
	for i, u := range units {
		if d < u.d {
			continue
		}
		b = strconv.AppendInt(b, int64(d/u.d), 10)
		b = append(b, u.name...)
		if i+1 < len(units) {
			if r := (d % u.d) / units[i+1].d; r > 0 {
				b = strconv.AppendInt(b, int64(r), 10)
				b = append(b, units[i+1].name...)
			}
		}
		return b
	}
	return b
}
