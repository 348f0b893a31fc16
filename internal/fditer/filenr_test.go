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

// TestSeccompFiltered: the Seccomp line of /proc/PID/status, where it is
// and whatever follows it.
func TestSeccompFiltered(t *testing.T) {
	for status, want := range map[string]bool{
		"Name:\tgosof\nSeccomp:\t0\nSeccomp_filters:\t0\n": false,
		"Name:\tgosof\nSeccomp:\t2\nSeccomp_filters:\t1\n": true,
		"Seccomp:\t1\n":                      true,  // strict: bpf(2) kills too
		"Seccomp:\t2":                        true,  // no newline at the end
		"Name:\tx\nNoNewPrivs:\t1\n":         false, // no line: no CONFIG_SECCOMP
		"Seccomp_filters:\t1\nSeccomp:\t0\n": false,
		"Name:\tSeccomp:\t2\nSeccomp:\t0\n":  false, // a command name cannot fake it
		"":                                   false,
	} {
		if got := seccompFiltered([]byte(status)); got != want {
			t.Errorf("%q: %v, want %v", status, got, want)
		}
	}
}
