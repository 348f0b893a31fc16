package linux

import (
	"encoding/binary"
	"testing"
)

// dirent builds one linux_dirent64 record padded to 8 bytes, as the kernel lays it out.
func dirent(name string) []byte {
	reclen := (direntHeader + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b[0:], 1)
	binary.NativeEndian.PutUint64(b[8:], 2)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	b[18] = 10 // DT_LNK
	copy(b[direntHeader:], name)
	return b
}

func TestWalkDirents(t *testing.T) {
	var buf []byte
	for _, n := range []string{".", "..", "0", "1", "255"} {
		buf = append(buf, dirent(n)...)
	}
	var got []string
	walkDirents(buf, func(name []byte) {
		got = append(got, string(name))
		if end := cap(name) - len(name); end < 1 || name[:len(name)+1][len(name)] != 0 {
			t.Errorf("name %q is not followed by its NUL in the buffer", name)
		}
	})
	want := []string{".", "..", "0", "1", "255"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d = %q, want %q", i, got[i], want[i])
		}
	}
	// A record claiming more bytes than the buffer holds ends the walk.
	bad := dirent("7")
	binary.NativeEndian.PutUint16(bad[16:], 4096)
	n := 0
	walkDirents(append(dirent("3"), bad...), func([]byte) { n++ })
	if n != 1 {
		t.Errorf("walked %d names past a truncated record, want 1", n)
	}
}

func TestAtoiBytes(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "42": 42, "999999999": 999999999} {
		if n, ok := atoiBytes([]byte(in)); !ok || n != want {
			t.Errorf("atoiBytes(%q) = %d, %v", in, n, ok)
		}
	}
	for _, bad := range []string{"", ".", "..", "1a", "-1", "1234567890"} {
		if _, ok := atoiBytes([]byte(bad)); ok {
			t.Errorf("atoiBytes(%q) accepted", bad)
		}
	}
}

func FuzzWalkDirents(f *testing.F) {
	f.Add(append(dirent("12"), dirent("socket")...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		walkDirents(b, func(name []byte) {
			if len(name) == 0 {
				t.Error("empty name")
			}
		})
	})
}

func FuzzSocketInode(f *testing.F) {
	f.Add([]byte("socket:[12345]"))
	f.Add([]byte("pipe:[1]"))
	f.Fuzz(func(t *testing.T, b []byte) { socketInode(b) })
}
func TestParseComm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"1 (systemd) S 0 1 1 0", "systemd", true},
		{"42 (a (b) c) R 1 2", "a (b) c", true},
		{"42 (ev\x1b[31mil\nx) S 1", "ev\x1b[31mil\nx", true},
		{"42 () S 1", "", true},
		{"42 comm S 1", "", false},
		{"42 )x( S 1", "", false},
		{"", "", false},
	} {
		got, ok := parseComm([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseComm(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseStatusEUID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n", 0, true},
		{"Uid:\t0\t33\t33\t33\n", 33, true},
		{"Uid:\t0\t4294967294\t0\t0", 4294967294, true},
		{"Name:\tx\nGid:\t0\t0\t0\t0\n", 0, false},
		{"Uid:\t0\n", 0, false},
		{"Uid:\t0\tx1\t0\t0\n", 0, false},
		{"", 0, false},
	} {
		got, ok := parseStatusEUID([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseStatusEUID(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
