package solaris

// The fixture generator. It lays out every struct field at the offset the
// illumos headers give it (see docs/solaris.md), with its own writer, not
// the parsers: a parser bug cannot make its own fixtures agree with it.
// go test ./platform/solaris -run TestFixtures -update rewrites
// testdata/solaris; without -update the test checks the files on disk are
// what the generator makes.

import (
	"bytes"
	"encoding/binary"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/gosof/gosof/internal/golden"
)

const fixtureRoot = "../../testdata/solaris"

// cstruct is a C struct being laid out by hand.
type cstruct struct {
	b  []byte
	bo binary.ByteOrder
}

func newStruct(size int, bo binary.ByteOrder) *cstruct { return &cstruct{make([]byte, size), bo} }

func (c *cstruct) i32(off int, v int32) *cstruct  { c.bo.PutUint32(c.b[off:], uint32(v)); return c }
func (c *cstruct) u32(off int, v uint32) *cstruct { c.bo.PutUint32(c.b[off:], v); return c }
func (c *cstruct) u16(off int, v uint16) *cstruct { c.bo.PutUint16(c.b[off:], v); return c }
func (c *cstruct) u64(off int, v uint64) *cstruct { c.bo.PutUint64(c.b[off:], v); return c }
func (c *cstruct) str(off int, s string) *cstruct { copy(c.b[off:], s); return c }
func (c *cstruct) ip(off int, a string) *cstruct {
	ad := netip.MustParseAddr(a)
	copy(c.b[off:], ad.AsSlice()) // network byte order in memory
	return c
}

// tcpRow is one connection as the generator knows it.
type tcpRow struct {
	local, remote string // "addr:port" / "[addr]:port"
	mib, ce       int32
	snxt, suna    uint32
	rnxt, rack    uint32
	cpid          uint32
	ctime         uint64
}

