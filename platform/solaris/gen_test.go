package solaris

// The fixture generator. It lays out every struct field at the offset
// compiled from the illumos headers (zlayout.go; see docs/solaris.md),
// with its own writer, not the parsers: a parser bug cannot make its own
// fixtures agree with it. The offsets are facts shared with the decoder;
// were one wrong, both would be, which is why they come from a compiler
// and not from either side.
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

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// arch is the layout of a capturing host: its byte order and the row
// layouts its kernel sends, picked from the compiled header facts in
// zlayout.go by era, never computed here.
type arch struct {
	bo                   binary.ByteOrder
	tcp, tcp6, udp, udp6 rowLayout
	tcpStats, udpStats   int // sizeof mib2_tcp_t / mib2_udp_t as sent
}

func pickLayout(ls []rowLayout, order, era string, legacy bool) rowLayout {
	for _, l := range ls {
		if l.Order == order && (l.Era == era || l.Era == "any") && l.Legacy == legacy {
			return l
		}
	}
	panic("no layout " + order + " " + era)
}

func mkArch(bo binary.ByteOrder, era string, legacy bool) arch {
	o := orderName(bo)
	a := arch{bo: bo,
		tcp: pickLayout(zTCP4Layouts, o, era, legacy), tcp6: pickLayout(zTCP6Layouts, o, era, legacy),
		udp: pickLayout(zUDP4Layouts, o, era, legacy), udp6: pickLayout(zUDP6Layouts, o, era, legacy),
		tcpStats: zMIB2TCPSizeAmd64, udpStats: zMIB2UDPSize}
	if bo == binary.BigEndian {
		a.tcpStats = zMIB2TCPSizeSPARC
	}
	if legacy {
		a.tcpStats, a.udpStats = zMIB2TCPLegacySizeAmd64, zMIB2UDPLegacySize
		if bo == binary.BigEndian {
			a.tcpStats = zMIB2TCPLegacySizeSPARC
		}
	}
	return a
}

var (
	amd64     = mkArch(binary.LittleEndian, "2019", false)
	sparc     = mkArch(binary.BigEndian, "2019", false)
	amd64Old  = mkArch(binary.LittleEndian, "pre2019", false)
	legacyOld = mkArch(binary.LittleEndian, "pre2019", true)
)

// conn is one connection-table row as the generator knows it.
type conn struct {
	local, remote string // "addr:port" / "[addr]:port"
	mib, ce       int32  // TCP: tcpConnState and ce_state; UDP: ue_state in mib
	snxt, suna    uint32
	rnxt, rack    uint32
	cpid          uint32
	ctime         uint64
	inst          uint32    // UDP: udpInstance
	ifindex       uint32    // IPv6: tcp6ConnIfIndex, udp6IfIndex
	sie           *sieEntry // nil: the kernel sends no EXPER_SOCK_INFO entry
}

// sieEntry is mib2_socketInfoEntry_t without sie_connidx (the row's index).
type sieEntry struct{ inode, flags, dev uint64 }

// noise fills a row with a byte pattern first, so that a decoder reading
// a field at the wrong offset reads nonsense rather than zero.
func noise(size int, bo binary.ByteOrder) *cstruct {
	c := newStruct(size, bo)
	for i := range c.b {
		c.b[i] = byte(0x5a + i*7)
	}
	return c
}

// tcpInfo writes tcpConnEntryInfo_t's fields at layout l's offsets, and
// the creation fields where l has them; the Counter64s and gauges
// between keep their noise.
func tcpInfo(c *cstruct, l rowLayout, r conn) {
	c.u32(l.Snxt, r.snxt).u32(l.Suna, r.suna).u32(l.Rnxt, r.rnxt).u32(l.Rack, r.rack).i32(l.CEState, r.ce)
	putCreation(c, l, r)
}

func putCreation(c *cstruct, l rowLayout, r conn) {
	if l.CreationProcess >= 0 {
		c.u32(l.CreationProcess, r.cpid).u64(l.CreationTime, r.ctime)
	}
}

