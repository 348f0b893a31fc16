package linux

import (
	"testing"

	"github.com/gosof/gosof/core"
)

// BenchmarkDecodeInetDiag decodes a dump of 10,000 established TCP sockets,
// as the kernel sends it in ~32 KiB reads, without the kernel: the decoder's
// own cost per socket.
func BenchmarkDecodeInetDiag(b *testing.B) {
	const seq, n = 5, 10000
	var reads [][]byte
	var cur []byte
	for i := range n {
		m := inetMsgFields{family: afInet, state: tcpEstablished, sport: 47123, dport: uint16(32768 + i%28000),
			src: "127.0.0.1", dst: "127.0.0.1", cookie: uint64(i), uid: 0, inode: uint32(100000 + i),
			attrs: [][]byte{nlattr(8, []byte{0})}}
		cur = append(cur, nlmsg(sockDiagByFamily, seq, m.bytes())...)
		if len(cur) > 32<<10-256 {
			reads = append(reads, cur)
			cur = nil
		}
	}
	reads = append(reads, append(cur, done(seq, 0)...))
	b.ReportAllocs()
	out := make([]core.Socket, 0, n)
	for b.Loop() {
		d := diagDecoder{seq: seq, proto: core.TCP, family: core.Inet}
		out = out[:0]
		for _, r := range reads {
			var err error
			if out, _, err = d.decode(r, out); err != nil {
				b.Fatal(err)
			}
		}
		if len(out) != n {
			b.Fatalf("decoded %d sockets, want %d", len(out), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/socket")
}

// BenchmarkDecodeUnixDiag decodes 10,000 unix sockets with peers.
func BenchmarkDecodeUnixDiag(b *testing.B) {
	const seq, n = 6, 10000
	var msgs []byte
	for i := range n {
		msgs = append(msgs, nlmsg(sockDiagByFamily, seq,
			unixMsgBytes(1, 1, uint32(200000+i), uint64(i), nlattr(2, u32(uint32(200000+i^1)))))...)
	}
	msgs = append(msgs, done(seq, 0)...)
	b.SetBytes(int64(len(msgs)))
	b.ReportAllocs()
	out := make([]core.Socket, 0, n)
	for b.Loop() {
		d := diagDecoder{seq: seq, unix: true}
		var err error
		if out, _, err = d.decode(msgs, out[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
