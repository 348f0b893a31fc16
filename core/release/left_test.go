package release

import (
	"errors"
	"testing"
	"time"

	"github.com/gosof/gosof/core"

	"github.com/google/go-cmp/cmp"
)

func TestLeftLines(t *testing.T) {
	srv := testProc(4242, "java")
	tw := func(port uint16, expires time.Duration) core.Socket {
		s := held(core.TimeWait, port, 0)
		if expires > 0 {
			s.Timer, s.Expires = core.TimerTimeWait, expires
		}
		return s
	}
	fw2 := held(core.FinWait2, 51000, 0)
	fw2.Timer, fw2.Expires = core.TimerTimeWait, 30*time.Second
	client := held(core.Established, 0, 20, srv)
	client.Local, client.Remote = ep("127.0.0.1", 51000), epp("127.0.0.1", 30116)

	fw1Retrans := held(core.FinWait1, 51001, 0)
	fw1Retrans.Timer, fw1Retrans.Expires = core.TimerRetrans, time.Second
	fw2Keepalive := held(core.FinWait2, 51002, 0)
	fw2Keepalive.Timer, fw2Keepalive.Expires = core.TimerKeepalive, time.Second
	p30116 := []core.PortRange{{Lo: 30116, Hi: 30116}}
	tests := []struct {
		name string
		left Left
		want []string
	}{
		{name: "free", left: Left{Ports: p30116},
			want: []string{"port 30116: free"}},
		{name: "a client's remote port does not hold the local port", left: Left{Ports: p30116, Sockets: []core.Socket{client}},
			want: []string{"port 30116: free"}},
		{name: "time wait with timers", left: Left{Ports: p30116, ReuseAddr: boolPtr(true), Sockets: []core.Socket{tw(1, 12*time.Second), tw(2, 58200*time.Millisecond), tw(3, time.Second)}},
			want: []string{"port 30116: 3 sockets in TIME_WAIT, no process holds them, gone within 59s; a server using SO_REUSEADDR can bind now"}},
		{name: "time wait without timer", left: Left{Ports: p30116, ReuseAddr: boolPtr(true), Sockets: []core.Socket{tw(1, 0)}},
			want: []string{"port 30116: 1 socket in TIME_WAIT, no process holds it, gone within 60s; a server using SO_REUSEADDR can bind now"}},
		{name: "time wait left by a server without SO_REUSEADDR", left: Left{Ports: p30116, ReuseAddr: boolPtr(false), Sockets: []core.Socket{tw(1, 0)}},
			want: []string{"port 30116: 1 socket in TIME_WAIT, no process holds it, gone within 60s; the server that left them did not set SO_REUSEADDR, so no new server can bind their address until then"}},
		{name: "time wait, the old server's setting unknown", left: Left{Ports: p30116, Sockets: []core.Socket{tw(1, 0)}},
			want: []string{"port 30116: 1 socket in TIME_WAIT, no process holds it, gone within 60s; a server using SO_REUSEADDR can bind now if the one that left them used it too"}},
		{name: "listener still there", left: Left{Ports: p30116, Sockets: []core.Socket{held(core.Listen, 0, 10, srv), held(core.CloseWait, 1, 11, srv), tw(2, 0), fw2}},
			want: []string{
				"port 30116: 1 LISTEN, 1 CLOSE_WAIT held by 4242/java",
				"port 30116: 1 socket in FIN_WAIT2, no process holds it, gone within 30s",
				"port 30116: 1 socket in TIME_WAIT, no process holds it, gone within 60s",
			}},
		{name: "orphan without timer", left: Left{Ports: p30116, Sockets: []core.Socket{held(core.LastAck, 9, 0)}},
			want: []string{"port 30116: 1 socket in LAST_ACK, no process holds it, gone once the peer acknowledges our FIN, or when the kernel's retransmissions give up (net.ipv4.tcp_orphan_retries)"}},
		// A retransmit or keepalive timer fires and is set again: it is no
		// bound on the socket's life (a FIN_WAIT2 stays until the peer closes).
		{name: "retransmit timer is no lifetime", left: Left{Ports: p30116, Sockets: []core.Socket{fw1Retrans, fw2Keepalive}},
			want: []string{
				"port 30116: 1 socket in FIN_WAIT1, no process holds it, gone once the peer acknowledges our FIN, or when the kernel's retransmissions give up (net.ipv4.tcp_orphan_retries)",
				"port 30116: 1 socket in FIN_WAIT2, no process holds it, gone when the peer closes its end, or after net.ipv4.tcp_fin_timeout (60s by default)",
			}},
		{name: "a shut-down listener still bound", left: Left{Ports: p30116, StillBound: []core.Socket{held(core.Listen, 0, 10, srv)}},
			want: []string{"port 30116: not free: 1 listener shut down but still bound by 4242/java, until it closes it"}},
		{name: "side any sees the client", left: Left{Ports: p30116, Side: core.SideAny, Sockets: []core.Socket{client}},
			want: []string{"port 30116 (side any): 1 ESTABLISHED held by 4242/java"}},
		{name: "side remote, nothing", left: Left{Ports: p30116, Side: core.SideRemote},
			want: []string{"port 30116 (side remote): no sockets left"}},
		{name: "range and a second port", left: Left{Ports: []core.PortRange{{Lo: 30000, Hi: 30200}, {Lo: 8080, Hi: 8080}}, Sockets: []core.Socket{held(core.Listen, 0, 10, srv)}},
			want: []string{"ports 30000-30200: 1 LISTEN held by 4242/java", "port 8080: free"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, LeftLines(&tc.left)); diff != "" {
				t.Errorf("LeftLines (-want +got):\n%s", diff)
			}
		})
	}
}

