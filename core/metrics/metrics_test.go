//go:build !gccgo

package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosof/gosof/core"
)

// These tests pin the aggregation over sockets built by hand: the
// unusual mixes (several namespaces, forked holders, hostile names, caps)
// are what a host rarely shows on demand. cmd/gosof tests the same
// families over real sockets, and through a real Prometheus.

func proc(pid int, comm string) *core.Process { return &core.Process{PID: pid, Comm: comm} }

func owners(ps ...*core.Process) []core.Owner {
	var os []core.Owner
	for _, p := range ps {
		os = append(os, core.Owner{PID: p.PID, FD: 3, Proc: p})
	}
	return os
}

func tcp(state core.State, addr string, port uint16, netns uint64, ps ...*core.Process) core.Socket {
	s := core.Socket{Proto: core.TCP, Family: core.Inet, State: state, NetNS: netns,
		Local: core.Endpoint{Addr: netip.MustParseAddr(addr), Port: port}, Owners: owners(ps...)}
	if state != core.Listen {
		s.Remote = &core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: 40000}
	}
	return s
}

func listener(addr string, port uint16, queue, backlog uint64, netns uint64, ps ...*core.Process) core.Socket {
	s := tcp(core.Listen, addr, port, netns, ps...)
	s.RecvQ, s.SendQ = queue, backlog
	return s
}

// collect gathers c through a pedantic registry (which checks every
// metric against its Desc and rejects duplicates) and returns
// "name{k=v,...}" -> value.
func collect(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			got[mf.GetName()+"{"+strings.Join(ls, ",")+"}"] = v
		}
	}
	return got
}

// only keeps the entries of families with these prefixes.
func only(m map[string]float64, prefixes ...string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p+"{") {
				out[k] = v
			}
		}
	}
	return out
}

func result(socks ...core.Socket) Gather {
	return func() (*core.Result, error) { return &core.Result{Sockets: socks}, nil }
}

