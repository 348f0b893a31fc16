package core

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestTCPIdle: the smallest of the three tcp_info times, for the states
// past the handshake; TIME_WAIT from its timer; nothing for the rest.
func TestTCPIdle(t *testing.T) {
	s, m, h := time.Second, time.Minute, time.Hour
	for _, tc := range []struct {
		st            State
		sent, rcv, ak time.Duration
		want          Idle
	}{
		{Established, 3 * s, 2 * s, 9 * s, ExactIdle(2 * s)},
		{CloseWait, 2 * h, 3 * h, 90 * m, ExactIdle(90 * m)}, // the FIN, an ACK, came last
		{FinWait1, 0, h, h, ExactIdle(0)},
		{FinWait2, h, 5 * s, h, ExactIdle(5 * s)},
		{LastAck, s, s, s, ExactIdle(s)},
		{Closing, 4 * s, 5 * s, 6 * s, ExactIdle(4 * s)},
		{Listen, 0, 0, 0, 0},
		{SynSent, s, s, s, 0},
		{SynRecv, s, s, s, 0},
		{Close, s, s, s, 0},
		{TimeWait, s, s, s, 0}, // no tcp_info: TimeWaitIdle
		{Unconn, s, s, s, 0},
	} {
		if got := TCPIdle(tc.st, tc.sent, tc.rcv, tc.ak); got != tc.want {
			t.Errorf("TCPIdle(%s, %v, %v, %v) = %s, want %s", tc.st, tc.sent, tc.rcv, tc.ak, IdleLabel(got), IdleLabel(tc.want))
		}
	}
	for _, tc := range []struct {
		left time.Duration
		want Idle
	}{{59 * s, ExactIdle(s)}, {0, ExactIdle(LinuxTimeWait)}, {LinuxTimeWait, ExactIdle(0)}, {-s, 0}, {61 * s, 0}} {
		if got := TimeWaitIdle(LinuxTimeWait, tc.left); got != tc.want {
			t.Errorf("TimeWaitIdle(60s, %v) = %s, want %s", tc.left, IdleLabel(got), IdleLabel(tc.want))
		}
	}
}

// TestIdleKinds: an Idle keeps its duration and says which kind it is;
// the zero Idle is unknown; what does not fit is clamped, never wrapped.
func TestIdleKinds(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Millisecond, 3*time.Hour + 12*time.Minute, 100 * 365 * 24 * time.Hour} {
		e, a := ExactIdle(d), IdleAtMost(d)
		want := d
		if want > maxIdle {
			want = maxIdle
		}
		if got, ok := e.Exact(); !ok || got != want {
			t.Errorf("ExactIdle(%v).Exact() = %v, %v", d, got, ok)
		}
		if _, ok := e.Age(); ok {
			t.Errorf("ExactIdle(%v) has an age", d)
		}
		if got, ok := a.Age(); !ok || got != want {
			t.Errorf("IdleAtMost(%v).Age() = %v, %v", d, got, ok)
		}
		if _, ok := a.Exact(); ok {
			t.Errorf("IdleAtMost(%v) is exact", d)
		}
		if !e.Known() || !a.Known() {
			t.Errorf("%v: not known", d)
		}
	}
	var zero Idle
	if _, ok := zero.Exact(); ok || zero.Known() {
		t.Error("the zero Idle is known")
	}
	if got, _ := ExactIdle(-time.Second).Exact(); got != 0 {
		t.Errorf("a negative idle time is %v, want 0", got)
	}
	for _, tc := range []struct {
		i    Idle
		want string
	}{
		{0, "-"}, {ExactIdle(850 * time.Millisecond), "850ms"}, {ExactIdle(42 * time.Second), "42s"},
		{ExactIdle(4*time.Minute + 12*time.Second + 999*time.Millisecond), "4m12s"}, {ExactIdle(3 * time.Hour), "3h"},
		{IdleAtMost(3*time.Hour + 12*time.Minute + 5*time.Second), "<=3h12m"}, {ExactIdle(50*time.Hour + 59*time.Minute), "2d2h"},
	} {
		if got := IdleLabel(tc.i); got != tc.want {
			t.Errorf("IdleLabel = %q, want %q", got, tc.want)
		}
	}
}

