package release

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// hostileSockets are sockets whose text comes from hostile processes: a
// command name with an escape sequence, a bidi override and a byte that is
// not UTF-8, a unix path with a newline, U+202E and a NUL-free abstract
// name.
func hostileSockets() (srv *core.Process, socks []core.Socket) {
	srv = &core.Process{PID: 4242, Comm: "ja\x1b[31mva\u202e\xff", UID: 1000, User: "app<&>", Start: 42420}
	uds := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen, Inode: 9,
		Local: core.Endpoint{Path: "/run/a\nb\u202e\xfe.sock"}, UID: 1000,
		Owners: []core.Owner{{PID: 4242, FD: 5, Proc: srv}}}
	lst := held(core.Listen, 0, 10, srv)
	lst.Owners[0].Options = &core.SockOptions{ReuseAddr: boolPtr(true), Congestion: "cu\u202ebic"}
	cw := held(core.CloseWait, 50000, 11, srv)
	cw.Timer, cw.Expires = core.TimerKeepalive, 1500*time.Millisecond
	tw := held(core.TimeWait, 40000, 0)
	tw.Timer, tw.Expires = core.TimerTimeWait, 59*time.Second
	tw.UID = -1
	return srv, []core.Socket{lst, cw, uds, tw}
}

func TestKillJSONGolden(t *testing.T) {
	srv, socks := hostileSockets()
	init := testProc(1, "systemd")
	socks = append(socks, held(core.Listen, 0, 13, init))
	out := held(core.Established, 443, 14, testProc(5000, "curl"))
	p := NewKillPlan(&core.Result{Sockets: socks}, []Protected{{PID: 1, Why: "PID 1"}}, nil)
	p.Spared = []core.Socket{out}
	p.Signal, p.Timeout, p.KillWait = syscall.SIGTERM, 20*time.Millisecond, 20*time.Millisecond
	f := &fakeSignaller{procs: map[int]*fakeProc{srv.PID: {survives: []syscall.Signal{syscall.SIGTERM}}}}
	var b bytes.Buffer
	b.WriteString("--- dry run\n")
	if err := WriteKillJSON(&b, p, true, nil, nil); err != nil {
		t.Fatal(err)
	}
	p.Pin(f)
	r := p.Execute()
	p.Close()
	for i := range r.Outcomes {
		r.Outcomes[i].Waited = 5 * time.Second // as if measured
	}
	left := &Left{Ports: []core.PortRange{{Lo: 30116, Hi: 30116}}, Sockets: socks[3:4]}
	b.WriteString("--- report\n")
	if err := WriteKillJSON(&b, p, false, r, left); err != nil {
		t.Fatal(err)
	}
	nothing := NewKillPlan(&core.Result{}, nil, nil)
	b.WriteString("--- nothing to signal\n")
	if err := WriteKillJSON(&b, nothing, false, nil, nil); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "kill.json.golden", b.Bytes())
}

func TestCloseJSONGolden(t *testing.T) {
	_, socks := hostileSockets()
	socks[2].Proto = core.TCP // close acts on TCP: the unix socket stands for a listener here
	p := NewClosePlan(&core.Result{Sockets: socks}, CloseOptions{}, nil)
	p.Spared = []core.Socket{held(core.Established, 443, 14, testProc(5000, "curl"))}
	var b bytes.Buffer
	b.WriteString("--- dry run\n")
	if err := WriteCloseJSON(&b, p, true, nil, nil); err != nil {
		t.Fatal(err)
	}
	r := p.Execute(&fakeCloser{shutdownErr: map[int]error{4242: fmt.Errorf("pidfd_getfd: \x1b]0;x\x07 %w", core.ErrPermission)}})
	left := &Left{Ports: []core.PortRange{{Lo: 30116, Hi: 30116}}, Sockets: socks[:2]}
	r.Settle(left.Sockets)
	b.WriteString("--- report\n")
	if err := WriteCloseJSON(&b, p, false, r, left); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "close.json.golden", b.Bytes())
}
