package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// TestServiceNameMeansItsProtocols: /etc/services gives "who" 513/udp
// (whod) and "login" 513/tcp (rlogind). kill who must plan the UDP
// socket's holder only, never the TCP server on the same number. The
// sockets are in a network namespace of the test's own (513 is free
// there, and nothing else can match).
func TestServiceNameMeansItsProtocols(t *testing.T) {
	f, err := os.Open("/etc/services")
	if err != nil {
		t.Skipf("no /etc/services: %v", err)
	}
	services, err := core.ParseServices(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := core.ParsePort("udp:who", services, "")
	if err != nil || len(rs) != 1 || rs[0].Lo != 513 || len(services.Lookup("login")) != 1 || services.Lookup("login")[0] != 513 {
		t.Skipf("/etc/services does not give who 513/udp and login 513/tcp: %v, %v", rs, err)
	}
	tcpHolder := testhelper.Start(t, testhelper.NewNetNS())
	listen(t, tcpHolder, "inet", "127.0.0.1:513")
	ufd := tcpHolder.Int("socket inet dgram")
	tcpHolder.Do("bind %d 127.0.0.1:513", ufd)
	udpHolder := tcpHolder.Spawn(ufd)
	tcpHolder.Do("close %d", ufd)
	ns := []string{"--netns", ownNetNS(t, strconv.Itoa(tcpHolder.PID))}

	out, errOut, code := gosof(t, append([]string{"kill", "-n", "--json", "who"}, ns...)...)
	var j struct{ Processes []struct{ PID int } }
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill -n --json who: %v\n%s%s", err, out, errOut)
	}
	if code != exitMatch || len(j.Processes) != 1 || j.Processes[0].PID != udpHolder.PID {
		t.Fatalf("kill -n who: exit %d, planned %+v; want 0 and only the UDP socket's holder %d (not the TCP server %d)\n%s%s",
			code, j.Processes, udpHolder.PID, tcpHolder.PID, out, errOut)
	}
	if _, errOut, code := gosof(t, append([]string{"who", "tcp:who"}, ns...)...); code != exitError || !strings.Contains(errOut, "no tcp port") {
		t.Errorf("who tcp:who: exit %d, want 2 saying who has no tcp port\n%s", code, errOut)
	}
	if out, errOut, code := gosof(t, append([]string{"kill", "-y", "who"}, ns...)...); code != exitMatch {
		t.Errorf("kill who: exit %d\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, udpHolder); sig != syscall.SIGTERM {
		t.Errorf("the UDP holder ended by %v, want SIGTERM", sig)
	}
	if !running(tcpHolder) {
		t.Error("kill who signalled the TCP server on 513")
	}
}