func TestFamilies(t *testing.T) {
	web := proc(10, "nginx")
	web2 := proc(11, "nginx")
	app := proc(20, "java")
	socks := []core.Socket{
		listener("0.0.0.0", 8080, 3, 511, 0, web, web2),
		tcp(core.Established, "10.0.0.1", 8080, 0, web2),
		tcp(core.Established, "10.0.0.1", 8080, 0, web),
		tcp(core.CloseWait, "10.0.0.1", 8080, 0, web),
		tcp(core.TimeWait, "10.0.0.1", 8080, 0), // no holder
		// SO_REUSEPORT: two listeners of one program on one address add up.
		listener("127.0.0.1", 9000, 1, 128, 0, app),
		listener("127.0.0.1", 9000, 2, 128, 0, app),
		// An outgoing connection: its port listens nowhere, so it is no label.
		tcp(core.Established, "10.0.0.1", 51234, 0, app),
		// A listener whose limit the platform did not tell (/proc/net).
		listener("::", 7000, 0, 0, 0, app),
		{Proto: core.UDP, Family: core.Inet, State: core.Unconn, Local: core.Endpoint{Addr: netip.MustParseAddr("0.0.0.0"), Port: 53}},
		{Proto: core.Unix, Family: core.Local, State: core.Connected},
	}
	socks[8].Family = core.Inet6
	got := collect(t, New(Options{Gather: result(socks...)}))
	want := map[string]float64{
		"gosof_sockets{proto=tcp,state=LISTEN}":      4,
		"gosof_sockets{proto=tcp,state=ESTABLISHED}": 3,
		"gosof_sockets{proto=tcp,state=CLOSE_WAIT}":  1,
		"gosof_sockets{proto=tcp,state=TIME_WAIT}":   1,
		"gosof_sockets{proto=udp,state=UNCONN}":      1,
		"gosof_sockets{proto=unix,state=CONNECTED}":  1,

		"gosof_port_connections{port=8080,process=nginx,proto=tcp,state=ESTABLISHED}": 2,
		"gosof_port_connections{port=8080,process=nginx,proto=tcp,state=CLOSE_WAIT}":  1,
		"gosof_port_connections{port=8080,process=,proto=tcp,state=TIME_WAIT}":        1,

		"gosof_listen_queue{addr=0.0.0.0,port=8080,process=nginx,proto=tcp}":    3,
		"gosof_listen_backlog{addr=0.0.0.0,port=8080,process=nginx,proto=tcp}":  511,
		"gosof_listen_queue{addr=127.0.0.1,port=9000,process=java,proto=tcp}":   3,
		"gosof_listen_backlog{addr=127.0.0.1,port=9000,process=java,proto=tcp}": 256,
		"gosof_unseen_processes{}":     0,
		"gosof_unseen_hidden{}":        0,
		"gosof_scrape_error{}":         0,
		"gosof_series_dropped_total{}": 0,
	}
	delete(got, "gosof_scrape_duration_seconds{}")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestProcessLabel: forked holders of several programs, a vanished one,
// and names a process chose to break a terminal or a parser with.
func TestProcessLabel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		procs []*core.Process
		want  string
	}{
		{"none", nil, ""},
		{"one", []*core.Process{proc(1, "sshd")}, "sshd"},
		{"same name twice", []*core.Process{proc(1, "sshd"), proc(2, "sshd")}, "sshd"},
		{"sorted", []*core.Process{proc(1, "zsh"), proc(2, "bash"), proc(3, "zsh")}, "bash,zsh"},
		{"escape sequence", []*core.Process{proc(1, "\x1b]0;pwned\x07")}, `\x1b]0;pwned\x07`},
		{"newline and quote", []*core.Process{proc(1, "a\"b\nc")}, `a"b\nc`},
		{"invalid utf-8", []*core.Process{proc(1, "\xff\xfe")}, `\xff\xfe`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tcp(core.Established, "127.0.0.1", 80, 0, tc.procs...)
			s.Owners = append(s.Owners, core.Owner{PID: 99, FD: 4}) // exited: no Proc
			if got := processNames(&s); got != tc.want {
				t.Errorf("processNames = %q, want %q", got, tc.want)
			}
		})
	}
	// And through the registry: the text format escapes " and \n itself,
	// and nothing raw reaches the output.
	c := New(Options{Gather: result(
		listener("127.0.0.1", 80, 0, 128, 0, proc(1, "\x1b[2J\n")),
		tcp(core.CloseWait, "127.0.0.1", 80, 0, proc(1, "\x1b[2J\n")))})
	var b bytes.Buffer
	if err := WriteText(&b, c); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Errorf("raw control characters in the exposition:\n%q", b.String())
	}
	if !strings.Contains(b.String(), `process="\\x1b[2J\\n"`) {
		t.Errorf("exposition lacks the escaped name:\n%s", b.String())
	}
}

func TestNetNSLabels(t *testing.T) {
	a, b := proc(1, "srv"), proc(2, "srv")
	// The same port listens in two namespaces; a connection on port 80 in
	// a third namespace, where nothing listens on 80, is no listening port.
	c1 := tcp(core.CloseWait, "10.0.0.1", 80, 111, a)
	c1.NSLabel = &core.NSLabel{Container: "docker://abc"}
	l1 := listener("0.0.0.0", 80, 0, 128, 111, a)
	l1.NSLabel = &core.NSLabel{Container: "docker://abc"}
	socks := []core.Socket{l1, c1,
		listener("0.0.0.0", 80, 0, 128, 222, b), tcp(core.CloseWait, "10.0.0.2", 80, 222, b), tcp(core.CloseWait, "10.0.0.2", 80, 222, b),
		tcp(core.CloseWait, "10.0.0.3", 80, 333, b)}
	got := only(collect(t, New(Options{Gather: result(socks...), NetNS: true})), "gosof_port_connections", "gosof_listen_queue")
	want := map[string]float64{
		"gosof_port_connections{container=docker://abc,netns=111,port=80,process=srv,proto=tcp,state=CLOSE_WAIT}": 1,
		"gosof_port_connections{container=,netns=222,port=80,process=srv,proto=tcp,state=CLOSE_WAIT}":             2,
		"gosof_listen_queue{addr=0.0.0.0,container=docker://abc,netns=111,port=80,process=srv,proto=tcp}":         0,
		"gosof_listen_queue{addr=0.0.0.0,container=,netns=222,port=80,process=srv,proto=tcp}":                     0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-A (-want +got)\n%s", diff)
	}
	// Without -A the namespaces add up under one label set.
	got = only(collect(t, New(Options{Gather: result(socks...)})), "gosof_port_connections")
	want = map[string]float64{"gosof_port_connections{port=80,process=srv,proto=tcp,state=CLOSE_WAIT}": 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("without -A (-want +got)\n%s", diff)
	}
}

