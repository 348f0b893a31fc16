package solaris

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

// Every compiled layout must be told apart by its size within one byte
// order: that is all the decoder goes by.
func TestLayoutSizesDistinct(t *testing.T) {
	for name, ls := range map[string][]rowLayout{"tcp": zTCP4Layouts, "tcp6": zTCP6Layouts, "udp": zUDP4Layouts, "udp6": zUDP6Layouts} {
		seen := map[string]string{}
		for _, l := range ls {
			k := fmt.Sprint(l.Order, l.Size)
			if o, dup := seen[k]; dup {
				t.Errorf("%s: %s and %s are both %d bytes (%s)", name, o, l.name(), l.Size, l.Order)
			}
			seen[k] = l.name()
		}
	}
}

// TestLayoutsBySize writes one row in every compiled layout (current,
// pre-2019, legacy of both, amd64 and SPARC) and decodes it by the size
// the stats group gives.
func TestLayoutsBySize(t *testing.T) {
	tcp := conn{local: "10.0.0.1:22", remote: "10.0.0.2:5000", mib: 8, ce: 1, snxt: 110, suna: 100, rnxt: 57, rack: 50, cpid: 42, ctime: 7}
	udp := conn{local: "10.0.0.1:53", remote: "10.0.0.2:5000", mib: 3, cpid: 43, ctime: 8}
	for _, tc := range []struct {
		ls    []rowLayout
		level uint32
		name  uint32
		row   func(rowLayout, binary.ByteOrder, conn) []byte
		r     conn
		get   func(*MIB) []Row
	}{
		{zTCP4Layouts, levelTCP, nameTCPConn, tcp4Row, tcp, func(m *MIB) []Row { return m.TCP }},
		{zTCP6Layouts, levelTCP6, nameTCP6Conn, tcp6Row, conn{local: "[2001:db8::1]:22", remote: "[2001:db8::2]:5000", mib: 8, ce: 1, snxt: 110, suna: 100, rnxt: 57, rack: 50, cpid: 42, ctime: 7}, func(m *MIB) []Row { return m.TCP6 }},
		{zUDP4Layouts, levelUDP, nameUDPEntry, udp4Row, udp, func(m *MIB) []Row { return m.UDP }},
		{zUDP6Layouts, levelUDP6, nameUDP6Entry, udp6Row, conn{local: "[2001:db8::1]:53", remote: "[2001:db8::2]:5000", mib: 3, cpid: 43, ctime: 8}, func(m *MIB) []Row { return m.UDP6 }},
	} {
		for _, l := range tc.ls {
			t.Run(fmt.Sprint(tc.level, "/", l.name(), "/", l.Size), func(t *testing.T) {
				bo := binary.ByteOrder(binary.LittleEndian)
				if l.Order == "big" {
					bo = binary.BigEndian
				}
				stats := newStruct(zMIB2TCPSizeSPARC, bo)
				var statsLevel uint32 = levelTCP
				if tc.level == levelUDP || tc.level == levelUDP6 {
					statsLevel = levelUDP
					stats.i32(zUDPEntrySize, int32(l.Size)).i32(zUDP6EntrySize, int32(l.Size))
				} else {
					stats.i32(zTCPConnTableSize, int32(l.Size)).i32(zTCP6ConnTableSize, int32(l.Size))
				}
				g := []Group{{statsLevel, 0, stats.b}, {tc.level, tc.name, tc.row(l, bo, tc.r)}}
				m, err := DecodeMIB(g, bo)
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Notes) != 0 {
					t.Errorf("notes for a known layout: %q", m.Notes)
				}
				rows := tc.get(m)
				if len(rows) != 1 {
					t.Fatalf("%d rows", len(rows))
				}
				r := rows[0]
				if r.Layout != l.name() || r.Local != ap(tc.r.local) || r.Remote != ap(tc.r.remote) || r.MIBState != tc.r.mib {
					t.Errorf("row %+v", r)
				}
				if tc.level == levelTCP || tc.level == levelTCP6 {
					if r.CEState != 1 || r.SendQ != 9 || r.RecvQ != 7 {
						t.Errorf("ce_state %d, queues %d/%d; want 1, 9/7", r.CEState, r.SendQ, r.RecvQ)
					}
				}
				if r.HasCreation == l.Legacy || !l.Legacy && (r.CreationProcess != tc.r.cpid || r.CreationTime != tc.r.ctime) {
					t.Errorf("legacy %v: creation %v %d %d", l.Legacy, r.HasCreation, r.CreationProcess, r.CreationTime)
				}
			})
		}
	}
}

