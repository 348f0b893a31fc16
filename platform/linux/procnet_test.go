package linux

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

const procnetFixtures = "../../testdata/linux/procnet"

// procnetWant is what testdata/linux/procnet/{le,be} hold, in file order
// (tcp, tcp6, udp, udp6, udplite, raw, raw6, unix).
func procnetWant() []core.Socket {
	tcp := func(fam core.Family, st core.State, l core.Endpoint, r *core.Endpoint, ino uint64, uid int64) core.Socket {
		return core.Socket{Proto: core.TCP, Family: fam, Type: core.Stream, State: st, Local: l, Remote: r, Inode: ino, UID: uid}
	}
	dgram := func(p core.Proto, fam core.Family, st core.State, l core.Endpoint, r *core.Endpoint, ino uint64, uid int64) core.Socket {
		s := core.Socket{Proto: p, Family: fam, Type: core.Dgram, State: st, Local: l, Remote: r, Inode: ino, UID: uid}
		if p == core.Raw {
			s.Type = core.RawType
		}
		return s
	}
	unix := func(typ core.SockType, st core.State, path string, ino uint64) core.Socket {
		s := core.Socket{Proto: core.Unix, Family: core.Local, Type: typ, State: st, Local: core.Endpoint{Path: path}, Inode: ino, UID: -1}
		if st == core.Connected {
			s.Remote = &core.Endpoint{}
		}
		return s
	}
	with := func(s core.Socket, f func(*core.Socket)) core.Socket { f(&s); return s }
	return []core.Socket{
		with(tcp(core.Inet, core.Listen, ep("127.0.0.1", 8080), nil, 1001, 1000), func(s *core.Socket) { s.RecvQ = 2 }),
		with(tcp(core.Inet, core.Established, ep("127.0.0.1", 8080), epp("127.0.0.1", 51422), 1002, 1000), func(s *core.Socket) {
			s.SendQ, s.RecvQ, s.Timer, s.Expires = 0x10, 0x20, core.TimerKeepalive, 15*time.Second
		}),
		with(tcp(core.Inet, core.TimeWait, ep("192.0.2.2", 40694), epp("203.0.113.80", 80), 0, -1), func(s *core.Socket) {
			s.Timer, s.Expires = core.TimerTimeWait, 45*time.Second
		}),
		with(tcp(core.Inet, core.SynSent, ep("10.1.2.3", 33000), epp("10.9.8.7", 443), 1003, 1000), func(s *core.Socket) {
			s.SendQ, s.Timer, s.Expires = 1, core.TimerRetrans, time.Second
		}),
		tcp(core.Inet6, core.Listen, ep("::", 22), nil, 2001, 0),
		with(tcp(core.Inet6, core.Established, ep("::ffff:127.0.0.1", 8443), epp("::ffff:127.0.0.1", 40000), 2002, 1000), func(s *core.Socket) {
			s.Timer, s.Expires = core.TimerRetrans, 200*time.Millisecond
		}),
		with(tcp(core.Inet6, core.CloseWait, ep("2001:db8::1", 443), epp("2001:db8::2", 55555), 2003, 33), func(s *core.Socket) { s.RecvQ = 5 }),
		dgram(core.UDP, core.Inet, core.Unconn, ep("0.0.0.0", 53), nil, 3001, 101),
		with(dgram(core.UDP, core.Inet, core.Established, ep("10.0.0.1", 5000), epp("10.0.0.2", 53), 3002, 0), func(s *core.Socket) {
			s.SendQ, s.RecvQ = 0x300, 0x100
		}),
		dgram(core.UDP, core.Inet6, core.Unconn, ep("::1", 5353), nil, 3101, 0),
		dgram(core.Raw, core.Inet, core.Unconn, ep("0.0.0.0", 1), nil, 4001, 0),
		dgram(core.Raw, core.Inet6, core.Unconn, ep("::", 58), nil, 4101, 0),
		unix(core.Stream, core.Listen, "/run/app.sock", 5001),
		unix(core.SeqPacket, core.Listen, "@gosof@x", 5002),
		unix(core.Stream, core.Connected, "", 5003),
		unix(core.Stream, core.Connected, "/run/app.sock", 5004),
		unix(core.Dgram, core.Unconn, "/tmp/a b", 5005),
		unix(core.Dgram, core.Unconn, "/tmp/new\nline", 5006),
		unix(core.SeqPacket, core.Unconn, "", 5007),
	}
}

