package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSPARCUnderQEMU builds gosof for linux/sparc64 with gccgo, the way
// build.sh does (go.gccgo.mod, Go 1.18 library, static), and runs it under
// qemu-sparc64 against this host and the Solaris captures: the big-endian
// SPARC binary must print what this (gc, x86) build prints.
//
// Under qemu-user the emulated program's system calls are translated, but
// /proc/net is the host kernel's text in the host's byte order; gosof reads
// that order from /sys/kernel/cpu_byteorder, so the addresses must come out
// right. qemu refuses NETLINK_SOCK_DIAG sockets (EPROTONOSUPPORT), so the
// SPARC build falls back to /proc/net by itself: it is compared with this
// build's --proc-net.
//
// Set GOSOF_SPARC64_BIN to a built binary (CI passes the release's) to skip
// the build, which takes a minute or two.
func TestSPARCUnderQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds with gccgo and runs under qemu")
	}
	qemu := firstInPath("qemu-sparc64-static", "qemu-sparc64")
	if qemu == "" {
		t.Skip("no qemu-sparc64 in PATH (Debian: apt-get install qemu-user-static)")
	}
	bin := sparcBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sparc := func(args ...string) (stdout, stderr string, code int) {
		guardRelease(t, args, false) // the built gosof, run as a user runs it
		var o, e bytes.Buffer
		cmd := exec.CommandContext(ctx, qemu, append([]string{bin}, args...)...)
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return o.String(), e.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("qemu-sparc64 gosof %s: %v", strings.Join(args, " "), err)
		}
		return o.String(), e.String(), 0
	}
	native := func(args ...string) (stdout, stderr string, code int) {
		var o, e bytes.Buffer
		code = runT(t, append([]string{"gosof"}, args...), nil, &o, &e)
		return o.String(), e.String(), code
	}

	t.Run("version", func(t *testing.T) {
		out, errOut, code := sparc("--version")
		if code != 0 || !strings.Contains(out, "gccgo") || !strings.HasSuffix(strings.TrimSpace(out), "linux/sparc64)") {
			t.Fatalf("--version: exit %d, stdout %q, stderr %q; want gccgo and linux/sparc64", code, out, errOut)
		}
	})

	t.Run("live", func(t *testing.T) {
		// A TCP listener with a connection to it, an IPv6 listener and a
		// UDP socket, all held by this process.
		ln4, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln4.Close()
		conn, err := net.Dial("tcp4", ln4.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		acc, err := ln4.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer acc.Close()
		ports := []string{strconv.Itoa(ln4.Addr().(*net.TCPAddr).Port)}
		if ln6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
			defer ln6.Close()
			ports = append(ports, strconv.Itoa(ln6.Addr().(*net.TCPAddr).Port))
		} else {
			t.Logf("no IPv6 loopback here (%v): IPv4 only", err)
		}
		udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer udp.Close()
		ports = append(ports, strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port))

		args := append([]string{"who", "--json", "--side", "any", "--proc-net"}, ports...)
		want, wantErr, wantCode := native(args...)
		if wantCode != 0 {
			t.Fatalf("native gosof %s: exit %d, stderr %q", strings.Join(args, " "), wantCode, wantErr)
		}
		// The sockets must all be there, or the comparison proves little.
		var socks []struct{ State string }
		if err := json.Unmarshal([]byte(want), &socks); err != nil || len(socks) < 4 {
			t.Fatalf("native gosof %s: %d sockets (%v), want at least 4:\n%s", strings.Join(args, " "), len(socks), err, want)
		}
		got, gotErr, gotCode := sparc(args...)
		if gotCode != 0 {
			t.Fatalf("sparc gosof %s: exit %d, stderr %q", strings.Join(args, " "), gotCode, gotErr)
		}
		if diff := cmp.Diff(untimed(t, want), untimed(t, got)); diff != "" {
			t.Errorf("gosof %s: SPARC under qemu differs from native (-native +sparc):\n%s", strings.Join(args, " "), diff)
		}

		// Without --proc-net the SPARC build tries netlink, which qemu
		// refuses, and must fall back to /proc/net with the same result.
		args = append([]string{"who", "--json", "--side", "any"}, ports...)
		got, gotErr, gotCode = sparc(args...)
		if gotCode != 0 {
			t.Fatalf("sparc gosof %s: exit %d, stderr %q", strings.Join(args, " "), gotCode, gotErr)
		}
		if diff := cmp.Diff(untimed(t, want), untimed(t, got)); diff != "" {
			t.Errorf("gosof %s: SPARC under qemu (netlink refused) differs from native --proc-net (-native +sparc):\n%s", strings.Join(args, " "), diff)
		}
	})

	t.Run("replay", func(t *testing.T) {
		captures, err := filepath.Glob(filepath.Join(solarisFixtures, "*", "host.json"))
		if err != nil || len(captures) == 0 {
			t.Fatalf("no captures under %s: %v", solarisFixtures, err)
		}
		for _, hostJSON := range captures {
			dir := filepath.Dir(hostJSON)
			for _, args := range [][]string{
				{"ls", "--replay", dir},
				{"ls", "--json", "--replay", dir},
				{"ls", "-l", "--options", "--json", "--replay", dir},
				// gccgo builds metrics too: gosof writes the exposition itself.
				{"metrics", "--replay", dir},
			} {
				wantOut, wantErr, wantCode := native(args...)
				gotOut, gotErr, gotCode := sparc(args...)
				if args[0] == "metrics" {
					// the SPARC build tells its own platform and toolchain
					if bi := `gosof_build_info{goarch="sparc64",goos="linux",goversion="gccgo `; !strings.Contains(gotOut, bi) {
						t.Errorf("gosof %s on SPARC: no %s...:\n%s", strings.Join(args, " "), bi, gotOut)
					}
					wantOut, gotOut = noDuration(wantOut), noDuration(gotOut)
				}
				if gotCode != wantCode || gotOut != wantOut || gotErr != wantErr {
					t.Errorf("gosof %s: native exit %d, SPARC exit %d\nstdout (-native +sparc):\n%s\nstderr (-native +sparc):\n%s",
						strings.Join(args, " "), wantCode, gotCode, cmp.Diff(wantOut, gotOut), cmp.Diff(wantErr, gotErr))
				}
			}
		}
	})
}

