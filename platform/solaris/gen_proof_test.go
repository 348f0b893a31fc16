package solaris

// Fixtures of issue 28: creators that can and cannot be proven, dual-stack
// twins on kernels without EXPER_SOCK_INFO, and a TLI endpoint found by
// its name. Written by the same generator as gen_test.go, from the
// compiled layouts, in both byte orders.

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The kernel's clock in these worlds: hz 100 (10 ms ticks); hrtime 0 is
// boot, at wall-clock second bootWall.
const (
	worldHZ  = 100
	tickNs   = 1e9 / worldHZ
	bootWall = 1700000000
	sec      = uint64(1e9)
)

// proc is one process of a world: its psinfo and /proc/<pid>/usage.
type proc struct {
	pid, ppid int32
	uid       uint32
	fname     string
	args      string
	forked    uint64 // hrtime of its fork, ns since boot (usage pr_create)
	zombie    bool   // pr_nlwp 0
}

// files writes psinfo (pr_start = boot + fork time, as gethrestime gives
// it on a clock that has not been stepped) and usage.
func (p proc) files(c *capture) {
	ps := psinfoBytes(c.bo, p.pid, p.ppid, p.uid, bootWall+int64(p.forked/sec), int64(p.forked%sec), p.fname, p.args, 0)
	if p.zombie {
		c.bo.PutUint32(ps[zPsNLWP:], 0)
	}
	dir := "proc/" + itoa(int(p.pid)) + "/"
	c.file(dir+"psinfo", ps)
	c.file(dir+"usage", usageBytes(c.bo, p.forked, 20000*sec))
}

// usageBytes is prusage_t (LP64, 504 bytes) with pr_lwpid 0 (the
// process), pr_tstamp and pr_create; the rest noise.
func usageBytes(bo binary.ByteOrder, create, now uint64) []byte {
	c := noise(zUsageSize, bo)
	c.i32(0, 0).i32(4, 1)
	c.u64(zUsageTstamp, now/sec).u64(zUsageTstamp+8, now%sec)
	c.u64(zUsageCreate, create/sec).u64(zUsageCreate+8, create%sec)
	return c.b
}

// ticks is hrtime ns as the kernel's lbolt: whole ticks since boot.
func ticks(ns uint64) uint64 { return ns / tickNs }