func TestSeriesCap(t *testing.T) {
	p := proc(1, "srv")
	var socks []core.Socket
	// Ports 1..5 listen, port k has k CLOSE_WAIT connections: 5 listeners
	// (10 series) and 5 connection series.
	for port := uint16(1); port <= 5; port++ {
		socks = append(socks, listener("127.0.0.1", port, uint64(port), 128, 0, p))
		for i := 0; i < int(port); i++ {
			socks = append(socks, tcp(core.CloseWait, "127.0.0.1", port, 0, p))
		}
	}
	perPort := func(m map[string]float64) []string {
		var ks []string
		for k := range only(m, "gosof_port_connections", "gosof_listen_queue", "gosof_listen_backlog") {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for _, tc := range []struct {
		max, kept, dropped int
		mustKeep           string
	}{
		{0, 15, 0, ""},
		{15, 15, 0, ""},
		{100, 15, 0, ""},
		{12, 12, 3, "gosof_port_connections{port=5,process=srv,proto=tcp,state=CLOSE_WAIT}"},
		// Listeners first, fullest queue first, in pairs.
		{3, 2, 13, "gosof_listen_backlog{addr=127.0.0.1,port=5,process=srv,proto=tcp}"},
		{1, 0, 15, ""},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			c := New(Options{Gather: result(socks...), MaxSeries: tc.max})
			got := collect(t, c)
			ks := perPort(got)
			if len(ks) != tc.kept {
				t.Errorf("kept %d per-port series, want %d: %v", len(ks), tc.kept, ks)
			}
			if d := got["gosof_series_dropped_total{}"]; d != float64(tc.dropped) {
				t.Errorf("gosof_series_dropped_total = %v, want %d", d, tc.dropped)
			}
			if _, ok := got[tc.mustKeep]; tc.mustKeep != "" && !ok {
				t.Errorf("dropped %s; kept %v", tc.mustKeep, ks)
			}
			// The counter adds up over scrapes.
			if d := collect(t, c)["gosof_series_dropped_total{}"]; d != float64(2*tc.dropped) {
				t.Errorf("second scrape: gosof_series_dropped_total = %v, want %d", d, 2*tc.dropped)
			}
		})
	}
}

