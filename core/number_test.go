package core

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseWholeNumber(t *testing.T) {
	for in, want := range map[string]int{"10": 10, "010": 10, " 5 ": 5, "+3": 3, "-2": -2, "0": 0} {
		if n, err := ParseWholeNumber("--n", in); err != nil || n != want {
			t.Errorf("%q: %d %v, want %d", in, n, err, want)
		}
	}
	for in, want := range map[string]string{
		"": "is not a whole number", " ": "is not a whole number", "1.5": "is not a whole number",
		"1e3": "is not a whole number", "0x10": "is not a whole number", "ten": "is not a whole number",
		"5 0": "is not a whole number",
		// a whole number, past an int's range: it was "not a whole number"
		"99999999999999999999": "is too large", " 99999999999999999999": "is too large",
		"-99999999999999999999": "is too small",
	} {
		_, err := ParseWholeNumber("--n", in)
		if want = fmt.Sprintf("--n: %q %s", in, want); err == nil || err.Error() != want || !errors.As(err, new(*UsageError)) {
			t.Errorf("%q: %v, want the usage error %s", in, err, want)
		}
	}
}