// creatorsFixture: current illumos (EXPER_SOCK_INFO, fdinfo), a root
// capture with the clock rate. nginx's master (1500) made its listener
// and a worker (1501) holds it too; a connection waits in the listener's
// accept queue (an entry, no descriptor): its creator is the listener's,
// proven. mysqld was started by a parent (4500) that made the listener
// on 7070, forked the daemon (4501) and exited; pid 4500 now belongs to
// backupd, started an hour later. A connection in 7070's queue names
// 4500 as its creator: backupd must never be taken for it, although it
// started before the connection arrived (the listener's creation time is
// what counts).
func creatorsFixture(a arch, host string) map[string][]byte {
	bo := a.bo
	c := newCapture(bo, host)
	procs := []proc{
		{pid: 1500, ppid: 1, uid: 0, fname: "nginx", args: "nginx: master process /usr/sbin/nginx", forked: 50 * sec},
		{pid: 1501, ppid: 1500, uid: 80, fname: "nginx", args: "nginx: worker process", forked: 51 * sec},
		{pid: 4501, ppid: 1, uid: 70, fname: "mysqld", args: "/usr/sbin/mysqld", forked: 60*sec + 500e6},
		{pid: 4500, ppid: 1, uid: 0, fname: "backupd", args: "/opt/backup/bin/backupd", forked: 3660 * sec},
	}
	for _, p := range procs {
		p.files(c)
	}
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	tcp4 := []conn{
		{local: "0.0.0.0:80", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1500, ctime: ticks(50*sec + 100e6), sie: &sieEntry{inode: 0xa001}},
		// In nginx's accept queue: no descriptor yet.
		{local: "10.0.0.5:80", remote: "10.0.0.9:51000", mib: 5, ce: 0, snxt: 1, suna: 1, rnxt: 100, rack: 0, cpid: 1500, ctime: ticks(9000 * sec), sie: &sieEntry{inode: 0xa002}},
		// The listener 4500 made at 60.05 s, held by the daemon it forked.
		{local: "0.0.0.0:7070", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 4500, ctime: ticks(60*sec + 50e6), sie: &sieEntry{inode: 0xb001}},
		// In its accept queue: the creation pid is the listener's, the time the SYN's.
		{local: "10.0.0.5:7070", remote: "10.0.0.9:52000", mib: 5, ce: 0, snxt: 1, suna: 1, rnxt: 40, rack: 0, cpid: 4500, ctime: ticks(9500 * sec), sie: &sieEntry{inode: 0xb002}},
	}
	c.tables(levelTCP, nameTCPConn, func(r conn) []byte { return tcp4Row(a.tcp, bo, r) }, tcp4)
	c.group(levelTCP6, nameTCP6Conn)
	c.group(levelUDP, nameStats, a.udpStatsBytes())
	c.group(levelUDP, nameUDPEntry)
	c.group(levelUDP6, nameUDP6Entry)
	sock := func(pid, fd int32, ino uint64, name []byte) {
		c.file("proc/"+itoa(int(pid))+"/fdinfo/"+itoa(int(fd)),
			newFdinfo(bo, fd, 0xc1b6, ino).item(prSocketName, name).item(prSockType, u32b(bo, 2)).end())
	}
	sock(1500, 6, 0xa001, sin(bo, "0.0.0.0:80"))
	sock(1501, 6, 0xa001, sin(bo, "0.0.0.0:80"))
	sock(4501, 3, 0xb001, sin(bo, "0.0.0.0:7070"))

	// What netstat -an, netstat -anu and pfiles said (debug check):
	// connections waiting in an accept queue have no holder.
	nginx := []nsOwner{{"root", 1500, "nginx"}, {"webservd", 1501, "nginx"}}
	ns := []nsRow{
		{tcp: true, local: "0.0.0.0:80", state: "LISTEN", owners: nginx},
		{tcp: true, local: "10.0.0.5:80", remote: "10.0.0.9:51000", state: "ESTABLISHED", recvq: 100},
		{tcp: true, local: "0.0.0.0:7070", state: "LISTEN", owners: []nsOwner{{"mysql", 4501, "mysqld"}}},
		{tcp: true, local: "10.0.0.5:7070", remote: "10.0.0.9:52000", state: "ESTABLISHED", recvq: 40},
	}
	an := netstatText(ns, false)
	c.file("tools/netstat-an.before.txt", []byte(an)).file("tools/netstat-an.after.txt", []byte(an))
	c.file("tools/netstat-anu.txt", []byte(netstatText(ns, true)))
	c.file("tools/pfiles.txt", []byte(pfilesText([]pfProc{
		{1500, "nginx: master process /usr/sbin/nginx", []pfFD{{fd: 6, kind: "S_IFSOCK", ino: 0xa001, sockType: "SOCK_STREAM", sockname: "0.0.0.0:80"}}},
		{1501, "nginx: worker process", []pfFD{{fd: 6, kind: "S_IFSOCK", ino: 0xa001, sockType: "SOCK_STREAM", sockname: "0.0.0.0:80"}}},
		{4501, "/usr/sbin/mysqld", []pfFD{{fd: 3, kind: "S_IFSOCK", ino: 0xb001, sockType: "SOCK_STREAM", sockname: "0.0.0.0:7070"}}},
	})))
	return c.done()
}