// seqSource answers Sockets with one table per call, then the last forever.
type seqSource struct {
	tables [][]core.Socket
	calls  int
}

func (s *seqSource) Sockets(*core.Filter) ([]core.Socket, error) {
	i := min(s.calls, len(s.tables)-1)
	s.calls++
	return append([]core.Socket(nil), s.tables[i]...), nil
}

func TestLook(t *testing.T) {
	lastAck := held(core.LastAck, 51000, 11)
	f := &core.Filter{Ports: []core.PortRange{{Lo: 30116, Hi: 30116}}, States: []core.State{core.CloseWait}, PIDs: []int{4242}}

	t.Run("waits for a pending socket to leave", func(t *testing.T) {
		src := &seqSource{tables: [][]core.Socket{{lastAck}, {lastAck}, {}}}
		// A minute is a bound the test never reaches: Look returns once the socket is gone.
		l, err := Look(&core.Resolver{Sockets: src}, f, []core.Socket{held(core.CloseWait, 51000, 11)}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if src.calls != 3 || len(l.Sockets) != 0 {
			t.Errorf("Look made %d calls and saw %d sockets, want 3 calls and none", src.calls, len(l.Sockets))
		}
	})
	t.Run("gives up after wait and drops the state filter", func(t *testing.T) {
		// The socket never leaves: with no time to wait (0), Look looks
		// once and stops; no clock to race.
		src := &seqSource{tables: [][]core.Socket{{lastAck}}}
		l, err := Look(&core.Resolver{Sockets: src}, f, []core.Socket{held(core.CloseWait, 51000, 11)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if src.calls != 1 {
			t.Errorf("Look made %d calls with no time left to wait, want 1", src.calls)
		}
		if len(l.Sockets) != 1 || l.Sockets[0].State != core.LastAck {
			t.Errorf("Look saw %v, want the LAST_ACK socket (state filter dropped)", l.Sockets)
		}
	})
	t.Run("error", func(t *testing.T) {
		_, err := Look(&core.Resolver{Sockets: errSource{}}, f, nil, 0)
		if !errors.Is(err, core.ErrParse) {
			t.Errorf("err = %v, want ErrParse", err)
		}
	})
}

type errSource struct{}

func (errSource) Sockets(*core.Filter) ([]core.Socket, error) { return nil, core.ErrParse }