// TestQueues checks Send-Q and Recv-Q as netstat computes them.
func TestQueues(t *testing.T) {
	l := zTCP4Layouts[0]
	for _, tc := range []struct {
		snxt, suna, rnxt, rack uint32
		sendQ, recvQ           uint32
	}{
		{100, 100, 5, 5, 0, 0},                // nothing in flight: 0, not -1 or 2^32-1
		{101, 100, 5, 5, 0, 0},                // the SYN or FIN counts one
		{1100, 100, 505, 5, 999, 500},         // privileged: sequence numbers
		{1000, 0, 500, 0, 999, 500},           // unprivileged: differences, suna = rack = 0
		{5, 0xfffffff0, 3, 0xfffffffe, 20, 5}, // across a wrap of the sequence space
		{100, 200, 5, 10, 0, 0},               // behind: clamped at 0
	} {
		r := conn{local: "1.1.1.1:1", remote: "2.2.2.2:2", mib: 5, ce: 0, snxt: tc.snxt, suna: tc.suna, rnxt: tc.rnxt, rack: tc.rack}
		var row Row
		decodeTCPInfo(fields{tcp4Row(l, binary.LittleEndian, r), binary.LittleEndian}, &l, &row)
		if row.SendQ != tc.sendQ || row.RecvQ != tc.recvQ {
			t.Errorf("snxt %d suna %d rnxt %d rack %d: Send-Q %d Recv-Q %d, want %d %d",
				tc.snxt, tc.suna, tc.rnxt, tc.rack, row.SendQ, row.RecvQ, tc.sendQ, tc.recvQ)
		}
	}
}

