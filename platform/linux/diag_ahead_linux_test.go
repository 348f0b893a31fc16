package linux

import (
	"runtime"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// TestEndsDump: the reader stops after the datagram holding NLMSG_DONE,
// an NLMSG_ERROR that is not an ACK, or anything it cannot walk; it reads
// on after sockets and ACKs.
func TestEndsDump(t *testing.T) {
	sock := nlmsg(sockDiagByFamily, 1, make([]byte, inetMsgLen))
	done := nlmsg(nlmsgDone, 1, u32(0))
	ack := nlmsg(nlmsgError, 1, u32(0))
	eperm := nlmsg(nlmsgError, 1, u32(uint32(0xffffffff))) // -1
	long := append([]byte(nil), sock...)
	long[0] = 0xff // nlmsg_len past the datagram
	cat := func(ms ...[]byte) []byte {
		var b []byte
		for _, m := range ms {
			b = append(b, m...)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty", nil, false},
		{"sockets", cat(sock, sock, sock), false},
		{"sockets then done", cat(sock, sock, done), true},
		{"done alone", done, true},
		{"ack", cat(sock, ack), false},
		{"error", cat(sock, eperm), true},
		{"error without errno", nlmsg(nlmsgError, 1, nil), true},
		{"short header", cat(sock, []byte{1, 2, 3}), true},
		{"length past the end", long, true},
	} {
		if got := endsDump(tc.b); got != tc.want {
			t.Errorf("%s: endsDump = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReadAheadStops: a dump of many datagrams leaves no reader behind,
// whether the decoder reads it to the end or gives up on the first
// datagram (a kernel answering with what gosof cannot parse); the next
// dump on a new socket sees every socket.
func TestReadAheadStops(t *testing.T) {
	ln := skListen(t, "tcp4", "127.0.0.1:0")
	for range 400 {
		skConnect(t, "tcp4", ln)
	}
	f := &core.Filter{Protos: []core.Proto{core.TCP}}
	count := func() int {
		c, err := openDiag()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var out sockChunks
		if !c.tcpBothDump(f, 0, &out) {
			t.Fatal("TCPDIAG_GETSOCK dump refused")
		}
		return out.len()
	}
	// A reader that returned may take a moment to be gone.
	settle := func(atMost int) int {
		n := runtime.NumGoroutine()
		for i := 0; i < 100 && n > atMost; i++ {
			time.Sleep(time.Millisecond)
			n = runtime.NumGoroutine()
		}
		return n
	}
	before := runtime.NumGoroutine()
	if n := count(); n < 800 {
		t.Fatalf("dump: %d sockets, want at least the 800 connection ends", n)
	}
	defer func(ans uint16) { tcpBothAnswer = ans }(tcpBothAnswer)
	tcpBothAnswer = 0x7ffe
	c, err := openDiag()
	if err != nil {
		t.Fatal(err)
	}
	var out sockChunks
	ok := c.tcpBothDump(f, 0, &out)
	c.Close()
	if ok || out.len() != 0 {
		t.Errorf("unparsed answer: ok %v, %d sockets; want false, none", ok, out.len())
	}
	tcpBothAnswer = tcpDiagGetSock
	if n := count(); n < 800 {
		t.Errorf("dump after an abandoned one: %d sockets, want at least 800", n)
	}
	if after := settle(before); after > before {
		t.Errorf("%d goroutines after the dumps, %d before: a reader was left behind", after, before)
	}
}