// TestProcNetFixtures reads the same sockets as a little- and a big-endian
// host print them.
func TestProcNetFixtures(t *testing.T) {
	for _, tt := range []struct {
		dir   string
		order binary.ByteOrder
	}{
		{"le", binary.LittleEndian},
		{"be", binary.BigEndian},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			s := &Sockets{FS: FS{Proc: filepath.Join(procnetFixtures, tt.dir)}, Order: tt.order}
			got, err := s.ProcNet(nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(procnetWant(), got, eqAddr); d != "" {
				t.Errorf("ProcNet (-want +got):\n%s", d)
			}
			// ProcNetOnly goes the same way
			s.ProcNetOnly = true
			got, err = s.Sockets(nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(procnetWant(), got, eqAddr); d != "" {
				t.Errorf("Sockets with ProcNetOnly (-want +got):\n%s", d)
			}
		})
	}
}

// TestProcNetWrongOrder shows why the order matters: big-endian text read as
// little-endian gives other addresses.
func TestProcNetWrongOrder(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(procnetFixtures, "be", "net", "tcp"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseProcNetInet(b, binary.LittleEndian, core.TCP, core.Inet)
	if err != nil {
		t.Fatal(err)
	}
	if a := got[0].Local.Addr.String(); a != "1.0.0.127" {
		t.Errorf("big-endian 127.0.0.1 read as little-endian: %s, want 1.0.0.127", a)
	}
}

func TestProcNetFilter(t *testing.T) {
	s := &Sockets{FS: FS{Proc: filepath.Join(procnetFixtures, "le")}, Order: binary.LittleEndian}
	for _, tt := range []struct {
		name string
		f    core.Filter
		want []uint64 // inodes
	}{
		{"port", core.Filter{Ports: []core.PortRange{{Lo: 8080, Hi: 8080}}}, []uint64{1001, 1002}},
		{"remote port", core.Filter{Side: core.SideRemote, Ports: []core.PortRange{{Lo: 53, Hi: 53}}}, []uint64{3002}},
		{"state", core.Filter{States: []core.State{core.Listen}}, []uint64{1001, 2001, 5001, 5002}},
		{"inet6", core.Filter{Families: []core.Family{core.Inet6}, Protos: []core.Proto{core.TCP, core.UDP}}, []uint64{2001, 2002, 2003, 3101}},
		{"raw", core.Filter{Protos: []core.Proto{core.Raw}}, []uint64{4001, 4101}},
		{"unix", core.Filter{Protos: []core.Proto{core.Unix}, States: []core.State{core.Connected}}, []uint64{5003, 5004}},
		{"unix with -4", core.Filter{Families: []core.Family{core.Inet}, Protos: []core.Proto{core.Unix}}, nil}, // core's MatchSocket: -4 is inet only
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ProcNet(&tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var inodes []uint64
			for _, g := range got {
				inodes = append(inodes, g.Inode)
			}
			if d := cmp.Diff(tt.want, inodes); d != "" {
				t.Errorf("inodes (-want +got):\n%s", d)
			}
		})
	}
}

// TestProcNetBadFiles reads the malformed fixtures in testdata/linux/procnet/bad.
func TestProcNetBadFiles(t *testing.T) {
	s := &Sockets{FS: FS{Proc: filepath.Join(procnetFixtures, "bad")}}
	for _, tt := range []struct {
		proto core.Proto
		says  []string
	}{
		{core.TCP, []string{"bad/net/tcp", "line 3", `"   1: 0100007F:1F90 0100007F:C8DE 01 00000010:000000"`, "bad tr:tm->when"}},
		{core.Unix, []string{"bad/net/unix", "line 2", `"0000000000000000: 00000002 00000000 00010000 0009 01  5001"`, "unknown Type 9"}},
	} {
		_, err := s.ProcNet(&core.Filter{Protos: []core.Proto{tt.proto}})
		if !errors.Is(err, core.ErrParse) {
			t.Fatalf("%s: err = %v, want ErrParse", tt.proto, err)
		}
		for _, w := range tt.says {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.proto, err, w)
			}
		}
	}
}