func TestUnknownRowSize(t *testing.T) {
	b := openFixture(t, "unknown-size")
	got := resolve(t, b)
	want := []string{
		"tcp inet LISTEN 0.0.0.0:22 - q=0/0 []", // no entries, no creation: both views of sshd's listener stay
		"tcp inet CLOSE 0.0.0.0:41000 - q=0/0 []",
		"tcp inet TIME_WAIT 10.0.0.5:22 10.0.0.9:49999 q=0/0 []",
		"tcp inet ESTABLISHED 10.0.0.5:22 10.0.0.9:50000 q=0/0 [301/4/sshd]", // by fdinfo names
		"tcp inet SYN_SENT 10.0.0.5:42003 10.0.0.8:443 q=0/0 []",
		"tcp inet SYN_RECV 10.0.0.5:42004 10.0.0.8:443 q=0/0 []",
		"tcp inet ESTABLISHED 10.0.0.5:42005 10.0.0.8:443 q=0/0 []",
		"tcp inet FIN_WAIT1 10.0.0.5:42006 10.0.0.8:443 q=0/0 []",
		"tcp inet FIN_WAIT2 10.0.0.5:42007 10.0.0.8:443 q=0/0 []",
		"tcp inet CLOSE_WAIT 10.0.0.5:42008 10.0.0.8:443 q=0/0 []",
		"tcp inet LAST_ACK 10.0.0.5:42009 10.0.0.8:443 q=0/0 []",
		"tcp inet CLOSING 10.0.0.5:42010 10.0.0.8:443 q=0/0 []",
		"tcp inet TIME_WAIT 10.0.0.5:42011 10.0.0.8:443 q=0/0 []",
		"tcp inet6 LISTEN [::]:22 - q=0/0 [300/3/sshd]",
		"udp inet UNCONN 0.0.0.0:53 - q=0/0 []",
		"udp inet ESTABLISHED 10.0.0.5:40000 10.0.0.53:53 q=0/0 []",
		"udp inet6 UNCONN [::]:123 - q=0/0 []",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
	notes := b.Notes()
	if len(notes) != 2 || !strings.Contains(notes[0], "EXPER_SOCK_INFO (level 262 name 106): 20 bytes") ||
		!strings.Contains(notes[1], "row sizes not recognised (MIB2_TCP_CONN 180, MIB2_TCP6_CONN 212, MIB2_UDP_ENTRY 44, MIB2_UDP6_ENTRY 72 bytes, little byte order)") ||
		!strings.Contains(notes[1], "gosof debug capture DIR") {
		t.Errorf("notes: %q", notes)
	}
	if _, err := b.MIB(); err != nil || len(b.Notes()) != 2 {
		t.Errorf("a second read repeats the notes: %q, %v", b.Notes(), err)
	}
}

func TestPre2019(t *testing.T) {
	b := openFixture(t, "illumos-pre2019")
	r := &core.Resolver{Sockets: b, Owners: b, UserName: func(uid int64) string { return fmt.Sprint(uid) }}
	res, err := r.Resolve(&core.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Sockets {
		got = append(got, line(s))
	}
	// No EXPER_SOCK_INFO and no fdinfo: the creator is all there is. The
	// 0.0.0.0:22 and [::]:22 rows share port, creator and tick, which an
	// AF_INET and an IPV6_V6ONLY AF_INET6 listener made together do as
	// well as one dual-stack socket: both are listed, as netstat does.
	// The capture predates the clock rate in host.json: no creator is
	// proven, and the note says why.
	want := []string{
		"tcp inet LISTEN 0.0.0.0:22 - q=0/0 [300/-1/creator/unverified/sshd]",
		"tcp inet CLOSE 0.0.0.0:41000 - q=0/0 [301/-1/creator/unverified/ssh]",
		"tcp inet TIME_WAIT 10.0.0.5:22 10.0.0.9:49999 q=0/0 [300/-1/creator/unverified/sshd]",
		"tcp inet ESTABLISHED 10.0.0.5:22 10.0.0.9:50000 q=10/99 [300/-1/creator/unverified/sshd]",
		"tcp inet6 LISTEN [::]:22 - q=0/0 [300/-1/creator/unverified/sshd]",
		"udp inet UNCONN 0.0.0.0:53 - q=0/0 [600/-1/creator/unverified/named]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
	if h := res.Unseen.Hidden; !strings.Contains(h, "the creator named by 6 sockets could not be proven") || !strings.Contains(h, "does not record the kernel's clock rate, hz") {
		t.Errorf("Unseen.Hidden %q: want the 6 unproven creators and the missing hz", h)
	}
	if pids := core.OwnerPIDs(res.Sockets); len(pids) != 0 {
		t.Errorf("-t would print %v: an unverified creator is never printed", pids)
	}
}

// TestSockInfoValidation: a name-106 table that is not
// mib2_socketInfoEntry_t is not used, with a note; never an error.
func TestSockInfoValidation(t *testing.T) {
	bo := binary.LittleEndian
	a := amd64
	rows := [][]byte{
		tcp4Row(a.tcp, bo, conn{local: "0.0.0.0:80", remote: "0.0.0.0:0", mib: 2, ce: -3}),
		tcp4Row(a.tcp, bo, conn{local: "0.0.0.0:81", remote: "0.0.0.0:0", mib: 2, ce: -3}),
	}
	base := []Group{{levelTCP, 0, a.tcpStatsBytes()}, {levelTCP, nameTCPConn, join(rows...)}}
	e := func(idx int, ino uint64) []byte { return sieBytes(bo, idx, &sieEntry{inode: ino}) }
	for _, tc := range []struct {
		name string
		info []byte
		note string
	}{
		{"valid", join(e(1, 7)), ""},
		{"out of range", join(e(2, 7)), "entry for row 2 of 2"},
		{"twice", join(e(0, 7), e(0, 8)), "entry for row 0 of 2"},
		{"ragged", e(0, 7)[:31], "31 bytes is not a whole number of 32-byte entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DecodeMIB(append(append([]Group{}, base...), Group{levelTCP, nameSockInfo, tc.info}), bo)
			if err != nil {
				t.Fatal(err)
			}
			if tc.note == "" {
				if len(m.Notes) != 0 || !m.SockInfo || m.TCP[0].Info != nil || m.TCP[1].Info == nil || m.TCP[1].Info.Inode != 7 {
					t.Errorf("notes %q, SockInfo %v, infos %v %v", m.Notes, m.SockInfo, m.TCP[0].Info, m.TCP[1].Info)
				}
				return
			}
			if len(m.Notes) != 1 || !strings.Contains(m.Notes[0], tc.note) || m.SockInfo || m.TCP[0].Info != nil || m.TCP[1].Info != nil {
				t.Errorf("notes %q, SockInfo %v", m.Notes, m.SockInfo)
			}
		})
	}
}

func TestSockInfoMajor(t *testing.T) {
	// A 64-bit kernel dev_t: major in the high 32 bits (NBITSMINOR64).
	s := SockInfo{Dev: 0x0000005a_00000003}
	if s.Major() != 0x5a {
		t.Errorf("major %#x, want 0x5a", s.Major())
	}
}

// TestCaptureKeepsTLI captures the illumos world again: the TLI
// endpoint's fdinfo is kept, the character device that only shares its
// inode is not, host.json has the row sizes, and the replay of the copy
// decodes as the original.
func TestCaptureKeepsTLI(t *testing.T) {
	src := openFixture(t, "illumos-amd64")
	dir := t.TempDir()
	var warn bytes.Buffer
	if err := src.writeCapture(dir, HostInfo{OS: "SunOS", Release: "5.11", Arch: "i86pc"}, &warn); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mib2", "proc/400/fdinfo/5", "proc/400/psinfo", "proc/666/psinfo", "proc/800/fdinfo/3"} {
		if !bytes.Equal(readFixture(t, "illumos-amd64/"+f), mustRead(t, filepath.Join(dir, f))) {
			t.Errorf("%s not copied byte for byte", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "proc/400/fdinfo/0")); !os.IsNotExist(err) {
		t.Errorf("a character device that is no TLI endpoint was copied (stat err %v)", err)
	}
	var h HostInfo
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "host.json")), &h); err != nil ||
		!cmp.Equal(h.Rows, map[string]int{"tcp": 172, "tcp6": 200, "udp": 36, "udp6": 64}) || h.ByteOrder != "little" {
		t.Errorf("host.json: %+v, %v", h, err)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings: %q", warn.String())
	}
	again, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resolve(t, src), resolve(t, again)); diff != "" {
		t.Errorf("replay of the capture differs (-orig +capture):\n%s", diff)
	}
}

