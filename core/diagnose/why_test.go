package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/core"

	"github.com/google/go-cmp/cmp"
)

// fakeProber answers binds from a table: "addr/reuse" -> error, or
// "addr/port" for a bind with SO_REUSEPORT; missing entries bind.
type fakeProber struct {
	deny   string // MayBind refuses with this reason when set
	noV6   bool
	errs   map[string]error
	called []string
	uid    int64 // whose its sockets are: root unless set
}

func (p *fakeProber) MayBind(uint16) (bool, string) { return p.deny == "", p.deny }
func (p *fakeProber) HasIPv6() bool                 { return !p.noV6 }
func (p *fakeProber) UID() int64                    { return p.uid }
func (p *fakeProber) Bind(_ core.Proto, a netip.Addr, port uint16, opts BindOpts) error {
	key := fmt.Sprintf("%s/%v", a, opts.ReuseAddr)
	if opts.ReusePort {
		key = a.String() + "/port"
	}
	p.called = append(p.called, key)
	return p.errs[key]
}

var inUse = fmt.Errorf("bind: %w", ErrAddrInUse)

var server = &core.Process{PID: 4242, Comm: "server", UID: 1000, User: "app"}

func owner(fd int, o *core.SockOptions) []core.Owner {
	return []core.Owner{{PID: 4242, FD: fd, Proc: server, Options: o}}
}

func conn(state core.State, lport uint16, peer string, pport uint16, fd int) core.Socket {
	s := core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: state, Local: ep("127.0.0.1", lport),
		Remote: epp(peer, pport), Inode: uint64(1000 + pport), UID: 1000}
	if fd >= 0 {
		s.Owners = owner(fd, &core.SockOptions{ReuseAddr: yes()})
	}
	return s
}

func seedSockets() []core.Socket {
	socks := []core.Socket{{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000,
		SendQ: 128, BacklogKnown: true, Owners: owner(3, &core.SockOptions{ReuseAddr: yes(), ReusePort: no()})}}
	for i := range 5 {
		socks = append(socks, conn(core.CloseWait, 8080, "10.0.0.7", uint16(40000+i), 10+i))
	}
	socks = append(socks, conn(core.Established, 8080, "10.0.0.9", 41000, 20), conn(core.Established, 8080, "10.0.0.7", 41001, 21))
	return sorted(socks)
}

func wildcardInUse() map[string]error {
	return map[string]error{"0.0.0.0/false": inUse, "0.0.0.0/true": inUse, "127.0.0.1/false": inUse,
		"127.0.0.1/true": inUse, "::/false": inUse, "::/true": inUse}
}