func TestParseProcNetInetMalformed(t *testing.T) {
	const hdr = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	const good = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1001"
	for _, tt := range []struct {
		name, text, says string
	}{
		{"no header", good + "\n", "header"},
		{"no slot", hdr + strings.Replace(good, "0:", "0", 1), "no slot number"},
		{"short local", hdr + strings.Replace(good, "0100007F:1F90", "0100007:1F90", 1), "bad local address"},
		{"ipv6 width in tcp", hdr + strings.Replace(good, "0100007F:1F90", "0000000000000000000000000100007F:1F90", 1), "bad local address"},
		{"no port", hdr + strings.Replace(good, "0100007F:1F90", "0100007F", 1), "bad local address"},
		{"bad hex", hdr + strings.Replace(good, "00000000:0000", "0000000G:0000", 1), "bad remote address"},
		{"state", hdr + strings.Replace(good, " 0A ", " 1F ", 1), "unknown state"},
		{"state too big", hdr + strings.Replace(good, " 0A ", " 10A ", 1), "bad state"},
		{"queues", hdr + strings.Replace(good, "00000000:00000000", "00000000-00000000", 1), "bad tx_queue:rx_queue"},
		{"uid", hdr + strings.Replace(good, " 1000 ", " -1 ", 1), "bad uid"},
		{"inode missing", hdr + strings.TrimSuffix(good, " 1001"), "bad inode"},
		{"inode overflow", hdr + strings.Replace(good, " 1001", " 99999999999999999999999", 1), "bad inode"},
		{"garbage", hdr + "hello\n", "no slot number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseProcNetInet([]byte(tt.text), binary.LittleEndian, core.TCP, core.Inet)
			if !errors.Is(err, core.ErrParse) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want ErrParse saying %q", err, tt.says)
			}
		})
	}
	// a good line parses, an empty file lists nothing
	if got, err := parseProcNetInet([]byte(hdr+good+"\n"), binary.LittleEndian, core.TCP, core.Inet); err != nil || len(got) != 1 {
		t.Errorf("good line: %v, %v", got, err)
	}
	if got, err := parseProcNetInet(nil, binary.LittleEndian, core.TCP, core.Inet); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}

func TestParseProcNetUnixMalformed(t *testing.T) {
	const hdr = "Num       RefCount Protocol Flags    Type St Inode Path\n"
	for _, tt := range []struct {
		name, text, says string
	}{
		{"no header", "0000000000000000: 00000002 00000000 00010000 0001 01  5001\n", "header"},
		{"no num", hdr + "0000000000000000 00000002 00000000 00010000 0001 01  5001\n", "no Num"},
		{"refcount", hdr + "0: x 00000000 00010000 0001 01  5001\n", "bad RefCount"},
		{"type", hdr + "0: 00000002 00000000 00010000 0003 01  5001\n", "unknown Type 3"},
		{"inode", hdr + "0: 00000002 00000000 00010000 0001 01 -5\n", "bad Inode"},
		{"short", hdr + "0: 00000002 00000000\n", "bad Flags"},
		// a continuation needs a named socket before it
		{"after unnamed", hdr + "0: 00000002 00000000 00000000 0001 01 5001\nline\n", "line 3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseProcNetUnix([]byte(tt.text))
			if !errors.Is(err, core.ErrParse) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want ErrParse saying %q", err, tt.says)
			}
		})
	}
}

func FuzzParseProcNetInet(f *testing.F) {
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6", "raw"} {
		for _, dir := range []string{"le", "be"} {
			b, err := os.ReadFile(filepath.Join(procnetFixtures, dir, "net", name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, strings.HasSuffix(name, "6"), dir == "be")
		}
	}
	b, _ := os.ReadFile(filepath.Join(procnetFixtures, "bad", "net", "tcp"))
	f.Add(b, false, false)
	f.Fuzz(func(t *testing.T, b []byte, v6, bigEndian bool) {
		fam, order := core.Inet, binary.ByteOrder(binary.LittleEndian)
		if v6 {
			fam = core.Inet6
		}
		if bigEndian {
			order = binary.BigEndian
		}
		socks, err := parseProcNetInet(b, order, core.TCP, fam)
		if err != nil {
			if !errors.Is(err, core.ErrParse) {
				t.Fatalf("error does not wrap ErrParse: %v", err)
			}
			return
		}
		for _, s := range socks {
			if s.Local.Addr.Is4() != !v6 || (s.Remote != nil && s.Remote.Addr.Is4() != !v6) {
				t.Fatalf("%s socket with address %v -> %v", fam, s.Local, s.Remote)
			}
		}
	})
}

func FuzzParseProcNetUnix(f *testing.F) {
	for _, dir := range []string{"le", "bad"} {
		b, err := os.ReadFile(filepath.Join(procnetFixtures, dir, "net", "unix"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		socks, err := parseProcNetUnix(b)
		if err != nil {
			if !errors.Is(err, core.ErrParse) {
				t.Fatalf("error does not wrap ErrParse: %v", err)
			}
			return
		}
		for _, s := range socks {
			if s.Proto != core.Unix || s.Type == core.TypeUnknown || s.State == "" {
				t.Fatalf("half-filled socket %+v", s)
			}
		}
	})
}

func BenchmarkParseProcNet(b *testing.B) {
	// 10000 lines of tcp6, as a busy server's /proc/net/tcp6 has
	src, err := os.ReadFile(filepath.Join(procnetFixtures, "le", "net", "tcp6"))
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.SplitAfter(string(src), "\n")
	var sb strings.Builder
	sb.WriteString(lines[0])
	for i := range 10000 {
		sb.WriteString(lines[1+i%3])
	}
	text := []byte(sb.String())
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseProcNetInet(text, binary.NativeEndian, core.TCP, core.Inet6); err != nil {
			b.Fatal(err)
		}
	}
}
