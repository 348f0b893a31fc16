package release

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"

	"github.com/google/go-cmp/cmp"
)

// relFakeProc is how one fake process reacts.
type relFakeProc struct {
	pinErr    error
	sigErr    map[syscall.Signal]error // Signal fails with this
	survives  []syscall.Signal         // signals it ignores (KILL here: stuck in D state)
	waitErr   error
	exitAfter syscall.Signal // after this signal is sent, it is gone (Signal returns ErrGone)
}

// relFakeSignaller records every Pin and Signal.
type relFakeSignaller struct {
	procs map[int]*relFakeProc
	mu    sync.Mutex
	log   []string
}

func (f *relFakeSignaller) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf(format, args...))
}

func (f *relFakeSignaller) Pin(p *core.Process) (core.Target, error) {
	f.record("pin %d", p.PID)
	fp := f.procs[p.PID]
	if fp == nil {
		return nil, fmt.Errorf("no fake for %d: %w", p.PID, core.ErrGone)
	}
	if fp.pinErr != nil {
		return nil, fp.pinErr
	}
	return &relFakeTarget{f: f, pid: p.PID, p: fp}, nil
}

type relFakeTarget struct {
	f    *relFakeSignaller
	pid  int
	p    *relFakeProc
	dead bool
	sent []syscall.Signal
}

func (t *relFakeTarget) Signal(sig syscall.Signal) error {
	if t.p.exitAfter != 0 && len(t.sent) > 0 && t.sent[len(t.sent)-1] == t.p.exitAfter {
		return fmt.Errorf("process %d: %w", t.pid, core.ErrGone)
	}
	if err := t.p.sigErr[sig]; err != nil {
		return err
	}
	t.f.record("signal %d %s", t.pid, core.SignalName(sig))
	t.sent = append(t.sent, sig)
	if !relContainsSig(t.p.survives, sig) && t.p.exitAfter == 0 {
		t.dead = true
	}
	return nil
}

func relContainsSig(l []syscall.Signal, s syscall.Signal) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (t *relFakeTarget) Wait(time.Duration) (bool, error) {
	if t.p.waitErr != nil {
		return false, t.p.waitErr
	}
	return t.dead, nil
}

func (t *relFakeTarget) Close() error { t.f.record("close %d", t.pid); return nil }

func relProc(pid int, comm string) *core.Process {
	return &core.Process{PID: pid, Comm: comm, UID: 1000, User: "app", Start: uint64(pid) * 10}
}

