package solaris

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gosof/gosof/core"
)

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openFixture(t testing.TB, dir string) *Backend {
	t.Helper()
	b, err := OpenReplay(filepath.Join(fixtureRoot, dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// line prints a resolved socket compactly for comparisons.
func line(s core.Socket) string {
	remote := "-"
	if s.Remote != nil {
		remote = netip.AddrPortFrom(s.Remote.Addr, s.Remote.Port).String()
	}
	var owners []string
	for _, o := range s.Owners {
		w := fmt.Sprintf("%d/%d", o.PID, o.FD)
		if o.Creator {
			w += "/creator"
		}
		if o.Unverified {
			w += "/unverified"
		}
		if o.Proc != nil {
			w += "/" + o.Proc.Comm
		}
		owners = append(owners, w)
	}
	return fmt.Sprintf("%s %s %s %s %s q=%d/%d [%s]", s.Proto, s.Family, s.State,
		netip.AddrPortFrom(s.Local.Addr, s.Local.Port), remote, s.RecvQ, s.SendQ, strings.Join(owners, " "))
}

func resolve(t *testing.T, b *Backend) []string {
	t.Helper()
	r := &core.Resolver{Sockets: b, Owners: b, UserName: func(uid int64) string { return fmt.Sprint(uid) }}
	res, err := r.Resolve(&core.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range res.Sockets {
		lines = append(lines, line(s))
	}
	return lines
}

func TestIllumosCapture(t *testing.T) {
	// The amd64 and SPARC captures hold the same world in different
	// layouts and byte orders: they must decode to the same thing, every
	// owner found through EXPER_SOCK_INFO and fdinfo (the rows' creation
	// pids are decoys).
	want := []string{
		"tcp inet LISTEN 0.0.0.0:80 - q=0/0 [200/4/httpd 201/4/httpd]",           // shared with the forked worker
		"tcp inet LISTEN 0.0.0.0:111 - q=0/0 [400/5/rpcbind]",                    // TLI: inode and major, not fd 0
		"tcp inet CLOSE 0.0.0.0:41010 - q=9/8 [700/19/states]",                   // BOUND
		"tcp inet CLOSE 0.0.0.0:41011 - q=10/9 [700/20/states]",                  // IDLE
		"tcp inet CLOSE 0.0.0.0:41012 - q=11/10 [700/21/states]",                 // CLOSED
		"tcp inet TIME_WAIT 10.0.0.5:80 10.0.0.9:49999 q=0/0 []",                 // no entry: nobody, not the creator
		"tcp inet ESTABLISHED 10.0.0.5:80 10.0.0.9:50000 q=7/999 [201/5/httpd]",  // snxt-suna-1
		"tcp inet CLOSE_WAIT 10.0.0.5:80 10.0.0.9:50001 q=1/9 [200/6/httpd]",     // held by the server
		"tcp inet ESTABLISHED 10.0.0.5:2049 10.0.0.7:1023 q=0/0 []",              // an entry nobody readable holds, no creator
		"tcp inet ESTABLISHED 10.0.0.5:40001 10.0.0.8:443 q=0/20 [700/9/states]", // wrapped sequence; rack past rnxt
		"tcp inet SYN_SENT 10.0.0.5:41001 10.0.0.8:8000 q=0/0 [700/10/states]",   // snxt == suna: 0, not -1
		"tcp inet SYN_RECV 10.0.0.5:41002 10.0.0.8:8001 q=1/0 [700/11/states]",
		"tcp inet FIN_WAIT1 10.0.0.5:41005 10.0.0.8:8004 q=4/3 [700/14/states]",
		"tcp inet CLOSING 10.0.0.5:41006 10.0.0.8:8005 q=5/4 [700/15/states]",
		"tcp inet LAST_ACK 10.0.0.5:41007 10.0.0.8:8006 q=6/5 [700/16/states]",
		"tcp inet FIN_WAIT2 10.0.0.5:41008 10.0.0.8:8007 q=7/6 [700/17/states]",
		"tcp inet6 LISTEN [::]:22 - q=0/0 [300/3/sshd]", // once: its flagged 0.0.0.0:22 twin is dropped
		"tcp inet6 ESTABLISHED [2001:db8::1]:22 [2001:db8::2]:40000 q=0/99 [301/4/sshd]",
		"udp inet UNCONN 0.0.0.0:53 - q=0/0 [600/5/named]",
		"udp inet ESTABLISHED 10.0.0.5:40000 10.0.0.53:53 q=0/0 [666/3/evil\x1b[31m\u202e]",
		"udp inet6 UNCONN [::]:123 - q=0/0 [610/4/ntpd]", // the flagged 0.0.0.0:123 twin is dropped
	}
	for _, dir := range []string{"illumos-amd64", "illumos-sparc"} {
		t.Run(dir, func(t *testing.T) {
			got := resolve(t, openFixture(t, dir))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sockets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFdinfoOwners(t *testing.T) {
	got := resolve(t, openFixture(t, "solaris11-fdinfo"))
	want := []string{
		// The IPv4 view of [::]:22 or a socket of its own: without
		// EXPER_SOCK_INFO a TCP row cannot be proven to be the other's
		// twin, so both are listed, as netstat lists them; nothing names
		// this one, so its proven creator is shown.
		"tcp inet LISTEN 0.0.0.0:22 - q=0/0 [1200/-1/creator/sshd]",
		"tcp inet ESTABLISHED 172.27.10.9:22 172.27.10.79:38576 q=20/9 [1200/5/sshd 1201/4/sshd]",
		"tcp inet ESTABLISHED 172.27.10.9:22 172.27.10.80:40000 q=5/4 [1200/8/sshd]",
		"tcp inet LISTEN 172.27.10.9:111 - q=0/0 []", // kernel socket: no creator either
		"tcp inet ESTABLISHED 172.27.10.9:2049 172.27.10.2:1023 q=0/0 [77/-1/creator/nfsd]",
		"tcp inet ESTABLISHED 172.27.10.9:41000 172.27.10.1:3306 q=0/0 [1300/7/java]", // v4-mapped fdinfo name
		"tcp inet6 LISTEN [::]:22 - q=0/0 [1200/3/sshd]",
		"udp inet UNCONN 0.0.0.0:514 - q=0/0 [1400/9/syslogd]", // no socket type item: matched on names
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
}

func TestLegacyRows(t *testing.T) {
	got := resolve(t, openFixture(t, "solaris10-legacy"))
	// No creation fields: the 0.0.0.0:22 and :::22 rows cannot be proven
	// to be one socket, so both stay; nobody is known to hold them.
	want := []string{
		"tcp inet LISTEN 0.0.0.0:22 - q=0/0 []",
		"tcp inet ESTABLISHED 10.1.1.1:22 10.1.1.2:60000 q=4/2 []",
		"tcp inet6 LISTEN [::]:22 - q=0/0 []",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sockets (-want +got):\n%s", diff)
	}
	m, err := openFixture(t, "solaris10-legacy").MIB()
	if err != nil {
		t.Fatal(err)
	}
	if m.SockInfo || m.TCP[0].HasCreation || len(m.UDP) != 0 || len(m.UDP6) != 0 || len(m.Notes) != 0 {
		t.Errorf("legacy MIB: SockInfo %v, HasCreation %v, UDP %d, UDP6 %d rows, notes %q", m.SockInfo, m.TCP[0].HasCreation, len(m.UDP), len(m.UDP6), m.Notes)
	}
}

func TestParseFdinfoSSHD(t *testing.T) {
	d, err := ParseFdinfo(readFixture(t, "solaris11-fdinfo/proc/1200/fdinfo/5"), binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	want := &Fdinfo{
		FD: 5, Mode: 0xc1b6, Ino: 0xf927, PeerPID: -1,
		SockName: ap("172.27.10.9:22"), PeerSockName: ap("172.27.10.79:38576"),
		HasSockName: true, HasPeer: true, SockFamily: afInet,
		BoolOpts: 0x0a, HasBoolOpts: true, HasLinger: true,
		SndBuf: 0xc000, RcvBuf: 0x1f768, HasSndBuf: true, HasRcvBuf: true,
		SockType: 2, HasSockType: true, Congestion: "sunreno",
	}
	if diff := cmp.Diff(want, d, cmpopts.EquateComparable(netip.AddrPort{})); diff != "" {
		t.Errorf("fdinfo (-want +got):\n%s", diff)
	}
	if !d.IsSocket() {
		t.Error("IsSocket false for mode 0xc1b6")
	}
	reg, err := ParseFdinfo(readFixture(t, "solaris11-fdinfo/proc/1200/fdinfo/0"), binary.LittleEndian)
	if err != nil || reg.IsSocket() || reg.Path != "/dev/null" {
		t.Errorf("regular file: %+v, %v", reg, err)
	}
}

func TestParsePsinfo(t *testing.T) {
	for _, tc := range []struct {
		path string
		bo   binary.ByteOrder
	}{{"illumos-amd64/proc/600/psinfo", binary.LittleEndian}, {"illumos-sparc/proc/600/psinfo", binary.BigEndian}} {
		p, err := ParsePsinfo(readFixture(t, tc.path), tc.bo)
		if err != nil {
			t.Fatal(err)
		}
		want := &Psinfo{NLWP: 1, PID: 600, PPID: 1, UID: 0, EUID: 0, Start: 1700000005*1e9 + 123456789,
			Fname: "named", Psargs: "/usr/sbin/named"}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.path, diff)
		}
	}
}

func TestParseCtl(t *testing.T) {
	bo := binary.LittleEndian
	h, err := ParseCtl(readFixture(t, "ctl/ack-tcp-conn.bin"), bo)
	if err != nil || h != (Opthdr{262, 13, 136}) || h.End() {
		t.Errorf("ack: %+v, %v", h, err)
	}
	h, err = ParseCtl(readFixture(t, "ctl/end.bin"), bo)
	if err != nil || !h.End() {
		t.Errorf("end: %+v, %v", h, err)
	}
	_, err = ParseCtl(readFixture(t, "ctl/error-ack.bin"), bo)
	var tli *TLIError
	if !errors.As(err, &tli) || *tli != (TLIError{Prim: 9, TLIErr: 8, UnixErr: 13}) {
		t.Errorf("error ack: %v", err)
	}
	for _, bad := range []string{"bad-short", "bad-prim", "bad-flags", "bad-offset", "bad-error-ack", "bad-ack-short"} {
		if _, err := ParseCtl(readFixture(t, "ctl/"+bad+".bin"), bo); !errors.Is(err, core.ErrParse) {
			t.Errorf("%s: err = %v, want ErrParse", bad, err)
		}
	}
}

// fakeStream replays control and data parts as getmsg would return them.
type fakeStream struct {
	msgs  [][2][]byte // control, data (nil: no data part)
	i     int
	data  []byte
	chunk int
}

func (f *fakeStream) Ctl() ([]byte, error) {
	if f.i >= len(f.msgs) {
		return nil, errors.New("stream empty")
	}
	m := f.msgs[f.i]
	f.i++
	f.data = m[1]
	return m[0], nil
}

func (f *fakeStream) Data(n int) ([]byte, error) {
	if n < 1 {
		return nil, errors.New("data buffer of 0 bytes")
	}
	n = min(n, len(f.data), f.chunk)
	d := f.data[:n]
	f.data = f.data[n:]
	return d, nil
}

func TestReadReply(t *testing.T) {
	bo := binary.LittleEndian
	ack := func(level, name uint32, data []byte) [2][]byte {
		return [2][]byte{join(OptmgmtReq(0, bo)[:4], u32b(bo, 12), u32b(bo, 16), u32b(bo, 0x20), u32b(bo, level), u32b(bo, name), u32b(bo, uint32(len(data)))), data}
	}
	// OptmgmtReq's first word is T_SVR4_OPTMGMT_REQ; patch to T_OPTMGMT_ACK.
	fix := func(m [2][]byte) [2][]byte { bo.PutUint32(m[0], tOptmgmtAck); return m }
	end := fix(ack(0, 0, nil))
	stream := func(chunk int, msgs ...[2][]byte) *fakeStream { return &fakeStream{msgs: msgs, chunk: chunk} }

	groups, err := readReply(stream(3, fix(ack(262, 0, []byte("0123456789"))), fix(ack(262, 13, []byte{})), end), bo)
	want := []Group{{262, 0, []byte("0123456789")}, {262, 13, []byte{}}}
	if err != nil || !cmp.Equal(want, groups) {
		t.Errorf("readReply = %v, %v; want %v", groups, err, want)
	}
	_, err = readReply(stream(100, fix(ack(262, 0, []byte("x"))), [2][]byte{readFixture(t, "ctl/error-ack.bin"), nil}), bo)
	var tli *TLIError
	if !errors.As(err, &tli) {
		t.Errorf("T_ERROR_ACK mid-reply: err = %v", err)
	}
	short := fix(ack(262, 0, []byte("abcdef")))
	short[1] = short[1][:2] // the data part ends early
	if _, err := readReply(stream(100, short, end), bo); !errors.Is(err, core.ErrParse) {
		t.Errorf("short data: err = %v, want ErrParse", err)
	}
	req := OptmgmtReq(levelIP, bo)
	wantReq := join(u32b(bo, 9), u32b(bo, 12), u32b(bo, 16), u32b(bo, 0x80), u32b(bo, 260), u32b(bo, 0), u32b(bo, 1))
	if !bytes.Equal(req, wantReq) {
		t.Errorf("OptmgmtReq = % x, want % x", req, wantReq)
	}
}

func TestNegativeFixtures(t *testing.T) {
	bo := binary.LittleEndian
	mib := func(b []byte) error {
		g, err := ParseCapture(b, bo)
		if err != nil {
			return err
		}
		m, err := DecodeMIB(g, bo)
		if err != nil {
			return err
		}
		_, err = m.Sockets()
		return err
	}
	psinfo := func(b []byte) error { _, err := ParsePsinfo(b, bo); return err }
	fdinfo := func(b []byte) error { _, err := ParseFdinfo(b, bo); return err }
	host := func(b []byte) error { _, _, err := ParseHostInfo(b); return err }
	for name, parse := range map[string]func([]byte) error{
		"mib2-stray-bytes": mib, "mib2-overlong": mib, "mib2-odd-stride": mib, "mib2-small-stride": mib,
		"mib2-no-size": mib, "mib2-short-stats": mib, "mib2-bad-state": mib, "mib2-bad-port": mib,
		"mib2-bad-ce-state": mib,
		"psinfo-short":      psinfo, "psinfo-bad-start": psinfo,
		"fdinfo-short": fdinfo, "fdinfo-unterminated": fdinfo, "fdinfo-bad-size": fdinfo,
		"fdinfo-overrun": fdinfo, "fdinfo-short-sockaddr": fdinfo,
		"host-bad-order.json": host, "host-not-json.json": host,
	} {
		t.Run(name, func(t *testing.T) {
			if err := parse(readFixture(t, "bad/"+name)); !errors.Is(err, core.ErrParse) {
				t.Errorf("err = %v, want one wrapping core.ErrParse", err)
			}
		})
	}
	ents, err := os.ReadDir(filepath.Join(fixtureRoot, "bad"))
	if err != nil || len(ents) != 18 {
		t.Errorf("bad/ has %d files (%v): keep this test and the generator in step", len(ents), err)
	}
}

func TestCaptureRoundTrip(t *testing.T) {
	src := openFixture(t, "solaris11-fdinfo")
	dir := t.TempDir()
	if err := src.writeCapture(dir, HostInfo{OS: "SunOS", Release: "5.11", Arch: "i86pc"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mib2", "proc/1200/fdinfo/5", "proc/1200/psinfo", "proc/77/psinfo", "proc/77/usage"} {
		if !bytes.Equal(readFixture(t, "solaris11-fdinfo/"+f), mustRead(t, filepath.Join(dir, f))) {
			t.Errorf("%s not copied byte for byte", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "proc/1200/fdinfo/0")); !os.IsNotExist(err) {
		t.Errorf("non-socket fdinfo copied (stat err %v)", err)
	}
	again, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resolve(t, src), resolve(t, again)); diff != "" {
		t.Errorf("replay of a capture of a replay differs (-orig +capture):\n%s", diff)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAbortConnReq(t *testing.T) {
	r := Row{Proto: core.TCP, Family: core.Inet, Local: ap("10.0.0.1:22"), Remote: ap("10.0.0.2:5000"), MIBState: 5, CEState: 0}
	b, err := abortConnReq(&r, binary.LittleEndian, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 524 {
		t.Fatalf("len %d, want 524", len(b))
	}
	le := binary.LittleEndian
	if le.Uint16(b[0:]) != 2 || !bytes.Equal(b[2:8], []byte{0, 22, 10, 0, 0, 1}) ||
		le.Uint16(b[256:]) != 2 || !bytes.Equal(b[258:264], []byte{0x13, 0x88, 10, 0, 0, 2}) ||
		int32(le.Uint32(b[512:])) != -2 || int32(le.Uint32(b[516:])) != 6 || int32(le.Uint32(b[520:])) != 3 {
		t.Errorf("request % x", b)
	}
	r6 := Row{Proto: core.TCP, Family: core.Inet6, Local: ap("[2001:db8::1]:443"), Remote: ap("[2001:db8::2]:40000"), MIBState: 11, CEState: 6}
	b, err = abortConnReq(&r6, binary.BigEndian, 0)
	if err != nil || len(b) != 528 || binary.BigEndian.Uint16(b) != 26 || b[2] != 1 || b[3] != 0xbb || b[8] != 0x20 || b[23] != 1 {
		t.Errorf("v6 big-endian request: %v % x", err, b[:24])
	}
	for _, bad := range []Row{
		{Proto: core.UDP, Family: core.Inet, Local: ap("0.0.0.0:53")},
		{Proto: core.TCP, Family: core.Inet, Local: ap("0.0.0.0:22"), MIBState: 2, CEState: -3},
	} {
		if _, err := abortConnReq(&bad, binary.LittleEndian, 0); err == nil {
			t.Errorf("%s %v: no error", bad.Proto, bad.CEState)
		}
	}
	if !errors.Is(errShutdown, errors.ErrUnsupported) {
		t.Error("Shutdown's error must wrap errors.ErrUnsupported")
	}
}

// TestProcessUIDIsEffective: Process.UID is the effective uid (pr_euid), as
// ps and lsof show it and as Linux reports it, not the real one (pr_uid).
func TestProcessUIDIsEffective(t *testing.T) {
	dir := t.TempDir()
	ps := psinfoBytes(binary.LittleEndian, 700, 1, 1000, 1700000000, 0, "sudo", "sudo -u app server", 0)
	binary.LittleEndian.PutUint32(ps[28:], 0) // pr_euid 0: a setuid-root program run by uid 1000
	if err := os.MkdirAll(filepath.Join(dir, "700"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "700", "psinfo"), ps, 0o644); err != nil {
		t.Fatal(err)
	}
	b := NewBackend(func() ([]Group, error) { return nil, nil }, dir, binary.LittleEndian)
	p, err := b.Process(700)
	if err != nil {
		t.Fatal(err)
	}
	if p.UID != 0 {
		t.Errorf("Process(700).UID = %d, want the effective uid 0 (pr_euid), not the real uid 1000", p.UID)
	}
}

// TestParseHostInfoValues: a host.json value that cannot be what it
// names is refused (ErrParse, exit 2 on replay) as a negative hz is,
// never taken silently; a good one and an absent one are read.
func TestParseHostInfoValues(t *testing.T) {
	const base = `{"os":"SunOS","byteorder":"little","hz":100,"lbolt":2000000,"time":"2023-11-15T03:46:40Z"`
	for _, tt := range []struct {
		extra string
		bad   bool
	}{
		{``, false},
		{`,"unreadable_processes":3`, false},
		{`,"unreadable_processes":-3`, true},
		{`,"lbolt":-5`, true},
		{`,"time":"garbage"`, true},
		{`,"time":""`, true},
		{`,"time":"2023-11-15T03:46:40.123456789Z"`, false},
		{`,"hz":-100`, true},
	} {
		_, _, err := ParseHostInfo([]byte(base + tt.extra + "}"))
		if tt.bad && !errors.Is(err, core.ErrParse) || !tt.bad && err != nil {
			t.Errorf("host.json with %s: %v, want bad=%v", tt.extra, err, tt.bad)
		}
	}
	if _, _, err := ParseHostInfo([]byte(`{"byteorder":"big"}`)); err != nil {
		t.Errorf("host.json without hz, lbolt, time: %v", err)
	}
}
