package core

import (
	"errors"
	"math/rand"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/internal/golden"
)

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("..", "testdata", "core", name), got)
}

func ep(addr string, port uint16) Endpoint {
	return Endpoint{Addr: netip.MustParseAddr(addr), Port: port}
}

func epp(addr string, port uint16) *Endpoint { e := ep(addr, port); return &e }

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"java", "java"},
		{"ev\x1b[31mil\nx", `ev\x1b[31mil\nx`},
		{"tab\there", `tab\there`},
		{`back\slash`, `back\\slash`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"del\x7f", `del\x7f`},
		{"héllo wörld", "héllo wörld"},
		{"c1\u0085ctl", `c1\u0085ctl`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		// a space at either end is seen; one inside is plain
		{"nginx ", `nginx\x20`},
		{" nginx", `\x20nginx`},
		{"my server", "my server"},
		{" ", `\x20`},
		{"  ", `\x20\x20`},
		{"   ", `\x20 \x20`},
		{"", ""},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParsePort(t *testing.T) {
	tcp := func(p uint16) PortRange { return PortRange{Lo: p, Hi: p, Proto: TCP} }
	udp := func(p uint16) PortRange { return PortRange{Lo: p, Hi: p, Proto: UDP} }
	services := Services{"http": {tcp(80)}, "domain": {tcp(53), udp(53)}, "http-alt": {tcp(8080)}, "ms-sql-s": {tcp(1433)},
		"who": {udp(513)}, "login": {tcp(513)}}
	for _, tc := range []struct {
		in      string
		want    []PortRange
		wantErr string
	}{
		{"8080", []PortRange{{Lo: 8080, Hi: 8080}}, ""},
		{"8000-8080", []PortRange{{Lo: 8000, Hi: 8080}}, ""},
		{"HTTP", []PortRange{tcp(80)}, ""},
		// A service name means its protocols in /etc/services only.
		{"domain", []PortRange{tcp(53), udp(53)}, ""},
		{"who", []PortRange{udp(513)}, ""},
		{"udp:who", []PortRange{udp(513)}, ""},
		{"tcp:who", nil, "no tcp port"},
		{"who/tcp", nil, "no tcp port"},
		{"0", nil, "not a port"},
		{"65536", nil, "not a port"},
		{"-22", nil, `"-22" is not a port`},
		{"80-70", nil, "backwards"},
		{"80-x", nil, "not a port range"},
		// Spellings from lsof (-i :8080, -i tcp:8080) and /etc/services (8080/tcp).
		{":8080", []PortRange{{Lo: 8080, Hi: 8080}}, ""},
		{"tcp:8080", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP}}, ""},
		{"TCP:8080", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP}}, ""},
		{"8080/tcp", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP}}, ""},
		{"udp/53", []PortRange{{Lo: 53, Hi: 53, Proto: UDP}}, ""},
		{"53/UDP", []PortRange{{Lo: 53, Hi: 53, Proto: UDP}}, ""},
		{"udp:domain", []PortRange{{Lo: 53, Hi: 53, Proto: UDP}}, ""},
		{"tcp:8000-8080", []PortRange{{Lo: 8000, Hi: 8080, Proto: TCP}}, ""},
		{"8000-8080/tcp", []PortRange{{Lo: 8000, Hi: 8080, Proto: TCP}}, ""},
		{":http", []PortRange{tcp(80)}, ""},
		// Service names with '-' are names, not ranges.
		{"http-alt", []PortRange{tcp(8080)}, ""},
		{"ms-sql-s", []PortRange{tcp(1433)}, ""},
		{"tcp:http-alt", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP}}, ""},
		{"http-alt/tcp", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP}}, ""},
		{"no-such-svc", nil, "unknown service"},
		{"unix:80", nil, "no ports"},
		{"raw/1", nil, "no ports"},
		{"tpc:80", nil, "not a protocol"},
		// an address gosof cannot read as one: a name, or IPv6 without brackets
		{"localhost:80", nil, "nor an address (gosof resolves no names"},
		{"::1:8080", nil, "an IPv6 address with a port is written in brackets, [ADDR]:PORT"},
		{"fe80::1:80", nil, "[ADDR]:PORT"},
		{"tcp:::1:80", nil, "[ADDR]:PORT"},
		{"80/tpc", nil, "not a protocol"},
		{"tcp:", nil, "has no port"},
		{":", nil, "has no port"},
		{"tcp", nil, "is a protocol"},
		{"tcp:0", nil, "not a port"},
		{"[::1]:80", []PortRange{{Lo: 80, Hi: 80, Addr: netip.MustParseAddr("::1")}}, ""},
		{"127.0.0.1:8080", []PortRange{{Lo: 8080, Hi: 8080, Addr: netip.MustParseAddr("127.0.0.1")}}, ""},
		{"tcp:127.0.0.1:http-alt", []PortRange{{Lo: 8080, Hi: 8080, Proto: TCP, Addr: netip.MustParseAddr("127.0.0.1")}}, ""},
		{"[fe80::1%eth0]:8443", []PortRange{{Lo: 8443, Hi: 8443, Addr: netip.MustParseAddr("fe80::1%eth0")}}, ""},
		{"10.0.0.5:53/udp", []PortRange{{Lo: 53, Hi: 53, Proto: UDP, Addr: netip.MustParseAddr("10.0.0.5")}}, ""},
		{"[::1:80", nil, "want [IPv6]:PORT"},
		{"[10.0.0.1]:80", nil, "not an IPv6 address"},
		{"300.0.0.1:80", nil, "not an IPv4 address"},
		{"127.0.0.1:", nil, "has no port"},
		{"nosuch", nil, "unknown service"},
		{"", nil, "empty port"},
	} {
		got, err := ParsePort(tc.in, services, "")
		if tc.wantErr != "" {
			var ue *UsageError
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
				t.Errorf("ParsePort(%q) err = %v, want a usage error containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tc.want, addrEqual) {
			t.Errorf("ParsePort(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParsePort("http", nil, ""); err == nil || !strings.Contains(err.Error(), "no /etc/services") {
		t.Errorf("service name without /etc/services: err = %v", err)
	}
}

// TestOnePortErrors: a command that takes one port (why) gets the one
// parser's errors in words that offer no range and no list, which it
// refuses; a command that takes ranges (who) keeps the words that offer
// them. why 0 said "want 1-65535, a range like 8000-8080, ...".
func TestOnePortErrors(t *testing.T) {
	tcp := func(p uint16) PortRange { return PortRange{Lo: p, Hi: p, Proto: TCP} }
	services := func() Services { return Services{"split": {tcp(1), {Lo: 2, Hi: 2, Proto: UDP}}, "http": {tcp(80)}} }
	const one = "why explains one port"
	for _, tc := range []struct {
		arg, want, wantMany string // the error for one port, and for many
	}{
		{"0", `"0" is not a port: want 1-65535 or a service name`, `"0" is not a port: want 1-65535, a range like 8000-8080, or a service name`},
		{"70000", `"70000" is not a port: want 1-65535 or a service name`, "a range like 8000-8080"},
		{"tcp:0", `"tcp:0" is not a port: want 1-65535 or a service name`, "a range like 8000-8080"},
		{"127.0.0.1:0", `"0" is not a port: want 1-65535 or a service name`, "a range like 8000-8080"},
		{"0-5", one + `; "0-5" is a range`, `"0-5" is not a port range like 8000-8080`},
		{"5-x", one + `; "5-x" is a range`, "not a port range"},
		{"9-5", one + `; "9-5" is a range`, "runs backwards"},
		{"1-5", one + `; "1-5" is a range`, ""},
		{"tcp:1-5", one + `; "tcp:1-5" is a range`, ""},
		{"8080,9090", one + `; "8080,9090" is a list`, ""},
		{"8080,0", one + `; "8080,0" is a list`, "a range like 8000-8080"},
		{"8080,", one + `; "8080," is a list`, "empty item in the list of ports"},
		// why explained the PATH and dropped the port
		{"8080,/run/app.sock", one + `; "8080,/run/app.sock" is a list`, ""},
		{"split", one + `; "split" names 1/tcp, 2/udp`, ""},
		{"", "empty port", "empty port"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			_, err := ParseFilter(FilterFlags{Ports: []string{tc.arg}, OnePort: one, Services: services})
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Msg != tc.want {
				t.Errorf("one port: err = %v, want a usage error %q", err, tc.want)
			}
			_, err = ParseFilter(FilterFlags{Ports: []string{tc.arg}, Services: services})
			if tc.wantMany == "" {
				if err != nil {
					t.Errorf("many ports: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantMany) {
				t.Errorf("many ports: err = %v, want %q", err, tc.wantMany)
			}
		})
	}
	// one port, as why takes it
	f, err := ParseFilter(FilterFlags{Ports: []string{"http"}, OnePort: one, Services: services})
	if err != nil || len(f.Ports) != 1 || f.Ports[0] != tcp(80) {
		t.Errorf("http: %v, %v", f, err)
	}
}

// TestProtoNarrowsServiceName: --proto narrows a service name's
// protocols as tcp:NAME does: "who domain --proto tcp" is 53/tcp. It was
// refused ("port 53/udp is udp only, but --proto leaves udp out"), though
// the name the user typed has a TCP port; a PORT --proto leaves nothing
// of is still refused.
func TestProtoNarrowsServiceName(t *testing.T) {
	tcp := func(p uint16) PortRange { return PortRange{Lo: p, Hi: p, Proto: TCP} }
	udp := func(p uint16) PortRange { return PortRange{Lo: p, Hi: p, Proto: UDP} }
	services := func() Services { return Services{"domain": {tcp(53), udp(53)}, "http": {tcp(80)}} }
	for _, tc := range []struct {
		ports, protos []string
		want          []PortRange
		wantErr       string
	}{
		{[]string{"domain"}, []string{"tcp"}, []PortRange{tcp(53)}, ""},
		{[]string{"domain"}, []string{"udp"}, []PortRange{udp(53)}, ""},
		{[]string{"domain", "8080"}, []string{"tcp,udp"}, []PortRange{tcp(53), udp(53), {Lo: 8080, Hi: 8080}}, ""},
		{[]string{"domain"}, []string{"sctp"}, nil, "port 53/tcp, 53/udp is tcp,udp only, but --proto leaves tcp,udp out"},
		{[]string{"udp/53"}, []string{"tcp"}, nil, "port 53/udp is udp only, but --proto leaves udp out"},
		{[]string{"http", "udp/53"}, []string{"tcp"}, nil, "port 53/udp is udp only"},
	} {
		f, err := ParseFilter(FilterFlags{Ports: tc.ports, Protos: tc.protos, Services: services})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v --proto %v: err = %v, want %q", tc.ports, tc.protos, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v --proto %v: %v", tc.ports, tc.protos, err)
			continue
		}
		if diff := cmp.Diff(tc.want, f.Ports, addrEqual); diff != "" {
			t.Errorf("%v --proto %v: ports (-want +got):\n%s", tc.ports, tc.protos, diff)
		}
	}
}

func TestParseServices(t *testing.T) {
	in := "# comment\nhttp\t\t80/tcp\t\twww # WorldWideWeb\nhttp 80/udp\ndomain 53/udp\nbroken\nbad x/tcp\n" +
		"rtmp 1/ddp\nwho 513/udp whod\nlogin 513/tcp\nsctpsvc 9/sctp\nhttp 80/tcp\n"
	s, err := ParseServices(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	r := func(p uint16, proto Proto) PortRange { return PortRange{Lo: p, Hi: p, Proto: proto} }
	want := Services{"http": {r(80, TCP), r(80, UDP)}, "www": {r(80, TCP)}, "domain": {r(53, UDP)},
		"who": {r(513, UDP)}, "whod": {r(513, UDP)}, "login": {r(513, TCP)}, "sctpsvc": {r(9, SCTP)}}
	if diff := cmp.Diff(want, s, addrEqual); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := s.Lookup("HTTP"); !cmp.Equal(got, []uint16{80}) {
		t.Errorf("Lookup(HTTP) = %v, want [80]", got)
	}
	for _, tc := range []struct {
		rs   []PortRange
		want PortRange
		ok   bool
	}{
		{[]PortRange{r(53, TCP), r(53, UDP)}, PortRange{Lo: 53, Hi: 53}, true},
		{[]PortRange{r(80, TCP)}, r(80, TCP), true},
		{[]PortRange{r(80, TCP), r(81, TCP)}, PortRange{}, false},
		{[]PortRange{{Lo: 80, Hi: 90}}, PortRange{}, false},
		{nil, PortRange{}, false},
	} {
		if got, ok := OnePort(tc.rs); got != tc.want || ok != tc.ok {
			t.Errorf("OnePort(%v) = %v, %v; want %v, %v", tc.rs, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseState(t *testing.T) {
	for in, want := range map[string]State{
		"close-wait": CloseWait, "CLOSE_WAIT": CloseWait, "close_wait": CloseWait,
		"estab": Established, "listening": Listen, "time-wait": TimeWait, "fin-wait-2": FinWait2, "unconn": Unconn,
	} {
		if got, err := ParseState(in); got != want || err != nil {
			t.Errorf("ParseState(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseState("waiting"); err == nil {
		t.Error("ParseState(waiting) did not fail")
	}
}

func TestFilterMatchPort(t *testing.T) {
	s := Socket{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", 40000), Remote: epp("127.0.0.1", 8080)}
	for _, tc := range []struct {
		side Side
		want bool
	}{{SideLocal, false}, {SideRemote, true}, {SideAny, true}} {
		f := Filter{Ports: []PortRange{{Lo: 8080, Hi: 8080}}, Side: tc.side}
		if got := f.MatchSocket(&s); got != tc.want {
			t.Errorf("side %v: match = %v, want %v", tc.side, got, tc.want)
		}
	}
	u := Socket{Proto: Unix, Family: Local, State: Listen}
	if (&Filter{Ports: []PortRange{{Lo: 1, Hi: 65535}}}).MatchSocket(&u) {
		t.Error("a port filter matched a unix socket")
	}
}

// fakeSource serves fixed sockets and owners to the resolver.
type fakeSource struct {
	socks  []Socket
	owners map[uint64][]Owner
	procs  map[int]*Process
}

func (f *fakeSource) Sockets(*Filter) ([]Socket, error) {
	return append([]Socket(nil), f.socks...), nil
}

func (f *fakeSource) AttachOwners(socks []Socket, _ []int) (Unseen, error) {
	for i := range socks {
		socks[i].Owners = append([]Owner(nil), f.owners[socks[i].Inode]...)
	}
	return Unseen{Denied: 2, Hint: "be root"}, nil
}

func (f *fakeSource) Process(pid int) (*Process, error) {
	if p, ok := f.procs[pid]; ok {
		c := *p
		return &c, nil
	}
	return nil, ErrGone
}

func TestResolve(t *testing.T) {
	src := &fakeSource{
		socks: []Socket{
			{Proto: TCP, Family: Inet, State: Listen, Local: ep("0.0.0.0", 8080), Inode: 10, UID: 1000},
			{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 5000), Inode: 11, UID: 1000},
			{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", 5000), Remote: epp("127.0.0.1", 8080), Inode: 12, UID: 0},
			{Proto: TCP, Family: Inet, State: TimeWait, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 5001), UID: 1000},
		},
		owners: map[uint64][]Owner{
			10: {{PID: 4243, FD: 3}, {PID: 4242, FD: 5}},
			11: {{PID: 4242, FD: 17}, {PID: 7, FD: 1}}, // 7 exits before it is described
			12: {{PID: 500, FD: 4}},
		},
		procs: map[int]*Process{4242: {PID: 4242, Comm: "java", UID: 1000}, 4243: {PID: 4243, Comm: "java", UID: 1000}, 500: {PID: 500, Comm: "curl", UID: 0}},
	}
	r := &Resolver{Sockets: src, Owners: src, UserName: func(uid int64) string { return map[int64]string{0: "root", 1000: "app"}[uid] }}

	type row struct {
		State State
		Port  uint16
		PIDs  []int
	}
	rows := func(res *Result) []row {
		var out []row
		for _, s := range res.Sockets {
			r := row{State: s.State, Port: s.Local.Port}
			for _, o := range s.Owners {
				r.PIDs = append(r.PIDs, o.PID)
				if o.Proc == nil || o.Proc.User == "" {
					t.Errorf("owner %d not described", o.PID)
				}
			}
			out = append(out, r)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want []row
	}{
		{"local port", Filter{Ports: []PortRange{{Lo: 8080, Hi: 8080}}}, []row{
			{Listen, 8080, []int{4242, 4243}}, {Established, 8080, []int{4242}}, {TimeWait, 8080, nil}}},
		{"any side", Filter{Ports: []PortRange{{Lo: 8080, Hi: 8080}}, Side: SideAny, States: []State{Established}}, []row{
			{Established, 5000, []int{500}}, {Established, 8080, []int{4242}}}},
		{"pid keeps only that owner", Filter{PIDs: []int{4243}}, []row{{Listen, 8080, []int{4243}}}},
		{"user matches owners, and ownerless sockets by their uid", Filter{UIDs: []int64{1000}}, []row{
			{Listen, 8080, []int{4242, 4243}}, {Established, 8080, []int{4242}}, {TimeWait, 8080, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Resolve(&tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rows(res)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if res.Unseen.Denied != 2 {
				t.Errorf("unseen = %+v", res.Unseen)
			}
		})
	}
}

func TestUnseenMessage(t *testing.T) {
	hint := "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them"
	for _, tc := range []struct {
		u    Unseen
		want string
	}{
		{Unseen{}, ""},
		{Unseen{Hint: hint}, ""},
		{Unseen{Denied: 1, Hint: hint}, "1 process could not be inspected, so the holders of some sockets are unknown; " + hint},
		{Unseen{Denied: 3}, "3 processes could not be inspected, so the holders of some sockets are unknown; run as root to see them"},
		{Unseen{Denied: 2, Hint: hint, Hidden: "/proc hides other users' processes (hidepid=invisible)"},
			"2 processes could not be inspected and /proc hides other users' processes (hidepid=invisible), so the holders of some sockets are unknown; " + hint},
	} {
		if got := tc.u.Message(); got != tc.want {
			t.Errorf("%+v: Message() = %q, want %q", tc.u, got, tc.want)
		}
	}
}

// addrEqual compares netip.Addr values, whose fields cmp cannot see.
var addrEqual = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// TestAppendV4: the same text as netip.Addr.AppendTo, for every byte value.
func TestAppendV4(t *testing.T) {
	for i := 0; i < 256; i++ {
		for _, a := range [][4]byte{{byte(i), 0, 255, 9}, {1, byte(i), byte(255 - i), byte(i)}} {
			if got, want := string(appendV4(nil, a)), netip.AddrFrom4(a).String(); got != want {
				t.Fatalf("appendV4(%v) = %q, want %q", a, got, want)
			}
		}
	}
}

// TestSortIndexOrders: the index sort (a radix sort of packed keys where
// every socket has one, a merge sort of keys otherwise) gives the
// contract's order, compareSockets' with the index last, on random
// sockets of both kinds: ties of the whole key with other families,
// inodes and states among them, IPv6, unix paths and zones.
func TestSortIndexOrders(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("0.0.0.0"),
		netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1%eth0"), {}}
	states := []State{Listen, Established, TimeWait, CloseWait}
	for _, n := range []int{10, 300, 3000, radixWide + 5000} {
		for _, v4only := range []bool{true, false} {
			socks := make([]Socket, n)
			for i := range socks {
				s := &socks[i]
				pick := func() netip.Addr {
					a := addrs[rng.Intn(len(addrs))]
					for v4only && !a.Is4() {
						a = addrs[rng.Intn(4)]
					}
					return a
				}
				s.Proto = []Proto{TCP, UDP}[rng.Intn(2)]
				s.Family = Inet
				s.State = states[rng.Intn(len(states))]
				s.Inode = uint64(rng.Intn(3))
				s.Local = Endpoint{Addr: pick(), Port: uint16(rng.Intn(3))}
				if rng.Intn(3) > 0 {
					s.Remote = &Endpoint{Addr: pick(), Port: uint16(rng.Intn(70000))}
				}
				switch {
				case !v4only && rng.Intn(10) == 0:
					s.Proto, s.Family, s.Local = Unix, Local, Endpoint{Path: []string{"/a", "/b", "@c"}[rng.Intn(3)]}
				case rng.Intn(5) == 0: // unnamed: one long run of equal keys
					s.Proto, s.Family, s.Local, s.Remote = Unix, Local, Endpoint{}, nil
					s.Inode = uint64(rng.Intn(n))
				}
			}
			idx := sortIndex(socks)
			for i := 1; i < len(idx); i++ {
				a, b := idx[i-1], idx[i]
				c := compareSockets(&socks[a], &socks[b])
				if c > 0 || c == 0 && a > b {
					t.Fatalf("n=%d v4only=%v: %d (%v) before %d (%v)", n, v4only, a, socks[a], b, socks[b])
				}
			}
		}
	}
}

// TestPortNeedsServices: /etc/services is read for a name, never for a
// number, a negative one included (which ParsePort refuses as a number).
func TestPortNeedsServices(t *testing.T) {
	for in, want := range map[string]bool{"http": true, "tcp:http-alt": true, "53/udp": false, "8080": false, "-22": false, "8000-8080": false, "": false} {
		if got := PortNeedsServices(in); got != want {
			t.Errorf("PortNeedsServices(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPlural: counts agree with their noun, "process" too: messages said
// "2 process(es)" where they could not, or "2 processs" where Plural was
// used.
func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{1, "socket", "1 socket"}, {0, "socket", "0 sockets"}, {3, "LISTEN socket", "3 LISTEN sockets"},
		{1, "process", "1 process"}, {2, "process", "2 processes"}, {2, "address", "2 addresses"},
	} {
		if got := Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
	if got := (OptionsMissing{Processes: 2, Reason: "r"}).String(); got != "socket options of 2 processes could not be read: r" {
		t.Errorf("OptionsMissing.String() = %q", got)
	}
}