// TestIdleFilter: --idle keeps the sockets whose measured idle time is
// longer; unknown and age-only ones are left out and counted; it narrows
// to TCP past the handshake, and refuses what it cannot match.
func TestIdleFilter(t *testing.T) {
	f, err := ParseFilter(FilterFlags{Idle: "10m"})
	if err != nil {
		t.Fatal(err)
	}
	if f.IdleOver != 10*time.Minute || !f.WantsIdle() {
		t.Fatalf("IdleOver %v, WantsIdle %v", f.IdleOver, f.WantsIdle())
	}
	mk := func(p Proto, st State, i Idle) *Socket {
		return &Socket{Proto: p, Family: Inet, State: st, Local: ep("127.0.0.1", 80), Remote: epp("127.0.0.1", 5000), Idle: i}
	}
	for _, tc := range []struct {
		s              *Socket
		match, unknown bool
	}{
		{mk(TCP, CloseWait, ExactIdle(11*time.Minute)), true, false},
		{mk(TCP, CloseWait, ExactIdle(10*time.Minute)), false, false}, // longer than, not as long as
		{mk(TCP, CloseWait, ExactIdle(time.Second)), false, false},
		{mk(TCP, CloseWait, IdleAtMost(5*time.Hour)), false, true},
		{mk(TCP, Established, 0), false, true},
		{mk(TCP, Listen, 0), false, false},
		{mk(UDP, Established, ExactIdle(time.Hour)), false, false},
	} {
		if got := f.MatchSocket(tc.s); got != tc.match {
			t.Errorf("%s %s idle %s: match %v, want %v", tc.s.Proto, tc.s.State, IdleLabel(tc.s.Idle), got, tc.match)
		}
		if got := f.IdleUnknown(tc.s); got != tc.unknown {
			t.Errorf("%s %s idle %s: IdleUnknown %v, want %v", tc.s.Proto, tc.s.State, IdleLabel(tc.s.Idle), got, tc.unknown)
		}
	}
	if (&Filter{}).WantsIdle() || (*Filter)(nil).WantsIdle() || !(&Filter{Idle: true}).WantsIdle() {
		t.Error("WantsIdle: only with --idle or Idle")
	}
	if (&Filter{Idle: true}).MatchIdle(mk(TCP, Listen, 0)) == false {
		t.Error("Idle alone filters")
	}
	for _, tc := range []struct {
		ff   FilterFlags
		want string // in the message
	}{
		{FilterFlags{Idle: "0"}, "zero"},
		{FilterFlags{Idle: "-5m"}, "negative"},
		{FilterFlags{Idle: "abc"}, "not a duration"},
		{FilterFlags{Idle: "2y"}, "not a duration"},
		{FilterFlags{Idle: "9000h"}, "more than a year"},
		{FilterFlags{Idle: "1e-400"}, "too small"},
		{FilterFlags{Idle: "NaN"}, "not a duration"},
		{FilterFlags{Idle: "10m", Protos: []string{"udp"}}, "--proto udp and --idle"},
		{FilterFlags{Idle: "10m", Ports: []string{"53/udp"}}, "PORT 53/udp and --idle"},
		{FilterFlags{Idle: "10m", Listen: true}, "--listen and --idle"},
		{FilterFlags{Idle: "10m", States: []string{"syn-sent,listen"}}, "--state listen,syn-sent and --idle"},
	} {
		_, err := ParseFilter(tc.ff)
		var ue *UsageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want a usage error with %q", tc.ff, err, tc.want)
		}
	}
	for _, ff := range []FilterFlags{
		{Idle: "90"}, {Idle: "1.5"}, {Idle: "1h30m"}, {Idle: "10m", Protos: []string{"tcp,udp"}}, {Idle: "10m", States: []string{"listen,close-wait"}},
		{Idle: "10m", Ports: []string{"8080", "53/udp"}},
	} {
		if _, err := ParseFilter(ff); err != nil {
			t.Errorf("%+v: %v", ff, err)
		}
	}
}

// TestEmptiedIdle: when --idle leaves nothing, the note names it with
// what was there before it.
func TestEmptiedIdle(t *testing.T) {
	f, err := ParseFilter(FilterFlags{Ports: []string{"80"}, Idle: "1h", States: []string{"close-wait"}})
	if err != nil {
		t.Fatal(err)
	}
	socks := []Socket{{Proto: TCP, Family: Inet, State: CloseWait, Local: ep("127.0.0.1", 80), Idle: ExactIdle(time.Minute)}}
	if got := f.Emptied(socks); !strings.Contains(got, "nothing left after --idle 1h: before it, 1 socket (tcp CLOSE_WAIT 1)") {
		t.Errorf("Emptied: %q", got)
	}
}

// TestFlagDuration: a duration the user gave is echoed whole, in a form
// the flags read back, where FormatDuration rounds to two units.
func TestFlagDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{1500 * time.Millisecond, "1s500ms"},
		{1999 * time.Millisecond, "1s999ms"},
		{3601 * time.Second, "1h1s"},
		{90061 * time.Second, "25h1m1s"},
		{10 * time.Minute, "10m"},
		{250 * time.Millisecond, "250ms"},
		{1500 * time.Microsecond, "1.5ms"},
	} {
		got := FlagDuration(tc.d)
		if got != tc.want {
			t.Errorf("FlagDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if back, err := ParseIdle(got); err != nil || back != tc.d {
			t.Errorf("--idle %s reads back as %v, %v; want %v", got, back, err, tc.d)
		}
	}
}