// dualStackFixture: a kernel with /proc/<pid>/fdinfo but no
// EXPER_SOCK_INFO (Oracle Solaris 11.4 is said to be one; its row layout
// is not public, the pre-2019 one stands in), a capture taken with the
// clock rate by a user who could not read one process (7000).
//
//   - sshd (300) listens on 22 as OpenSSH does: an AF_INET socket and an
//     IPV6_V6ONLY AF_INET6 one, made in the same tick: the two rows share
//     port, creation pid and time, and are two sockets.
//   - java (1300) listens on [::]:8080 without IPV6_V6ONLY: one socket the
//     kernel reports in both tables; TCP rows carry nothing that proves it.
//   - ntpd (610): one dual-stack UDP socket on [::]:123, in both tables
//     with the same udpInstance; mdnsd (620): an AF_INET and an AF_INET6
//     UDP socket on 5353 made in one tick, other instances.
//   - rpcbind (400): a TLI endpoint on /dev/tcp, named by fdinfo.
//   - 7070 is held by process 7000, which the capture could not read; its
//     creation pid 4500 is backupd now, started long after.
//   - a UDP socket whose creator (4600) is a zombie; a connection whose
//     creator (4700) is gone; nfsd's (77) kernel connection, proven.
func dualStackFixture(a arch, host string) map[string][]byte {
	bo := a.bo
	c := newCapture(bo, host)
	sshdT := ticks(20*sec + 300e6)
	procs := []proc{
		{pid: 77, ppid: 1, uid: 1, fname: "nfsd", args: "/usr/lib/nfs/nfsd", forked: 30 * sec},
		{pid: 300, ppid: 1, uid: 0, fname: "sshd", args: "/usr/lib/ssh/sshd", forked: 20 * sec},
		{pid: 400, ppid: 1, uid: 1, fname: "rpcbind", args: "/usr/sbin/rpcbind", forked: 15 * sec},
		{pid: 610, ppid: 1, uid: 0, fname: "ntpd", args: "/usr/lib/inet/ntpd", forked: 25 * sec},
		{pid: 620, ppid: 1, uid: 0, fname: "mdnsd", args: "/usr/lib/inet/mdnsd", forked: 26 * sec},
		{pid: 1300, ppid: 1, uid: 100, fname: "java", args: "java -jar app.jar", forked: 100 * sec},
		{pid: 4500, ppid: 1, uid: 0, fname: "backupd", args: "/opt/backup/bin/backupd", forked: 7200 * sec},
		{pid: 4600, ppid: 1, uid: 100, fname: "probe", args: "probe", forked: 40 * sec, zombie: true},
	}
	for _, p := range procs {
		p.files(c)
	}
	c.group(levelTCP, nameStats, a.tcpStatsBytes())
	c.tables(levelTCP, nameTCPConn, func(r conn) []byte { return tcp4Row(a.tcp, bo, r) }, []conn{
		{local: "0.0.0.0:22", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 300, ctime: sshdT},
		{local: "0.0.0.0:111", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 400, ctime: ticks(15*sec + 200e6)},
		{local: "0.0.0.0:7070", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 4500, ctime: ticks(300 * sec)},
		{local: "0.0.0.0:8080", remote: "0.0.0.0:0", mib: 2, ce: -3, cpid: 1300, ctime: ticks(101 * sec)},
		{local: "10.0.0.5:2049", remote: "10.0.0.7:1023", mib: 5, ce: 0, cpid: 77, ctime: ticks(31 * sec)},
		{local: "10.0.0.5:41000", remote: "10.0.0.8:443", mib: 5, ce: 0, cpid: 4700, ctime: ticks(500 * sec)},
	})
	c.tables(levelTCP6, nameTCP6Conn, func(r conn) []byte { return tcp6Row(a.tcp6, bo, r) }, []conn{
		{local: "[::]:22", remote: "[::]:0", mib: 2, ce: -3, cpid: 300, ctime: sshdT},
		{local: "[::]:8080", remote: "[::]:0", mib: 2, ce: -3, cpid: 1300, ctime: ticks(101 * sec)},
	})
	c.group(levelUDP, nameStats, a.udpStatsBytes())
	mdnsT := ticks(26*sec + 400e6)
	c.tables(levelUDP, nameUDPEntry, func(r conn) []byte { return udp4Row(a.udp, bo, r) }, []conn{
		{local: "0.0.0.0:123", remote: "0.0.0.0:0", mib: 2, cpid: 610, ctime: ticks(25*sec + 100e6), inst: 0x3001},
		{local: "0.0.0.0:5353", remote: "0.0.0.0:0", mib: 2, cpid: 620, ctime: mdnsT, inst: 0x4001},
		{local: "0.0.0.0:5000", remote: "0.0.0.0:0", mib: 2, cpid: 4600, ctime: ticks(41 * sec), inst: 0x5001},
	})
	c.tables(levelUDP6, nameUDP6Entry, func(r conn) []byte { return udp6Row(a.udp6, bo, r) }, []conn{
		{local: "[::]:123", remote: "[::]:0", mib: 2, cpid: 610, ctime: ticks(25*sec + 100e6), inst: 0x3001},
		{local: "[::]:5353", remote: "[::]:0", mib: 2, cpid: 620, ctime: mdnsT, inst: 0x4002},
	})
	sock := func(pid, fd int32, ino uint64, typ uint32, name []byte) {
		c.file("proc/"+itoa(int(pid))+"/fdinfo/"+itoa(int(fd)),
			newFdinfo(bo, fd, 0xc1b6, ino).item(prSocketName, name).item(prSockType, u32b(bo, typ)).end())
	}
	const stream, dgram = 2, 1
	sock(300, 3, 0x301, stream, sin(bo, "0.0.0.0:22"))
	sock(300, 4, 0x302, stream, sin6(bo, "[::]:22"))
	sock(1300, 7, 0x1301, stream, sin6(bo, "[::]:8080"))
	sock(610, 5, 0x611, dgram, sin6(bo, "[::]:123"))
	sock(620, 3, 0x621, dgram, sin(bo, "0.0.0.0:5353"))
	sock(620, 4, 0x622, dgram, sin6(bo, "[::]:5353"))
	// rpcbind's TLI endpoint: a character device on the tcp driver, named
	// by TI_GETMYNAME, no PR_SOCKOPT_TYPE.
	c.file("proc/400/fdinfo/5", newFdinfo(bo, 5, 0x21b6, 0x401).rmajor(tcpMajor, 3).
		item(prPathname, []byte("/devices/pseudo/tcp@0:tcp\x00")).
		item(prSocketName, sin(bo, "0.0.0.0:111")).end())

	// What netstat -an and pfiles said (debug check). This netstat has no
	// -u. It lists both views of java's and ntpd's dual-stack sockets.
	ns := []nsRow{
		{tcp: true, local: "0.0.0.0:22", state: "LISTEN"},
		{tcp: true, local: "0.0.0.0:111", state: "LISTEN"},
		{tcp: true, local: "0.0.0.0:7070", state: "LISTEN"},
		{tcp: true, local: "0.0.0.0:8080", state: "LISTEN"},
		{tcp: true, local: "10.0.0.5:2049", remote: "10.0.0.7:1023", state: "ESTABLISHED"},
		{tcp: true, local: "10.0.0.5:41000", remote: "10.0.0.8:443", state: "ESTABLISHED"},
		{tcp: true, v6: true, local: "[::]:22", state: "LISTEN"},
		{tcp: true, v6: true, local: "[::]:8080", state: "LISTEN"},
		{local: "0.0.0.0:123", state: "Idle"},
		{local: "0.0.0.0:5353", state: "Idle"},
		{local: "0.0.0.0:5000", state: "Idle"},
		{v6: true, local: "[::]:123", state: "Idle"},
		{v6: true, local: "[::]:5353", state: "Idle"},
	}
	an := netstatText(ns, false)
	c.file("tools/netstat-an.before.txt", []byte(an)).file("tools/netstat-an.after.txt", []byte(an))
	c.file("tools/pfiles.txt", []byte(pfilesText([]pfProc{
		{300, "/usr/lib/ssh/sshd", []pfFD{
			{fd: 3, kind: "S_IFSOCK", ino: 0x301, sockType: "SOCK_STREAM", sockname: "0.0.0.0:22"},
			{fd: 4, kind: "S_IFSOCK", ino: 0x302, sockType: "SOCK_STREAM", sockname: "[::]:22"}}},
		{400, "/usr/sbin/rpcbind", []pfFD{{fd: 5, kind: "S_IFCHR", ino: 0x401, sockname: "0.0.0.0:111", path: "/devices/pseudo/tcp@0:tcp"}}},
		{610, "/usr/lib/inet/ntpd", []pfFD{{fd: 5, kind: "S_IFSOCK", ino: 0x611, sockType: "SOCK_DGRAM", sockname: "[::]:123"}}},
		{620, "/usr/lib/inet/mdnsd", []pfFD{
			{fd: 3, kind: "S_IFSOCK", ino: 0x621, sockType: "SOCK_DGRAM", sockname: "0.0.0.0:5353"},
			{fd: 4, kind: "S_IFSOCK", ino: 0x622, sockType: "SOCK_DGRAM", sockname: "[::]:5353"}}},
		{1300, "java -jar app.jar", []pfFD{{fd: 7, kind: "S_IFSOCK", ino: 0x1301, sockType: "SOCK_STREAM", sockname: "[::]:8080"}}},
	})))
	return c.done()
}