// mib2_tcpConnEntry_t
func tcp4Row(l rowLayout, bo binary.ByteOrder, r conn) []byte {
	c := noise(l.Size, bo)
	lo, rm := ap(r.local), ap(r.remote)
	c.i32(zTCP4State, r.mib).ip(zTCP4LocalAddr, lo.Addr().String()).i32(zTCP4LocalPort, int32(lo.Port())).
		ip(zTCP4RemAddr, rm.Addr().String()).i32(zTCP4RemPort, int32(rm.Port()))
	if l.Snxt > 0 {
		tcpInfo(c, l, r)
	}
	return c.b
}

// mib2_tcp6ConnEntry_t
func tcp6Row(l rowLayout, bo binary.ByteOrder, r conn) []byte {
	c := noise(l.Size, bo)
	lo, rm := ap(r.local), ap(r.remote)
	c.ip(zTCP6LocalAddr, lo.Addr().String()).i32(zTCP6LocalPort, int32(lo.Port())).
		ip(zTCP6RemAddr, rm.Addr().String()).i32(zTCP6RemPort, int32(rm.Port())).u32(zTCP6IfIndex, r.ifindex).i32(zTCP6State, r.mib)
	if l.Snxt > 0 {
		tcpInfo(c, l, r)
	}
	return c.b
}

// mib2_udpEntry_t
func udp4Row(l rowLayout, bo binary.ByteOrder, r conn) []byte {
	c := noise(l.Size, bo)
	lo, rm := ap(r.local), ap(r.remote)
	c.ip(zUDP4LocalAddr, lo.Addr().String()).i32(zUDP4LocalPort, int32(lo.Port())).i32(zUDP4State, r.mib).
		ip(zUDP4RemAddr, rm.Addr().String()).i32(zUDP4RemPort, int32(rm.Port()))
	if l.CreationProcess >= 0 {
		c.u32(zUDP4Instance, r.inst)
	}
	putCreation(c, l, r)
	return c.b
}

// mib2_udp6Entry_t
func udp6Row(l rowLayout, bo binary.ByteOrder, r conn) []byte {
	c := noise(l.Size, bo)
	lo, rm := ap(r.local), ap(r.remote)
	c.ip(zUDP6LocalAddr, lo.Addr().String()).i32(zUDP6LocalPort, int32(lo.Port())).u32(zUDP6IfIndex, r.ifindex).
		i32(zUDP6State, r.mib).ip(zUDP6RemAddr, rm.Addr().String()).i32(zUDP6RemPort, int32(rm.Port()))
	if l.CreationProcess >= 0 {
		c.u32(zUDP6Instance, r.inst)
	}
	putCreation(c, l, r)
	return c.b
}

// sieBytes is one mib2_socketInfoEntry_t.
func sieBytes(bo binary.ByteOrder, idx int, e *sieEntry) []byte {
	return newStruct(zSIESize, bo).u64(zSIEConnIdx, uint64(idx)).u64(zSIEInode, e.inode).
		u64(zSIEFlags, e.flags).u64(zSIEDev, e.dev).b
}

// tables writes one level's connection table and, when any row has an
// entry, its EXPER_SOCK_INFO table (the kernel sends none when empty).
func (c *capture) tables(level, name uint32, row func(conn) []byte, rows []conn) {
	var data, info [][]byte
	for i, r := range rows {
		data = append(data, row(r))
		if r.sie != nil {
			info = append(info, sieBytes(c.bo, i, r.sie))
		}
	}
	c.group(level, name, data...)
	if len(info) > 0 {
		c.group(level, nameSockInfo, info...)
	}
}

// mib2_tcp_t with tcpConnTableSize and tcp6ConnTableSize.
func (a arch) tcpStatsBytes() []byte {
	c := newStruct(a.tcpStats, a.bo)
	c.i32(0, 4).i32(4, 400).i32(8, 60000).i32(12, -1)
	c.i32(zTCPConnTableSize, int32(a.tcp.Size)).i32(zTCP6ConnTableSize, int32(a.tcp6.Size))
	return c.b
}

// mib2_udp_t with udpEntrySize and udp6EntrySize.
func (a arch) udpStatsBytes() []byte {
	c := newStruct(a.udpStats, a.bo)
	c.i32(zUDPEntrySize, int32(a.udp.Size)).i32(zUDP6EntrySize, int32(a.udp6.Size))
	return c.b
}

