package selfcheck

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

func sock(proto core.Proto, fam core.Family, local, remote string, st core.State, owners ...core.Owner) core.Socket {
	l := netip.MustParseAddrPort(local)
	s := core.Socket{Proto: proto, Family: fam, State: st, Local: core.Endpoint{Addr: l.Addr(), Port: l.Port()}, Owners: owners}
	if remote != "" {
		r := netip.MustParseAddrPort(remote)
		s.Remote = &core.Endpoint{Addr: r.Addr(), Port: r.Port()}
	}
	return s
}

func row(proto core.Proto, fam core.Family, local, remote string, st core.State, owners ...Owner) Row {
	r := Row{Proto: proto, Family: fam, State: st, Local: netip.MustParseAddrPort(local), Owners: owners, Line: "line " + local}
	if remote != "" {
		r.Remote = netip.MustParseAddrPort(remote)
	}
	return r
}

func TestCompare(t *testing.T) {
	listen := sock(core.TCP, core.Inet, "0.0.0.0:22", "", core.Listen, core.Owner{PID: 300, FD: 3})
	conn := sock(core.TCP, core.Inet, "10.0.0.5:22", "10.0.0.9:50000", core.Established, core.Owner{PID: 301, FD: 4})
	dual := sock(core.TCP, core.Inet6, "[::]:8080", "", core.Listen, core.Owner{PID: 1300, FD: 7})
	udp := sock(core.UDP, core.Inet, "0.0.0.0:53", "", core.Unconn, core.Owner{PID: 600, FD: 5})
	creator := sock(core.TCP, core.Inet, "10.0.0.5:2049", "10.0.0.7:1023", core.Established, core.Owner{PID: 77, FD: -1, Creator: true})
	unix := core.Socket{Proto: core.Unix, Family: core.Local, State: core.Listen}
	ours := []core.Socket{listen, conn, dual, udp, creator, unix}

	rListen := row(core.TCP, core.Inet, "0.0.0.0:22", "", core.Listen, Owner{PID: 300, FD: 3})
	rConn := row(core.TCP, core.Inet, "10.0.0.5:22", "10.0.0.9:50000", core.Established, Owner{PID: 301, FD: 4})
	rDual := row(core.TCP, core.Inet6, "[::]:8080", "", core.Listen, Owner{PID: 1300, FD: 7})
	rTwin := row(core.TCP, core.Inet, "0.0.0.0:8080", "", core.Listen) // netstat's IPv4 view of it
	rUDP := row(core.UDP, core.Inet, "0.0.0.0:53", "", core.Unconn, Owner{PID: 600, FD: 5})
	rCreator := row(core.TCP, core.Inet, "10.0.0.5:2049", "10.0.0.7:1023", core.Established)
	all := []Row{rListen, rConn, rDual, rUDP, rCreator}

	for _, tc := range []struct {
		name          string
		ours          []core.Socket
		before, after []Row
		twins         bool
		tables        string // "TCP agree/total/changed UDP ..."
		owners        string
		diffs         []string
	}{
		{"all agree", ours, all, all, false, "TCP 4/4/0 UDP 1/1/0", "4/4", nil},
		{"only in gosof", ours, all[1:], all[1:], false, "TCP 3/4/0 UDP 1/1/0", "3/3",
			[]string{"only in gosof: tcp 0.0.0.0:22 - LISTEN"}},
		{"only in ss", ours[1:], all, all, false, "TCP 3/4/0 UDP 1/1/0", "3/3",
			[]string{`only in ss: tcp 0.0.0.0:22 - LISTEN  ("line 0.0.0.0:22")`}},
		// Seen by one listing only: it came or went while checking.
		{"appeared while checking", ours, all[1:], all, false, "TCP 4/4/0 UDP 1/1/0", "4/4", nil},
		{"went while checking", ours[1:], all, all[1:], false, "TCP 3/3/1 UDP 1/1/0", "3/3", nil},
		// gosof saw the connection in another state than both listings.
		{"changed state", []core.Socket{sock(core.TCP, core.Inet, "10.0.0.5:22", "10.0.0.9:50000", core.FinWait1)},
			[]Row{rConn}, []Row{rConn}, false, "TCP 0/0/2 UDP 0/0/0", "0/0", nil},
		// netstat lists a dual-stack socket in both tables; gosof once.
		{"dual-stack twin, netstat", ours, append(all, rTwin), append(all, rTwin), true, "TCP 5/5/0 UDP 1/1/0", "4/4", nil},
		{"no twins in ss", ours, append(all, rTwin), append(all, rTwin), false, "TCP 4/5/0 UDP 1/1/0", "4/4",
			[]string{`only in ss: tcp 0.0.0.0:8080 - LISTEN  ("line 0.0.0.0:8080")`}},
		{"owners differ", ours, all,
			[]Row{rListen, row(core.TCP, core.Inet, "10.0.0.5:22", "10.0.0.9:50000", core.Established, Owner{PID: 301, FD: 4}, Owner{PID: 999, FD: 4}), rDual, rUDP, rCreator},
			false, "TCP 4/4/0 UDP 1/1/0", "3/4",
			[]string{"owners of tcp 10.0.0.5:22 10.0.0.9:50000 ESTABLISHED: gosof pid/fd 301/4; ss pid/fd 301/4, 999/4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Tool: "ss", Before: tc.before, After: tc.after, OwnerTool: "ss", Owners: tc.after, ListsTwins: tc.twins}
			if tc.twins {
				in.Tool, in.OwnerTool = "netstat -an", ""
			}
			rep := Compare(tc.ours, in)
			var tables []string
			for _, tb := range rep.Tables {
				tables = append(tables, tb.Name+" "+strconv.Itoa(tb.Agree)+"/"+strconv.Itoa(tb.Total)+"/"+strconv.Itoa(tb.Changed))
			}
			if got := strings.Join(tables, " "); got != tc.tables {
				t.Errorf("tables %q, want %q", got, tc.tables)
			}
			if rep.Owners != nil {
				if got := strconv.Itoa(rep.Owners.Agree) + "/" + strconv.Itoa(rep.Owners.Total); got != tc.owners {
					t.Errorf("owners %s, want %s", got, tc.owners)
				}
			}
			if diff := cmp.Diff(tc.diffs, rep.Diffs); diff != "" {
				t.Errorf("differences (-want +got):\n%s", diff)
			}
			if rep.Agrees() != (len(tc.diffs) == 0) {
				t.Errorf("Agrees() = %v", rep.Agrees())
			}
		})
	}
}

