package release

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

// provingSignaller pins fake processes whose targets are core.Provers:
// each holds its socket until it has taken letGoAfter (0: never holds it
// once pinned; -1: holds it throughout), and survives TERM.
type provingSignaller struct {
	letGoAfter syscall.Signal
	log        []string
}

func (s *provingSignaller) Pin(p *core.Process) (core.Target, error) {
	return &provingTarget{s: s, pid: p.PID}, nil
}

type provingTarget struct {
	s    *provingSignaller
	pid  int
	sent []syscall.Signal
	dead bool
}

func (t *provingTarget) Holds(hs []core.Hold) error {
	t.s.log = append(t.s.log, fmt.Sprintf("prove %d %v", t.pid, hs))
	let := t.s.letGoAfter
	switch {
	case let == -1:
		return nil
	case let == 0, len(t.sent) > 0 && t.sent[len(t.sent)-1] == let:
		return fmt.Errorf("process %d: fd 3 is closed: %w", t.pid, core.ErrNotHeld)
	}
	return nil
}

func (t *provingTarget) Signal(sig syscall.Signal) error {
	t.s.log = append(t.s.log, fmt.Sprintf("signal %d %s", t.pid, core.SignalName(sig)))
	t.sent = append(t.sent, sig)
	t.dead = sig == syscall.SIGKILL
	return nil
}

func (t *provingTarget) Wait(time.Duration) (bool, error) { return t.dead, nil }
func (t *provingTarget) Close() error                     { return nil }

// TestKillProvesBeforeEverySignal: kill asks the target to prove that it
// holds the socket right after pinning and before every signal; one that
// does not is never signalled (again), and is not a survivor.
func TestKillProvesBeforeEverySignal(t *testing.T) {
	srv := testProc(4242, "java")
	hold := fmt.Sprint([]core.Hold{{Inode: 10, FD: 3}})
	for _, tc := range []struct {
		name     string
		letGo    syscall.Signal
		wantFate Fate
		wantLog  []string
	}{
		{"holds throughout", -1, Killed, []string{
			"prove 4242 " + hold, "prove 4242 " + hold, "signal 4242 TERM", "prove 4242 " + hold, "signal 4242 KILL"}},
		{"let go before the pin's proof", 0, LetGo, []string{"prove 4242 " + hold}},
		{"let go after TERM", syscall.SIGTERM, LetGo, []string{
			"prove 4242 " + hold, "prove 4242 " + hold, "signal 4242 TERM", "prove 4242 " + hold}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &provingSignaller{letGoAfter: tc.letGo}
			p := NewKillPlan(&core.Result{Sockets: []core.Socket{held(core.Listen, 0, 10, srv)}}, nil, nil)
			p.Signal, p.Timeout, p.KillWait = syscall.SIGTERM, time.Millisecond, time.Millisecond
			p.Pin(s)
			r := p.Execute()
			if diff := cmp.Diff(tc.wantLog, s.log); diff != "" {
				t.Errorf("proofs and signals (-want +got):\n%s", diff)
			}
			if o := r.Outcomes[0]; o.Fate != tc.wantFate || (o.Fate == LetGo) != errors.Is(o.Err, core.ErrNotHeld) {
				t.Errorf("fate %q (%v), want %q", o.Fate, o.Err, tc.wantFate)
			}
			if n := r.Survivors(); n != 0 {
				t.Errorf("Survivors() = %d, want 0: a process that let go is no longer a matched one", n)
			}
		})
	}
}

// TestLetGoStillHeld: kill is unfinished when the socket a process let
// go of is still held afterwards (it passed it on), not when it is gone.
func TestLetGoStillHeld(t *testing.T) {
	srv, heir := testProc(4242, "java"), testProc(4300, "java")
	for _, tc := range []struct {
		name string
		left []core.Socket
		want bool
	}{
		{"gone", nil, false},
		{"held by another process", []core.Socket{held(core.Listen, 0, 10, heir)}, true},
		{"another socket", []core.Socket{held(core.Listen, 0, 11, heir)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &provingSignaller{letGoAfter: 0}
			p := NewKillPlan(&core.Result{Sockets: []core.Socket{held(core.Listen, 0, 10, srv)}}, nil, nil)
			p.Pin(s)
			k := &Kill{Plan: p, Report: p.Execute(), Left: &Left{Sockets: tc.left}}
			if got := k.Unfinished(); got != tc.want {
				t.Errorf("Unfinished() = %v, want %v", got, tc.want)
			}
		})
	}
}