// Hosts of the proof fixtures.
const (
	creatorsHostAmd64 = `{"os":"SunOS","release":"5.11 illumos-2022 (layout of illumos-gate a8962f2d31)","arch":"i86pc","byteorder":"little","hz":100,"lbolt":2000000,"time":"2023-11-15T03:46:40Z"}` + "\n"
	creatorsHostSPARC = `{"os":"SunOS","release":"5.11 illumos-2022 (layout of illumos-gate a8962f2d31, SPARC)","arch":"sun4v","byteorder":"big","hz":100,"lbolt":2000000,"time":"2023-11-15T03:46:40Z"}` + "\n"
	dualHostAmd64     = `{"os":"SunOS","release":"5.11 11.4 (row layout assumed: pre-2019)","arch":"i86pc","byteorder":"little","unreadable_processes":1,"hz":100,"lbolt":2000000,"time":"2023-11-15T03:46:40Z"}` + "\n"
	dualHostSPARC     = `{"os":"SunOS","release":"5.11 11.4 (row layout assumed: pre-2019)","arch":"sun4v","byteorder":"big","unreadable_processes":1,"hz":100,"lbolt":2000000,"time":"2023-11-15T03:46:40Z"}` + "\n"
)

var sparcOld = mkArch(binary.BigEndian, "pre2019", false)

