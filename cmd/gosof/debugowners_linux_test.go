package main

import (
	"strings"
	"testing"
)

// TestDebugOwners: gosof debug owners says how holders are found and,
// when not through the iterator, why.
func TestDebugOwners(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"debug", "owners", "--proc-fd"}, "not through the BPF descriptor iterator: --proc-fd"},
		{"1", []string{"debug", "owners"}, "not through the BPF descriptor iterator: GOSOF_PROC_FD=1"},
	} {
		t.Setenv("GOSOF_PROC_FD", tc.env)
		out, errOut, code := gosof(t, tc.args...)
		if code != exitMatch || !strings.Contains(out, tc.want) || strings.Count(out, "\n") != 1 {
			t.Errorf("GOSOF_PROC_FD=%q gosof %s: exit %d %q %s, want %q", tc.env, strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	t.Setenv("GOSOF_PROC_FD", "yes")
	if _, errOut, code := gosof(t, "debug", "owners"); code != exitError || !strings.Contains(errOut, "GOSOF_PROC_FD") {
		t.Errorf("GOSOF_PROC_FD=yes: exit %d %q, want 2 naming it", code, errOut)
	}
}