// psinfo_t (LP64, 416 bytes).
func psinfoBytes(bo binary.ByteOrder, pid, ppid int32, uid uint32, sec, nsec int64, fname, args string, zone int32) []byte {
	c := newStruct(zPsSize, bo)
	c.i32(zPsNLWP, 1).i32(zPsPID, pid).i32(zPsPPID, ppid).u32(zPsUID, uid).u32(zPsEUID, uid).u64(zPsTTYDev, ^uint64(0))
	c.u64(zPsStart, uint64(sec)).u64(zPsStart+8, uint64(nsec)).str(zPsFname, fname).str(zPsArgs, args).i32(zPsZoneID, zone)
	return c.b
}

// prfdinfo_t header (196 bytes up to pr_misc) plus misc items.
type fdFile struct {
	c *cstruct
}

func newFdinfo(bo binary.ByteOrder, fd int32, mode uint32, ino uint64) *fdFile {
	c := newStruct(zFdMisc, bo)
	c.i32(zFdFD, fd).u32(zFdMode, mode).u64(zFdIno, ino).u32(zFdMajor, 0x22f).u32(zFdFileFlags, 0x82).i32(zFdFileFlags+4, 1)
	c.u16(zFdLockType, 3).i32(zFdLockType+4, -1).i32(zFdLockType+8, -1).i32(zFdPeerPID, -1)
	return &fdFile{c}
}