// TestSockInfoPerLevel: a level whose EXPER_SOCK_INFO table was not used
// falls back to fdinfo names, while the other levels keep "no entry, no
// holder".
func TestSockInfoPerLevel(t *testing.T) {
	bo := binary.LittleEndian
	a := amd64
	g := []Group{
		{levelTCP, 0, a.tcpStatsBytes()},
		{levelTCP, nameTCPConn, join(
			tcp4Row(a.tcp, bo, conn{local: "0.0.0.0:80", remote: "0.0.0.0:0", mib: 2, ce: -3}),
			tcp4Row(a.tcp, bo, conn{local: "1.1.1.1:80", remote: "2.2.2.2:9", mib: 11, ce: 6}))},
		{levelTCP, nameSockInfo, sieBytes(bo, 0, &sieEntry{inode: 5})},
		{levelUDP, 0, a.udpStatsBytes()},
		{levelUDP, nameUDPEntry, udp4Row(a.udp, bo, conn{local: "0.0.0.0:53", remote: "0.0.0.0:0", mib: 2})},
		{levelUDP, nameSockInfo, sieBytes(bo, 3, &sieEntry{inode: 6})}, // no row 3
	}
	m, err := DecodeMIB(g, bo)
	if err != nil {
		t.Fatal(err)
	}
	socks, err := m.Sockets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range socks {
		k := s.Key.(Key)
		got = append(got, fmt.Sprintf("%s %d info=%v sockinfo=%v", s.Proto, s.Local.Port, k.Row.Info != nil, k.SockInfo))
	}
	want := []string{"tcp 80 info=true sockinfo=true", "tcp 80 info=false sockinfo=true", "udp 53 info=false sockinfo=false"}
	if diff := cmp.Diff(want, got); diff != "" || len(m.Notes) != 1 {
		t.Errorf("(-want +got):\n%s\nnotes %q", diff, m.Notes)
	}
}

