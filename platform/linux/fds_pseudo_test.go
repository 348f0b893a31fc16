package linux

import "testing"

// TestPseudoInode: only the kernel's own "socket:[ino]" and "pipe:[ino]"
// skip the stat; a path that looks like one, or a malformed name, does not.
func TestPseudoInode(t *testing.T) {
	for _, tc := range []struct {
		link string
		ino  uint64
		ok   bool
	}{
		{"socket:[12345]", 12345, true},
		{"pipe:[7]", 7, true},
		{"pipe:[18446744073709551615]", 18446744073709551615, true},
		{"pipe:[18446744073709551616]", 0, false},
		{"pipe:[]", 0, false},
		{"pipe:[12", 0, false},
		{"pipe:[12]x", 0, false},
		{"pipe:[1a]", 0, false},
		{"/tmp/pipe:[3]", 0, false},
		{"pipe:[3] (deleted)", 0, false},
		{"anon_inode:[eventfd]", 0, false},
		{"/dev/null", 0, false},
		{"", 0, false},
	} {
		ino, ok := pseudoInode([]byte(tc.link))
		if ino != tc.ino || ok != tc.ok {
			t.Errorf("pseudoInode(%q) = %d, %v; want %d, %v", tc.link, ino, ok, tc.ino, tc.ok)
		}
	}
}
