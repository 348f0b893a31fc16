package release

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/core"

	"github.com/google/go-cmp/cmp"
)

// fakeCloser answers per inode, and per owner pid for Shutdown.
type fakeCloser struct {
	shutdownErr map[int]error    // by owner pid
	abortErr    map[uint64]error // by inode
	log         []string
}

func (f *fakeCloser) Shutdown(s *core.Socket, o core.Owner) error {
	f.log = append(f.log, fmt.Sprintf("shutdown %d via %d/%d", s.Inode, o.PID, o.FD))
	return f.shutdownErr[o.PID]
}

func (f *fakeCloser) Abort(s *core.Socket, _ *core.Filter) error {
	f.log = append(f.log, fmt.Sprintf("abort %d", s.Inode))
	return f.abortErr[s.Inode]
}

func TestNewClosePlan(t *testing.T) {
	srv := testProc(4242, "java")
	lst := held(core.Listen, 0, 10, srv)
	cw := held(core.CloseWait, 51000, 11, srv)
	tw := held(core.TimeWait, 51001, 0)
	tw.Timer, tw.Expires = core.TimerTimeWait, 41500*time.Millisecond
	solaris := held(core.Established, 51002, 0)
	solaris.Owners = []core.Owner{{PID: 77, FD: -1, Proc: testProc(77, "sol")}}
	udp := held(core.Unconn, 0, 12, srv)
	udp.Proto = core.UDP
	res := &core.Result{Sockets: []core.Socket{lst, cw, tw, solaris, udp}}

	type row struct {
		Inode  uint64
		Port   uint16
		Method Method
		Skip   string
	}
	rows := func(p *ClosePlan) []row {
		var out []row
		for _, it := range p.Items {
			r := row{Inode: it.Socket.Inode, Method: it.Method, Skip: it.Skip}
			if it.Socket.Remote != nil {
				r.Port = it.Socket.Remote.Port
			}
			out = append(out, r)
		}
		return out
	}
	tests := []struct {
		name          string
		opt           CloseOptions
		want          []row
		wantListeners int
	}{
		{name: "graceful refuses listeners", want: []row{
			{Inode: 11, Port: 51000, Method: Shutdown},
			{Port: 51001, Skip: "no process holds it, so there is no descriptor to shut down; try --abort, or wait: the kernel drops it within 42s"},
			{Port: 51002, Skip: "the platform does not tell which descriptor holds it; try --abort"},
			{Inode: 12, Skip: "udp sockets cannot be closed apart from their process; only TCP and unix sockets can"},
		}, wantListeners: 1},
		{name: "graceful with --listen", opt: CloseOptions{AllowListen: true}, want: []row{
			{Inode: 10, Method: Shutdown},
			{Inode: 11, Port: 51000, Method: Shutdown},
			{Port: 51001, Skip: "no process holds it, so there is no descriptor to shut down; try --abort, or wait: the kernel drops it within 42s"},
			{Port: 51002, Skip: "the platform does not tell which descriptor holds it; try --abort"},
			{Inode: 12, Skip: "udp sockets cannot be closed apart from their process; only TCP and unix sockets can"},
		}},
		{name: "abort takes orphans too", opt: CloseOptions{Abort: true}, want: []row{
			{Inode: 11, Port: 51000, Method: Abort},
			{Port: 51001, Method: Abort},
			{Port: 51002, Method: Abort},
			{Inode: 12, Skip: "udp sockets cannot be closed apart from their process; only TCP and unix sockets can"},
		}, wantListeners: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewClosePlan(res, tc.opt, nil)
			if diff := cmp.Diff(tc.want, rows(p)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			if len(p.Listeners) != tc.wantListeners {
				t.Errorf("refused listeners = %d, want %d", len(p.Listeners), tc.wantListeners)
			}
		})
	}
}