func proofFixtures() map[string]map[string][]byte {
	return map[string]map[string][]byte{
		"illumos-creators-amd64":    creatorsFixture(amd64, creatorsHostAmd64),
		"illumos-creators-sparc":    creatorsFixture(sparc, creatorsHostSPARC),
		"solaris11-dualstack-amd64": dualStackFixture(amd64Old, dualHostAmd64),
		"solaris11-dualstack-sparc": dualStackFixture(sparcOld, dualHostSPARC),
	}
}

// The tools' text saved with the proof captures (tools/, as 'gosof debug
// check' saves it), written from the same worlds by a formatter of ours
// following illumos netstat.c's column formats (TCP_V4_LOCAL_F "%-20s",
// TCP_V6_LOCAL_F "%-33s", the windows and queues "%6u"/"%6lld", USER_F
// "%-8.8s", PID_F "%6s", COMMAND_F "%-14.14s", pr_ap's "      *" for the
// wildcard address and "*" for port 0) and pfiles.c's (show_file,
// show_sockaddr).

// nsRow is one line of netstat -an[u].
type nsRow struct {
	tcp, v6       bool
	local, remote string // "addr:port" / "[addr]:port"; remote "" for none
	state         string
	sendq, recvq  int
	owners        []nsOwner // -u: one line each; none: blank columns
}

type nsOwner struct {
	user string
	pid  int
	comm string
}

// nsAddr is pr_ap/pr_ap6 with -n: the address, "      *" for the
// wildcard, a dot, the port or "*".
func nsAddr(s string) string {
	a := ap(s)
	host := a.Addr().String()
	if a.Addr().IsUnspecified() {
		host = "      *"
	}
	port := "*"
	if a.Port() != 0 {
		port = itoa(int(a.Port()))
	}
	return host + "." + port
}

func netstatText(rows []nsRow, withPID bool) string {
	var b bytes.Buffer
	sections := []struct {
		name    string
		tcp, v6 bool
	}{{"TCP: IPv4", true, false}, {"UDP: IPv4", false, false}, {"TCP: IPv6", true, true}, {"UDP: IPv6", false, true}}
	for _, sec := range sections {
		first := true
		for _, r := range rows {
			if r.tcp != sec.tcp || r.v6 != sec.v6 {
				continue
			}
			w := 20
			if sec.v6 {
				w = 33
			}
			if first {
				b.WriteString("\n" + sec.name + "\n")
				b.WriteString(nsHeader(sec.tcp, sec.v6, withPID))
				first = false
			}
			remote := ""
			switch {
			case r.remote != "":
				remote = nsAddr(r.remote)
			case r.tcp: // a TCP row always has one: "      *.*" when unconnected
				remote = nsAddr("0.0.0.0:0")
			}
			lead := fmt.Sprintf("%-*s %-*s ", w, nsAddr(r.local), w, remote)
			owners := r.owners
			if !withPID {
				owners = []nsOwner{{}}
			} else if len(owners) == 0 {
				owners = []nsOwner{{}} // netstat's unknown_proc: blank columns
			}
			for _, o := range owners {
				pid := ""
				if o.pid != 0 {
					pid = itoa(o.pid)
				}
				who := ""
				if withPID {
					who = fmt.Sprintf("%-8.8s %6s ", o.user, pid)
				}
				switch {
				case sec.tcp && sec.v6:
					cmd := ""
					if withPID {
						cmd = fmt.Sprintf("%-14.14s ", o.comm)
					}
					fmt.Fprintf(&b, "%s%s%s%6d %6d %6d %6d %-11s %s\n", lead, who, cmd, 64128, r.sendq, 128872, r.recvq, r.state, "")
				case sec.tcp:
					cmd := ""
					if withPID {
						cmd = fmt.Sprintf("%-14.14s ", o.comm)
					}
					fmt.Fprintf(&b, "%s%s%s%6d %6d %6d %6d %s\n", lead, who, cmd, 64128, r.sendq, 128872, r.recvq, r.state)
				case sec.v6:
					if withPID {
						fmt.Fprintf(&b, "%s%s%-14.14s %-10.10s %s\n", lead, who, o.comm, r.state, "")
					} else {
						fmt.Fprintf(&b, "%s%-10.10s %s\n", lead, r.state, "")
					}
				default:
					if withPID {
						fmt.Fprintf(&b, "%s%s%-14.14s %s\n", lead, who, o.comm, r.state)
					} else {
						fmt.Fprintf(&b, "%s%s\n", lead, r.state)
					}
				}
			}
		}
	}
	// netstat -a also lists the UNIX domain sockets, which the check skips.
	b.WriteString("\nActive UNIX domain sockets\nAddress          Type       Vnode            Conn             Local Addr      Remote Addr\n" +
		"fffffe0a3b1e8780 stream-ord fffffe0a3b2a1d80 0000000000000000 /var/run/.inetd.uds                \n")
	return b.String()
}

