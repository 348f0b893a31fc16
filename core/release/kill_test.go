package release

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"

	"github.com/google/go-cmp/cmp"
)

// fakeProc is how one fake process reacts.
type fakeProc struct {
	pinErr    error
	sigErr    map[syscall.Signal]error // Signal fails with this
	survives  []syscall.Signal         // signals it ignores (KILL here: stuck in D state)
	waitErr   error
	exitAfter syscall.Signal // after this signal is sent, it is gone (Signal returns ErrGone)
}

// fakeSignaller records every Pin and Signal.
type fakeSignaller struct {
	procs map[int]*fakeProc
	mu    sync.Mutex
	log   []string
}

func (f *fakeSignaller) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf(format, args...))
}

func (f *fakeSignaller) Pin(p *core.Process) (core.Target, error) {
	f.record("pin %d", p.PID)
	fp := f.procs[p.PID]
	if fp == nil {
		return nil, fmt.Errorf("no fake for %d: %w", p.PID, core.ErrGone)
	}
	if fp.pinErr != nil {
		return nil, fp.pinErr
	}
	return &fakeTarget{f: f, pid: p.PID, p: fp}, nil
}

type fakeTarget struct {
	f    *fakeSignaller
	pid  int
	p    *fakeProc
	dead bool
	sent []syscall.Signal
}

func (t *fakeTarget) Signal(sig syscall.Signal) error {
	if t.p.exitAfter != 0 && len(t.sent) > 0 && t.sent[len(t.sent)-1] == t.p.exitAfter {
		return fmt.Errorf("process %d: %w", t.pid, core.ErrGone)
	}
	if err := t.p.sigErr[sig]; err != nil {
		return err
	}
	t.f.record("signal %d %s", t.pid, core.SignalName(sig))
	t.sent = append(t.sent, sig)
	if !containsSig(t.p.survives, sig) && t.p.exitAfter == 0 {
		t.dead = true
	}
	return nil
}

func containsSig(l []syscall.Signal, s syscall.Signal) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (t *fakeTarget) Wait(time.Duration) (bool, error) {
	if t.p.waitErr != nil {
		return false, t.p.waitErr
	}
	return t.dead, nil
}

func (t *fakeTarget) Close() error { t.f.record("close %d", t.pid); return nil }

func testProc(pid int, comm string) *core.Process {
	return &core.Process{PID: pid, Comm: comm, UID: 1000, User: "app", Start: uint64(pid) * 10}
}

// held is a TCP socket on port 30116 held by the given processes through fd 3.
func held(state core.State, remotePort uint16, inode uint64, procs ...*core.Process) core.Socket {
	s := core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: state, Local: ep("127.0.0.1", 30116), Inode: inode, UID: 1000}
	if remotePort != 0 {
		s.Remote = epp("127.0.0.1", remotePort)
	}
	for _, p := range procs {
		s.Owners = append(s.Owners, core.Owner{PID: p.PID, FD: 3, Proc: p})
	}
	return s
}