func TestCloseExecute(t *testing.T) {
	srv, worker := testProc(4242, "java"), testProc(4243, "java")
	gone := fmt.Errorf("fd 3 of 4242 is closed: %w", core.ErrGone)
	eperm := fmt.Errorf("pidfd_getfd: EPERM: %w", core.ErrPermission)
	active := fmt.Errorf("%w: idle for 2s now, not longer than --idle 10m", core.ErrActive)
	tests := []struct {
		name     string
		sock     core.Socket
		opt      CloseOptions
		closer   fakeCloser
		now      []core.Socket // the table afterwards
		wantFate SocketFate
		wantLog  []string
		wantSurv int
	}{
		{name: "shutdown, gone", sock: held(core.CloseWait, 51000, 11, srv), wantFate: SocketClosed,
			wantLog: []string{"shutdown 11 via 4242/3"}},
		{name: "first holder closed its copy, second works", sock: held(core.CloseWait, 51000, 11, srv, worker),
			closer: fakeCloser{shutdownErr: map[int]error{4242: gone}}, wantFate: SocketClosed,
			wantLog: []string{"shutdown 11 via 4242/3", "shutdown 11 via 4243/3"}},
		{name: "not permitted stops at the first holder", sock: held(core.CloseWait, 51000, 11, srv, worker),
			closer: fakeCloser{shutdownErr: map[int]error{4242: eperm}}, now: []core.Socket{held(core.CloseWait, 51000, 11, srv, worker)},
			wantFate: SocketDenied, wantSurv: 1, wantLog: []string{"shutdown 11 via 4242/3"}},
		{name: "shut down but still in LAST_ACK", sock: held(core.CloseWait, 51000, 11, srv),
			now: []core.Socket{held(core.LastAck, 51000, 11, srv)}, wantFate: SocketLeft, wantSurv: 1,
			wantLog: []string{"shutdown 11 via 4242/3"}},
		{name: "abort", sock: held(core.Established, 51000, 11, srv), opt: CloseOptions{Abort: true}, wantFate: SocketClosed,
			wantLog: []string{"abort 11"}},
		{name: "abort unsupported", sock: held(core.Established, 51000, 11, srv), opt: CloseOptions{Abort: true},
			closer:   fakeCloser{abortErr: map[uint64]error{11: fmt.Errorf("SOCK_DESTROY: built without CONFIG_INET_DIAG_DESTROY: EOPNOTSUPP")}},
			now:      []core.Socket{held(core.Established, 51000, 11, srv)},
			wantFate: SocketFailed, wantSurv: 1, wantLog: []string{"abort 11"}},
		{name: "abort finds it gone", sock: held(core.Established, 51000, 11, srv), opt: CloseOptions{Abort: true},
			closer:   fakeCloser{abortErr: map[uint64]error{11: fmt.Errorf("ENOENT: %w", core.ErrGone)}},
			wantFate: SocketGone, wantLog: []string{"abort 11"}},
		{name: "orphan left alone is a survivor", sock: held(core.TimeWait, 51000, 0), now: []core.Socket{held(core.TimeWait, 51000, 0)},
			wantFate: SocketSkipped, wantSurv: 1},
		{name: "orphan left alone that expired meanwhile", sock: held(core.TimeWait, 51000, 0), wantFate: SocketGone},
		// --idle read again as close acts: no longer a match, so no survivor,
		// and not called gone though --idle's look afterwards leaves it out
		{name: "active again", sock: held(core.CloseWait, 51000, 11, srv, worker),
			closer:   fakeCloser{shutdownErr: map[int]error{4242: active}},
			wantFate: SocketActive, wantLog: []string{"shutdown 11 via 4242/3"}},
		{name: "abort finds it active again", sock: held(core.Established, 51000, 11, srv), opt: CloseOptions{Abort: true},
			closer:   fakeCloser{abortErr: map[uint64]error{11: active}},
			now:      []core.Socket{held(core.Established, 51000, 11, srv)},
			wantFate: SocketActive, wantLog: []string{"abort 11"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewClosePlan(&core.Result{Sockets: []core.Socket{tc.sock}}, tc.opt, nil)
			r := p.Execute(&tc.closer)
			r.Settle(tc.now)
			if got := r.Outcomes[0].Fate; got != tc.wantFate {
				t.Errorf("fate = %q (err %v), want %q", got, r.Outcomes[0].Err, tc.wantFate)
			}
			if diff := cmp.Diff(tc.wantLog, tc.closer.log); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if got := r.Survivors(); got != tc.wantSurv {
				t.Errorf("Survivors() = %d, want %d", got, tc.wantSurv)
			}
			var b bytes.Buffer
			if err := WriteCloseReport(&b, r, nil); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), ":51000") {
				t.Errorf("report %q does not name the socket", b.String())
			}
		})
	}
}