func diagnoseCases() []struct {
	name   string
	port   uint16
	socks  []core.Socket
	prober BindProber
} {
	tw := func(p uint16, left time.Duration) core.Socket {
		s := conn(core.TimeWait, 8080, "10.0.0.5", p, -1)
		s.Inode, s.Timer, s.Expires = 0, core.TimerTimeWait, left
		s.Idle = core.TimeWaitIdle(core.LinuxTimeWait, left)
		return s
	}
	fw := conn(core.FinWait2, 8080, "10.0.0.5", 45000, -1)
	fw.Inode, fw.Timer, fw.Expires = 0, core.TimerTimeWait, 1500*time.Millisecond
	var warn []core.Socket
	warn = append(warn, core.Socket{Proto: core.TCP, Family: core.Inet6, Type: core.Stream, State: core.Listen, Local: ep("::", 9000), Inode: 11,
		UID: 1000, RecvQ: 129, SendQ: 128, BacklogKnown: true, Owners: owner(3, &core.SockOptions{ReuseAddr: no(), ReusePort: yes(), V6Only: no()})})
	for i := range 3 {
		s := conn(core.Established, 9000, "10.0.0.8", uint16(42000+i), 30+i)
		s.RecvQ = 65536
		s.Owners[0].Options = &core.SockOptions{Linger: &core.Linger{On: true, Seconds: 0}}
		warn = append(warn, s)
	}
	warn = append(warn, fw)
	warn[len(warn)-1].Local.Port = 9000
	warn = sorted(warn)
	// A leak: 38 CLOSE_WAITs forgotten for hours by 4242, 2 just arrived;
	// a worker (4243) holding 3 old ones too; a FIN_WAIT2 held for an hour.
	// A burst: 6 CLOSE_WAITs idle for seconds.
	listener := core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000,
		SendQ: 128, BacklogKnown: true, Owners: owner(3, nil)}
	leak := []core.Socket{listener}
	listener.Local.Port = 8081
	burst := []core.Socket{listener}
	worker := &core.Process{PID: 4243, Comm: "worker", UID: 1000, User: "app"}
	for i := range 40 {
		s := conn(core.CloseWait, 8080, "10.0.0.7", uint16(40000+i), 10+i)
		s.Idle = core.ExactIdle(time.Duration(i+1) * 5 * time.Minute)
		switch {
		case i < 2:
			s.Idle = core.ExactIdle(time.Duration(i+1) * 20 * time.Second)
		case i < 5:
			s.Owners = []core.Owner{{PID: 4243, FD: 3 + i, Proc: worker}}
		}
		leak = append(leak, s)
	}
	held := conn(core.FinWait2, 8080, "10.0.0.9", 45001, 60)
	held.Idle = core.ExactIdle(time.Hour)
	leak = sorted(append(leak, held))
	for i := range 6 {
		s := conn(core.CloseWait, 8081, "10.0.0.7", uint16(40100+i), 10+i)
		s.Idle = core.ExactIdle(time.Duration(i+1) * 1500 * time.Millisecond)
		burst = append(burst, s)
	}
	evilSock := []core.Socket{{Proto: core.TCP, Family: core.Inet, State: core.Listen, Local: ep("192.0.2.1", 7000), Inode: 12, UID: 0,
		Owners: []core.Owner{{PID: 666, FD: 4, Proc: evil}}}}
	return []struct {
		name   string
		port   uint16
		socks  []core.Socket
		prober BindProber
	}{
		{"seed", 8080, seedSockets(), &fakeProber{errs: wildcardInUse()}},
		{"timewait", 8080, []core.Socket{tw(50001, 12300*time.Millisecond), tw(50002, 58*time.Second), tw(50003, 30*time.Second)},
			&fakeProber{errs: map[string]error{"0.0.0.0/false": inUse, "127.0.0.1/false": inUse, "::/false": inUse}}},
		{"free", 8081, nil, &fakeProber{noV6: true}},
		// The listener sets SO_REUSEPORT and is app's: root cannot join it.
		{"warnings", 9000, warn, &fakeProber{errs: map[string]error{"0.0.0.0/false": inUse, "0.0.0.0/true": inUse, "0.0.0.0/port": inUse,
			"127.0.0.1/false": inUse, "127.0.0.1/true": inUse, "127.0.0.1/port": inUse, "::/false": inUse, "::/true": inUse, "::/port": inUse,
			"::1/false": inUse, "::1/true": inUse, "::1/port": inUse}}},
		{"privileged", 80, nil, &fakeProber{deny: "port 80 is privileged (below net.ipv4.ip_unprivileged_port_start, 1024) and gosof lacks CAP_NET_BIND_SERVICE; run it as root to probe this port"}},
		{"noprobe", 7000, evilSock, nil},
		{"leak", 8080, leak, nil},
		{"burst", 8081, sorted(burst), nil},
	}
}

func TestWhyGolden(t *testing.T) {
	for _, tc := range diagnoseCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.port, tc.socks, Probe(tc.prober, tc.port, tc.socks))
			var b bytes.Buffer
			if err := WriteWhy(&b, d); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, "why_"+tc.name+".golden", b.Bytes())
			b.Reset()
			if err := WriteWhyJSON(&b, d); err != nil {
				t.Fatal(err)
			}
			goldenFile(t, "why_"+tc.name+".json.golden", b.Bytes())
		})
	}
}

