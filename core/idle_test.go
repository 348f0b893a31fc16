package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	if got, _ := f.Emptied(socks); !strings.Contains(got, "nothing left after --idle 1h: before it, 1 socket (tcp CLOSE_WAIT 1)") {
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

// TestResolveIdleUnknownOwners: the sockets --idle leaves out for an idle
// time not known (none measured; only an age) are counted as the owner
// filters keep them, or cannot decide them (a holder unseen), never for
// other processes; the sockets matched among them, read in between, keep
// their own owners and order. Resolve and ResolvePeers alike.
func TestResolveIdleUnknownOwners(t *testing.T) {
	h := time.Hour
	mk := func(port uint16, st State, i Idle, ino uint64, uid int64) Socket {
		return Socket{Proto: TCP, Family: Inet, State: st, Local: ep("127.0.0.1", port), Remote: epp("127.0.0.1", 9000), Idle: i, Inode: ino, UID: uid}
	}
	src := &fakeSource{
		socks: []Socket{ // as read: unknown ones before and between the matched
			mk(1001, Established, 0, 21, 1000),
			mk(1002, Established, ExactIdle(2*h), 22, 0),
			mk(1003, CloseWait, IdleAtMost(5*h), 23, 0),
			mk(1004, CloseWait, ExactIdle(3*h), 24, 1000),
			mk(1005, Established, 0, 25, 1000),
			mk(1006, Established, ExactIdle(4*h), 26, 0),
			mk(1007, Established, ExactIdle(time.Second), 27, 0), // not idle long enough
			mk(1008, FinWait2, 0, 0, -1),                         // orphaned: no holder, nor one unseen
			mk(1009, Established, 0, 28, 0),                      // its holder unseen (the fake's Denied)
		},
		owners: map[uint64][]Owner{
			21: {{PID: 4242, FD: 3}}, 22: {{PID: 500, FD: 3}}, 23: {{PID: 500, FD: 4}}, 24: {{PID: 4242, FD: 4}},
			25: {{PID: 4242, FD: 5}}, 26: {{PID: 500, FD: 5}, {PID: 4242, FD: 6}}, 27: {{PID: 500, FD: 6}},
		},
		procs: map[int]*Process{4242: {PID: 4242, Comm: "java", UID: 1000}, 500: {PID: 500, Comm: "curl", UID: 0}},
	}
	type row struct {
		Port uint16
		PIDs []int
	}
	span := PortRange{Lo: 1001, Hi: 1009} // every socket above, for ResolvePeers
	for _, tc := range []struct {
		name    string
		f       Filter
		holders bool // AllHolders
		want    []row
		unknown int
	}{
		{"no owner filter", Filter{}, false, []row{{1002, []int{500}}, {1004, []int{4242}}, {1006, []int{500, 4242}}}, 5},
		{"pid", Filter{PIDs: []int{500}}, false, []row{{1002, []int{500}}, {1006, []int{500}}}, 2},
		{"other pid", Filter{PIDs: []int{4242}}, false, []row{{1004, []int{4242}}, {1006, []int{4242}}}, 3},
		{"user, and ownerless sockets by their uid", Filter{UIDs: []int64{0}}, false, []row{{1002, []int{500}}, {1006, []int{500}}}, 2},
		{"pid, every holder kept", Filter{PIDs: []int{500}}, true, []row{{1002, []int{500}}, {1006, []int{500, 4242}}}, 2},
	} {
		for _, peers := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/peers=%v", tc.name, peers), func(t *testing.T) {
				r := &Resolver{Sockets: src, Owners: src, AllHolders: tc.holders, UserName: func(int64) string { return "u" }}
				f := tc.f
				f.IdleOver = h
				resolve := r.Resolve
				if peers {
					f.Ports = []PortRange{span}
					resolve = r.ResolvePeers
				}
				res, err := resolve(&f)
				if err != nil {
					t.Fatal(err)
				}
				var got []row
				for _, s := range res.Sockets {
					r := row{Port: s.Local.Port}
					for _, o := range s.Owners {
						r.PIDs = append(r.PIDs, o.PID)
						if o.Proc == nil || o.Proc.PID != o.PID {
							t.Errorf("port %d: owner %d described as %+v", s.Local.Port, o.PID, o.Proc)
						}
					}
					got = append(got, r)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("sockets (-want +got):\n%s", diff)
				}
				if res.IdleUnknown != tc.unknown {
					t.Errorf("IdleUnknown %d, want %d", res.IdleUnknown, tc.unknown)
				}
			})
		}
	}
}

