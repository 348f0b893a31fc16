package core

import "testing"

func TestParseWholeNumber(t *testing.T) {
	for in, want := range map[string]int{"10": 10, "010": 10, " 5 ": 5, "+3": 3, "-2": -2, "0": 0} {
		if n, err := ParseWholeNumber("--n", in); err != nil || n != want {
			t.Errorf("%q: %d %v, want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", " ", "1.5", "1e3", "0x10", "ten", "99999999999999999999"} {
		if _, err := ParseWholeNumber("--n", in); err == nil || err.Error() != `--n: "`+in+`" is not a whole number` {
			t.Errorf("%q: %v, want a usage error naming --n", in, err)
		}
	}
}