// TestWhyFacts checks what the golden files show, by value, so that an
// -update cannot bless a wrong diagnosis unnoticed.
func TestWhyFacts(t *testing.T) {
	cases := map[string]func(t *testing.T, d *Why, j map[string]any){
		"seed": func(t *testing.T, d *Why, j map[string]any) {
			if d.CloseWait == nil || d.CloseWait.Count != 5 || len(d.CloseWait.Procs) != 1 || d.CloseWait.Procs[0].Owner.PID != 4242 {
				t.Errorf("close wait: %+v", d.CloseWait)
			}
			if len(d.Listeners) != 1 || d.Listeners[0].Scope != "wildcard" || d.Listeners[0].Stack != "IPv4" || !*d.Listeners[0].ReuseAddr {
				t.Errorf("listeners: %+v", d.Listeners)
			}
			if d.Probe.Verdict != VerdictSome {
				t.Errorf("verdict %s, want %s (::1 binds)", d.Probe.Verdict, VerdictSome)
			}
			if got := d.Peers; len(got) != 2 || got[0].Addr.String() != "10.0.0.7" || got[0].Count != 6 {
				t.Errorf("peers: %+v", got)
			}
			way := d.Probe.inTheWay()
			if len(way) != 1 || way[0].State != core.Listen {
				t.Errorf("in the way: %v, want just the listener", way)
			}
		},
		"timewait": func(t *testing.T, d *Why, j map[string]any) {
			if d.Probe.Verdict != VerdictReuseAddr {
				t.Errorf("verdict %s", d.Probe.Verdict)
			}
			tw := d.TimeWait
			if tw == nil || tw.Count != 3 || tw.MinLeft != 12300*time.Millisecond || tw.MaxLeft != 58*time.Second {
				t.Errorf("time wait: %+v", tw)
			}
			if a := d.age(core.TimeWait); a == nil || a.Known != 3 || a.Oldest != 47700*time.Millisecond || a.Newest != 2*time.Second {
				t.Errorf("time wait ages: %+v", a)
			}
			if jt := j["time_wait"].(map[string]any); jt["max_remaining_ms"] != 58000.0 {
				t.Errorf("json time_wait: %v", jt)
			}
		},
		"free": func(t *testing.T, d *Why, j map[string]any) {
			if d.InUse() || d.Probe.Verdict != VerdictFree || len(d.Probe.Attempts) != 4 || j["in_use"] != false {
				t.Errorf("free port: in use %v, verdict %s, %d attempts (no IPv6: want 4)", d.InUse(), d.Probe.Verdict, len(d.Probe.Attempts))
			}
		},
		"warnings": func(t *testing.T, d *Why, j map[string]any) {
			var kinds []string
			for _, w := range d.Warnings {
				kinds = append(kinds, fmt.Sprintf("%s/%d", w.Kind, w.Count))
			}
			if diff := cmp.Diff([]string{"linger_abort/3", "recv_q/3", "accept_queue_full/129"}, kinds); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if d.Listeners[0].Stack != "dual-stack" || d.FinWait2 == nil || d.FinWait2.Count != 1 {
				t.Errorf("stack %q, fin_wait2 %+v", d.Listeners[0].Stack, d.FinWait2)
			}
			if d.Probe.Verdict != VerdictBlocked {
				t.Errorf("verdict %s", d.Probe.Verdict)
			}
			if g := d.Probe.Group; g == nil || *g != (ReusePortGroup{Join: JoinCould, UID: 1000, As: 0, Tried: true}) {
				t.Errorf("group %+v, want one app (1000) could join, tried as root", g)
			}
			jg, _ := j["probe"].(map[string]any)["reuse_port"].(map[string]any)
			if jg["join"] != "could" || jg["uid"] != 1000.0 || jg["user"] != "app" || jg["probe_uid"] != 0.0 || jg["tried"] != true {
				t.Errorf("json reuse_port: %v", jg)
			}
		},
		"privileged": func(t *testing.T, d *Why, j map[string]any) {
			p := j["probe"].(map[string]any)
			if d.Probe.Verdict != VerdictNotProbed || p["ran"] != false || !strings.Contains(p["skipped"].(string), "privileged") {
				t.Errorf("probe: %v", p)
			}
		},
		"leak": func(t *testing.T, d *Why, j map[string]any) {
			cw := d.age(core.CloseWait)
			if cw == nil || cw.Count != 40 || cw.Known != 40 || cw.Old != 38 || cw.Verdict != AgeLeak || cw.Oldest != 200*time.Minute || cw.Newest != 20*time.Second {
				t.Fatalf("close wait: %+v", cw)
			}
			// 20s and 40s; none; 15m to 55m; 1h to 3h20m
			if diff := cmp.Diff([]int{2, 0, 9, 29}, cw.Buckets); diff != "" {
				t.Errorf("buckets (-want +got):\n%s", diff)
			}
			if len(cw.OldProcs) != 2 || cw.OldProcs[0].Owner.PID != 4242 || cw.OldProcs[0].Count != 35 || cw.OldProcs[1].Count != 3 {
				t.Errorf("old processes: %+v", cw.OldProcs)
			}
			if r := cw.Release("gosof close 8080 --state close-wait"); r != "gosof close 8080 --state close-wait --idle 10m" {
				t.Errorf("release %q", r)
			}
			if fw := d.age(core.FinWait2); fw == nil || fw.Count != 1 || fw.Old != 1 {
				t.Errorf("fin wait2: %+v", fw)
			}
			ja := j["idle"].([]any)[0].(map[string]any)
			if ja["verdict"] != "leak" || ja["old"] != 38.0 || ja["release"] != "gosof close 8080 --state close-wait --idle 10m" {
				t.Errorf("json idle: %v", ja)
			}
		},
		"burst": func(t *testing.T, d *Why, j map[string]any) {
			cw := d.age(core.CloseWait)
			if cw == nil || cw.Verdict != AgeBurst || cw.Old != 0 || cw.Release("gosof close 8081 --state close-wait") != "" || !strings.Contains(cw.Message("8081"), "a burst") {
				t.Errorf("close wait: %+v", cw)
			}
		},
		"noprobe": func(t *testing.T, d *Why, j map[string]any) {
			if d.Probe.Skipped != "probe not available on this platform" {
				t.Errorf("probe: %+v", d.Probe)
			}
		},
	}
	for _, tc := range diagnoseCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.port, tc.socks, Probe(tc.prober, tc.port, tc.socks))
			var b bytes.Buffer
			WriteWhyJSON(&b, d)
			var j map[string]any
			if err := json.Unmarshal(b.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			cases[tc.name](t, d, j)
		})
	}
}