// TestEmptiedOwnersFirst: the owner filters are applied first, so what
// another flag is blamed for is told of the asked-for process's sockets
// alone (it listed A's beside B's); a socket with no owner passes --user
// only as filterOwners lets it (not beside -c).
func TestEmptiedOwnersFirst(t *testing.T) {
	f, err := ParseFilter(FilterFlags{Ports: []string{"80"}, Idle: "1h", PIDs: []string{"20"}})
	if err != nil {
		t.Fatal(err)
	}
	held := func(pid int, comm string) []Owner {
		return []Owner{{PID: pid, FD: 3, Proc: &Process{PID: pid, Comm: comm, UID: 33}}}
	}
	cw := func(port uint16, o []Owner) Socket {
		return Socket{Proto: TCP, Family: Inet, State: CloseWait, Local: ep("127.0.0.1", 80), Remote: epp("127.0.0.1", port),
			Idle: ExactIdle(time.Minute), Owners: o, UID: 33}
	}
	socks := []Socket{cw(1001, held(10, "a")), cw(1002, held(10, "a")), cw(1003, held(20, "b"))}
	want := "nothing left after --idle 1h: before it, 1 socket (tcp CLOSE_WAIT 1) held by 20/b"
	if got, _ := f.Emptied(socks); got != want {
		t.Errorf("Emptied:\n got %q\nwant %q", got, want)
	}
	g, err := ParseFilter(FilterFlags{Ports: []string{"80"}, Users: []string{"33"}, Commands: []string{"c"}})
	if err != nil {
		t.Fatal(err)
	}
	unowned := []Socket{cw(1004, nil)}
	if kept, _ := filterOwners(append([]Socket(nil), unowned...), g, Unseen{}, false); len(kept) != 0 {
		t.Fatalf("filterOwners kept an unowned socket beside -c")
	}
	if got, _ := g.Emptied(unowned); !strings.HasPrefix(got, "nothing left after --user 33:") {
		t.Errorf("Emptied with --user 33 -c c on an unowned socket of uid 33: %q; want --user to leave nothing, as filterOwners", got)
	}
}

// TestStillMatches: close's one decision, at the moment it acts, that a
// socket still passes --state (or --listen) and --idle, on the state and
// idle time read again then. CLOSE is gone, never "moved"; no filter, or
// none of the two, proves nothing.
func TestStillMatches(t *testing.T) {
	est := []State{Established}
	listen := &Filter{States: []State{Listen, Unconn}, Listen: true}
	for _, tc := range []struct {
		name  string
		f     *Filter
		st    State
		idle  Idle
		moved State // the *StateError's state, "" when none
		err   error // the error wrapped, nil for none
	}{
		{"no filter", nil, CloseWait, 0, "", nil},
		{"no --state, no --idle", &Filter{}, CloseWait, 0, "", nil},
		{"still established", &Filter{States: est}, Established, 0, "", nil},
		{"now CLOSE_WAIT", &Filter{States: est}, CloseWait, 0, CloseWait, nil},
		{"reset: CLOSE is gone", &Filter{States: est}, Close, 0, "", nil},
		{"both states named", &Filter{States: []State{Established, CloseWait}}, CloseWait, 0, "", nil},
		{"--listen, still listening", listen, Listen, 0, "", nil},
		{"state before idle", &Filter{States: est, IdleOver: time.Minute}, CloseWait, ExactIdle(time.Second), CloseWait, nil},
		{"state holds, idle not", &Filter{States: est, IdleOver: time.Minute}, Established, ExactIdle(time.Second), "", ErrActive},
		{"idle alone", &Filter{IdleOver: time.Minute}, CloseWait, ExactIdle(2 * time.Minute), "", nil},
		{"idle alone, reset", &Filter{IdleOver: time.Minute}, Close, 0, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.StillMatches(tc.st, tc.idle)
			var se *StateError
			switch {
			case tc.moved != "":
				if !errors.As(err, &se) || se.Now != tc.moved || errors.Is(err, ErrActive) {
					t.Fatalf("StillMatches = %v, want a StateError in %s", err, tc.moved)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) || errors.As(err, &se) {
					t.Fatalf("StillMatches = %v, want %v", err, tc.err)
				}
			case err != nil:
				t.Fatalf("StillMatches = %v, want nil", err)
			}
		})
	}
	if got, want := (&Filter{States: []State{Established}}).StillMatches(CloseWait, 0).Error(), "now CLOSE_WAIT, not --state established"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if got, want := listen.StillMatches(Established, 0), "now ESTABLISHED, not --listen"; got == nil || got.Error() != want {
		t.Errorf("text %v, want %q", got, want)
	}
	if (&Filter{}).ProvedAtAct() || (*Filter)(nil).ProvedAtAct() || !(&Filter{States: []State{Established}}).ProvedAtAct() || !(&Filter{IdleOver: time.Second}).ProvedAtAct() {
		t.Error("ProvedAtAct: only --state or --idle reads the socket again")
	}
}
