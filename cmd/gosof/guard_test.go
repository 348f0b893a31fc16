package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Tests only signal processes the test started. A real kill or close (not
// -n/--dry-run) run by a test narrows to the test's own processes: --pid
// with its helpers, or --netns naming a network namespace the test made
// (ownNetNS). A kernel-picked port is no such narrowing: the kernel shares
// a port number across addresses (a stranger on [::1]:P beside the test on
// 127.0.0.1:P), --side any also matches a stranger's connection whose
// remote port is P, and -A reads every namespace on the host.
//
// guardRelease is that rule, the one place it is decided (docs/testing.md);
// every way a test runs gosof calls it before gosof runs: gosof and runT
// in-process, cliEnv for the test binary re-executed as gosof
// (GOSOF_TEST_CLI), contained when its wrap enters a namespace the test
// made. It
// reads argv with gosof's own reader (lex) and fails the test when the
// line is a real kill or close with neither --pid nor --netns of the
// test's own, unless gosof's reader itself refuses the line (a bad flag
// or value, a hint: exit 2 before any command runs). A value only the
// command reads (kill 80 -s BOGUS, close 80 --abort --graceful) is not
// known to be refused before the run; such a line runs contained
// (gosofContained: in a new, empty network namespace, where no socket can
// match) and needs no --pid. contained: the run is in a network namespace
// the test made; -A and a --netns not the test's own still reach past it.
func guardRelease(tb testing.TB, args []string, contained bool) {
	tb.Helper()
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	lx := lex(app, args)
	if lx.Cmd == nil || lx.Cmd.Name != "kill" && lx.Cmd.Name != "close" || lx.Help || lx.problem(app) != nil {
		return
	}
	outside := "" // a flag that looks beyond the namespace gosof runs in
	for _, u := range lx.Flags {
		switch u.Name {
		case "dry-run":
			if on, _ := strconv.ParseBool(u.Value); on {
				return
			}
		case "pid":
			return
		case "netns":
			if ownNetNSes.has(u.Value) {
				return
			}
			outside = "--netns " + u.Value + " (not a namespace the test made: ownNetNS)"
		case "all-netns":
			if on, _ := strconv.ParseBool(u.Value); on {
				outside = u.Typed
			}
		}
	}
	if contained && outside == "" {
		return
	}
	if outside != "" {
		outside = ", and " + outside + " reaches past the test's own"
	}
	tb.Fatalf("test guard: 'gosof %s' is a real %s that may reach processes the test did not start%s: "+
		"narrow it with --pid (the test's helpers: --pid a,b), or --netns of a namespace the test made (ownNetNS), or -n",
		strings.Join(args, " "), lx.Cmd.Name, outside)
}

// netnsSet is the --netns values that name a namespace a running test made.
type netnsSet struct {
	mu sync.Mutex
	m  map[string]int
}

var ownNetNSes = &netnsSet{m: map[string]int{}}

func (s *netnsSet) add(names []string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range names {
		s.m[v] += n
	}
}

func (s *netnsSet) has(v string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[v] > 0
}

// runT is run for a test: the guard first.
func runT(tb testing.TB, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tb.Helper()
	guardRelease(tb, args[1:], false)
	return run(args, stdin, stdout, stderr)
}

// fatalTB records guardRelease's verdict without ending the test.
type fatalTB struct {
	testing.TB
	fired string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fired = fmt.Sprintf(format, args...)
}

// TestGuardRelease: the guard stops a real kill or close that is not
// narrowed to the test's own processes, and lets the others through.
func TestGuardRelease(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		contained bool
		fires     bool
	}{
		{[]string{"kill", "8080"}, false, true},
		{[]string{"close", "8080", "--side", "any", "--yes"}, false, true},
		{[]string{"-s", "9", "kill", "8080"}, false, true},
		{[]string{"kill", "8080", "-n=false"}, false, true},
		{[]string{"kill", "8080", "--netns", "not-the-tests"}, false, true},
		{[]string{"kill", "8080", "-A"}, true, true}, // -A reaches past a contained run
		{[]string{"kill", "8080", "--netns", "1"}, true, true},
		{[]string{"kill", "8080", "-n"}, false, false},
		{[]string{"-n", "close", "8080"}, false, false},
		{[]string{"kill", "8080", "--pid", "42,43"}, false, false},
		{[]string{"kill", "80", "-s", "BOGUS"}, true, false},
		{[]string{"kill", "8080", "--bogus"}, false, false}, // refused as the line is read: nothing runs
		{[]string{"kill", "--help"}, false, false},
		{[]string{"who", "8080"}, false, false},
	} {
		f := &fatalTB{TB: t}
		guardRelease(f, tc.args, tc.contained)
		if (f.fired != "") != tc.fires {
			t.Errorf("guardRelease(%q, contained %v): fired %q, want fired %v", tc.args, tc.contained, f.fired, tc.fires)
		}
	}
}