func TestProbePrivilegedNeverBinds(t *testing.T) {
	p := &fakeProber{deny: "no"}
	Probe(p, 80, nil)
	if len(p.called) != 0 {
		t.Errorf("probe bound %v although MayBind refused", p.called)
	}
	p = &fakeProber{}
	Probe(p, 8080, nil)
	want := []string{"0.0.0.0/false", "0.0.0.0/true", "127.0.0.1/false", "127.0.0.1/true", "::/false", "::/true", "::1/false", "::1/true"}
	if diff := cmp.Diff(want, p.called); diff != "" {
		t.Errorf("binds tried (-want +got):\n%s", diff)
	}
}

func TestProbeUnsupported(t *testing.T) {
	p := &fakeProber{errs: map[string]error{"0.0.0.0/false": fmt.Errorf("bind: %w", errors.ErrUnsupported)}}
	r := Probe(p, 8080, nil)
	if r.Verdict != VerdictNotProbed || !strings.HasPrefix(r.Skipped, "probe not available") || len(r.Attempts) != 0 {
		t.Errorf("%+v", r)
	}
}

// TestProbeProtos: the probe binds the protocol asked about, whichever it
// is; else every port protocol the port's sockets use, TCP when none. A
// UDP-Lite or SCTP port was probed with TCP.
func TestProbeProtos(t *testing.T) {
	on := func(ps ...core.Proto) []core.Socket {
		var out []core.Socket
		for _, p := range ps {
			out = append(out, core.Socket{Proto: p, Local: ep("127.0.0.1", 5000)})
		}
		return out
	}
	for _, c := range []struct {
		socks []core.Socket
		only  core.Proto
		want  []core.Proto
	}{
		{nil, "", []core.Proto{core.TCP}},
		{on(core.UDPLite), "", []core.Proto{core.UDPLite}},
		{on(core.SCTP, core.UDP, core.TCP, core.UDP), "", []core.Proto{core.TCP, core.UDP, core.SCTP}},
		{on(core.Raw), "", []core.Proto{core.TCP}},
		{on(core.TCP), core.UDPLite, []core.Proto{core.UDPLite}},
		{nil, core.SCTP, []core.Proto{core.SCTP}},
		{on(core.UDP), core.TCP, []core.Proto{core.TCP}},
	} {
		if got := ProbeProtos(c.socks, c.only); !cmp.Equal(got, c.want) {
			t.Errorf("ProbeProtos(%v, %q) = %v, want %v", c.socks, c.only, got, c.want)
		}
	}
}

func TestProbeOverlaps(t *testing.T) {
	sock := func(fam core.Family, addr string, v6only *bool) *core.Socket {
		s := &core.Socket{Proto: core.TCP, Family: fam, Local: ep(addr, 8080)}
		if v6only != nil {
			s.Owners = []core.Owner{{Options: &core.SockOptions{V6Only: v6only}}}
		}
		return s
	}
	for _, tc := range []struct {
		probe string
		s     *core.Socket
		want  bool
	}{
		{"0.0.0.0", sock(core.Inet, "10.0.0.1", nil), true},
		{"127.0.0.1", sock(core.Inet, "10.0.0.1", nil), false},
		{"127.0.0.1", sock(core.Inet, "0.0.0.0", nil), true},
		{"127.0.0.1", sock(core.Inet6, "::", nil), true},
		{"127.0.0.1", sock(core.Inet6, "::", yes()), false},
		{"0.0.0.0", sock(core.Inet6, "::", yes()), false},
		{"0.0.0.0", sock(core.Inet6, "::1", nil), false},
		{"127.0.0.1", sock(core.Inet6, "::ffff:127.0.0.1", nil), true},
		{"::", sock(core.Inet, "10.0.0.1", nil), true},
		{"::1", sock(core.Inet, "0.0.0.0", nil), false},
		{"::1", sock(core.Inet6, "::", yes()), true},
		{"::1", sock(core.Inet6, "::1", nil), true},
		{"::1", sock(core.Inet6, "fe80::1", nil), false},
		{"::1", sock(core.Inet6, "::ffff:127.0.0.1", nil), false},
	} {
		if got := overlaps(netip.MustParseAddr(tc.probe), tc.s); got != tc.want {
			t.Errorf("probe %s vs %s %s (v6only %v): %v, want %v", tc.probe, tc.s.Family, tc.s.Local.Addr, tc.s.Owners, got, tc.want)
		}
	}
}

