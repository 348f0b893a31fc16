//go:build linux

package linux

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/gcpolicy"
)

// fillChunks adds n sockets with inodes from..from+n-1 the way dump does:
// room for a read's worth, then what the decoder appended.
func fillChunks(c *sockChunks, from, n, perRead int) {
	for n > 0 {
		k := perRead
		if k > n {
			k = n
		}
		cur := c.room(k)
		for i := 0; i < k; i++ {
			cur = append(cur, core.Socket{Inode: uint64(from)})
			from++
		}
		c.set(cur)
		n -= k
	}
}

func TestSockChunksJoinTruncate(t *testing.T) {
	var c sockChunks
	fillChunks(&c, 0, 10000, 300)
	fillChunks(&c, 10000, 777, 100)
	c.truncate(10000) // the second dump failed half-way
	fillChunks(&c, 10000, 5000, 1000)
	if c.len() != 15000 {
		t.Fatalf("len %d, want 15000", c.len())
	}
	socks := c.join(64)
	if len(socks) != 15000 || cap(socks) < 15064 {
		t.Fatalf("join: len %d cap %d, want 15000 and room for 64 more", len(socks), cap(socks))
	}
	for i := range socks {
		if socks[i].Inode != uint64(i) {
			t.Fatalf("socks[%d].Inode = %d: order or content lost", i, socks[i].Inode)
		}
	}
	var small sockChunks
	fillChunks(&small, 0, 3, 3)
	small.truncate(0)
	if got := small.join(0); len(got) != 0 {
		t.Fatalf("after truncate(0): %d sockets", len(got))
	}
}

// A chunk is never grown by append: each read gets room for every message
// it can hold, so the decoder's append never reallocates.
func TestSockChunksRoomNeverGrows(t *testing.T) {
	var c sockChunks
	for i := 0; i < 200; i++ {
		cur := c.room(inetRoom)
		before := &cur[:cap(cur)][cap(cur)-1]
		for j := 0; j < inetRoom; j++ {
			cur = append(cur, core.Socket{})
		}
		if &cur[:cap(cur)][cap(cur)-1] != before {
			t.Fatalf("read %d: the chunk was reallocated", i)
		}
		c.set(cur)
	}
}

const inetRoom = diagRecvBuf/inetMsgMin + 1