// TestLayoutSizesAsDocumented pins the compiled sizes to the numbers in
// docs/solaris.md, so a regeneration that changes them is noticed.
func TestLayoutSizesAsDocumented(t *testing.T) {
	sizes := func(ls []rowLayout) map[string]int {
		m := map[string]int{}
		for _, l := range ls {
			m[l.name()] = l.Size
		}
		return m
	}
	want := map[string]map[string]int{
		"tcp": {"2019/amd64": 172, "2019/amd64/legacy": 160, "pre2019/amd64": 68, "pre2019/amd64/legacy": 56,
			"2019/sparcv9": 184, "2019/sparcv9/legacy": 168, "pre2019/sparcv9": 72, "pre2019/sparcv9/legacy": 56},
		"tcp6": {"2019/amd64": 200, "2019/amd64/legacy": 188, "pre2019/amd64": 96, "pre2019/amd64/legacy": 84,
			"2019/sparcv9": 208, "2019/sparcv9/legacy": 192, "pre2019/sparcv9": 96, "pre2019/sparcv9/legacy": 84},
		"udp":  {"any/amd64": 36, "any/amd64/legacy": 20, "any/sparcv9": 40, "any/sparcv9/legacy": 20},
		"udp6": {"any/amd64": 64, "any/amd64/legacy": 48, "any/sparcv9": 64, "any/sparcv9/legacy": 48},
	}
	got := map[string]map[string]int{"tcp": sizes(zTCP4Layouts), "tcp6": sizes(zTCP6Layouts), "udp": sizes(zUDP4Layouts), "udp6": sizes(zUDP6Layouts)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layout sizes (-documented +compiled):\n%s", diff)
	}
}

// pidListGroups is a TCP level of six rows and a name-106 table in the
// pid-list format of an unreleased illumos branch: one record, a whole
// connection row followed by conn_pid_info_t with enough pids that the
// record is a multiple of 32 bytes, the row's bytes chosen so that every
// 32-byte slice reads as an entry for a distinct row in range.
func pidListGroups(a arch) []Group {
	bo := a.bo
	var rows [][]byte
	for i := 0; i < 6; i++ {
		rows = append(rows, tcp4Row(a.tcp, bo, conn{local: "0.0.0.0:" + itoa(8000+i), remote: "0.0.0.0:0", mib: 2, ce: -3}))
	}
	rec := tcp4Row(a.tcp, bo, conn{local: "0.0.0.0:8000", remote: "0.0.0.0:0", mib: 2, ce: -3})
	n := 1
	for (len(rec)+16+4*(n-1))%zSIESize != 0 {
		n++
	}
	cpi := newStruct(16+4*(n-1), bo).u16(0, 1).u32(4, uint32(n)).u32(8, uint32(16+4*(n-1)))
	for i := 0; i < n; i++ {
		cpi.i32(12+4*i, int32(100+i))
	}
	table := join(rec, cpi.b)
	for i := 0; i*zSIESize < len(table); i++ {
		off := i * zSIESize
		if off+8 <= len(rec) && bo == binary.LittleEndian && off > 0 { // sie_connidx: 2 (state LISTEN), then 0, 1, 3, 4, 5
			bo.PutUint64(table[off:], uint64([]int{2, 0, 1, 3, 4, 5, 6}[i]))
		}
	}
	return []Group{{levelTCP, 0, a.tcpStatsBytes()}, {levelTCP, nameTCPConn, join(rows...)}, {levelTCP, nameSockInfo, table}}
}

// TestSockInfoPidList: the pid-list format of name 106 is never taken for
// EXPER_SOCK_INFO, even when its size is a multiple of 32 bytes and its
// slices read as entries for distinct rows.
func TestSockInfoPidList(t *testing.T) {
	for _, a := range []arch{amd64, sparc} {
		t.Run(orderName(a.bo), func(t *testing.T) {
			groups := pidListGroups(a)
			if len(groups[2].Data)%zSIESize != 0 {
				t.Fatalf("the table is %d bytes, not a multiple of 32", len(groups[2].Data))
			}
			m, err := DecodeMIB(groups, a.bo)
			if err != nil {
				t.Fatal(err)
			}
			if m.SockInfo || len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "pid-list format") {
				t.Errorf("SockInfo %v, notes %q: want the table refused with one note", m.SockInfo, m.Notes)
			}
			for _, r := range m.TCP {
				if r.Info != nil {
					t.Errorf("row %s has an entry %+v", r.Local, r.Info)
				}
			}
		})
	}
	// A genuine table is not a pid list.
	for _, a := range []arch{amd64, sparc} {
		m, err := DecodeMIB(readCaptureGroups(t, "illumos-"+map[bool]string{true: "amd64", false: "sparc"}[a.bo == binary.LittleEndian]), a.bo)
		if err != nil || !m.SockInfo || len(m.Notes) != 0 {
			t.Errorf("%s: SockInfo %v, notes %q, %v", orderName(a.bo), m.SockInfo, m.Notes, err)
		}
	}
}

