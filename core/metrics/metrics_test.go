package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

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

// unknownQueue is s read where the platform does not tell a listener's
// backlog (/proc/net, Solaris).
func unknownQueue(s core.Socket) core.Socket { s.BacklogKnown = false; return s }

func tcpListener(addr string, port uint16, queue, backlog uint64, netns uint64, ps ...*core.Process) core.Socket {
	s := tcp(core.Listen, addr, port, netns, ps...)
	s.RecvQ, s.SendQ = queue, backlog
	s.BacklogKnown = true // as sock_diag tells them
	return s
}

// collect scrapes c, writes the text exposition and reads it back with
// Prometheus's own parser (which rejects what Prometheus would), and
// returns "name{k=v,...}" -> value; a series twice fails the test.
func collect(t *testing.T, c *Collector) map[string]float64 {
	t.Helper()
	fams, _ := c.Scrape()
	var b bytes.Buffer
	if err := WriteText(&b, fams); err != nil {
		t.Fatal(err)
	}
	return parseText(t, b.String())
}

func parseText(t *testing.T, text string) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, text)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s is a %v, want a gauge", mf.GetName(), mf.GetType())
		}
		for _, m := range mf.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(ls)
			k := mf.GetName() + "{" + strings.Join(ls, ",") + "}"
			if _, dup := got[k]; dup {
				t.Errorf("series %s twice", k)
			}
			got[k] = m.GetGauge().GetValue()
		}
	}
	return got
}