func nsHeader(tcp, v6, withPID bool) string {
	loc, rem, line := "   Local Address    ", "   Remote Address   ", "--------------------"
	if v6 {
		loc, rem, line = "   Local Address                 ", "   Remote Address                ", "---------------------------------"
	}
	who, whoLine := "", ""
	if withPID {
		who, whoLine = "  User  "+" "+" Pid  "+" "+"   Command    "+" ", "--------"+" "+"------"+" "+"--------------"+" "
	}
	if tcp {
		h := loc + " " + rem + " " + who + "Swind  Send-Q Rwind  Recv-Q    State   "
		u := line + " " + line + " " + whoLine + "------ ------ ------ ------ -----------"
		if v6 {
			h, u = h+"   If ", u+" -----"
		}
		return h + "\n" + u + "\n"
	}
	h := loc + " " + rem + " " + who + "  State   "
	u := line + " " + line + " " + whoLine + "----------"
	if v6 {
		h, u = h+"   If ", u+" -----"
	}
	return h + "\n" + u + "\n"
}

// pfFD is one descriptor as pfiles prints it.
type pfFD struct {
	fd             int
	kind           string // S_IFSOCK or S_IFCHR
	ino            uint64
	sockType       string // SOCK_STREAM / SOCK_DGRAM; "" for a TLI endpoint
	sockname, peer string
	path           string
}

type pfProc struct {
	pid  int
	args string
	fds  []pfFD
}

func pfSockaddr(what, s string) string {
	a := ap(s)
	fam := "AF_INET"
	if a.Addr().Is6() {
		fam = "AF_INET6"
	}
	return fmt.Sprintf("\t%s: %s %s  port: %d\n", what, fam, a.Addr(), a.Port())
}

func pfilesText(procs []pfProc) string {
	var b bytes.Buffer
	for _, p := range procs {
		fmt.Fprintf(&b, "%d:\t%.70s\n", p.pid, p.args)
		b.WriteString("  Current rlimit: 65536 file descriptors\n")
		for _, f := range p.fds {
			tail := " size:0\n"
			if f.kind == "S_IFCHR" {
				tail = " rdev:90,3\n"
			}
			fmt.Fprintf(&b, "%4d: %s mode:0666 dev:557,0 ino:%d uid:0 gid:0%s", f.fd, f.kind, f.ino, tail)
			b.WriteString("      O_RDWR|O_NONBLOCK FD_CLOEXEC\n")
			if f.sockType != "" {
				b.WriteString("\t" + f.sockType + "\n\tSO_REUSEADDR,SO_SNDBUF(128000),SO_RCVBUF(1048576)\n")
			}
			if f.sockname != "" {
				b.WriteString(pfSockaddr("sockname", f.sockname))
			}
			if f.peer != "" {
				b.WriteString(pfSockaddr("peername", f.peer))
			}
			if f.path != "" {
				b.WriteString("      " + f.path + "\n")
			}
		}
	}
	return b.String()
}