// noDuration drops the lines of 'gosof metrics' that differ between a
// run of one build and of another: how long the gather took, and
// gosof_build_info (the SPARC build's goarch and toolchain are its own).
func noDuration(out string) string {
	var keep []string
	for _, l := range strings.SplitAfter(out, "\n") {
		if !strings.HasPrefix(l, "gosof_scrape_duration_seconds ") && !strings.HasPrefix(l, "gosof_build_info{") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// untimed decodes gosof's --json sockets without expires_ms, the time left
// on a timer, and idle_ms, a TIME_WAIT's time in the state, which move
// between two runs.
func untimed(t *testing.T, out string) []map[string]any {
	t.Helper()
	var socks []map[string]any
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatalf("not a JSON array of sockets: %v\n%s", err, out)
	}
	for _, s := range socks {
		delete(s, "expires_ms")
		delete(s, "idle_ms")
	}
	return socks
}

func firstInPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// sparcBinary is $GOSOF_SPARC64_BIN, or gosof built for linux/sparc64 with
// the first gccgo cross compiler found, as build.sh builds it.
func sparcBinary(t *testing.T) string {
	if p := os.Getenv("GOSOF_SPARC64_BIN"); p != "" {
		return p
	}
	var gccgo, cc string
	for _, v := range []string{"", "-14", "-13", "-12"} {
		if g, c := firstInPath("sparc64-linux-gnu-gccgo"+v), firstInPath("sparc64-linux-gnu-gcc"+v); g != "" && c != "" {
			gccgo, cc = g, c
			break
		}
	}
	if gccgo == "" {
		t.Skip("no gccgo cross compiler for SPARC (Debian: apt-get install gccgo-12-sparc64-linux-gnu)")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command in PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, filepath.Join(root, "gccgo-deps.sh")).CombinedOutput(); err != nil {
		t.Fatalf("gccgo-deps.sh: %v\n%s", err, out)
	}
	bin := filepath.Join(t.TempDir(), "gosof")
	build := exec.CommandContext(ctx, gobin, "build", "-a", "-compiler", "gccgo", "-modfile", filepath.Join(root, "go.gccgo.mod"),
		"-trimpath", "-tags", "urfave_cli_no_docs", "-gccgoflags", "-static", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=sparc64", "CGO_ENABLED=1", "GOFLAGS=", "GOTOOLCHAIN=local",
		"GCCGO="+gccgo, "CC="+cc)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("gccgo build for linux/sparc64: %v\n%s", err, out)
	}
	return bin
}