// A TCP socket in CLOSE (bound only, or a failed connect) is no
// connection: why says so instead of counting it as one.
func TestWhyBoundIsNoConnection(t *testing.T) {
	socks := []core.Socket{{Proto: core.TCP, Family: core.Inet, State: core.Close, Local: core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: 43102}, UID: -1,
		Owners: []core.Owner{{PID: 4242, FD: 4, Proc: &core.Process{PID: 4242, Comm: "client", UID: 0}}}}}
	var b strings.Builder
	if err := WriteWhy(&b, Diagnose(43102, socks, nil)); err != nil {
		t.Fatal(err)
	}
	want := "Port 43102 is in use: no listeners, no connections, 1 socket bound but not connected (CLOSE).\n"
	if got, _, _ := strings.Cut(b.String(), "\n"); got+"\n" != want {
		t.Errorf("first line %q, want %q", got+"\n", want)
	}
}

// The processes at the other end of CLOSE_WAIT connections are named.
func TestWhyClosingPeers(t *testing.T) {
	client := core.Owner{PID: 4243, FD: 7, Proc: &core.Process{PID: 4243, Comm: "client", UID: 0}}
	server := core.Owner{PID: 4242, FD: 5, Proc: &core.Process{PID: 4242, Comm: "server", UID: 0}}
	var socks []core.Socket
	for i := 0; i < 2; i++ {
		socks = append(socks, core.Socket{Proto: core.TCP, Family: core.Inet, State: core.CloseWait,
			Local: core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: 8080}, UID: -1,
			Remote: &core.Endpoint{Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(50000 + i)},
			Owners: []core.Owner{server}, PeerOwners: []core.Owner{client}})
	}
	var b strings.Builder
	if err := WriteWhy(&b, Diagnose(8080, socks, nil)); err != nil {
		t.Fatal(err)
	}
	if want := "  The 2 peers were opened by 4243/client, which closed them.\n"; !strings.Contains(b.String(), want) {
		t.Errorf("no %q in\n%s", want, b.String())
	}
}

// WriteWhys with --all-netns: a heading per namespace, or a JSON array.
func TestWhysPerNetNSGolden(t *testing.T) {
	var ds []*Why
	var all []core.Socket
	for i, tc := range diagnoseCases()[:2] {
		socks := append([]core.Socket(nil), tc.socks...)
		for j := range socks {
			socks[j].NetNS = 4026531840 + uint64(i)
			if i == 1 { // named: the heading gives the name after the inode
				socks[j].NSLabel = &core.NSLabel{Name: "blue"}
			}
		}
		all = append(all, socks...)
		ds = append(ds, Diagnose(tc.port, socks, Probe(tc.prober, tc.port, socks)))
	}
	var b bytes.Buffer
	if err := WriteWhys(&b, ds, all, true, false); err != nil {
		t.Fatal(err)
	}
	b.WriteString("--- json\n")
	var j bytes.Buffer
	if err := WriteWhys(&j, ds, all, true, true); err != nil {
		t.Fatal(err)
	}
	// each diagnosis names its namespace, as its sockets do
	var got []struct {
		NetNS     uint64  `json:"netns"`
		NetNSName *string `json:"netns_name"`
	}
	if err := json.Unmarshal(j.Bytes(), &got); err != nil || len(got) != 2 || got[0].NetNS != 4026531840 || got[0].NetNSName != nil ||
		got[1].NetNS != 4026531841 || got[1].NetNSName == nil || *got[1].NetNSName != "blue" {
		t.Errorf("why -A --json: the diagnoses name their namespaces %+v (%v), want 4026531840, then 4026531841 named blue", got, err)
	}
	b.Write(j.Bytes())
	goldenFile(t, "why_netns.golden", b.Bytes())
}