func readCaptureGroups(t *testing.T, dir string) []Group {
	t.Helper()
	b := openFixture(t, dir)
	g, err := b.mib()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestIfIndex: an IPv6 row's tcp6ConnIfIndex/udp6IfIndex, in every
// layout, becomes the socket's device (the index: the MIB names no
// interface) and a link-local address's zone; a global address gets no
// zone, and an IPv4 row (no such field) no device.
func TestIfIndex(t *testing.T) {
	for _, tc := range []struct {
		ls      []rowLayout
		level   uint32
		name    uint32
		row     func(rowLayout, binary.ByteOrder, conn) []byte
		r       conn
		get     func(*MIB) []Row
		local   string // as the table prints it
		zoneRmt bool
		v4, udp bool
	}{
		{zTCP6Layouts, levelTCP6, nameTCP6Conn, tcp6Row, conn{local: "[fe80::1]:22", remote: "[fe80::2]:5000", mib: 5, ifindex: 2}, func(m *MIB) []Row { return m.TCP6 }, "[fe80::1%2]:22", true, false, false},
		{zTCP6Layouts, levelTCP6, nameTCP6Conn, tcp6Row, conn{local: "[2001:db8::1]:22", remote: "[::]:0", mib: 2, ifindex: 3}, func(m *MIB) []Row { return m.TCP6 }, "[2001:db8::1]%3:22", false, false, false},
		{zUDP6Layouts, levelUDP6, nameUDP6Entry, udp6Row, conn{local: "[::]:547", remote: "[::]:0", mib: 2, ifindex: 4}, func(m *MIB) []Row { return m.UDP6 }, "[::]%4:547", false, false, true},
		{zTCP4Layouts, levelTCP, nameTCPConn, tcp4Row, conn{local: "10.0.0.1:22", remote: "0.0.0.0:0", mib: 2}, func(m *MIB) []Row { return m.TCP }, "10.0.0.1:22", false, true, false},
	} {
		for _, l := range tc.ls {
			bo := binary.ByteOrder(binary.LittleEndian)
			if l.Order == "big" {
				bo = binary.BigEndian
			}
			stats := newStruct(zMIB2TCPSizeSPARC, bo)
			var statsLevel uint32 = levelTCP
			if tc.udp {
				statsLevel = levelUDP
				stats.i32(zUDPEntrySize, int32(l.Size)).i32(zUDP6EntrySize, int32(l.Size))
			} else {
				stats.i32(zTCPConnTableSize, int32(l.Size)).i32(zTCP6ConnTableSize, int32(l.Size))
			}
			m, err := DecodeMIB([]Group{{statsLevel, 0, stats.b}, {tc.level, tc.name, tc.row(l, bo, tc.r)}}, bo)
			if err != nil {
				t.Fatal(err)
			}
			rows := tc.get(m)
			if len(rows) != 1 || rows[0].IfIndex != tc.r.ifindex {
				t.Fatalf("%s %s: rows %+v, want one with ifindex %d", tc.r.local, l.name(), rows, tc.r.ifindex)
			}
			s, err := rows[0].socket()
			if err != nil {
				t.Fatal(err)
			}
			if got := core.FormatLocal(&s); got != tc.local {
				t.Errorf("%s %s: local %s, want %s", tc.r.local, l.name(), got, tc.local)
			}
			switch {
			case tc.v4 && s.Dev != nil:
				t.Errorf("%s: an IPv4 row has device %+v", tc.r.local, *s.Dev)
			case !tc.v4 && (s.Dev == nil || s.Dev.Index != tc.r.ifindex || s.Dev.Name != ""):
				t.Errorf("%s: device %+v, want index %d unnamed", tc.r.local, s.Dev, tc.r.ifindex)
			}
			if tc.zoneRmt && (s.Remote == nil || s.Remote.Addr.Zone() != "2") {
				t.Errorf("%s: remote %+v, want zone 2", tc.r.local, s.Remote)
			}
		}
	}
}