func TestComparePfiles(t *testing.T) {
	ours := []core.Socket{
		sock(core.TCP, core.Inet, "0.0.0.0:22", "", core.Listen, core.Owner{PID: 300, FD: 3}),
		sock(core.TCP, core.Inet, "10.0.0.5:22", "10.0.0.9:50000", core.Established, core.Owner{PID: 300, FD: 5}),
		sock(core.TCP, core.Inet, "0.0.0.0:111", "", core.Listen, core.Owner{PID: 400, FD: 5}),
		// A v4-mapped connection of an AF_INET6 socket, in the IPv4 table.
		sock(core.TCP, core.Inet, "10.0.0.5:41000", "10.0.0.1:3306", core.Established, core.Owner{PID: 500, FD: 7}),
		sock(core.TCP, core.Inet, "10.0.0.5:80", "", core.Listen, core.Owner{PID: 600, FD: 9}),
		sock(core.UDP, core.Inet, "0.0.0.0:53", "", core.Unconn, core.Owner{PID: 700, FD: 4}),
		sock(core.TCP, core.Inet, "10.0.0.5:2049", "10.0.0.7:1023", core.Established, core.Owner{PID: 77, FD: -1, Creator: true}),
		sock(core.TCP, core.Inet6, "[::]:23", "", core.Listen, core.Owner{PID: 800, FD: 4}),
		sock(core.TCP, core.Inet6, "[::]:24", "", core.Listen, core.Owner{PID: 800, FD: 99}),
	}
	pf, _, err := ParsePfiles(read(t, "pfiles.txt") +
		"500:\tjava\n   7: S_IFSOCK mode:0666 dev:1,0 ino:9 uid:0 gid:0 size:0\n\tsockname: AF_INET6 ::ffff:10.0.0.5  port: 41000\n\tpeername: AF_INET6 ::ffff:10.0.0.1  port: 3306\n" +
		"600:\thttpd\n   9: S_IFREG mode:0644 dev:1,0 ino:9 uid:0 gid:0 size:0\n" +
		"800:\tinetd\n   4: S_IFSOCK mode:0666 dev:1,0 ino:9 uid:0 gid:0 size:0\n\tsockname: AF_INET6 ::  port: 22\n")
	if err != nil {
		t.Fatal(err)
	}
	rep := Compare(ours, &Input{Tool: "netstat -an", Pfiles: pf})
	if rep.Procs == nil || rep.Procs.Agree != 3 || rep.Procs.Total != 5 || rep.Procs.Unchecked != 1 {
		t.Errorf("pfiles tally %+v, want 3 of 5 agree, 1 unchecked (700 is not in pfiles' output)", rep.Procs)
	}
	want := []string{
		"only in gosof: tcp 0.0.0.0:111 - LISTEN", "only in gosof: tcp 0.0.0.0:22 - LISTEN",
		"only in gosof: tcp 10.0.0.5:2049 10.0.0.7:1023 ESTABLISHED", "only in gosof: tcp 10.0.0.5:22 10.0.0.9:50000 ESTABLISHED",
		"only in gosof: tcp 10.0.0.5:41000 10.0.0.1:3306 ESTABLISHED", "only in gosof: tcp 10.0.0.5:80 - LISTEN",
		"only in gosof: tcp6 [::]:23 - LISTEN", "only in gosof: tcp6 [::]:24 - LISTEN",
		"only in gosof: udp 0.0.0.0:53 - UNCONN",
		"process 600: fd 9 (tcp 10.0.0.5:80 - LISTEN) is S_IFREG in pfiles",
		"process 800: fd 4 (tcp6 [::]:23 - LISTEN) is named [::]:22 in pfiles; fd 99 (tcp6 [::]:24 - LISTEN) is not open in pfiles",
	}
	got := append([]string(nil), rep.Diffs...)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
	if rep.Creators != 1 {
		t.Errorf("creators %d, want 1 (not compared)", rep.Creators)
	}
}
