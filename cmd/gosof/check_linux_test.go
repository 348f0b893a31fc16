package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform/selfcheck"
)

// TestDebugCheckSS runs 'gosof debug check' against ss on this host, with
// sockets of its own on loopback ports the kernel picks: a listener, a
// connection to it (both ends), a bound and a connected UDP socket. Other
// tests' sockets come and go meanwhile: the check must count those as
// changed, and must agree with ss on every socket of this test, owners
// (pid and fd) included.
func TestDebugCheckSS(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("no ss (iproute2)")
	}
	if os.Geteuid() != 0 {
		t.Skip("ss -p and gosof see every process's descriptors only as root")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	bound, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer bound.Close()
	conn, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, bound.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// this test's own local ends, as the report and ss write them
	laddr, baddr, caddr := ln.Addr().String(), bound.LocalAddr().String(), conn.LocalAddr().String()

	// DIR is typed by the user, who may have pasted anything: the line
	// naming it is escaped as every other.
	dir := filepath.Join(t.TempDir(), "check\x1b]0;x\a\u202e")
	stdout, stderr, code := gosofReplay(t, "debug", "check", dir)
	if code != 0 && code != 1 {
		t.Fatalf("debug check: exit %d, stderr %q", code, stderr)
	}
	if want := "written to " + core.Escape(dir) + "\n"; !strings.HasSuffix(stderr, want) {
		t.Errorf("stderr does not end with %q:\n%q", want, stderr)
	}
	for _, want := range []string{"TCP: ", " rows agree with ss -tanup", "UDP: ", "owners: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		for _, a := range []string{laddr, baddr, caddr} {
			if strings.Contains(line, a+" ") && strings.HasPrefix(line, "  ") {
				t.Errorf("a difference on this test's own sockets: %s", line)
			}
		}
	}
	if report, err := os.ReadFile(filepath.Join(dir, "report.txt")); err != nil || string(report) != stdout {
		t.Errorf("report.txt (%v) is not what was printed", err)
	}
	// What ss said is kept, and names this process for each socket.
	after, err := os.ReadFile(filepath.Join(dir, "tools", "ss-tanup.after.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := selfcheck.ParseSS(string(after))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"tcp " + laddr + " LISTEN": false, "tcp " + laddr + " ESTABLISHED": false,
		"udp " + baddr + " UNCONN": false, "udp " + caddr + " ESTABLISHED": false}
	for _, r := range rows {
		k := string(r.Proto) + " " + r.Local.String() + " " + string(r.State)
		if _, ok := want[k]; !ok || len(r.Owners) != 1 || r.Owners[0].PID != os.Getpid() {
			continue
		}
		want[k] = true
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("ss did not show %s held by this process (pid %d):\n%s", k, os.Getpid(), after)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "gosof.json"))
	if err != nil || !strings.Contains(string(js), `"port": `+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)) || !strings.Contains(string(js), `"pid": `+strconv.Itoa(os.Getpid())) {
		t.Errorf("gosof.json (%v) lacks this test's sockets", err)
	}

	// A second run into the same directory is refused: it is not empty.
	if _, stderr, code := gosofReplay(t, "debug", "check", dir); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("check into a used directory: exit %d, stderr %q", code, stderr)
	}
}
