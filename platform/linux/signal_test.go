package linux

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gosof/gosof/core"
)

func TestParseStat(t *testing.T) {
	tail := " 1 1 0 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 %s 1000 200 0"
	tests := []struct {
		name    string
		in      string
		want    procStat
		wantErr bool
	}{
		{name: "plain", in: "4242 (java) S" + fill(tail, "987654"), want: procStat{State: 'S', PPID: 1, Start: 987654}},
		{name: "zombie", in: "7 (sh) Z" + fill(tail, "12"), want: procStat{State: 'Z', PPID: 1, Start: 12}},
		{name: "comm with ) and spaces", in: "9 (a) b (c)) R" + fill(tail, "55"), want: procStat{State: 'R', PPID: 1, Start: 55}},
		{name: "truncated", in: "9 (a) R 1 1 0", wantErr: true},
		{name: "no paren", in: "9 a R" + fill(tail, "55"), wantErr: true},
		{name: "bad starttime", in: "9 (a) R" + fill(tail, "x1"), wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStat([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, core.ErrParse) {
					t.Errorf("err = %v, want ErrParse", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseStat = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func fill(format, start string) string {
	for i := 0; i+1 < len(format); i++ {
		if format[i:i+2] == "%s" {
			return format[:i] + start + format[i+2:]
		}
	}
	return format
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("4242 (java) S 1 1 0 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000 200 0"))
	f.Add([]byte("9 (a) b (c)) R"))
	f.Add([]byte("7 (x)\tS\t1  2\n3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStat(b)
		if c := s.State; err == nil && !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			t.Errorf("parseStat(%q) accepted state %q", b, c)
		}
		// On ASCII, the same fields as bytes.Fields (which it replaced).
		if bytes.IndexFunc(b, func(r rune) bool { return r >= 0x80 }) >= 0 {
			return
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			return
		}
		want := bytes.Fields(b[i+1:])
		var fields [20][]byte
		got := fields[:firstFields(b[i+1:], &fields)]
		if len(want) > len(fields) {
			want = want[:len(fields)]
		}
		if len(got) != len(want) {
			t.Fatalf("firstFields(%q): %d fields, bytes.Fields %d", b[i+1:], len(got), len(want))
		}
		for k := range got {
			if !bytes.Equal(got[k], want[k]) {
				t.Fatalf("firstFields(%q): field %d %q, bytes.Fields %q", b[i+1:], k, got[k], want[k])
			}
		}
	})
}
