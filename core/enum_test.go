package core

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// TestEnumNames: Family, SockType and Timer are bytes named as the
// contract names them; their values are in the order of their names
// (sorting compares the bytes), every name reads back as its value, and
// an unknown name is an error, not the zero value in silence.
func TestEnumNames(t *testing.T) {
	type enum struct {
		what  string
		names []string
		name  func(uint8) string
		parse func([]byte) (uint8, error)
	}
	enums := []enum{
		{"family", familyNames[:], func(v uint8) string { return Family(v).String() },
			func(b []byte) (uint8, error) { var f Family; err := f.UnmarshalText(b); return uint8(f), err }},
		{"type", sockTypeNames[:], func(v uint8) string { return SockType(v).String() },
			func(b []byte) (uint8, error) { var s SockType; err := s.UnmarshalText(b); return uint8(s), err }},
		{"timer", timerNames[:], func(v uint8) string { return Timer(v).String() },
			func(b []byte) (uint8, error) { var x Timer; err := x.UnmarshalText(b); return uint8(x), err }},
	}
	for _, e := range enums {
		if !slices.IsSorted(e.names) {
			t.Errorf("%s: names %q are not in order: comparing values would not sort as the names do", e.what, e.names)
		}
		for i, n := range e.names {
			if got := e.name(uint8(i)); got != n {
				t.Errorf("%s %d: String %q, want %q", e.what, i, got, n)
			}
			if v, err := e.parse([]byte(n)); err != nil || v != uint8(i) {
				t.Errorf("%s %q: parsed as %d, %v; want %d", e.what, n, v, err, i)
			}
		}
		if _, err := e.parse([]byte("stream6")); !errors.Is(err, ErrParse) {
			t.Errorf("%s: an unknown name gave %v, want ErrParse", e.what, err)
		}
		if got := e.name(200); got != "?200" {
			t.Errorf("%s 200: String %q", e.what, got)
		}
	}
	// The contract's spellings, as JSON carries them.
	b, err := json.Marshal(struct {
		F Family
		T SockType
		X Timer
	}{Inet6, SeqPacket, TimerRetrans})
	if err != nil || string(b) != `{"F":"inet6","T":"seqpacket","X":"on"}` {
		t.Errorf("json: %s, %v", b, err)
	}
	for _, c := range []struct{ got, want string }{
		{Inet.String(), "inet"}, {Inet6.String(), "inet6"}, {Local.String(), "unix"}, {FamilyUnknown.String(), ""},
		{Stream.String(), "stream"}, {Dgram.String(), "dgram"}, {SeqPacket.String(), "seqpacket"}, {RawType.String(), "raw"},
		{TimerNone.String(), ""}, {TimerRetrans.String(), "on"}, {TimerKeepalive.String(), "keepalive"},
		{TimerTimeWait.String(), "timewait"}, {TimerProbe.String(), "persist"},
	} {
		if c.got != c.want {
			t.Errorf("constant named %q, want %q", c.got, c.want)
		}
	}
}
