package promtest

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"
)

// LeakName is the command name of a World's server, so that its series
// are told apart from whatever else the host runs.
const LeakName = "cwleak"

// World is a server named LeakName listening on a new loopback port with
// the given backlog, holding leaked CLOSE_WAIT connections (its clients
// closed, it did not) and pending connections it has not accepted.
type World struct {
	Srv, Cli             *testhelper.Proc
	Port, Backlog        int
	Leaked, Pending      int
	LeakedFDs, ClientFDs []int
	// ClientPorts are the clients' ephemeral local ports, which listen
	// nowhere: no per-port series may name them.
	ClientPorts []int
}

// NewWorld builds a World in helper processes (testhelper.Main must run
// in the test binary's TestMain).
func NewWorld(t testing.TB, leaked, pending, backlog int) *World {
	t.Helper()
	w := &World{Srv: testhelper.Start(t), Cli: testhelper.Start(t), Backlog: backlog, Leaked: leaked, Pending: pending}
	w.Srv.Do("comm %s", hex.EncodeToString([]byte(LeakName)))
	lfd := w.Srv.Int("socket inet stream")
	w.Srv.Do("bind %d 127.0.0.1:0", lfd)
	w.Srv.Do("listen %d %d", lfd, backlog)
	w.Port, _ = strconv.Atoi(w.Srv.Do("name %d", lfd)[1])
	addr := fmt.Sprintf("127.0.0.1:%d", w.Port)
	for i := 0; i < leaked; i++ {
		c := w.Cli.Int("socket inet stream")
		w.Cli.Do("connect %d %s", c, addr)
		w.ClientPorts = append(w.ClientPorts, w.clientPort(c))
		w.LeakedFDs = append(w.LeakedFDs, w.Srv.Int("accept %d", lfd))
		w.Cli.Do("close %d", c)
	}
	for i := 0; i < pending; i++ {
		c := w.Cli.Int("socket inet stream")
		w.Cli.Do("connect %d %s", c, addr)
		w.ClientPorts = append(w.ClientPorts, w.clientPort(c))
		w.ClientFDs = append(w.ClientFDs, c)
	}
	WaitState(t, w.Port, core.CloseWait, leaked)
	return w
}

func (w *World) clientPort(fd int) int {
	p, _ := strconv.Atoi(w.Cli.Do("name %d", fd)[1])
	return p
}

// WaitState waits until n TCP sockets of local port port are in state on
// this host (TCP state changes on loopback take a moment after the
// system calls return), as gosof's own backend reads them.
func WaitState(t testing.TB, port int, state core.State, n int) {
	t.Helper()
	got := -1
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := host.Open(platform.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Resolver().Resolve(&core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port), Proto: core.TCP}},
			States: []core.State{state}})
		if err != nil {
			t.Fatal(err)
		}
		if got = len(res.Sockets); got == n {
			return
		}
	}
	t.Fatalf("port %d: %d sockets in %s, want %d", port, got, state, n)
}

// Key is the series name of one of the World's per-port families, as
// Parse spells it.
func (w *World) Key(family, state string) string {
	switch family {
	case "gosof_port_connections":
		return fmt.Sprintf("gosof_port_connections{port=%d,process=%s,proto=tcp,state=%s}", w.Port, LeakName, state)
	}
	return fmt.Sprintf("%s{addr=127.0.0.1,port=%d,process=%s,proto=tcp}", family, w.Port, LeakName)
}

// Check asserts the World's series in a parsed exposition.
func (w *World) Check(t testing.TB, got map[string]float64) {
	t.Helper()
	want := map[string]float64{
		w.Key("gosof_port_connections", "CLOSE_WAIT"): float64(w.Leaked),
		w.Key("gosof_listeners", ""):                  1,
		w.Key("gosof_listen_queue", ""):               float64(w.Pending),
		w.Key("gosof_listen_backlog", ""):             float64(w.Backlog),
		"gosof_scrape_error{}":                        0,
	}
	if w.Pending > 0 {
		// Connections waiting for accept() have no process yet.
		want[fmt.Sprintf("gosof_port_connections{port=%d,process=,proto=tcp,state=ESTABLISHED}", w.Port)] = float64(w.Pending)
	}
	for k, want := range want {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	// The clients' ends have ephemeral local ports, which listen nowhere:
	// no series may name them. (Other worlds, of tests running beside
	// this one, have series of their own listening ports.)
	for k := range got {
		for _, p := range w.ClientPorts {
			if strings.HasPrefix(k, "gosof_port_connections{") && strings.Contains(k, fmt.Sprintf("port=%d,", p)) {
				t.Errorf("series for a port that does not listen: %s", k)
			}
		}
	}
	// The leaked CLOSE_WAITs were made moments ago: the oldest has been
	// idle for some seconds, not for an hour (and Linux tells it).
	if w.Leaked > 0 {
		k := fmt.Sprintf("gosof_close_wait_oldest_idle_seconds{port=%d,process=%s,proto=tcp}", w.Port, LeakName)
		if v, ok := got[k]; !ok || v < 0 || v > 3600 {
			t.Errorf("%s = %v (present %v), want the seconds since the world was made", k, v, ok)
		}
	}
	if v := got["gosof_sockets{proto=tcp,state=CLOSE_WAIT}"]; v < float64(w.Leaked) {
		t.Errorf("gosof_sockets{proto=tcp,state=CLOSE_WAIT} = %v, want >= %d", v, w.Leaked)
	}
}