func TestWriteClosePlanAndReport(t *testing.T) {
	srv := testProc(4242, "java")
	socks := []core.Socket{held(core.Listen, 0, 10, srv)}
	for i := range 25 {
		socks = append(socks, held(core.CloseWait, uint16(50000+i), uint64(100+i), srv))
	}
	socks = append(socks, held(core.TimeWait, 40000, 0))
	p := NewClosePlan(&core.Result{Sockets: socks}, CloseOptions{}, nil)
	var b bytes.Buffer
	if err := WriteClosePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	r := p.Execute(&fakeCloser{shutdownErr: map[int]error{}})
	tw := held(core.TimeWait, 40000, 0)
	tw.Timer, tw.Expires = core.TimerTimeWait, 59*time.Second
	left := &Left{Ports: []core.PortRange{{Lo: 30116, Hi: 30116}}, Sockets: []core.Socket{socks[0], tw}}
	r.Settle(left.Sockets)
	b.WriteString("--- report\n")
	if err := WriteCloseReport(&b, r, left); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "close-plan.golden", b.Bytes())
}

// TestCloseRefusalSaysWhyOnce: a plan of listeners alone is refused
// (Refusal: exit 2, its one line on stderr), and the plan lists them
// without the reason, which the refusal gives; beside sockets the plan
// acts on, the plan gives it and nothing is refused.
func TestCloseRefusalSaysWhyOnce(t *testing.T) {
	srv := testProc(4242, "java")
	const reason = "closing a listener silently breaks its server; add --listen to close them"
	lst := held(core.Listen, 0, 10, srv)
	lst6 := held(core.Listen, 0, 11, srv)
	lst6.Family, lst6.Local = core.Inet6, ep("::1", 30116)
	only := NewClosePlan(&core.Result{Sockets: []core.Socket{lst, lst6}}, CloseOptions{}, nil)
	var b bytes.Buffer
	if err := WriteClosePlan(&b, only); err != nil {
		t.Fatal(err)
	}
	err := only.Refusal()
	var ue *core.UsageError
	if !errors.As(err, &ue) || ue.Msg != "refusing to close 2 LISTEN sockets: "+reason {
		t.Errorf("Refusal() = %v, want the usage error with the reason", err)
	}
	want := "plan: nothing to close\nleft alone: 2 LISTEN sockets:\n" +
		"  tcp 127.0.0.1:30116 LISTEN held by 4242/java\n  tcp6 [::1]:30116 LISTEN held by 4242/java\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	mixed := NewClosePlan(&core.Result{Sockets: []core.Socket{lst, lst6, held(core.CloseWait, 51000, 12, srv)}}, CloseOptions{}, nil)
	b.Reset()
	if err := WriteClosePlan(&b, mixed); err != nil {
		t.Fatal(err)
	}
	if err := mixed.Refusal(); err != nil || strings.Count(b.String(), reason) != 1 {
		t.Errorf("beside a CLOSE_WAIT: Refusal() = %v, plan:\n%s", err, b.String())
	}
}