// TestWhyUDPGolden: a UDP server that sets SO_REUSEADDR on 0.0.0.0 (a
// resolver): the binds with SO_REUSEADDR beside it are told, marked, and
// said why once.
func TestWhyUDPGolden(t *testing.T) {
	socks := []core.Socket{{Proto: core.UDP, Family: core.Inet, Type: core.Dgram, State: core.Unconn, Local: ep("0.0.0.0", 5353), Inode: 40, UID: 1000,
		Owners: owner(3, &core.SockOptions{ReuseAddr: yes(), ReusePort: no()})}}
	p := &fakeProber{errs: map[string]error{"0.0.0.0/false": inUse, "127.0.0.1/false": inUse, "::/false": inUse}}
	d := Diagnose(5353, socks, ProbeProto(p, core.UDP, 5353, socks))
	var b bytes.Buffer
	if err := WriteWhy(&b, d); err != nil {
		t.Fatal(err)
	}
	b.WriteString("--- json\n")
	if err := WriteWhyJSON(&b, d); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "why_udp.golden", b.Bytes())
}

// TestUDPProbeTells: a UDP or UDP-Lite bind with SO_REUSEADDR or
// SO_REUSEPORT where a socket on the port overlaps the address would take
// that socket's datagrams: it is never made (the prober never sees it),
// but told from the sockets' options and uids by the kernel's rule; the
// verdict and the SO_REUSEPORT group take it as they take a real one.
// Binds without an option, and TCP's, are made.
func TestUDPProbeTells(t *testing.T) {
	sock := func(proto core.Proto, addr string, uid int64, ra, rp *bool) core.Socket {
		s := core.Socket{Proto: proto, Family: core.Inet, State: core.Unconn, Local: ep(addr, 8080), Inode: 30, UID: uid,
			Owners: []core.Owner{{PID: 4242, FD: 3, Proc: server, Options: &core.SockOptions{ReuseAddr: ra, ReusePort: rp}}}}
		if addr == "::" {
			s.Family = core.Inet6
		}
		if proto == core.TCP {
			s.State = core.Listen
		}
		if ra == nil && rp == nil {
			s.Owners[0].Options = nil // not readable
		}
		return s
	}
	connected := sock(core.UDP, "127.0.0.1", 1000, no(), no())
	connected.State, connected.Remote = core.Established, epp("10.0.0.5", 53)
	// a real bind without options fails wherever a socket overlaps
	plain := func(addrs ...string) map[string]error {
		m := map[string]error{}
		for _, a := range addrs {
			m[a+"/false"] = inUse
		}
		return m
	}
	v4, all := plain("0.0.0.0", "127.0.0.1", "::"), plain("0.0.0.0", "127.0.0.1", "::", "::1")
	for _, tc := range []struct {
		name    string
		proto   core.Proto
		s       core.Socket
		p       *fakeProber
		want    string // the SO_REUSEADDR, then SO_REUSEPORT cells, by address
		verdict Verdict
		message string
	}{
		{"both SO_REUSEADDR", core.UDP, sock(core.UDP, "0.0.0.0", 1000, yes(), no()), &fakeProber{errs: v4},
			"0.0.0.0 ok* 127.0.0.1 ok* :: ok* ::1 ok", VerdictReuseAddr, "only if it sets SO_REUSEADDR"},
		{"UDP-Lite", core.UDPLite, sock(core.UDPLite, "0.0.0.0", 1000, yes(), no()), &fakeProber{errs: v4},
			"0.0.0.0 ok* 127.0.0.1 ok* :: ok* ::1 ok", VerdictReuseAddr, "A new UDP-Lite server can bind"},
		{"no options", core.UDP, sock(core.UDP, "127.0.0.1", 1000, no(), no()), &fakeProber{errs: v4},
			"0.0.0.0 in use* 127.0.0.1 in use* :: in use* ::1 ok", VerdictSome, "only [::1]:8080 would work."},
		{"a connected socket is in the way too", core.UDP, connected, &fakeProber{errs: v4},
			"0.0.0.0 in use* 127.0.0.1 in use* :: in use* ::1 ok", VerdictSome, "only [::1]:8080 would work."},
		{"dual-stack, no options", core.UDP, sock(core.UDP, "::", 1000, no(), no()), &fakeProber{errs: all},
			"0.0.0.0 in use* 127.0.0.1 in use* :: in use* ::1 in use*", VerdictBlocked, "No new UDP server can bind port 8080 now."},
		{"SO_REUSEPORT, gosof's user", core.UDP, sock(core.UDP, "::", 1000, no(), yes()), &fakeProber{errs: all, uid: 1000},
			"0.0.0.0 in use* ok* 127.0.0.1 in use* ok* :: in use* ok* ::1 in use* ok*", VerdictReusePort,
			"runs as user app, as gosof's bind would: it joins the SO_REUSEPORT group"},
		{"SO_REUSEPORT, another user's", core.UDP, sock(core.UDP, "::", 1000, no(), yes()), &fakeProber{errs: all},
			"0.0.0.0 in use* in use* 127.0.0.1 in use* in use* :: in use* in use* ::1 in use* in use*", VerdictBlocked,
			"runs as user app could join the group in the way: its sockets set SO_REUSEPORT and admit only their user's; gosof runs as user root, so its own bind with SO_REUSEPORT would fail."},
		{"SO_REUSEPORT, whose unknown", core.UDP, sock(core.UDP, "::", -1, no(), yes()), &fakeProber{errs: all},
			"0.0.0.0 in use* unknown* 127.0.0.1 in use* unknown* :: in use* unknown* ::1 in use* unknown*", VerdictBlocked,
			"could join the sockets in the way is unknown"},
		{"options unknown", core.UDP, sock(core.UDP, "::", 1000, nil, nil), &fakeProber{errs: all},
			"0.0.0.0 unknown* 127.0.0.1 unknown* :: unknown* ::1 unknown*", VerdictUnknown,
			"A new UDP server cannot bind port 8080 now without SO_REUSEADDR; whether it can with it is unknown: gosof could not read the options of the sockets in the way."},
		{"TCP binds", core.TCP, sock(core.TCP, "0.0.0.0", 1000, yes(), no()), &fakeProber{errs: v4},
			"0.0.0.0 ok 127.0.0.1 ok :: ok ::1 ok", VerdictReuseAddr, "A new TCP server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ProbeProto(tc.p, tc.proto, 8080, []core.Socket{tc.s})
			var got []string
			for _, a := range r.Attempts {
				if a.ReusePort || !a.ReuseAddr {
					continue
				}
				got = append(got, a.Addr.String(), attemptWord(a))
				for _, b := range r.Attempts {
					if b.ReusePort && b.Addr == a.Addr {
						got = append(got, attemptWord(b))
					}
				}
				key := a.Addr.String() + "/true"
				for _, c := range tc.p.called {
					if a.Told && (c == key || c == a.Addr.String()+"/port") {
						t.Errorf("%s was bound, and told", c)
					}
				}
				if a.Told && a.InUse != (len(a.Blockers) == 1) {
					t.Errorf("%s: in use %v, blockers %v", key, a.InUse, a.Blockers)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("attempts %q, want %q", g, tc.want)
			}
			for _, c := range tc.p.called {
				if strings.HasSuffix(c, "/false") {
					continue
				}
				if tc.proto != core.TCP && overlaps(netip.MustParseAddr(strings.Split(c, "/")[0]), &tc.s) {
					t.Errorf("bound %s with an option beside %s", c, core.FormatLocal(&tc.s))
				}
			}
			if r.Verdict != tc.verdict || !strings.Contains(r.Message(), tc.message) {
				t.Errorf("verdict %s, message %q; want %s, %q", r.Verdict, r.Message(), tc.verdict, tc.message)
			}
		})
	}
}