// BenchmarkDecodeTimeWait50k decodes a dump of 50,000 TIME_WAIT sockets on
// one port (the TIME_WAIT-heavy server of bench/) in ~32 KiB reads, into
// chunks joined once, as Sockets does: the decoder and its allocations,
// without the kernel.
func BenchmarkDecodeTimeWait50k(b *testing.B) {
	const seq, n = 7, 50000
	var reads [][]byte
	var cur []byte
	for i := 0; i < n; i++ {
		m := inetMsgFields{family: afInet, state: tcpTimeWait, timer: 3, sport: 46001, dport: uint16(20000 + i%25000),
			src: "127.0.0.1", dst: "127.0.0.2", cookie: uint64(i), expires: 59000}
		cur = append(cur, nlmsg(sockDiagByFamily, seq, m.bytes())...)
		if len(cur) > 32<<10-256 {
			reads = append(reads, cur)
			cur = nil
		}
	}
	reads = append(reads, append(cur, done(seq, 0)...))
	b.ReportAllocs()
	for b.Loop() {
		d := diagDecoder{seq: seq, proto: core.TCP, family: core.Inet}
		var out sockChunks
		for _, r := range reads {
			c := out.room(len(r)/inetMsgMin + 1)
			c, _, err := d.decode(r, c)
			if err != nil {
				b.Fatal(err)
			}
			out.set(c)
		}
		if socks := out.join(64); len(socks) != n {
			b.Fatalf("decoded %d sockets, want %d", len(socks), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/socket")
}

func TestSockstatField(t *testing.T) {
	b := []byte("sockets: used 44028\nTCP: inuse 12009 orphan 0 tw 4014 alloc 12009 mem 0\nUDP: inuse 0 mem 0\n")
	for _, tt := range []struct {
		line, name string
		want       int
	}{{"sockets:", "used", 44028}, {"TCP:", "tw", 4014}, {"TCP:", "mem", 0}, {"UDP:", "tw", -1}, {"RAW:", "inuse", -1}} {
		if got := sockstatField(b, tt.line, tt.name); got != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.line, tt.name, got, tt.want)
		}
	}
	if got := sockstatField([]byte("sockets: used 99999999999\n"), "sockets:", "used"); got != -1 {
		t.Errorf("absurd count: %d, want -1", got)
	}
}

// With a right hint the dump lands in one chunk and join copies nothing.
func TestSockChunksHint(t *testing.T) {
	c := sockChunks{hint: 5000}
	fillChunks(&c, 0, 4900, 300)
	first := &c.cur[0]
	socks := c.join(64)
	if len(socks) != 4900 || &socks[0] != first {
		t.Fatalf("join with a right hint copied (len %d)", len(socks))
	}
}

// BenchmarkDecodeTimeWait50kAppend is the same dump decoded into one slice
// grown by append, as before the chunks.
func BenchmarkDecodeTimeWait50kAppend(b *testing.B) {
	const seq, n = 7, 50000
	var reads [][]byte
	var cur []byte
	for i := 0; i < n; i++ {
		m := inetMsgFields{family: afInet, state: tcpTimeWait, timer: 3, sport: 46001, dport: uint16(20000 + i%25000),
			src: "127.0.0.1", dst: "127.0.0.2", cookie: uint64(i), expires: 59000}
		cur = append(cur, nlmsg(sockDiagByFamily, seq, m.bytes())...)
		if len(cur) > 32<<10-256 {
			reads = append(reads, cur)
			cur = nil
		}
	}
	reads = append(reads, append(cur, done(seq, 0)...))
	b.ReportAllocs()
	for b.Loop() {
		d := diagDecoder{seq: seq, proto: core.TCP, family: core.Inet}
		var out []core.Socket
		for _, r := range reads {
			var err error
			if out, _, err = d.decode(r, out); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestHugeSlices: a slice big enough for huge pages, made with the
// collector off, starts within one element past a 2 MB boundary; every
// one has exactly the room asked for, and every element can be written
// and read back.
func TestHugeSlices(t *testing.T) {
	sockSize, epSize := unsafe.Sizeof(core.Socket{}), unsafe.Sizeof(core.Endpoint{})
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for i, n := range []int{1, 100, 8000, 20000, 50000, hintMax, 50000, hintMax} {
		// off: as a listing runs (gcpolicy.ShortRun), the slices start
		// on a boundary; on: as made
		off := i%2 == 0
		if off {
			debug.SetGCPercent(-1)
			t.Setenv("GOGC", "off")
		} else {
			debug.SetGCPercent(100)
			t.Setenv("GOGC", "100")
		}
		if gcpolicy.CollectorOff() != off {
			t.Fatalf("gcpolicy.CollectorOff() = %v with the collector set off %v", !off, off)
		}
		first := off
		socks := hugeSockets(n)
		eps := hugeEndpoints(n)
		if len(socks) != 0 || cap(socks) != n || len(eps) != 0 || cap(eps) != n {
			t.Fatalf("n=%d: len/cap %d/%d sockets, %d/%d endpoints", n, len(socks), cap(socks), len(eps), cap(eps))
		}
		for _, c := range []struct {
			what  string
			p     uintptr
			size  uintptr
			large bool
		}{
			{"sockets", uintptr(unsafe.Pointer(&socks[:1][0])), sockSize, uintptr(n)*sockSize >= 2*hugePage},
			{"endpoints", uintptr(unsafe.Pointer(&eps[:1][0])), epSize, uintptr(n)*epSize >= hugePage},
		} {
			if off := c.p % hugePage; first && c.large && off >= c.size {
				t.Errorf("n=%d: %s start %d bytes past a 2 MB boundary, more than one element (%d)", n, c.what, off, c.size)
			}
			// the 2 MB page the slice starts in (made with the
			// collector off), or the one after the next boundary (on),
			// is advised for huge pages, where the slice spans it
			page := c.p &^ (hugePage - 1)
			if !first {
				page += 2 * hugePage
			}
			spans := page+hugePage <= c.p+uintptr(n)*c.size
			if advised, ok := hugeAdvised(t, page); ok && c.large && spans && !advised {
				t.Errorf("n=%d, collector off %v: the %s' 2 MB page at %#x is not advised for huge pages", n, first, c.what, page)
			}
		}
		for i := 0; i < n; i++ {
			socks = append(socks, core.Socket{Inode: uint64(i)})
			eps = append(eps, core.Endpoint{Port: uint16(i)})
		}
		if cap(socks) != n || cap(eps) != n {
			t.Fatalf("n=%d: appending n grew the slices", n)
		}
		for i := 0; i < n; i++ {
			if socks[i].Inode != uint64(i) || eps[i].Port != uint16(i) {
				t.Fatalf("n=%d: element %d read back wrong", n, i)
			}
		}
	}
}

// hugeAdvised reports whether the mapping holding addr has MADV_HUGEPAGE
// ("hg" in its VmFlags, /proc/self/smaps); ok is false where smaps does
// not tell.
func hugeAdvised(t *testing.T, addr uintptr) (advised, ok bool) {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return false, false
	}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if lo, hi, isRange := strings.Cut(f[0], "-"); isRange && !strings.HasSuffix(f[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			z, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < z
			continue
		}
		if in && f[0] == "VmFlags:" {
			for _, fl := range f[1:] {
				if fl == "hg" {
					return true, true
				}
			}
			return false, true
		}
	}
	return false, false
}