func newCollector(t *testing.T, opt Options) *Collector {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
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

// buildInfo is the gosof_build_info series of a build, on this platform.
func buildInfo(version, revision, goversion string) string {
	return fmt.Sprintf("gosof_build_info{goarch=%s,goos=%s,goversion=%s,revision=%s,version=%s}",
		runtime.GOARCH, runtime.GOOS, goversion, revision, version)
}

func result(socks ...core.Socket) Gather {
	return func() (*core.Result, error) { return &core.Result{Sockets: socks}, nil }
}

func udp(state core.State, addr string, port uint16, ps ...*core.Process) core.Socket {
	s := core.Socket{Proto: core.UDP, Family: core.Inet, State: state,
		Local: core.Endpoint{Addr: netip.MustParseAddr(addr), Port: port}, Owners: owners(ps...)}
	if state == core.Established {
		s.Remote = &core.Endpoint{Addr: netip.MustParseAddr("10.9.9.9"), Port: 443}
	}
	return s
}

func TestFamilies(t *testing.T) {
	web := proc(10, "nginx")
	web2 := proc(11, "nginx")
	app := proc(20, "java")
	dns := proc(30, "unbound")
	socks := []core.Socket{
		tcpListener("0.0.0.0", 8080, 3, 511, 0, web, web2),
		tcp(core.Established, "10.0.0.1", 8080, 0, web2),
		tcp(core.Established, "10.0.0.1", 8080, 0, web),
		tcp(core.CloseWait, "10.0.0.1", 8080, 0, web),
		tcp(core.TimeWait, "10.0.0.1", 8080, 0), // no holder
		// SO_REUSEPORT: two listeners of one program on one address add up.
		tcpListener("127.0.0.1", 9000, 1, 128, 0, app),
		tcpListener("127.0.0.1", 9000, 2, 128, 0, app),
		// An outgoing connection: its port listens nowhere, so it is no label.
		tcp(core.Established, "10.0.0.1", 51234, 0, app),
		// A listener whose limit the platform did not tell (/proc/net).
		unknownQueue(tcpListener("::", 7000, 0, 0, 0, app)),
		// listen(fd, 0), one connection waiting: a limit of 0 is a limit.
		tcpListener("::", 7001, 1, 0, 0, app),
		// A UDP service on 53 (two sockets, SO_REUSEPORT), a connected
		// UDP socket on that port (a QUIC-style server), a client's
		// connected UDP socket on an ephemeral port, and an unbound one.
		udp(core.Unconn, "0.0.0.0", 53, dns),
		udp(core.Unconn, "0.0.0.0", 53, dns),
		udp(core.Established, "10.0.0.1", 53, dns),
		udp(core.Established, "10.0.0.1", 40001, app),
		udp(core.Unconn, "0.0.0.0", 0, app),
		// TCP port 53 is not UDP port 53: no TCP series for it.
		tcp(core.Established, "10.0.0.1", 53, 0, app),
		{Proto: core.Unix, Family: core.Local, State: core.Connected},
	}
	socks[8].Family = core.Inet6
	got := collect(t, newCollector(t, Options{Gather: result(socks...),
		Build: Build{Version: "v1.2.3", Revision: "0123abc", GoVersion: "go1.99"}}))
	want := map[string]float64{
		buildInfo("v1.2.3", "0123abc", "go1.99"): 1,

		"gosof_sockets{proto=tcp,state=LISTEN}":      5,
		"gosof_sockets{proto=tcp,state=ESTABLISHED}": 4,
		"gosof_sockets{proto=tcp,state=CLOSE_WAIT}":  1,
		"gosof_sockets{proto=tcp,state=TIME_WAIT}":   1,
		"gosof_sockets{proto=udp,state=UNCONN}":      3,
		"gosof_sockets{proto=udp,state=ESTABLISHED}": 2,
		"gosof_sockets{proto=unix,state=CONNECTED}":  1,

		"gosof_port_connections{port=8080,process=nginx,proto=tcp,state=ESTABLISHED}": 2,
		"gosof_port_connections{port=8080,process=nginx,proto=tcp,state=CLOSE_WAIT}":  1,
		"gosof_port_connections{port=8080,process=,proto=tcp,state=TIME_WAIT}":        1,
		"gosof_port_connections{port=53,process=unbound,proto=udp,state=ESTABLISHED}": 1,

		"gosof_listeners{addr=0.0.0.0,port=8080,process=nginx,proto=tcp}":       1,
		"gosof_listeners{addr=127.0.0.1,port=9000,process=java,proto=tcp}":      2,
		"gosof_listeners{addr=::,port=7000,process=java,proto=tcp}":             1,
		"gosof_listeners{addr=::,port=7001,process=java,proto=tcp}":             1,
		"gosof_listen_queue{addr=::,port=7001,process=java,proto=tcp}":          1,
		"gosof_listen_backlog{addr=::,port=7001,process=java,proto=tcp}":        0,
		"gosof_listeners{addr=0.0.0.0,port=53,process=unbound,proto=udp}":       2,
		"gosof_listen_queue{addr=0.0.0.0,port=8080,process=nginx,proto=tcp}":    3,
		"gosof_listen_backlog{addr=0.0.0.0,port=8080,process=nginx,proto=tcp}":  511,
		"gosof_listen_queue{addr=127.0.0.1,port=9000,process=java,proto=tcp}":   3,
		"gosof_listen_backlog{addr=127.0.0.1,port=9000,process=java,proto=tcp}": 256,
		"gosof_unseen_processes{}": 0,
		"gosof_unseen_hidden{}":    0,
		"gosof_scrape_error{}":     0,
		"gosof_series_dropped{}":   0,
	}
	delete(got, "gosof_scrape_duration_seconds{}")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestBoundDevice: sockets bound to a device (SO_BINDTODEVICE) on one
// port, one per interface, as the kernel allows them, are one listener
// each, their addr written as the table writes it (0.0.0.0%va); a
// link-local address names its device once, as its zone. They were one
// listener of 2 sockets, their queues summed, addr="0.0.0.0".
func TestBoundDevice(t *testing.T) {
	app := proc(1, "app")
	va, vb := &core.Device{Index: 2, Name: "va"}, &core.Device{Index: 3, Name: "v\x1b"}
	bound := func(s core.Socket, d *core.Device) core.Socket {
		core.SetDevice(&s, d)
		return s
	}
	ll := tcpListener("fe80::1", 47521, 0, 8, 0, app)
	ll.Family = core.Inet6
	any6 := udp(core.Unconn, "::", 47522, app)
	any6.Family = core.Inet6
	socks := []core.Socket{
		bound(udp(core.Unconn, "0.0.0.0", 47520, app), va),
		bound(udp(core.Unconn, "0.0.0.0", 47520, app), vb),
		bound(tcpListener("0.0.0.0", 47520, 1, 5, 0, app), va),
		bound(tcpListener("0.0.0.0", 47520, 2, 7, 0, app), vb),
		bound(ll, va),
		bound(any6, &core.Device{Index: 9}), // a device with no name: its index
	}
	got := only(collect(t, newCollector(t, Options{Gather: result(socks...)})),
		"gosof_listeners", "gosof_listen_queue", "gosof_listen_backlog")
	want := map[string]float64{
		"gosof_listeners{addr=0.0.0.0%va,port=47520,process=app,proto=udp}":         1,
		`gosof_listeners{addr=0.0.0.0%v\x1b,port=47520,process=app,proto=udp}`:      1,
		"gosof_listeners{addr=0.0.0.0%va,port=47520,process=app,proto=tcp}":         1,
		`gosof_listeners{addr=0.0.0.0%v\x1b,port=47520,process=app,proto=tcp}`:      1,
		"gosof_listen_queue{addr=0.0.0.0%va,port=47520,process=app,proto=tcp}":      1,
		`gosof_listen_queue{addr=0.0.0.0%v\x1b,port=47520,process=app,proto=tcp}`:   2,
		"gosof_listen_backlog{addr=0.0.0.0%va,port=47520,process=app,proto=tcp}":    5,
		`gosof_listen_backlog{addr=0.0.0.0%v\x1b,port=47520,process=app,proto=tcp}`: 7,
		"gosof_listeners{addr=fe80::1%va,port=47521,process=app,proto=tcp}":         1,
		"gosof_listen_queue{addr=fe80::1%va,port=47521,process=app,proto=tcp}":      0,
		"gosof_listen_backlog{addr=fe80::1%va,port=47521,process=app,proto=tcp}":    8,
		"gosof_listeners{addr=::%9,port=47522,process=app,proto=udp}":               1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestText pins the exposition byte for byte: HELP and TYPE lines, label
// names sorted, families by name, series by labels, and the escaping of
// label values the format asks for.
func TestText(t *testing.T) {
	d := &Desc{Name: "x_test", Help: "A help\\text\nover two lines.", Labels: []string{"b", "a"}}
	fams := []Family{
		{Desc: &Desc{Name: "x_single", Help: "One."}, Series: []Series{{Value: 1.5e6}}},
		{Desc: d, Series: []Series{
			{Labels: []string{"quote\"back\\slash", "new\nline"}, Value: 2},
			{Labels: []string{"\xff\xfe", ""}, Value: math.Inf(1)},
			{Labels: []string{"é", "x"}, Value: math.NaN()},
		}},
	}
	var b bytes.Buffer
	if err := WriteText(&b, fams); err != nil {
		t.Fatal(err)
	}
	want := `# HELP x_single One.
# TYPE x_single gauge
x_single 1.5e+06
# HELP x_test A help\\text\nover two lines.
# TYPE x_test gauge
x_test{a="new\nline",b="quote\"back\\slash"} 2
x_test{a="",b="` + "\uFFFD" + `"} +Inf
x_test{a="x",b="é"} NaN
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// Prometheus's parser reads back what was written.
	got := parseText(t, b.String())
	if v := got["x_test{a=new\nline,b=quote\"back\\slash}"]; v != 2 {
		t.Errorf("parsed back: %v", got)
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
		{"backslash", []*core.Process{proc(1, `a\nb`)}, `a\\nb`},
		{"invalid utf-8", []*core.Process{proc(1, "\xff\xfe")}, `\xff\xfe`},
		// "" is no process and "," joins names: neither may be a name
		{"empty name", []*core.Process{proc(1, "")}, "?"},
		{"comma in a name", []*core.Process{proc(1, "a,b")}, `a\x2cb`},
		{"comma beside another holder", []*core.Process{proc(1, "h2recv,python3"), proc(2, "bash")}, `bash,h2recv\x2cpython3`},
		{"question mark", []*core.Process{proc(1, "?"), proc(2, "")}, `?,\x3f`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tcp(core.Established, "127.0.0.1", 80, 0, tc.procs...)
			s.Owners = append(s.Owners, core.Owner{PID: 99, FD: 4}) // exited: no Proc
			if got := processNames(&s); got != tc.want {
				t.Errorf("processNames = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHostileLabels: names a process or a namespace's creator chose to
// break a terminal or a parser with reach the exposition escaped, read
// back by Prometheus's parser as the escaped text gosof ls prints, with
// nothing raw in the output.
func TestHostileLabels(t *testing.T) {
	names := []string{"\x1b]0;pwned\x07", "a\"b\nc", `back\slash`, "\xff\xfe", "tab\there\r"}
	var socks []core.Socket
	for i, n := range names {
		port := uint16(100 + i)
		l := tcpListener("127.0.0.1", port, 0, 128, uint64(1000+i), proc(i+1, n))
		l.NSLabel = &core.NSLabel{Name: n, Container: "docker://" + n}
		c := tcp(core.CloseWait, "127.0.0.1", port, uint64(1000+i), proc(i+1, n))
		c.NSLabel = l.NSLabel
		u := udp(core.Unconn, "0.0.0.0", port, proc(i+1, n))
		u.NetNS, u.NSLabel = uint64(1000+i), l.NSLabel
		socks = append(socks, l, c, u)
	}
	fams, err := newCollector(t, Options{Gather: result(socks...), NetNS: true}).Scrape()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, fams); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07\r\t") || !utf8.ValidString(b.String()) {
		t.Errorf("raw control characters or invalid UTF-8 in the exposition:\n%q", b.String())
	}
	got := parseText(t, b.String())
	for i, n := range names {
		e := core.Escape(n)
		for _, k := range []string{
			fmt.Sprintf("gosof_port_connections{container=docker://%s,netns=%d,netns_name=%s,port=%d,process=%s,proto=tcp,state=CLOSE_WAIT}", e, 1000+i, e, 100+i, e),
			fmt.Sprintf("gosof_listeners{addr=127.0.0.1,container=docker://%s,netns=%d,netns_name=%s,port=%d,process=%s,proto=tcp}", e, 1000+i, e, 100+i, e),
			fmt.Sprintf("gosof_listeners{addr=0.0.0.0,container=docker://%s,netns=%d,netns_name=%s,port=%d,process=%s,proto=udp}", e, 1000+i, e, 100+i, e),
		} {
			if got[k] != 1 {
				t.Errorf("%q = %v, want 1", k, got[k])
			}
		}
	}
	promtoolCheck(t, b.String())
}

// promtoolCheck runs 'promtool check metrics' (Prometheus's own linter)
// over an exposition.
func promtoolCheck(t *testing.T, text string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not installed (Debian package prometheus; .ci/run installs it): exposition not linted")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestNetNSLabels(t *testing.T) {
	a, b := proc(1, "srv"), proc(2, "srv")
	// The same port listens in two namespaces; a connection on port 80 in
	// a third namespace, where nothing listens on 80, is no listening port.
	label := &core.NSLabel{Name: "blue", Container: "docker://abc"}
	c1 := tcp(core.CloseWait, "10.0.0.1", 80, 111, a)
	c1.NSLabel = label
	l1 := tcpListener("0.0.0.0", 80, 0, 128, 111, a)
	l1.NSLabel = label
	socks := []core.Socket{l1, c1,
		tcpListener("0.0.0.0", 80, 0, 128, 222, b), tcp(core.CloseWait, "10.0.0.2", 80, 222, b), tcp(core.CloseWait, "10.0.0.2", 80, 222, b),
		tcp(core.CloseWait, "10.0.0.3", 80, 333, b)}
	got := only(collect(t, newCollector(t, Options{Gather: result(socks...), NetNS: true})), "gosof_port_connections", "gosof_listen_queue")
	want := map[string]float64{
		"gosof_port_connections{container=docker://abc,netns=111,netns_name=blue,port=80,process=srv,proto=tcp,state=CLOSE_WAIT}": 1,
		"gosof_port_connections{container=,netns=222,netns_name=,port=80,process=srv,proto=tcp,state=CLOSE_WAIT}":                 2,
		"gosof_listen_queue{addr=0.0.0.0,container=docker://abc,netns=111,netns_name=blue,port=80,process=srv,proto=tcp}":         0,
		"gosof_listen_queue{addr=0.0.0.0,container=,netns=222,netns_name=,port=80,process=srv,proto=tcp}":                         0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-A (-want +got)\n%s", diff)
	}
	// Without -A the namespaces add up under one label set.
	got = only(collect(t, newCollector(t, Options{Gather: result(socks...)})), "gosof_port_connections")
	want = map[string]float64{"gosof_port_connections{port=80,process=srv,proto=tcp,state=CLOSE_WAIT}": 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("without -A (-want +got)\n%s", diff)
	}
}

func TestSeriesCap(t *testing.T) {
	p := proc(1, "srv")
	var socks []core.Socket
	// Ports 1..5 listen, port k has k CLOSE_WAIT connections: 5 listeners
	// (15 series: listeners, queue, backlog), 5 connection series, and a
	// UDP service (1 series).
	for port := uint16(1); port <= 5; port++ {
		socks = append(socks, tcpListener("127.0.0.1", port, uint64(port), 128, 0, p))
		for i := 0; i < int(port); i++ {
			socks = append(socks, tcp(core.CloseWait, "127.0.0.1", port, 0, p))
		}
	}
	socks = append(socks, udp(core.Unconn, "0.0.0.0", 514, p))
	perPort := func(m map[string]float64) []string {
		var ks []string
		for k := range only(m, "gosof_port_connections", "gosof_listeners", "gosof_listen_queue", "gosof_listen_backlog") {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for _, tc := range []struct {
		max, kept, dropped int
		mustKeep           string
	}{
		{0, 21, 0, ""},
		{21, 21, 0, ""},
		{100, 21, 0, ""},
		{17, 17, 4, "gosof_listeners{addr=0.0.0.0,port=514,process=srv,proto=udp}"},
		// Every listener's gosof_listeners first, fullest queue first;
		// then the queues and backlogs, a pair together; then the
		// connections. A group too big for what is left is skipped and
		// smaller ones after it still fit (at 7, port 5's connections).
		{8, 8, 13, "gosof_listen_backlog{addr=127.0.0.1,port=5,process=srv,proto=tcp}"},
		{7, 7, 14, "gosof_port_connections{port=5,process=srv,proto=tcp,state=CLOSE_WAIT}"},
		{6, 6, 15, "gosof_listeners{addr=0.0.0.0,port=514,process=srv,proto=udp}"},
		{4, 4, 17, "gosof_listeners{addr=127.0.0.1,port=2,process=srv,proto=tcp}"},
		// Never the connections of a port whose listener is dropped: 2
		// kept port 5's connections and the UDP listener.
		{2, 2, 19, "gosof_listeners{addr=127.0.0.1,port=4,process=srv,proto=tcp}"},
		{1, 1, 20, "gosof_listeners{addr=127.0.0.1,port=5,process=srv,proto=tcp}"},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			c := newCollector(t, Options{Gather: result(socks...), MaxSeries: tc.max})
			got := collect(t, c)
			ks := perPort(got)
			if len(ks) != tc.kept {
				t.Errorf("kept %d per-port series, want %d: %v", len(ks), tc.kept, ks)
			}
			if d := got["gosof_series_dropped{}"]; d != float64(tc.dropped) {
				t.Errorf("gosof_series_dropped = %v, want %d", d, tc.dropped)
			}
			if _, ok := got[tc.mustKeep]; tc.mustKeep != "" && !ok {
				t.Errorf("dropped %s; kept %v", tc.mustKeep, ks)
			}
			// A port's connections only beside its listener.
			for _, k := range ks {
				if p := strings.Index(k, "port="); !strings.HasPrefix(k, "gosof_listeners{") {
					port := k[p : strings.IndexByte(k[p:], ',')+p]
					if _, ok := got["gosof_listeners{addr=127.0.0.1,"+port+",process=srv,proto=tcp}"]; !ok {
						t.Errorf("kept %s without its listener", k)
					}
				}
			}
			// Each scrape says what it dropped: a second scrape of the same
			// sockets says the same, not the sum (a counter since start
			// would be the same in every run of 'gosof metrics').
			if d := collect(t, c)["gosof_series_dropped{}"]; d != float64(tc.dropped) {
				t.Errorf("second scrape: gosof_series_dropped = %v, want %d", d, tc.dropped)
			}
		})
	}
	if _, err := New(Options{Gather: result(), MaxSeries: -1}); err == nil || !strings.Contains(err.Error(), "--max-series") {
		t.Errorf("MaxSeries -1: %v, want a --max-series usage error", err)
	}
}

func TestUnseen(t *testing.T) {
	g := func() (*core.Result, error) {
		return &core.Result{Unseen: core.Unseen{Denied: 7, Hidden: "/proc hides other users' processes (hidepid=invisible)"}}, nil
	}
	got := only(collect(t, newCollector(t, Options{Gather: g})), "gosof_unseen_processes", "gosof_unseen_hidden")
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
		return &core.Result{Sockets: []core.Socket{tcpListener("127.0.0.1", 80, 0, 128, 0)}}, nil
	}
	c := newCollector(t, Options{Gather: g, OnError: func(err error) { logged = append(logged, err) }})
	if _, err := c.Scrape(); err == nil {
		t.Errorf("a failed gather's Scrape returned no error")
	}
	got := collect(t, c)
	delete(got, "gosof_scrape_duration_seconds{}")
	// What was dropped is not known either: no gosof_series_dropped. The
	// program's version is known all the same.
	want := map[string]float64{"gosof_scrape_error{}": 1, buildInfo("", "", ""): 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failed gather (-want +got)\n%s", diff)
	}
	if len(logged) != 2 {
		t.Errorf("OnError called %d times for 2 failed gathers", len(logged))
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
	got := collect(t, newCollector(t, Options{Gather: result(), Now: clock}))
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
		return &core.Result{Sockets: []core.Socket{tcpListener("127.0.0.1", 80, 0, 128, 0)}}, nil
	}
	c := newCollector(t, Options{Gather: g})
	var joined int32
	c.joined = func() { atomic.AddInt32(&joined, 1) }
	const scrapes = 20
	var wg sync.WaitGroup
	results := make([]map[string]float64, scrapes)
	wg.Add(1)
	go func() { defer wg.Done(); results[0] = collect(t, c) }()
	<-started // the first gather runs
	for i := 1; i < scrapes; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); results[i] = collect(t, c) }(i)
	}
	// Wait until every scrape waits for the gather under way.
	for deadline := time.Now().Add(10 * time.Second); atomic.LoadInt32(&joined) < scrapes; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d scrapes waiting", atomic.LoadInt32(&joined))
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

// BenchmarkBuild is the metrics' own share of a scrape at bench/'s 100k
// descriptors (10,000 TCP sockets on one listening port, 12,000 unix
// sockets), apart from reading them.
func BenchmarkBuild(b *testing.B) {
	p := proc(1, "workload")
	socks := []core.Socket{tcpListener("127.0.0.1", 47123, 0, 4096, 0, p)}
	for i := 0; i < 5000; i++ {
		s := tcp(core.Established, "127.0.0.1", 47123, 0, p)
		socks = append(socks, s)
		s.Local.Port = uint16(30000 + i)
		socks = append(socks, s)
	}
	for i := 0; i < 12000; i++ {
		socks = append(socks, core.Socket{Proto: core.Unix, Family: core.Local, State: core.Connected, Owners: owners(p)})
	}
	c, _ := New(Options{Gather: result(socks...)})
	b.ReportAllocs()
	for b.Loop() {
		fams, _ := c.build(&core.Result{Sockets: socks})
		WriteText(io.Discard, sortFamilies(fams))
	}
}

// TestCloseWaitOldestIdle: the oldest measured idle time of the
// CLOSE_WAITs of each listening port and process names; none where no
// CLOSE_WAIT has one (Solaris ages are not idle times), none for an
// ephemeral port; kept and dropped with the count beside it.
func TestCloseWaitOldestIdle(t *testing.T) {
	srv, other := proc(1, "srv"), proc(2, "other")
	cw := func(port uint16, i core.Idle, ps ...*core.Process) core.Socket {
		s := tcp(core.CloseWait, "127.0.0.1", port, 0, ps...)
		s.Idle = i
		return s
	}
	socks := []core.Socket{
		tcpListener("0.0.0.0", 8080, 0, 128, 0, srv),
		cw(8080, core.ExactIdle(90*time.Second), srv),
		cw(8080, core.ExactIdle(3*time.Hour), srv),
		cw(8080, 0, srv), // unknown: no part of the oldest
		cw(8080, core.ExactIdle(time.Second), other),
		cw(8080, core.IdleAtMost(9*time.Hour), other), // an age: not an idle time
		func() core.Socket {
			s := tcp(core.Established, "127.0.0.1", 8080, 0, srv)
			s.Idle = core.ExactIdle(5 * time.Hour)
			return s
		}(),
		tcpListener("0.0.0.0", 9090, 0, 128, 0, srv),
		cw(9090, 0, srv), // no idle time known: no series
		cw(40000, core.ExactIdle(time.Hour), srv),     // an ephemeral port: no label
		cw(9090, core.IdleAtMost(time.Minute), other), // nor for an age alone
	}
	got := only(collect(t, newCollector(t, Options{Gather: result(socks...)})), "gosof_close_wait_oldest_idle_seconds")
	want := map[string]float64{
		"gosof_close_wait_oldest_idle_seconds{port=8080,process=srv,proto=tcp}":   10800,
		"gosof_close_wait_oldest_idle_seconds{port=8080,process=other,proto=tcp}": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// With the cap: the CLOSE_WAIT count of srv on 8080 (3 connections)
	// outranks other's (2) and srv's on 9090 (1), and its idle gauge goes
	// with it.
	all := collect(t, newCollector(t, Options{Gather: result(socks...), MaxSeries: 8}))
	if _, ok := all["gosof_close_wait_oldest_idle_seconds{port=8080,process=srv,proto=tcp}"]; !ok {
		t.Errorf("the cap dropped srv's idle gauge:\n%v", all)
	}
	if _, ok := all["gosof_close_wait_oldest_idle_seconds{port=8080,process=other,proto=tcp}"]; ok != (all["gosof_port_connections{port=8080,process=other,proto=tcp,state=CLOSE_WAIT}"] != 0) {
		t.Errorf("other's idle gauge and its count were not kept or dropped together:\n%v", all)
	}
}