// rmajor sets pr_rmajor and pr_rminor (a device's numbers).
func (f *fdFile) rmajor(major, minor uint32) *fdFile {
	f.c.u32(zFdRmajor, major).u32(zFdRminor, minor)
	return f
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
	add("illumos-amd64", illumosFixture(amd64, `{"os":"SunOS","release":"5.11 illumos-2022 (layout of illumos-gate a8962f2d31)","arch":"i86pc","byteorder":"little"}`+"\n"))
	add("illumos-sparc", illumosFixture(sparc, `{"os":"SunOS","release":"5.11 illumos-2022 (layout of illumos-gate a8962f2d31, SPARC)","arch":"sun4v","byteorder":"big"}`+"\n"))
	add("illumos-pre2019", pre2019Fixture())
	add("unknown-size", unknownSizeFixture())
	add("solaris11-fdinfo", fdinfoFixture())
	add("solaris10-legacy", legacyFixture())
	for dir, files := range proofFixtures() {
		add(dir, files)
	}
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

// Flags of mib2_socketInfoEntry_t and a 64-bit kernel dev_t (major in
// the high 32 bits, NBITSMINOR64 = 32).
const (
	sieStream = zSockInfoStream
	sieV6     = zSockInfoIPv6
	tcpMajor  = 0x5a // the tcp driver's major in this world
)

func dev64(major, minor uint32) uint64 { return uint64(major)<<32 | uint64(minor) }

// The world of current illumos, the same on amd64 and SPARC: a listener
// shared by a forked worker, a connection the worker accepted, a
// CLOSE_WAIT the server holds, a holder-less TIME_WAIT (no
// EXPER_SOCK_INFO entry), a dual-stack :: listener in both tables (its
// IPv4 row flagged MIB2_SOCKINFO_IPV6), rpcbind's TLI listener on
// /dev/tcp, UDP bound, connected and dual-stack, every other TCP state,
// queues on both sides of the clamp and across a sequence wrap, and a
// hostile process name. Owners are only to be found through
// EXPER_SOCK_INFO and fdinfo: every creation pid is a decoy (9999, no
// psinfo) and no fdinfo name would match alone where an inode decides.
func illumosFixture(a arch, host string) map[string][]byte {
	bo := a.bo
	c := newCapture(bo, host)
	// Groups the parser must skip: MIB2_IP's fixed part and an EXPER_XPORT_MLP table.
	c.group(levelIP, 0, make([]byte, 120))
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	const decoy = 9999
	tcp4 := []conn{
		// httpd (200) and its forked worker (201) share the listener.
		{local: "0.0.0.0:80", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: decoy, ctime: 1, sie: &sieEntry{inode: 0x5001}},
		// Accepted by the worker.
		{local: "10.0.0.5:80", remote: "10.0.0.9:50000", mib: 5, ce: 0, snxt: 2000, suna: 1000, rnxt: 7, rack: 0, cpid: decoy, ctime: 2, sie: &sieEntry{inode: 0x5002}},
		// The client closed, the server has not: CLOSE_WAIT held by httpd.
		{local: "10.0.0.5:80", remote: "10.0.0.9:50001", mib: 8, ce: 1, snxt: 1000, suna: 990, rnxt: 501, rack: 500, cpid: decoy, ctime: 3, sie: &sieEntry{inode: 0x5003}},
		// Closed by the server: TIME_WAIT has no socket, so no entry and no holder.
		{local: "10.0.0.5:80", remote: "10.0.0.9:49999", mib: 11, ce: 6, snxt: 1, suna: 1, rnxt: 1, rack: 1, cpid: 201, ctime: 4},
		// sshd's dual-stack listener, seen from IPv4.
		{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: decoy, ctime: 5, sie: &sieEntry{inode: 0x3001, flags: sieV6}},
		// rpcbind's TLI endpoint on /dev/tcp (minor 3).
		{local: "0.0.0.0:111", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: decoy, ctime: 6, sie: &sieEntry{inode: 0x7001, flags: sieStream, dev: dev64(tcpMajor, 3)}},
		// A socket nobody readable holds (a kernel consumer): no owner.
		{local: "10.0.0.5:2049", remote: "10.0.0.7:1023", mib: 5, ce: 0, cpid: 0, ctime: 7, sie: &sieEntry{inode: 0x9001}},
		// Queues: snxt == suna gives 0, not -1; a sequence wrap between
		// suna and snxt; rack ahead of rnxt clamps at 0.
		{local: "10.0.0.5:40001", remote: "10.0.0.8:443", mib: 5, ce: 0, snxt: 5, suna: 0xfffffff0, rnxt: 10, rack: 20, cpid: decoy, ctime: 8, sie: &sieEntry{inode: 0x8001}},
	}
	for i, st := range tcpStates[1:] {
		switch st.name {
		case "ESTABLISHED", "CLOSE_WAIT", "TIME_WAIT":
			continue
		}
		r := conn{local: "10.0.0.5:" + itoa(41001+i), remote: "10.0.0.8:" + itoa(8000+i), mib: st.mib, ce: st.ce,
			snxt: 100, suna: 100 - uint32(i), rnxt: 50 + uint32(i), rack: 50, cpid: decoy, ctime: 10 + uint64(i), sie: &sieEntry{inode: 0x8100 + uint64(i)}}
		if st.ce <= -4 { // BOUND, IDLE, CLOSED: no peer
			r.local, r.remote = "0.0.0.0:"+itoa(41001+i), "0.0.0.0:0"
		}
		tcp4 = append(tcp4, r)
	}
	tcp6 := []conn{
		{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: decoy, ctime: 5, sie: &sieEntry{inode: 0x3001}},
		{local: "[2001:db8::1]:22", remote: "[2001:db8::2]:40000", mib: 5, ce: 0, snxt: 300, suna: 200, rnxt: 40, rack: 40, cpid: decoy, ctime: 20, sie: &sieEntry{inode: 0x3002}},
	}
	c.tables(levelTCP, nameTCPConn, func(r conn) []byte { return tcp4Row(a.tcp, bo, r) }, tcp4)
	c.group(levelTCP, zNameXportMLP) // an empty table: skipped
	c.tables(levelTCP6, nameTCP6Conn, func(r conn) []byte { return tcp6Row(a.tcp6, bo, r) }, tcp6)

	c.group(levelUDP, nameStats, a.udpStatsBytes())
	udp4 := []conn{
		{local: "0.0.0.0:53", remote: "0.0.0.0:0", mib: 2, cpid: decoy, ctime: 30, sie: &sieEntry{inode: 0x6001}},
		{local: "10.0.0.5:40000", remote: "10.0.0.53:53", mib: 3, cpid: decoy, ctime: 31, sie: &sieEntry{inode: 0x6002}},
		{local: "0.0.0.0:123", remote: "0.0.0.0:0", mib: 2, cpid: decoy, ctime: 32, sie: &sieEntry{inode: 0x6101, flags: sieV6}},
	}
	udp6 := []conn{
		{local: "[::]:123", remote: "[::]:0", mib: 2, cpid: decoy, ctime: 32, sie: &sieEntry{inode: 0x6101}},
	}
	c.tables(levelUDP, nameUDPEntry, func(r conn) []byte { return udp4Row(a.udp, bo, r) }, udp4)
	c.tables(levelUDP6, nameUDP6Entry, func(r conn) []byte { return udp6Row(a.udp6, bo, r) }, udp6)

	sock := func(pid, fd int32, ino uint64, typ uint32, name, peer []byte) {
		f := newFdinfo(bo, fd, 0xc1b6, ino).item(prSocketName, name)
		if peer != nil {
			f.item(prPeerSockName, peer)
		}
		f.item(prSockType, u32b(bo, typ))
		c.file("proc/"+itoa(int(pid))+"/fdinfo/"+itoa(int(fd)), f.end())
	}
	const stream, dgram = 2, 1
	// httpd and the worker it forked: fd 4 is the shared listener.
	sock(200, 4, 0x5001, stream, sin(bo, "0.0.0.0:80"), nil)
	sock(201, 4, 0x5001, stream, sin(bo, "0.0.0.0:80"), nil)
	sock(201, 5, 0x5002, stream, sin(bo, "10.0.0.5:80"), sin(bo, "10.0.0.9:50000"))
	sock(200, 6, 0x5003, stream, sin(bo, "10.0.0.5:80"), sin(bo, "10.0.0.9:50001"))
	// sshd's :: listener, which IPv4 clients reach too.
	sock(300, 3, 0x3001, stream, sin6(bo, "[::]:22"), nil)
	sock(301, 4, 0x3002, stream, sin6(bo, "[2001:db8::1]:22"), sin6(bo, "[2001:db8::2]:40000"))
	// A process holding the other states' sockets.
	for i := range tcpStates[1:] {
		if ino := 0x8100 + uint64(i); tcp4Has(tcp4, ino) {
			sock(700, int32(10+i), ino, stream, sin(bo, "10.0.0.5:"+itoa(41001+i)), nil)
		}
	}
	sock(700, 9, 0x8001, stream, sin(bo, "10.0.0.5:40001"), sin(bo, "10.0.0.8:443"))
	// Decoys an inode join must reject: a UDP socket and an AF_INET
	// socket in the IPv6 table's way, both with inodes of TCP sockets.
	sock(800, 3, 0x5001, dgram, sin(bo, "0.0.0.0:80"), nil)
	sock(800, 4, 0x3002, stream, sin(bo, "10.9.9.9:22"), nil)
	// rpcbind: a TLI endpoint on /dev/tcp (S_IFCHR, rmajor = the tcp
	// driver's, no PR_SOCKOPT_TYPE), and a character device with the same
	// inode on another major, which must not match.
	c.file("proc/400/fdinfo/5", newFdinfo(bo, 5, 0x21b6, 0x7001).rmajor(tcpMajor, 3).
		item(prPathname, []byte("/devices/pseudo/tcp@0:tcp\x00")).
		item(prSocketName, sin(bo, "0.0.0.0:111")).end())
	c.file("proc/400/fdinfo/0", newFdinfo(bo, 0, 0x21b6, 0x7001).rmajor(0x13, 2).
		item(prPathname, []byte("/devices/pseudo/mm@0:null\x00")).end())
	// named, and a hostile name holding the connected UDP socket.
	sock(600, 5, 0x6001, dgram, sin(bo, "0.0.0.0:53"), nil)
	sock(666, 3, 0x6002, dgram, sin(bo, "10.0.0.5:40000"), sin(bo, "10.0.0.53:53"))
	sock(610, 4, 0x6101, dgram, sin6(bo, "[::]:123"), nil)

	procs := []struct {
		pid, ppid int32
		uid       uint32
		fname     string
		args      string
	}{
		{200, 1, 80, "httpd", "/usr/apache2/bin/httpd -k start"},
		{201, 200, 80, "httpd", "/usr/apache2/bin/httpd -k start"},
		{300, 1, 0, "sshd", "/usr/lib/ssh/sshd"},
		{301, 300, 0, "sshd", "sshd: build@pts/1"},
		{400, 1, 1, "rpcbind", "/usr/sbin/rpcbind"},
		{600, 1, 0, "named", "/usr/sbin/named"},
		{610, 1, 0, "ntpd", "/usr/lib/inet/ntpd"},
		{666, 1, 100, "evil\x1b[31m\u202e", "evil\x1b]0;pwned\x07"},
		{700, 1, 100, "states", "states"},
		{800, 1, 100, "decoy", "decoy"},
	}
	for i, p := range procs {
		c.file("proc/"+itoa(int(p.pid))+"/psinfo", psinfoBytes(bo, p.pid, p.ppid, p.uid, 1700000000+int64(i), 123456789, p.fname, p.args, 0))
	}
	return c.done()
}

func tcp4Has(rows []conn, ino uint64) bool {
	for _, r := range rows {
		if r.sie != nil && r.sie.inode == ino {
			return true
		}
	}
	return false
}

// pre2019Fixture: illumos before August 2019 (and the Solaris 11 source
// of 2011): 68-byte TCP rows, no EXPER_SOCK_INFO, no fdinfo (2020): the
// creator is all there is. It is a capture of an older gosof: no clock
// rate in host.json and no usage files, so no creator can be proven.
func pre2019Fixture() map[string][]byte {
	a := amd64Old
	bo := a.bo
	c := newCapture(bo, `{"os":"SunOS","release":"5.11 omnios-r151030 (layout of illumos-gate c12492cf73)","arch":"i86pc","byteorder":"little"}`+"\n")
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	c.tables(levelTCP, nameTCPConn, func(r conn) []byte { return tcp4Row(a.tcp, bo, r) }, []conn{
		{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 300, ctime: 5},
		{local: "10.0.0.5:22", remote: "10.0.0.9:50000", mib: 5, ce: 0, snxt: 1100, suna: 1000, rnxt: 60, rack: 50, cpid: 300, ctime: 6},
		{local: "10.0.0.5:22", remote: "10.0.0.9:49999", mib: 11, ce: 6, cpid: 300, ctime: 4},
		{local: "0.0.0.0:41000", remote: "0.0.0.0:0", mib: 1, ce: -4, cpid: 301, ctime: 7},
	})
	c.tables(levelTCP6, nameTCP6Conn, func(r conn) []byte { return tcp6Row(a.tcp6, bo, r) }, []conn{
		{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: 300, ctime: 5},
	})
	c.group(levelUDP, nameStats, a.udpStatsBytes())
	c.tables(levelUDP, nameUDPEntry, func(r conn) []byte { return udp4Row(a.udp, bo, r) }, []conn{
		{local: "0.0.0.0:53", remote: "0.0.0.0:0", mib: 2, cpid: 600, ctime: 30},
	})
	c.group(levelUDP6, nameUDP6Entry)
	for _, p := range []struct {
		pid   int32
		fname string
	}{{300, "sshd"}, {301, "ssh"}, {600, "named"}} {
		c.file("proc/"+itoa(int(p.pid))+"/psinfo", psinfoBytes(bo, p.pid, 1, 0, 1500000000, 0, p.fname, p.fname, 0))
	}
	return c.done()
}

// unknownSizeFixture: a kernel whose row sizes gosof does not know (as
// Oracle Solaris 11.4's may be): rows 180/212 and 44/72 bytes with the
// stable fields in place and noise elsewhere, and a name-106 table that
// is not mib2_socketInfoEntry_t. Every socket must still be listed with
// its MIB-II state; queues and creators stay unknown; owners come from
// fdinfo names.
func unknownSizeFixture() map[string][]byte {
	bo := binary.LittleEndian
	odd := func(size int) rowLayout { return rowLayout{Size: size, CreationProcess: -1} }
	t4, t6, u4, u6 := odd(180), odd(212), odd(44), odd(72)
	c := newCapture(bo, `{"os":"SunOS","release":"5.11 11.4.81.193.1 (hypothetical row sizes)","arch":"i86pc","byteorder":"little"}`+"\n")
	c.group(levelTCP, nameStats, newStruct(zMIB2TCPSizeAmd64+16, bo).i32(zTCPConnTableSize, int32(t4.Size)).i32(zTCP6ConnTableSize, int32(t6.Size)).b)
	tcp := []conn{
		{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2},
		{local: "10.0.0.5:22", remote: "10.0.0.9:50000", mib: 5},
		{local: "10.0.0.5:22", remote: "10.0.0.9:49999", mib: 11},
		{local: "0.0.0.0:41000", remote: "0.0.0.0:0", mib: 1},
	}
	for _, st := range tcpStates[1:10] {
		tcp = append(tcp, conn{local: "10.0.0.5:" + itoa(42000+int(st.mib)), remote: "10.0.0.8:443", mib: st.mib})
	}
	c.tables(levelTCP, nameTCPConn, func(r conn) []byte { return tcp4Row(t4, bo, r) }, tcp)
	c.group(levelTCP, nameSockInfo, noise(20, bo).b) // not 32-byte entries
	c.tables(levelTCP6, nameTCP6Conn, func(r conn) []byte { return tcp6Row(t6, bo, r) }, []conn{
		{local: "[::]:22", remote: "[::]:0", mib: 2},
	})
	c.group(levelUDP, nameStats, newStruct(zMIB2UDPSize, bo).i32(zUDPEntrySize, int32(u4.Size)).i32(zUDP6EntrySize, int32(u6.Size)).b)
	c.tables(levelUDP, nameUDPEntry, func(r conn) []byte { return udp4Row(u4, bo, r) }, []conn{
		{local: "0.0.0.0:53", remote: "0.0.0.0:0", mib: 2},
		{local: "10.0.0.5:40000", remote: "10.0.0.53:53", mib: 3},
	})
	c.tables(levelUDP6, nameUDP6Entry, func(r conn) []byte { return udp6Row(u6, bo, r) }, []conn{
		{local: "[::]:123", remote: "[::]:0", mib: 2},
	})
	c.file("proc/300/fdinfo/3", newFdinfo(bo, 3, 0xc1b6, 0x3001).item(prSocketName, sin6(bo, "[::]:22")).item(prSockType, u32b(bo, 2)).end())
	c.file("proc/301/fdinfo/4", newFdinfo(bo, 4, 0xc1b6, 0x3002).item(prSocketName, sin(bo, "10.0.0.5:22")).
		item(prPeerSockName, sin(bo, "10.0.0.9:50000")).item(prSockType, u32b(bo, 2)).end())
	c.file("proc/300/psinfo", psinfoBytes(bo, 300, 1, 0, 1600000000, 0, "sshd", "/usr/lib/ssh/sshd", 0))
	c.file("proc/301/psinfo", psinfoBytes(bo, 301, 300, 0, 1600000001, 0, "sshd", "sshd: build", 0))
	return c.done()
}

// fdinfoFixture: a kernel with /proc/<pid>/fdinfo but no EXPER_SOCK_INFO,
// as Oracle Solaris 11.4 is said to be (its row size is not public: the
// pre-2019 layout stands in for it): owners come from fdinfo's socket
// names, else the creator.
func fdinfoFixture() map[string][]byte {
	a := amd64Old
	bo := a.bo
	c := newCapture(bo, `{"os":"SunOS","release":"5.11 11.4 (row layout assumed: pre-2019)","arch":"i86pc","byteorder":"little","hz":100}`+"\n")
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	c.group(levelTCP, nameTCPConn,
		tcp4Row(a.tcp, a.bo, conn{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1200, ctime: 10}),
		tcp4Row(a.tcp, a.bo, conn{local: "172.27.10.9:22", remote: "172.27.10.79:38576", mib: 5, ce: 0, snxt: 10, rnxt: 20, cpid: 1200, ctime: 11}),
		// sshd's second session, whose socket sets SO_LINGER {1,0}.
		tcp4Row(a.tcp, a.bo, conn{local: "172.27.10.9:22", remote: "172.27.10.80:40000", mib: 5, ce: 0, snxt: 5, rnxt: 5, cpid: 1200, ctime: 15}),
		// An IPv6 socket talking IPv4 shows in the IPv4 table.
		tcp4Row(a.tcp, a.bo, conn{local: "172.27.10.9:41000", remote: "172.27.10.1:3306", mib: 5, ce: 0, cpid: 1300, ctime: 12}),
		// No descriptor matches: only the creator is known.
		tcp4Row(a.tcp, a.bo, conn{local: "172.27.10.9:2049", remote: "172.27.10.2:1023", mib: 5, ce: 0, cpid: 77, ctime: 13}),
		// A kernel socket: no descriptor, no creator.
		tcp4Row(a.tcp, a.bo, conn{local: "172.27.10.9:111", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 0, ctime: 14}),
	)
	c.group(levelTCP6, nameTCP6Conn,
		tcp6Row(a.tcp6, a.bo, conn{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: 1200, ctime: 10}))
	c.group(levelUDP, nameStats, a.udpStatsBytes())
	c.group(levelUDP, nameUDPEntry, udp4Row(a.udp, a.bo, conn{local: "0.0.0.0:514", remote: "0.0.0.0:0", mib: 2, cpid: 1400, ctime: 20}))
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
		// Forked 50 ms after boot, before any of the rows' sockets (10
		// ticks and later at hz 100): every creator here is proven.
		c.file("proc/"+itoa(int(p.pid))+"/usage", usageBytes(bo, 50e6, 900*sec))
	}
	return c.done()
}