func TestNewKillPlan(t *testing.T) {
	srv, worker, init := testProc(4242, "java"), testProc(4243, "java"), testProc(1, "systemd")
	lst := held(core.Listen, 0, 10, srv, worker)
	lst.Owners = append(lst.Owners, core.Owner{PID: 4242, FD: 7, Proc: srv}) // a second descriptor
	sort.Slice(lst.Owners, func(i, j int) bool {                             // as the resolver sorts them
		return lst.Owners[i].PID < lst.Owners[j].PID || lst.Owners[i].PID == lst.Owners[j].PID && lst.Owners[i].FD < lst.Owners[j].FD
	})
	cw := held(core.CloseWait, 51000, 11, srv)
	gone := held(core.Established, 51001, 12)
	gone.Owners = []core.Owner{{PID: 999, FD: 4}} // exited while resolving: Proc nil
	tw := held(core.TimeWait, 51002, 0)
	sd := held(core.Listen, 0, 13, init)
	sd.Local.Port = 30117

	p := NewKillPlan(&core.Result{Sockets: []core.Socket{lst, cw, gone, tw, sd}}, []Protected{{PID: 1, Why: "PID 1"}}, nil)

	type item struct {
		PID       int
		Protected string
		Inodes    []uint64
		FDs       [][]int
	}
	var got []item
	for _, it := range p.Items {
		g := item{PID: it.Proc.PID, Protected: it.Protected}
		for _, s := range it.Sockets {
			g.Inodes = append(g.Inodes, s.Inode)
			var fds []int
			for _, o := range s.Owners {
				if o.PID != it.Proc.PID {
					t.Errorf("pid %d: socket %d lists owner %d", it.Proc.PID, s.Inode, o.PID)
				}
				fds = append(fds, o.FD)
			}
			g.FDs = append(g.FDs, fds)
		}
		got = append(got, g)
	}
	want := []item{
		{PID: 1, Protected: "PID 1", Inodes: []uint64{13}, FDs: [][]int{{3}}},
		{PID: 4242, Inodes: []uint64{10, 11}, FDs: [][]int{{3, 7}, {3}}},
		{PID: 4243, Inodes: []uint64{10}, FDs: [][]int{{3}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if n := len(p.Orphans); n != 2 {
		t.Errorf("orphans = %d, want 2 (the TIME_WAIT and the one whose holder exited)", n)
	}
	if n := p.Processes(); n != 2 {
		t.Errorf("Processes() = %d, want 2 (PID 1 is protected)", n)
	}
}

// TestAncestryProtectedNoParents: without a way to walk the tree, PID 1,
// gosof and its direct parent are still protected.
func TestAncestryProtectedNoParents(t *testing.T) {
	var pids []int
	for _, p := range AncestryProtected(nil) {
		pids = append(pids, p.PID)
	}
	for _, want := range []int{1, syscall.Getpid(), syscall.Getppid()} {
		if !containsInt(pids, want) {
			t.Errorf("AncestryProtected(nil) %v lacks %d", pids, want)
		}
	}
}

func containsInt(l []int, n int) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

func TestKillExecute(t *testing.T) {
	const (
		TERM = syscall.SIGTERM
		KILL = syscall.SIGKILL
		HUP  = syscall.SIGHUP
	)
	eperm := fmt.Errorf("signal 15 to process 7: %w", core.ErrPermission)
	tests := []struct {
		name       string
		fake       fakeProc
		signal     syscall.Signal
		noEscalate bool
		protected  bool
		wantFate   Fate
		wantLog    []string
		wantSurv   int
	}{
		{name: "exits on TERM", wantFate: Exited,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "ignores TERM, killed", fake: fakeProc{survives: []syscall.Signal{TERM}}, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 TERM", "signal 7 KILL", "close 7"}},
		{name: "ignores TERM, no escalate", fake: fakeProc{survives: []syscall.Signal{TERM}}, noEscalate: true,
			wantFate: Alive, wantSurv: 1, wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "survives KILL", fake: fakeProc{survives: []syscall.Signal{TERM, KILL}}, wantFate: Alive, wantSurv: 1,
			wantLog: []string{"pin 7", "signal 7 TERM", "signal 7 KILL", "close 7"}},
		{name: "-s KILL sends only KILL", signal: KILL, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 KILL", "close 7"}},
		{name: "-s HUP ignored, sent alone", signal: HUP, fake: fakeProc{survives: []syscall.Signal{HUP}}, wantFate: Alive,
			wantSurv: 1, wantLog: []string{"pin 7", "signal 7 HUP", "close 7"}},
		{name: "-s INT ignored, escalates", signal: syscall.SIGINT, fake: fakeProc{survives: []syscall.Signal{syscall.SIGINT}}, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 INT", "signal 7 KILL", "close 7"}},
		{name: "gone before pin", fake: fakeProc{pinErr: fmt.Errorf("pid recycled: %w", core.ErrGone)}, wantFate: AlreadyGone,
			wantLog: []string{"pin 7"}},
		{name: "pin not permitted", fake: fakeProc{pinErr: eperm}, wantFate: NotAllowed, wantSurv: 1,
			wantLog: []string{"pin 7"}},
		{name: "signal not permitted", fake: fakeProc{sigErr: map[syscall.Signal]error{TERM: eperm}}, wantFate: NotAllowed,
			wantSurv: 1, wantLog: []string{"pin 7", "close 7"}},
		{name: "gone when signalled", fake: fakeProc{sigErr: map[syscall.Signal]error{TERM: core.ErrGone}}, wantFate: AlreadyGone,
			wantLog: []string{"pin 7", "close 7"}},
		{name: "exits between wait and KILL", fake: fakeProc{survives: []syscall.Signal{TERM}, exitAfter: TERM}, wantFate: Exited,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "wait fails", fake: fakeProc{waitErr: errors.New("poll: EBADF")}, wantFate: Failed, wantSurv: 1,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "protected is never pinned nor signalled", protected: true, wantFate: Spared, wantSurv: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSignaller{procs: map[int]*fakeProc{7: &tc.fake}}
			var protect []Protected
			if tc.protected {
				protect = []Protected{{PID: 7, Why: "gosof's parent"}}
			}
			p := NewKillPlan(&core.Result{Sockets: []core.Socket{held(core.Listen, 0, 10, testProc(7, "srv"))}}, protect, nil)
			p.NoEscalate = tc.noEscalate
			if tc.signal != 0 {
				p.Signal = tc.signal
			}
			p.Pin(f)
			r := p.Execute()
			p.Close()
			if len(r.Outcomes) != 1 {
				t.Fatalf("%d outcomes, want 1", len(r.Outcomes))
			}
			if got := r.Outcomes[0].Fate; got != tc.wantFate {
				t.Errorf("fate = %q (err %v), want %q", got, r.Outcomes[0].Err, tc.wantFate)
			}
			if diff := cmp.Diff(tc.wantLog, f.log); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if got := r.Survivors(); got != tc.wantSurv {
				t.Errorf("Survivors() = %d, want %d", got, tc.wantSurv)
			}
			var out bytes.Buffer
			if err := WriteKillReport(&out, p, r, nil); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.String(), "7/srv: ") {
				t.Errorf("report %q does not start with the process", out.String())
			}
		})
	}
}

// TestKillWaitsInParallel: the timeout runs once for all processes, not
// once per process: every target is waited on at the same time. Each
// fake Wait returns "gone" only once all ten are waiting; waited on one
// after another, the first would sit out the whole timeout and survive.
func TestKillWaitsInParallel(t *testing.T) {
	const n = 10
	s := &barrierSignaller{n: n, all: make(chan struct{})}
	var socks []core.Socket
	for pid := 100; pid < 100+n; pid++ {
		socks = append(socks, held(core.Established, uint16(pid), uint64(pid), testProc(pid, "w")))
	}
	p := NewKillPlan(&core.Result{Sockets: socks}, nil, nil)
	// Long enough for ten goroutines to start on any machine; a
	// sequential Execute fails after n times this.
	p.Timeout, p.KillWait = 10*time.Second, time.Millisecond
	p.Pin(s)
	r := p.Execute()
	if got := r.Survivors(); got != 0 {
		t.Errorf("Survivors() = %d, want 0: the processes were not all waited on at once", got)
	}
	for _, o := range r.Outcomes {
		if o.Fate != Exited || len(o.Sent) != 1 {
			t.Errorf("process %d: %s after %v, want exited after TERM alone", o.Proc.PID, o.Fate, o.Sent)
		}
	}
}

// barrierSignaller pins targets whose first Wait returns once n targets
// are waiting at the same time (or its timeout passes).
type barrierSignaller struct {
	n       int64
	waiting int64 // targets in their first Wait, atomically
	all     chan struct{}
}

func (s *barrierSignaller) Pin(*core.Process) (core.Target, error) {
	return &barrierTarget{s: s}, nil
}

type barrierTarget struct {
	s       *barrierSignaller
	arrived bool
}

func (*barrierTarget) Signal(syscall.Signal) error { return nil }
func (t *barrierTarget) Wait(d time.Duration) (bool, error) {
	if !t.arrived {
		t.arrived = true
		if atomic.AddInt64(&t.s.waiting, 1) == t.s.n {
			close(t.s.all)
		}
	}
	select {
	case <-t.s.all:
		return true, nil
	case <-time.After(d):
		return false, nil
	}
}
func (*barrierTarget) Close() error { return nil }

func TestWriteKillPlan(t *testing.T) {
	srv, init := testProc(4242, "ja\x1bva"), testProc(1, "systemd")
	var socks []core.Socket
	socks = append(socks, held(core.Listen, 0, 10, srv))
	for i := range 30 {
		socks = append(socks, held(core.CloseWait, uint16(50000+i), uint64(100+i), srv))
	}
	socks = append(socks, held(core.Listen, 0, 13, init), held(core.TimeWait, 40000, 0))
	p := NewKillPlan(&core.Result{Sockets: socks}, []Protected{{PID: 1, Why: "PID 1"}}, nil)
	p.Pin(&fakeSignaller{procs: map[int]*fakeProc{4242: {}}})
	var b bytes.Buffer
	if err := WriteKillPlan(&b, p); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "kill-plan.golden", b.Bytes())
}

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in      string
		want    syscall.Signal
		wantErr bool
	}{
		{in: "TERM", want: syscall.SIGTERM},
		{in: "sigkill", want: syscall.SIGKILL},
		{in: "Hup", want: syscall.SIGHUP},
		{in: "9", want: syscall.SIGKILL},
		{in: "0", wantErr: true},
		{in: "65", wantErr: true},
		{in: "NOPE", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := core.ParseSignal(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		var ue *core.UsageError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("ParseSignal(%q) error %v is not a UsageError (exit 2)", tc.in, err)
		}
	}
	if core.SignalName(syscall.SIGTERM) != "TERM" || core.SignalName(syscall.Signal(63)) != "63" {
		t.Errorf("SignalName: TERM -> %q, 63 -> %q", core.SignalName(syscall.SIGTERM), core.SignalName(syscall.Signal(63)))
	}
}

// termWidth is a writer to a terminal that many columns wide.
type termWidth struct {
	bytes.Buffer
	cols int
}

func (w *termWidth) Width() int { return w.cols }

// TestKillPlanFitKeepsLocalPort: on a terminal too narrow for the plan,
// each socket's line is shortened after its local address and port, not
// through them: the port is what the plan is about.
func TestKillPlanFitKeepsLocalPort(t *testing.T) {
	srv := testProc(4242, "server")
	mapped := netip.MustParseAddr("::ffff:127.0.0.1")
	var socks []core.Socket
	for i := range 3 {
		socks = append(socks, core.Socket{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.Established,
			Local: core.Endpoint{Addr: mapped, Port: 46200}, Remote: &core.Endpoint{Addr: mapped, Port: uint16(47786 + i)},
			Inode: uint64(100 + i), Owners: []core.Owner{{PID: 4242, FD: 5 + i, Proc: srv}}})
	}
	p := NewKillPlan(&core.Result{Sockets: socks}, nil, nil)
	p.Pin(&fakeSignaller{procs: map[int]*fakeProc{4242: {}}})
	w := &termWidth{cols: 70}
	if err := WriteKillPlan(w, p); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(w.String(), "\n") {
		if !strings.Contains(l, "(fd ") {
			continue
		}
		rows++
		if !strings.Contains(l, "[::ffff:127.0.0.1]:46200") || !strings.Contains(l, "…") {
			t.Errorf("a socket's row, shortened, lost its local address and port: %q\n%s", l, w.String())
		}
	}
	if rows != 3 {
		t.Errorf("%d socket rows, want 3:\n%s", rows, w.String())
	}
}
