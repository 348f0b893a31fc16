package main

import (
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/release"
)

// TestKillEndAfterSignal: a TERM to gosof that lands after every wait is
// over (the process was killed, the port is free) leaves the finished
// report's exit code alone; one that cut a wait short is 128+15.
func TestKillEndAfterSignal(t *testing.T) {
	p := &core.Process{PID: 4242, Comm: "x"}
	for _, tc := range []struct {
		fate release.Fate
		want int
	}{
		{release.Killed, exitMatch},
		{release.Interrupted, 128 + int(syscall.SIGTERM)},
	} {
		intr := catchInterrupts()
		intr.sigs <- syscall.SIGTERM // as if it arrived after the waits
		select {
		case <-intr.done:
		case <-time.After(5 * time.Second):
			t.Fatal("the interrupter did not take the signal")
		}
		k := &release.Kill{Plan: &release.KillPlan{}, Report: &release.KillReport{Outcomes: []release.KillOutcome{{Proc: p, Fate: tc.fate}}}}
		err := killEnd(k, intr)
		intr.stop()
		code := exitCode(err, io.Discard)
		if code != tc.want {
			t.Errorf("%s, then TERM: exit %d (%v), want %d", tc.fate, code, err, tc.want)
		}
	}
}