// legacyFixture: Solaris 10 rows (LEGACY_MIB_SIZE): no creation fields,
// no EXPER_SOCK_INFO, no fdinfo; an empty UDP table.
func legacyFixture() map[string][]byte {
	a := legacyOld
	c := newCapture(a.bo, `{"os":"SunOS","release":"5.10 Generic_150401-30","arch":"i86pc","byteorder":"little"}`+"\n")
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	c.group(levelTCP, nameTCPConn,
		tcp4Row(a.tcp, a.bo, conn{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3}),
		tcp4Row(a.tcp, a.bo, conn{local: "10.1.1.1:22", remote: "10.1.1.2:60000", mib: 5, ce: 0, snxt: 3, rnxt: 4}),
	)
	c.group(levelTCP6, nameTCP6Conn, tcp6Row(a.tcp6, a.bo, conn{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3}))
	c.group(levelUDP, nameStats, a.udpStatsBytes())
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
	row := tcp4Row(a.tcp, a.bo, conn{local: "1.2.3.4:80", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1, ctime: 1})
	stats := a.tcpStatsBytes()
	badState := tcp4Row(a.tcp, a.bo, conn{local: "1.2.3.4:80", remote: "0.0.0.0:0", mib: 99, ce: 99})
	// A known layout whose ce_state is no TCPS_* value: the row is not
	// what its size says, and must not be printed with a guessed state.
	badCE := tcp4Row(a.tcp, a.bo, conn{local: "1.2.3.4:80", remote: "0.0.0.0:0", mib: 5, ce: 42})
	badPort := slices.Clone(row)
	bo.PutUint32(badPort[zTCP4LocalPort:], 70000)
	withStats := func(name uint32, data []byte) []byte {
		return join(hdr(levelTCP, 0, uint32(len(stats))), stats, hdr(levelTCP, name, uint32(len(data))), data)
	}
	smallStride := slices.Clone(stats)
	bo.PutUint32(smallStride[zTCPConnTableSize:], 12)
	oddStride := slices.Clone(stats)
	bo.PutUint32(oddStride[zTCPConnTableSize:], 60)
	n := uint32(len(row))

	fd := func() *fdFile { return newFdinfo(bo, 5, 0xc1b6, 1) }
	unterminated := fd().item(prSocketName, sin(bo, "1.2.3.4:5")).c.b
	badSize := join(fd().c.b, newStruct(8, bo).u32(0, 6).u32(4, 1).b, make([]byte, 8))
	overrun := join(fd().c.b, newStruct(8, bo).u32(0, 64).u32(4, 1).b, make([]byte, 8))
	shortSin := join(fd().c.b, newStruct(12, bo).u32(0, 12).u32(4, 1).u16(8, 2).b, make([]byte, 8))
	badStart := psinfoBytes(bo, 1, 0, 0, 1, 2_000_000_000, "init", "init", 0)

	return map[string][]byte{
		"bad/mib2-stray-bytes":      join(hdr(levelTCP, 0, 4), make([]byte, 4), []byte{1, 2, 3, 4, 5}),
		"bad/mib2-overlong":         join(hdr(levelTCP, 0, 1000), make([]byte, 10)),
		"bad/mib2-odd-stride":       join(hdr(levelTCP, 0, uint32(len(oddStride))), oddStride, hdr(levelTCP, 13, n), row),
		"bad/mib2-small-stride":     join(hdr(levelTCP, 0, uint32(len(smallStride))), smallStride, hdr(levelTCP, 13, n), row),
		"bad/mib2-no-size":          join(hdr(levelTCP, 13, n), row),
		"bad/mib2-short-stats":      join(hdr(levelTCP, 0, 20), make([]byte, 20)),
		"bad/mib2-bad-state":        withStats(nameTCPConn, badState),
		"bad/mib2-bad-port":         withStats(nameTCPConn, badPort),
		"bad/mib2-bad-ce-state":     withStats(nameTCPConn, badCE),
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