func TestUnseen(t *testing.T) {
	g := func() (*core.Result, error) {
		return &core.Result{Unseen: core.Unseen{Denied: 7, Hidden: "/proc hides other users' processes (hidepid=invisible)"}}, nil
	}
	got := only(collect(t, New(Options{Gather: g})), "gosof_unseen_processes", "gosof_unseen_hidden")
	want := map[string]float64{"gosof_unseen_processes{}": 7, "gosof_unseen_hidden{}": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestGatherError: a failed gather is a metric, not a failed scrape, and
// the next scrape gathers again.
func TestGatherError(t *testing.T) {
	fail := true
	var logged []error
	g := func() (*core.Result, error) {
		if fail {
			return nil, errors.New("netlink: permission denied")
		}
		return &core.Result{Sockets: []core.Socket{listener("127.0.0.1", 80, 0, 128, 0)}}, nil
	}
	c := New(Options{Gather: g, OnError: func(err error) { logged = append(logged, err) }})
	got := collect(t, c)
	delete(got, "gosof_scrape_duration_seconds{}")
	want := map[string]float64{"gosof_scrape_error{}": 1, "gosof_series_dropped_total{}": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failed gather (-want +got)\n%s", diff)
	}
	if len(logged) != 1 {
		t.Errorf("OnError called %d times, want 1", len(logged))
	}
	fail = false
	got = collect(t, c)
	if got["gosof_scrape_error{}"] != 0 || got["gosof_sockets{proto=tcp,state=LISTEN}"] != 1 {
		t.Errorf("after recovery: %v", got)
	}
}

func TestScrapeDuration(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { now = now.Add(1500 * time.Millisecond); return now }
	got := collect(t, New(Options{Gather: result(), Now: clock}))
	if d := got["gosof_scrape_duration_seconds{}"]; d != 1.5 {
		t.Errorf("gosof_scrape_duration_seconds = %v, want 1.5", d)
	}
}

// TestSharedGather: scrapes that arrive while a gather runs wait for it
// and take its result; the next scrape after it gathers again.
func TestSharedGather(t *testing.T) {
	var calls int32
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	g := func() (*core.Result, error) {
		atomic.AddInt32(&calls, 1)
		started <- struct{}{}
		<-release
		return &core.Result{Sockets: []core.Socket{listener("127.0.0.1", 80, 0, 128, 0)}}, nil
	}
	c := New(Options{Gather: g})
	const scrapes = 20
	var wg sync.WaitGroup
	results := make([]map[string]float64, scrapes)
	wg.Add(1)
	go func() { defer wg.Done(); results[0] = collect(t, c) }()
	<-started // the first gather runs and holds the flight
	for i := 1; i < scrapes; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); results[i] = collect(t, c) }(i)
	}
	// Wait until every scrape is inside Collect: they block on the flight.
	for deadline := time.Now().Add(10 * time.Second); c.flight.waiting() < scrapes-1; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d scrapes waiting", c.flight.waiting())
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := atomic.LoadInt32(&calls); n != 1 {
		t.Errorf("%d overlapping scrapes ran %d gathers, want 1", scrapes, n)
	}
	for i, r := range results {
		if r["gosof_sockets{proto=tcp,state=LISTEN}"] != 1 {
			t.Errorf("scrape %d: %v", i, r)
		}
	}
	collect(t, c) // release is closed: this gather runs straight through
	<-started
	if n := atomic.LoadInt32(&calls); n != 2 {
		t.Errorf("a scrape after the shared one ran %d gathers in all, want 2", n)
	}
}

// waiting is how many callers wait for a running gather.
func (f *flight) waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.joined
}

// BenchmarkBuild is the metrics' own share of a scrape at bench/'s 100k
// descriptors (10,000 TCP sockets on one listening port, 12,000 unix
// sockets), apart from reading them.
func BenchmarkBuild(b *testing.B) {
	p := proc(1, "workload")
	socks := []core.Socket{listener("127.0.0.1", 47123, 0, 4096, 0, p)}
	for i := 0; i < 5000; i++ {
		s := tcp(core.Established, "127.0.0.1", 47123, 0, p)
		socks = append(socks, s)
		s.Local.Port = uint16(30000 + i)
		socks = append(socks, s)
	}
	for i := 0; i < 12000; i++ {
		socks = append(socks, core.Socket{Proto: core.Unix, Family: core.Local, State: core.Connected, Owners: owners(p)})
	}
	c := New(Options{Gather: result(socks...)})
	b.ReportAllocs()
	for b.Loop() {
		c.build(&core.Result{Sockets: socks})
	}
}