// TestReusePortGroup: where SO_REUSEADDR does not get the wildcard, the
// probe binds with SO_REUSEPORT, as its own user, unless the sockets in
// the way are known not to set it; what a server of their user gets is
// judged from that bind when gosof is that user, else from their options.
func TestReusePortGroup(t *testing.T) {
	sock := func(proto core.Proto, state core.State, addr string, uid int64, reusePort *bool) core.Socket {
		s := core.Socket{Proto: proto, Family: core.Inet, State: state, Local: ep(addr, 8080), Inode: uint64(20 + uid), UID: uid}
		if addr == "::" {
			s.Family = core.Inet6
		}
		if state != core.TimeWait {
			o := &core.SockOptions{ReusePort: reusePort}
			if reusePort == nil {
				o = nil // not readable
			}
			s.Owners = []core.Owner{{PID: int(4000 + uid), FD: 3, Proc: server, Options: o}}
		} else {
			s.UID, s.Remote = -1, epp("10.0.0.5", 50000)
		}
		return s
	}
	lst := func(uid int64, rp *bool) core.Socket { return sock(core.TCP, core.Listen, "0.0.0.0", uid, rp) }
	udp := sock(core.UDP, core.Unconn, "0.0.0.0", 1000, yes())
	udp.Owners[0].Options.ReuseAddr = no()
	// every bind without SO_REUSEPORT fails; with it, as port says
	binds := func(port error) map[string]error {
		m := map[string]error{}
		for _, a := range []string{"0.0.0.0", "127.0.0.1", "::", "::1"} {
			m[a+"/false"], m[a+"/true"], m[a+"/port"] = inUse, inUse, port
		}
		return m
	}
	unsupported := fmt.Errorf("SO_REUSEPORT: %w", errors.ErrUnsupported)
	const noGroup Join = 4
	for _, tc := range []struct {
		name    string
		proto   core.Proto
		socks   []core.Socket
		p       *fakeProber
		join    Join // noGroup: none
		tried   bool
		verdict Verdict
		message string
	}{
		{"joins as their user", core.TCP, []core.Socket{lst(0, yes())}, &fakeProber{errs: binds(nil)}, JoinYes, true, VerdictReusePort,
			"A new TCP server can bind port 8080 now only if it sets SO_REUSEPORT and runs as user root, as gosof's bind did: it joins the SO_REUSEPORT group in the way"},
		{"another user's group", core.TCP, []core.Socket{lst(1000, yes())}, &fakeProber{errs: binds(inUse)}, JoinCould, true, VerdictBlocked,
			"No new TCP server can bind port 8080 now. A server that sets SO_REUSEPORT and runs as user app could join the group in the way: " +
				"its sockets set SO_REUSEPORT and admit only their user's; gosof runs as user root, so its own bind with SO_REUSEPORT failed."},
		{"holders without SO_REUSEPORT", core.TCP, []core.Socket{lst(1000, no())}, &fakeProber{errs: binds(nil)}, JoinNo, false, VerdictBlocked,
			"No new TCP server can bind port 8080 now."},
		{"refused as their user", core.TCP, []core.Socket{lst(1000, yes())}, &fakeProber{errs: binds(inUse), uid: 1000}, JoinNo, true, VerdictBlocked,
			"No new TCP server can bind port 8080 now. Not even with SO_REUSEPORT, as user app."},
		{"options unknown", core.TCP, []core.Socket{lst(1000, nil)}, &fakeProber{errs: binds(inUse)}, JoinUnknown, true, VerdictBlocked,
			"No new TCP server can bind port 8080 now. A server that sets SO_REUSEPORT and runs as user app could join the sockets in the way if they set SO_REUSEPORT too, which gosof could not read."},
		{"two users", core.TCP, []core.Socket{lst(1000, yes()), sock(core.TCP, core.Listen, "::", 1001, yes())}, &fakeProber{errs: binds(nil)}, JoinNo, false, VerdictBlocked,
			"No new TCP server can bind port 8080 now."},
		{"TIME_WAIT without SO_REUSEPORT", core.TCP, []core.Socket{sock(core.TCP, core.TimeWait, "127.0.0.1", 0, nil)}, &fakeProber{errs: binds(inUse)}, JoinNo, true, VerdictBlocked,
			"No new TCP server can bind port 8080 now. Not even with SO_REUSEPORT."},
		{"no SO_REUSEPORT here", core.TCP, []core.Socket{lst(1000, yes())}, &fakeProber{errs: binds(unsupported)}, JoinCould, false, VerdictBlocked,
			"could join the group in the way: its sockets set SO_REUSEPORT and admit only their user's."},
		// told, not bound (tell): the answer is the kernel's rule's
		{"UDP", core.UDP, []core.Socket{udp}, &fakeProber{errs: binds(nil), uid: 1000}, JoinYes, true, VerdictReusePort,
			"A new UDP server can bind port 8080 now only if it sets SO_REUSEPORT and runs as user app, as gosof's bind would: it joins"},
		{"SCTP", core.SCTP, []core.Socket{sock(core.SCTP, core.Listen, "0.0.0.0", 1000, yes())}, &fakeProber{errs: binds(nil)}, noGroup, false, VerdictBlocked,
			"No new SCTP server can bind port 8080 now."},
		{"free", core.TCP, nil, &fakeProber{}, noGroup, false, VerdictFree, "A new TCP server can bind port 8080 now, on any address."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ProbeProto(tc.p, tc.proto, 8080, tc.socks)
			if g := r.Group; g == nil && tc.join != noGroup || g != nil && (g.Join != tc.join || g.Tried != tc.tried) {
				t.Errorf("group %+v, want join %s, tried %v", g, joinNames[tc.join%noGroup], tc.tried)
			}
			var port []string
			for _, c := range tc.p.called {
				if strings.HasSuffix(c, "/port") {
					port = append(port, c)
				}
			}
			if (len(port) > 0) != (tc.tried || errors.Is(tc.p.errs["::/port"], errors.ErrUnsupported)) {
				t.Errorf("binds with SO_REUSEPORT: %v", port)
			}
			if r.Verdict != tc.verdict || !strings.Contains(r.Message(), tc.message) {
				t.Errorf("verdict %s, message %q; want %s, %q", r.Verdict, r.Message(), tc.verdict, tc.message)
			}
		})
	}
}
