package fditer

import "testing"

func TestFileNr(t *testing.T) {
	for in, want := range map[string]int{"10025\t0\t2470878\n": 10025, "85\t0\t9\n": 85, "7 0 9": 7} {
		if n, ok := fileNr([]byte(in)); !ok || n != want {
			t.Errorf("fileNr(%q) = %d, %v, want %d", in, n, ok, want)
		}
	}
	for _, in := range []string{"", "\t0\t1\n", "12", "x1\t0", "1x\t0", "99999999999\t0\t1"} {
		if n, ok := fileNr([]byte(in)); ok {
			t.Errorf("fileNr(%q) = %d, want refused", in, n)
		}
	}
}