// held is a TCP socket on port 30116 held by the given processes through fd 3.
func relHeld(state core.State, remotePort uint16, inode uint64, procs ...*core.Process) core.Socket {
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
	srv, worker, init := relProc(4242, "java"), relProc(4243, "java"), relProc(1, "systemd")
	lst := relHeld(core.Listen, 0, 10, srv, worker)
	lst.Owners = append(lst.Owners, core.Owner{PID: 4242, FD: 7, Proc: srv}) // a second descriptor
	core.SortSockets([]core.Socket{lst})
	cw := relHeld(core.CloseWait, 51000, 11, srv)
	gone := relHeld(core.Established, 51001, 12)
	gone.Owners = []core.Owner{{PID: 999, FD: 4}} // exited while resolving: Proc nil
	tw := relHeld(core.TimeWait, 51002, 0)
	sd := relHeld(core.Listen, 0, 13, init)
	sd.Local.Port = 30117

	p := NewKillPlan(&core.Result{Sockets: []core.Socket{lst, cw, gone, tw, sd}}, []Protected{{PID: 1, Why: "PID 1"}})

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

func TestDefaultProtected(t *testing.T) {
	var pids []int
	for _, p := range DefaultProtected() {
		pids = append(pids, p.PID)
	}
	for _, want := range []int{1, syscall.Getpid(), syscall.Getppid()} {
		if !relContainsInt(pids, want) {
			t.Errorf("DefaultProtected %v lacks %d", pids, want)
		}
	}
}

func relContainsInt(l []int, n int) bool {
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
		fake       relFakeProc
		signal     syscall.Signal
		noEscalate bool
		protected  bool
		wantFate   Fate
		wantLog    []string
		wantSurv   int
	}{
		{name: "exits on TERM", wantFate: Exited,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "ignores TERM, killed", fake: relFakeProc{survives: []syscall.Signal{TERM}}, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 TERM", "signal 7 KILL", "close 7"}},
		{name: "ignores TERM, no escalate", fake: relFakeProc{survives: []syscall.Signal{TERM}}, noEscalate: true,
			wantFate: Alive, wantSurv: 1, wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "survives KILL", fake: relFakeProc{survives: []syscall.Signal{TERM, KILL}}, wantFate: Alive, wantSurv: 1,
			wantLog: []string{"pin 7", "signal 7 TERM", "signal 7 KILL", "close 7"}},
		{name: "-s KILL sends only KILL", signal: KILL, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 KILL", "close 7"}},
		{name: "-s HUP ignored, escalates", signal: HUP, fake: relFakeProc{survives: []syscall.Signal{HUP}}, wantFate: Killed,
			wantLog: []string{"pin 7", "signal 7 HUP", "signal 7 KILL", "close 7"}},
		{name: "gone before pin", fake: relFakeProc{pinErr: fmt.Errorf("pid recycled: %w", core.ErrGone)}, wantFate: AlreadyGone,
			wantLog: []string{"pin 7"}},
		{name: "pin not permitted", fake: relFakeProc{pinErr: eperm}, wantFate: NotAllowed, wantSurv: 1,
			wantLog: []string{"pin 7"}},
		{name: "signal not permitted", fake: relFakeProc{sigErr: map[syscall.Signal]error{TERM: eperm}}, wantFate: NotAllowed,
			wantSurv: 1, wantLog: []string{"pin 7", "close 7"}},
		{name: "gone when signalled", fake: relFakeProc{sigErr: map[syscall.Signal]error{TERM: core.ErrGone}}, wantFate: AlreadyGone,
			wantLog: []string{"pin 7", "close 7"}},
		{name: "exits between wait and KILL", fake: relFakeProc{survives: []syscall.Signal{TERM}, exitAfter: TERM}, wantFate: Exited,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "wait fails", fake: relFakeProc{waitErr: errors.New("poll: EBADF")}, wantFate: Failed, wantSurv: 1,
			wantLog: []string{"pin 7", "signal 7 TERM", "close 7"}},
		{name: "protected is never pinned nor signalled", protected: true, wantFate: Spared, wantSurv: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &relFakeSignaller{procs: map[int]*relFakeProc{7: &tc.fake}}
			var protect []Protected
			if tc.protected {
				protect = []Protected{{PID: 7, Why: "gosof's parent"}}
			}
			p := NewKillPlan(&core.Result{Sockets: []core.Socket{relHeld(core.Listen, 0, 10, relProc(7, "srv"))}}, protect)
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

// TestKillWaitsInParallel: the timeout runs once for all processes, not once per process.
func TestKillWaitsInParallel(t *testing.T) {
	s := relSlowSignaller{wait: 200 * time.Millisecond}
	var socks []core.Socket
	for pid := 100; pid < 110; pid++ {
		socks = append(socks, relHeld(core.Established, uint16(pid), uint64(pid), relProc(pid, "w")))
	}
	p := NewKillPlan(&core.Result{Sockets: socks}, nil)
	p.Pin(s)
	start := time.Now()
	r := p.Execute()
	if d := time.Since(start); d > time.Second {
		t.Errorf("10 processes waited %v, want about 200ms (in parallel)", d)
	}
	if n := r.Survivors(); n != 0 {
		t.Errorf("Survivors() = %d, want 0", n)
	}
}

type relSlowSignaller struct{ wait time.Duration }

func (s relSlowSignaller) Pin(*core.Process) (core.Target, error) { return relSlowTarget(s), nil }

type relSlowTarget struct{ wait time.Duration }

func (relSlowTarget) Signal(syscall.Signal) error { return nil }
func (t relSlowTarget) Wait(time.Duration) (bool, error) {
	time.Sleep(t.wait)
	return true, nil
}
func (relSlowTarget) Close() error { return nil }

func TestWriteKillPlan(t *testing.T) {
	srv, init := relProc(4242, "ja\x1bva"), relProc(1, "systemd")
	var socks []core.Socket
	socks = append(socks, relHeld(core.Listen, 0, 10, srv))
	for i := range 30 {
		socks = append(socks, relHeld(core.CloseWait, uint16(50000+i), uint64(100+i), srv))
	}
	socks = append(socks, relHeld(core.Listen, 0, 13, init), relHeld(core.TimeWait, 40000, 0))
	p := NewKillPlan(&core.Result{Sockets: socks}, []Protected{{PID: 1, Why: "PID 1"}})
	p.Pin(&relFakeSignaller{procs: map[int]*relFakeProc{4242: {}}})
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
