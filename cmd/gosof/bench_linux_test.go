package main

import (
	"io"
	"net"
	"strconv"
	"testing"
)

// The end-to-end benchmarks run gosof in-process on this host, as it is:
// start bench/workload first to time it at scale, and use -cpuprofile and
// -memprofile to see where a command's time and memory go.

// BenchmarkWho is `gosof who PORT` on a port this benchmark listens on.
func BenchmarkWho(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	benchRun(b, "gosof", "who", port)
}

// BenchmarkLs is `gosof ls`: every socket with its owners.
func BenchmarkLs(b *testing.B) { benchRun(b, "gosof", "ls") }

// BenchmarkLsJSON is `gosof ls --json`.
func BenchmarkLsJSON(b *testing.B) { benchRun(b, "gosof", "ls", "--json") }

func benchRun(b *testing.B, argv ...string) {
	b.ReportAllocs()
	for b.Loop() {
		if code := runT(b, argv, nil, io.Discard, io.Discard); code != exitMatch {
			b.Fatalf("%q: exit %d", argv, code)
		}
	}
}

// BenchmarkLsContext is `gosof ls --context`: BenchmarkLs and one read of
// /proc/PID/cgroup per owner process, the cost of the CONTEXT column
// (and of the unit and container JSON always carries).
func BenchmarkLsContext(b *testing.B) { benchRun(b, "gosof", "ls", "--context") }