type udpRow struct {
	local, remote string
	state         int32 // 1 unbound, 2 idle, 3 connected
	cpid          uint32
	ctime         uint64
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// arch is the layout of a capturing host: amd64 packs mib2 structs to 4
// bytes, SPARC aligns uint64s to 8.
type arch struct {
	bo                     binary.ByteOrder
	tcpSize, tcpTime       int
	udpSize, udpTime       int
	legacyTCP, legacyUDP   bool
	tcp6Size, udp6Size     int
	sockaddrIn6, abortSize int
}

var (
	amd64 = arch{bo: binary.LittleEndian, tcpSize: 68, tcpTime: 60, udpSize: 36, udpTime: 28, tcp6Size: 96, udp6Size: 64}
	sparc = arch{bo: binary.BigEndian, tcpSize: 72, tcpTime: 64, udpSize: 40, udpTime: 32, tcp6Size: 96, udp6Size: 64}
	// Solaris 10 (and solaris10-branded zones) get LEGACY_MIB_SIZE rows.
	legacy = arch{bo: binary.LittleEndian, tcpSize: 56, udpSize: 20, tcp6Size: 84, udp6Size: 48, legacyTCP: true, legacyUDP: true}
)

// mib2_tcpConnEntry_t
func (a arch) tcp4(r tcpRow) []byte {
	c := newStruct(a.tcpSize, a.bo)
	l, rm := ap(r.local), ap(r.remote)
	c.i32(0, r.mib).ip(4, l.Addr().String()).i32(8, int32(l.Port())).ip(12, rm.Addr().String()).i32(16, int32(rm.Port()))
	c.u32(20, r.snxt).u32(24, r.suna).u32(28, 64000).u32(32, r.rnxt).u32(36, r.rack).u32(40, 128000).u32(44, 400).u32(48, 1460).i32(52, r.ce)
	if !a.legacyTCP {
		c.u32(56, r.cpid).u64(a.tcpTime, r.ctime)
	}
	return c.b
}

// mib2_tcp6ConnEntry_t
func (a arch) tcp6(r tcpRow) []byte {
	c := newStruct(a.tcp6Size, a.bo)
	l, rm := ap(r.local), ap(r.remote)
	c.ip(0, l.Addr().String()).i32(16, int32(l.Port())).ip(20, rm.Addr().String()).i32(36, int32(rm.Port())).u32(40, 0).i32(44, r.mib)
	c.u32(48, r.snxt).u32(52, r.suna).u32(56, 64000).u32(60, r.rnxt).u32(64, r.rack).u32(68, 128000).u32(72, 400).u32(76, 1440).i32(80, r.ce)
	if !a.legacyTCP {
		c.u32(84, r.cpid).u64(88, r.ctime)
	}
	return c.b
}

// mib2_udpEntry_t
func (a arch) udp4(r udpRow) []byte {
	c := newStruct(a.udpSize, a.bo)
	l, rm := ap(r.local), ap(r.remote)
	c.ip(0, l.Addr().String()).i32(4, int32(l.Port())).i32(8, r.state).ip(12, rm.Addr().String()).i32(16, int32(rm.Port()))
	if !a.legacyUDP {
		c.u32(20, 7).u32(24, r.cpid).u64(a.udpTime, r.ctime)
	}
	return c.b
}

// mib2_udp6Entry_t
func (a arch) udp6(r udpRow) []byte {
	c := newStruct(a.udp6Size, a.bo)
	l, rm := ap(r.local), ap(r.remote)
	c.ip(0, l.Addr().String()).i32(16, int32(l.Port())).u32(20, 0).i32(24, r.state).ip(28, rm.Addr().String()).i32(44, int32(rm.Port()))
	if !a.legacyUDP {
		c.u32(48, 9).u32(52, r.cpid).u64(56, r.ctime)
	}
	return c.b
}

// conn_pid_info_t {uint16 cpi_contents @0; uint32 cpi_pids_cnt @4;
// uint32 cpi_tot_size @8; pid_t cpi_pids[] @12}. total 0 means 12+4n.
func (a arch) pidInfo(contents uint16, total uint32, pids ...int32) []byte {
	if total == 0 {
		total = uint32(12 + 4*len(pids))
	}
	c := newStruct(int(total), a.bo)
	c.u16(0, contents).u32(4, uint32(len(pids))).u32(8, total)
	for i, p := range pids {
		c.i32(12+4*i, p)
	}
	return c.b
}

// mib2_tcp_t: tcpConnTableSize @48, tcp6ConnTableSize @208; 228 bytes
// with pack(4) (232 on SPARC).
func (a arch) tcpStats() []byte {
	size := 228
	if a.bo == binary.BigEndian {
		size = 232
	}
	if a.legacyTCP {
		size = 212 // LEGACY_MIB_SIZE: up to tcpHCInSegs
	}
	c := newStruct(size, a.bo)
	c.i32(0, 4).i32(4, 400).i32(8, 60000).i32(12, -1)
	c.i32(48, int32(a.tcpSize)).i32(208, int32(a.tcp6Size))
	return c.b
}

// mib2_udp_t: udpEntrySize @12, udp6EntrySize @16.
func (a arch) udpStats() []byte {
	size := 40
	if a.legacyUDP {
		size = 24
	}
	c := newStruct(size, a.bo)
	c.i32(12, int32(a.udpSize)).i32(16, int32(a.udp6Size))
	return c.b
}

// psinfo_t (LP64, 416 bytes).
func psinfoBytes(bo binary.ByteOrder, pid, ppid int32, uid uint32, sec, nsec int64, fname, args string, zone int32) []byte {
	c := newStruct(416, bo)
	c.i32(4, 1).i32(8, pid).i32(12, ppid).u32(24, uid).u32(28, uid).u64(72, ^uint64(0))
	c.u64(88, uint64(sec)).u64(96, uint64(nsec)).str(136, fname).str(152, args).i32(276, zone)
	return c.b
}

// prfdinfo_t header (196 bytes up to pr_misc) plus misc items.
type fdFile struct {
	c *cstruct
}

func newFdinfo(bo binary.ByteOrder, fd int32, mode uint32, ino uint64) *fdFile {
	c := newStruct(196, bo)
	c.i32(0, fd).u32(4, mode).u64(8, ino).u32(40, 0x22f).u32(56, 0x82).i32(60, 1)
	c.u16(64, 3).i32(68, -1).i32(72, -1).i32(76, -1)
	return &fdFile{c}
}

// item appends {pr_misc_size, pr_misc_type} and data padded to 4 bytes.
func (f *fdFile) item(typ uint32, data []byte) *fdFile {
	n := 8 + len(data)
	n = (n + 3) &^ 3
	h := newStruct(n, f.c.bo)
	h.u32(0, uint32(n)).u32(4, typ)
	copy(h.b[8:], data)
	f.c.b = append(f.c.b, h.b...)
	return f
}

// end appends the terminator {0, 0xffffffff} (final format).
func (f *fdFile) end() []byte {
	h := newStruct(8, f.c.bo)
	h.u32(0, 0).u32(4, 0xffffffff)
	return append(f.c.b, h.b...)
}

func u32b(bo binary.ByteOrder, v uint32) []byte { b := make([]byte, 4); bo.PutUint32(b, v); return b }

// sockaddr_in: family host order @0, port network order @2, addr @4; 16 B.
func sin(bo binary.ByteOrder, s string) []byte {
	a := ap(s)
	c := newStruct(16, bo)
	c.u16(0, 2)
	binary.BigEndian.PutUint16(c.b[2:], a.Port())
	copy(c.b[4:], a.Addr().AsSlice())
	return c.b
}

// sockaddr_in6: family @0, port @2, flowinfo @4, addr @8, scope @24; 32 B.
func sin6(bo binary.ByteOrder, s string) []byte {
	a := ap(s)
	c := newStruct(32, bo)
	c.u16(0, 26)
	binary.BigEndian.PutUint16(c.b[2:], a.Port())
	copy(c.b[8:], a.Addr().AsSlice())
	return c.b
}

// capture is a fixture directory in the 'gosof debug capture' format.
type capture struct {
	files map[string][]byte
	bo    binary.ByteOrder
	mib   bytes.Buffer
}

func newCapture(bo binary.ByteOrder, host string) *capture {
	c := &capture{files: map[string][]byte{}, bo: bo}
	c.files["host.json"] = []byte(host)
	return c
}

// group appends opthdr{level, name, len} in host order and the data.
func (c *capture) group(level, name uint32, data ...[]byte) *capture {
	d := bytes.Join(data, nil)
	c.mib.Write(u32b(c.bo, level))
	c.mib.Write(u32b(c.bo, name))
	c.mib.Write(u32b(c.bo, uint32(len(d))))
	c.mib.Write(d)
	return c
}

func (c *capture) file(path string, b []byte) *capture { c.files[path] = b; return c }

func (c *capture) done() map[string][]byte {
	c.files["mib2"] = c.mib.Bytes()
	return c.files
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Every fixture, by path under testdata/solaris.
func fixtures() map[string][]byte {
	all := map[string][]byte{}
	add := func(dir string, files map[string][]byte) {
		for name, b := range files {
			all[filepath.Join(dir, name)] = b
		}
	}
	add("illumos-amd64", illumosFixture(amd64, `{"os":"SunOS","release":"5.11 omnios-r151050","arch":"i86pc","byteorder":"little"}`+"\n"))
	add("sparc", illumosFixture(sparc, `{"os":"SunOS","release":"5.11 11.4.0.15.0","arch":"sun4v","byteorder":"big"}`+"\n"))
	add("solaris11-fdinfo", fdinfoFixture())
	add("solaris10-legacy", legacyFixture())
	maps.Copy(all, ctlFixtures())
	maps.Copy(all, badFixtures())
	return all
}

// TCP states: MIB value and ce_state.
var tcpStates = []struct {
	name    string
	mib, ce int32
}{
	{"LISTEN", 2, -3}, {"SYN_SENT", 3, -2}, {"SYN_RCVD", 4, -1}, {"ESTABLISHED", 5, 0},
	{"CLOSE_WAIT", 8, 1}, {"FIN_WAIT_1", 6, 2}, {"CLOSING", 10, 3}, {"LAST_ACK", 9, 4},
	{"FIN_WAIT_2", 7, 5}, {"TIME_WAIT", 11, 6}, {"BOUND", 1, -4}, {"IDLE", 1, -5}, {"CLOSED", 1, -6},
}

// illumosFixture: a host with EXPER_XPORT_PROC_INFO tables. TCP over
// IPv4 and IPv6 in every state; UDP bound and connected; a dual-stack ::
// listener (sshd) that also shows in the IPv4 table; PROC_INFO rows with
// 0, 1 and several pids.
func illumosFixture(a arch, host string) map[string][]byte {
	bo := a.bo
	c := newCapture(bo, host)
	// Groups the parser must skip: MIB2_IP's fixed part and an empty
	// EXPER_XPORT_MLP table.
	c.group(levelIP, 0, make([]byte, 120))
	c.group(levelTCP, nameStats, a.tcpStats())

	var tcp4, tcp4proc, tcp6, tcp6proc [][]byte
	r4 := func(r tcpRow, pi []byte) {
		tcp4 = append(tcp4, a.tcp4(r))
		tcp4proc = append(tcp4proc, a.tcp4(r), pi)
	}
	r6 := func(r tcpRow, pi []byte) {
		tcp6 = append(tcp6, a.tcp6(r))
		tcp6proc = append(tcp6proc, a.tcp6(r), pi)
	}
	// The dual-stack sshd listener: the IPv4 view shares creation pid and time.
	sshdListen := tcpRow{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 500, ctime: 1000}
	r4(sshdListen, a.pidInfo(1, 0, 500))
	// Several holders: a pre-forked httpd; pid 703 has exited since (no psinfo).
	r4(tcpRow{local: "0.0.0.0:80", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 700, ctime: 3000}, a.pidInfo(1, 0, 700, 701, 702, 703))
	r4(tcpRow{local: "127.0.0.1:5432", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 600, ctime: 2000}, a.pidInfo(1, 0, 600))
	// Every other state once, on IPv4.
	for i, st := range tcpStates[1:] {
		r := tcpRow{local: "192.168.1.10:" + itoa(40001+i), remote: "10.0.0." + itoa(i+1) + ":443",
			mib: st.mib, ce: st.ce, snxt: 1000 + uint32(i), suna: 1000, rnxt: 5000 + 2*uint32(i), rack: 5000, cpid: 501, ctime: 5000 + uint64(i)}
		if st.ce <= -4 { // BOUND, IDLE, CLOSED: no peer
			r.remote = "0.0.0.0:0"
			r.local = "0.0.0.0:" + itoa(40001+i)
		}
		switch st.name {
		case "TIME_WAIT":
			// Nobody holds a TIME_WAIT connection; cpi_tot_size 16 (header
			// plus the declared cpi_pids[1]) with cpi_pids_cnt 0.
			r4(r, a.pidInfo(0, 16))
		case "CLOSE_WAIT":
			// No holder and the minimal 12-byte header.
			r4(r, a.pidInfo(0, 0))
		default:
			r4(r, a.pidInfo(1, 0, 501))
		}
	}
	r6(tcpRow{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: 500, ctime: 1000}, a.pidInfo(1, 0, 500))
	r6(tcpRow{local: "[::1]:8080", remote: "[::]:0", mib: 2, ce: -3, cpid: 801, ctime: 6000}, a.pidInfo(1, 0, 801))
	for i, st := range tcpStates[1:10] {
		r6(tcpRow{local: "[2001:db8::1]:" + itoa(50001+i), remote: "[2001:db8::2]:" + itoa(443+i),
			mib: st.mib, ce: st.ce, snxt: 7, suna: 0, rnxt: 9, rack: 0, cpid: 800, ctime: 7000 + uint64(i)}, a.pidInfo(1, 0, 800))
	}
	c.group(levelTCP, nameTCPConn, tcp4...)
	c.group(levelTCP6, nameTCP6Conn, tcp6...)
	c.group(levelTCP, nameProcInfo, tcp4proc...)
	c.group(levelTCP6, nameProcInfo, tcp6proc...)

	c.group(levelUDP, nameStats, a.udpStats())
	u4 := []udpRow{
		{local: "0.0.0.0:53", remote: "0.0.0.0:0", state: 2, cpid: 900, ctime: 8000},
		{local: "192.168.1.10:5353", remote: "224.0.0.251:5353", state: 3, cpid: 901, ctime: 8001},
		{local: "0.0.0.0:123", remote: "0.0.0.0:0", state: 2, cpid: 902, ctime: 8002}, // IPv4 view of ntpd's :: socket
	}
	u6 := []udpRow{
		{local: "[::]:123", remote: "[::]:0", state: 2, cpid: 902, ctime: 8002},
		{local: "[2001:db8::1]:6000", remote: "[2001:db8::9]:7000", state: 3, cpid: 903, ctime: 8003},
	}
	var udp4, udp4proc, udp6, udp6proc [][]byte
	for _, r := range u4 {
		udp4 = append(udp4, a.udp4(r))
		udp4proc = append(udp4proc, a.udp4(r), a.pidInfo(1, 0, int32(r.cpid)))
	}
	for _, r := range u6 {
		udp6 = append(udp6, a.udp6(r))
		udp6proc = append(udp6proc, a.udp6(r), a.pidInfo(1, 0, int32(r.cpid)))
	}
	c.group(levelUDP, nameUDPEntry, udp4...)
	c.group(levelUDP6, nameUDP6Entry, udp6...)
	c.group(levelUDP, nameProcInfo, udp4proc...)
	c.group(levelUDP6, nameProcInfo, udp6proc...)

	procs := []struct {
		pid   int32
		uid   uint32
		fname string
		args  string
	}{
		{500, 0, "sshd", "/usr/lib/ssh/sshd"},
		{501, 100, "ssh", "ssh build@10.0.0.1"},
		{600, 90, "postgres", "/opt/pg/bin/postgres -D /var/pg"},
		{700, 80, "httpd", "/usr/apache2/bin/httpd -k start"},
		{701, 80, "httpd", "/usr/apache2/bin/httpd -k start"},
		{702, 80, "httpd", "/usr/apache2/bin/httpd -k start"},
		{800, 100, "curl", "curl https://[2001:db8::2]/"},
		{801, 100, "java", "java -jar app.jar"},
		{900, 0, "named", "/usr/sbin/named"},
		{901, 0, "mdnsd", "/usr/lib/inet/mdnsd"},
		{902, 0, "ntpd", "/usr/lib/inet/ntpd -p /var/run/ntp.pid"},
		{903, 100, "evil\x1b[31m", "evil"},
	}
	for i, p := range procs {
		c.file("proc/"+itoa(int(p.pid))+"/psinfo", psinfoBytes(bo, p.pid, 1, p.uid, 1700000000+int64(i), 123456789, p.fname, p.args, 0))
	}
	return c.done()
}

// fdinfoFixture: Oracle Solaris 11.4 or an illumos without PROC_INFO:
// owners come from /proc/<pid>/fdinfo, else the creator.
func fdinfoFixture() map[string][]byte {
	a := amd64
	bo := a.bo
	c := newCapture(bo, `{"os":"SunOS","release":"5.11 11.4.42.111.0","arch":"i86pc","byteorder":"little"}`+"\n")
	c.group(levelTCP, nameStats, a.tcpStats())
	c.group(levelTCP, nameTCPConn,
		a.tcp4(tcpRow{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1200, ctime: 10}),
		a.tcp4(tcpRow{local: "172.27.10.9:22", remote: "172.27.10.79:38576", mib: 5, ce: 0, snxt: 10, rnxt: 20, cpid: 1200, ctime: 11}),
		// sshd's second session, whose socket sets SO_LINGER {1,0}.
		a.tcp4(tcpRow{local: "172.27.10.9:22", remote: "172.27.10.80:40000", mib: 5, ce: 0, snxt: 5, rnxt: 5, cpid: 1200, ctime: 15}),
		// An IPv6 socket talking IPv4 shows in the IPv4 table.
		a.tcp4(tcpRow{local: "172.27.10.9:41000", remote: "172.27.10.1:3306", mib: 5, ce: 0, cpid: 1300, ctime: 12}),
		// No descriptor matches: only the creator is known.
		a.tcp4(tcpRow{local: "172.27.10.9:2049", remote: "172.27.10.2:1023", mib: 5, ce: 0, cpid: 77, ctime: 13}),
		// A kernel socket: no descriptor, no creator.
		a.tcp4(tcpRow{local: "172.27.10.9:111", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 0, ctime: 14}),
	)
	c.group(levelTCP6, nameTCP6Conn,
		a.tcp6(tcpRow{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: 1200, ctime: 10}))
	c.group(levelUDP, nameStats, a.udpStats())
	c.group(levelUDP, nameUDPEntry, a.udp4(udpRow{local: "0.0.0.0:514", remote: "0.0.0.0:0", state: 2, cpid: 1400, ctime: 20}))
	c.group(levelUDP6, nameUDP6Entry)

	// sshd: the listener on :: (fd 3) and the IPD 12 capture (fd 5) with
	// final-format numbers: congestion item type 11, terminator {0, ~0}.
	c.file("proc/1200/fdinfo/3", newFdinfo(bo, 3, 0xc1b6, 0xf926).
		item(prSocketName, sin6(bo, "[::]:22")).
		item(prPeerSockName, nil).
		item(prBoolOpts, u32b(bo, 1<<1|1<<13)).
		item(prSockType, u32b(bo, 2)).end())
	c.file("proc/1200/fdinfo/5", newFdinfo(bo, 5, 0xc1b6, 0xf927).
		item(prSocketName, sin(bo, "172.27.10.9:22")).
		item(prPeerSockName, sin(bo, "172.27.10.79:38576")).
		item(prBoolOpts, u32b(bo, 0x0a)).
		item(prLinger, make([]byte, 8)).
		item(prSockType, u32b(bo, 2)).
		item(prSndBuf, u32b(bo, 0xc000)).
		item(prRcvBuf, u32b(bo, 0x1f768)).
		item(prIPNexthop, nil).
		item(prCongestion, []byte("sunreno\x00")).end())
	// SO_REUSEADDR, SO_REUSEPORT and SO_KEEPALIVE on, SO_LINGER {1, 0}.
	c.file("proc/1200/fdinfo/8", newFdinfo(bo, 8, 0xc1b6, 0xf928).
		item(prSocketName, sin(bo, "172.27.10.9:22")).
		item(prPeerSockName, sin(bo, "172.27.10.80:40000")).
		item(prBoolOpts, u32b(bo, 1<<1|1<<2|1<<3)).
		item(prLinger, join(u32b(bo, 1), u32b(bo, 0))).
		item(prSockType, u32b(bo, 2)).
		item(prSndBuf, u32b(bo, 128000)).
		item(prRcvBuf, u32b(bo, 1048576)).
		item(prCongestion, []byte("cubic\x00")).end())
	// Descriptors of every other kind (st_mode, sys/stat.h): not sockets,
	// so the owner scan skips them; fds lists them. pfiles' layout: a
	// pipe and an event port have no PR_PATHNAME.
	c.file("proc/1200/fdinfo/0", newFdinfo(bo, 0, 0x2190, 0x1c).item(prPathname, []byte("/dev/null\x00")).end()) // S_IFCHR
	c.file("proc/1200/fdinfo/1", newFdinfo(bo, 1, 0x1000, 0x2f).end())                                           // S_IFIFO, a pipe
	c.file("proc/1200/fdinfo/2", newFdinfo(bo, 2, 0x81a4, 0x4a1).item(prPathname, []byte("/var/adm/authlog\x00")).end())
	c.file("proc/1200/fdinfo/4", newFdinfo(bo, 4, 0x41ed, 0x3).item(prPathname, []byte("/var/empty\x00")).end())
	c.file("proc/1200/fdinfo/6", newFdinfo(bo, 6, 0xd124, 0x1d).item(prPathname, []byte("/var/run/name_service_door\x00")).end())
	c.file("proc/1200/fdinfo/7", newFdinfo(bo, 7, 0xe000, 0).end())                                                        // S_IFPORT
	c.file("proc/1200/fdinfo/9", newFdinfo(bo, 9, 0x1180, 0x55).item(prPathname, []byte("/var/run/sshd.fifo\x00")).end())  // a named FIFO
	c.file("proc/1200/fdinfo/10", newFdinfo(bo, 10, 0x61b0, 0x77).item(prPathname, []byte("/dev/dsk/c0t0d0s0\x00")).end()) // S_IFBLK
	c.file("proc/1200/fdinfo/11", newFdinfo(bo, 11, 0xa1ff, 0x78).end())                                                   // S_IFLNK: no descriptor should be one
	// A second holder of the same connection (inherited across fork).
	c.file("proc/1201/fdinfo/4", newFdinfo(bo, 4, 0xc1b6, 0xf927).
		item(prSocketName, sin(bo, "172.27.10.9:22")).
		item(prPeerSockName, sin(bo, "172.27.10.79:38576")).
		item(prSockType, u32b(bo, 2)).end())
	// An AF_INET6 socket connected to an IPv4 peer names itself v4-mapped.
	c.file("proc/1300/fdinfo/7", newFdinfo(bo, 7, 0xc1b6, 0x100).
		item(prSocketName, sin6(bo, "[::ffff:172.27.10.9]:41000")).
		item(prPeerSockName, sin6(bo, "[::ffff:172.27.10.1]:3306")).
		item(prSockType, u32b(bo, 2)).end())
	// syslogd's UDP socket: no PR_SOCKOPT_TYPE item, and no peer.
	c.file("proc/1400/fdinfo/9", newFdinfo(bo, 9, 0xc1b6, 0x200).
		item(prSocketName, sin(bo, "0.0.0.0:514")).end())
	// syslogd's AF_UNIX socket (sockaddr_un: family, then sun_path): not
	// in the MIB.
	c.file("proc/1400/fdinfo/3", newFdinfo(bo, 3, 0xc1b6, 0x201).
		item(prSocketName, join(newStruct(2, bo).u16(0, 1).b, []byte("/var/run/syslog.sock\x00"))).
		item(prSockType, u32b(bo, 2)).end())
	for _, p := range []struct {
		pid   int32
		uid   uint32
		fname string
	}{{77, 1, "nfsd"}, {1200, 0, "sshd"}, {1201, 0, "sshd"}, {1300, 100, "java"}, {1400, 0, "syslogd"}} {
		c.file("proc/"+itoa(int(p.pid))+"/psinfo", psinfoBytes(bo, p.pid, 1, p.uid, 1600000000, 5, p.fname, p.fname, 0))
	}
	return c.done()
}

// legacyFixture: Solaris 10 rows (LEGACY_MIB_SIZE): no creation fields,
// no PROC_INFO, no fdinfo; an empty UDP table.
func legacyFixture() map[string][]byte {
	a := legacy
	c := newCapture(a.bo, `{"os":"SunOS","release":"5.10 Generic_150401-30","arch":"i86pc","byteorder":"little"}`+"\n")
	c.group(levelTCP, nameStats, a.tcpStats())
	c.group(levelTCP, nameTCPConn,
		a.tcp4(tcpRow{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3}),
		a.tcp4(tcpRow{local: "10.1.1.1:22", remote: "10.1.1.2:60000", mib: 5, ce: 0, snxt: 3, rnxt: 4}),
	)
	c.group(levelTCP6, nameTCP6Conn, a.tcp6(tcpRow{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3}))
	c.group(levelUDP, nameStats, a.udpStats())
	c.group(levelUDP, nameUDPEntry)
	c.group(levelUDP6, nameUDP6Entry)
	return c.done()
}

// ctlFixtures: control parts of the MIB reply, as getmsg returns them.
func ctlFixtures() map[string][]byte {
	bo := binary.LittleEndian
	ack := func(prim, flags int32, off int32, level, name, n uint32) []byte {
		c := newStruct(28, bo)
		c.i32(0, prim).i32(4, 12).i32(8, off).i32(12, flags).u32(16, level).u32(20, name).u32(24, n)
		return c.b
	}
	return map[string][]byte{
		"ctl/ack-tcp-conn.bin":  ack(22, 0x20, 16, 262, 13, 136),
		"ctl/end.bin":           ack(22, 0x20, 16, 0, 0, 0),
		"ctl/error-ack.bin":     newStruct(16, bo).i32(0, 18).i32(4, 9).i32(8, 8).i32(12, 13).b, // T_ERROR_ACK: TSYSERR, EACCES
		"ctl/bad-short.bin":     {22, 0, 0},
		"ctl/bad-prim.bin":      ack(19, 0x20, 16, 262, 13, 136), // T_OK_ACK
		"ctl/bad-flags.bin":     ack(22, 0x40, 16, 262, 13, 136), // T_FAILURE
		"ctl/bad-offset.bin":    ack(22, 0x20, 100, 262, 13, 136),
		"ctl/bad-error-ack.bin": newStruct(8, bo).i32(0, 18).b,
		"ctl/bad-ack-short.bin": ack(22, 0x20, 16, 262, 13, 136)[:20],
	}
}

// badFixtures: malformed inputs; each is asserted in fixtures_test.go.
func badFixtures() map[string][]byte {
	a := amd64
	bo := a.bo
	hdr := func(level, name, n uint32) []byte { return join(u32b(bo, level), u32b(bo, name), u32b(bo, n)) }
	row := a.tcp4(tcpRow{local: "1.2.3.4:80", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1, ctime: 1})
	stats := a.tcpStats()
	badState := a.tcp4(tcpRow{local: "1.2.3.4:80", remote: "0.0.0.0:0", mib: 99, ce: 99})
	badPort := slices.Clone(row)
	bo.PutUint32(badPort[8:], 70000)
	withStats := func(name uint32, data []byte) []byte {
		return join(hdr(levelTCP, 0, uint32(len(stats))), stats, hdr(levelTCP, name, uint32(len(data))), data)
	}
	smallStride := slices.Clone(stats)
	bo.PutUint32(smallStride[48:], 20)
	oddStride := slices.Clone(stats)
	bo.PutUint32(oddStride[48:], 60)

	fd := func() *fdFile { return newFdinfo(bo, 5, 0xc1b6, 1) }
	unterminated := fd().item(prSocketName, sin(bo, "1.2.3.4:5")).c.b
	badSize := join(fd().c.b, newStruct(8, bo).u32(0, 6).u32(4, 1).b, make([]byte, 8))
	overrun := join(fd().c.b, newStruct(8, bo).u32(0, 64).u32(4, 1).b, make([]byte, 8))
	shortSin := join(fd().c.b, newStruct(12, bo).u32(0, 12).u32(4, 1).u16(8, 2).b, make([]byte, 8))
	badStart := psinfoBytes(bo, 1, 0, 0, 1, 2_000_000_000, "init", "init", 0)

	return map[string][]byte{
		"bad/mib2-stray-bytes":      join(hdr(levelTCP, 0, 4), make([]byte, 4), []byte{1, 2, 3, 4, 5}),
		"bad/mib2-overlong":         join(hdr(levelTCP, 0, 1000), make([]byte, 10)),
		"bad/mib2-odd-stride":       join(hdr(levelTCP, 0, uint32(len(oddStride))), oddStride, hdr(levelTCP, 13, 68), row),
		"bad/mib2-small-stride":     join(hdr(levelTCP, 0, uint32(len(smallStride))), smallStride, hdr(levelTCP, 13, 68), row),
		"bad/mib2-no-size":          join(hdr(levelTCP, 13, 68), row),
		"bad/mib2-short-stats":      join(hdr(levelTCP, 0, 20), make([]byte, 20)),
		"bad/mib2-bad-state":        withStats(nameTCPConn, badState),
		"bad/mib2-bad-port":         withStats(nameTCPConn, badPort),
		"bad/procinfo-truncated":    withStats(nameProcInfo, join(row, a.pidInfo(1, 0, 5, 6)[:16])),
		"bad/procinfo-bad-total":    withStats(nameProcInfo, join(row, newStruct(12, bo).u16(0, 1).u32(4, 3).u32(8, 12).b)),
		"bad/procinfo-bad-contents": withStats(nameProcInfo, join(row, a.pidInfo(7, 0, 5))),
		"bad/psinfo-short":          psinfoBytes(bo, 1, 0, 0, 1, 0, "init", "init", 0)[:100],
		"bad/psinfo-bad-start":      badStart,
		"bad/fdinfo-short":          make([]byte, 50),
		"bad/fdinfo-unterminated":   unterminated,
		"bad/fdinfo-bad-size":       badSize,
		"bad/fdinfo-overrun":        overrun,
		"bad/fdinfo-short-sockaddr": shortSin,
		"bad/host-bad-order.json":   []byte(`{"os":"SunOS","byteorder":"middle"}`),
		"bad/host-not-json.json":    []byte(`byteorder=little`),
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestFixtures(t *testing.T) {
	want := fixtures()
	if golden.Updating() {
		if err := os.RemoveAll(fixtureRoot + "/bad"); err != nil {
			t.Fatal(err)
		}
		for path, b := range want {
			full := filepath.Join(fixtureRoot, path)
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(want)) {
		got, err := os.ReadFile(filepath.Join(fixtureRoot, path))
		if err != nil {
			t.Errorf("%s: %v (run go test ./platform/solaris -run TestFixtures -update)", path, err)
			continue
		}
		if !bytes.Equal(got, want[path]) {
			t.Errorf("%s differs from what the generator makes (run with -update)", path)
		}
	}
}
