package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

type peerSock struct {
	State      string              `json:"state"`
	Local      jep                 `json:"local"`
	Owners     []struct{ PID int } `json:"owners"`
	PeerOwners []struct {
		PID  int    `json:"pid"`
		Comm string `json:"comm"`
	} `json:"peer_owners"`
}

func peerRows(t *testing.T, args ...string) []string {
	t.Helper()
	out, errOut, code := gosof(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("gosof %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var socks []peerSock
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, s := range socks {
		var owners, peers []string
		for _, o := range s.Owners {
			owners = append(owners, strconv.Itoa(o.PID))
		}
		for _, o := range s.PeerOwners {
			peers = append(peers, strconv.Itoa(o.PID))
		}
		rows = append(rows, fmt.Sprintf("%s %s owners=%s peers=%s", s.State, s.Local.String(), strings.Join(owners, ","), strings.Join(peers, ",")))
	}
	return rows
}

// TestPeerOwners: the process at the other end of a loopback TCP
// connection and of unix connections, accepted or not, through netlink and
// (TCP) /proc/net; why names who closed the CLOSE_WAIT connections.
func TestPeerOwners(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cfd, cport := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	srv.Do("accept %d", lfd)
	cli.Do("close %d", cfd) // the server end goes to CLOSE_WAIT, the client's to FIN_WAIT2
	_ = cport
	want := []string{
		fmt.Sprintf("LISTEN 127.0.0.1:%d owners=%d peers=", port, srv.PID),
		fmt.Sprintf("CLOSE_WAIT 127.0.0.1:%d owners=%d peers=", port, srv.PID), // the client closed: no owner left
	}
	p := strconv.Itoa(port)
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		var got []string
		deadline := time.Now().Add(5 * time.Second)
		for {
			got = peerRows(t, append([]string{"who", "--peer", p}, mode...)...)
			if strings.Join(got, "\n") == strings.Join(want, "\n") || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		diffRows(t, fmt.Sprintf("who --peer %v", mode), want, got)
	}

	// A live connection: each end names the other's process.
	lfd2, l2 := listen(t, srv, "inet", "127.0.0.1:0")
	_, cp2 := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", l2))
	srv.Do("accept %d", lfd2)
	want2 := []string{
		fmt.Sprintf("LISTEN 127.0.0.1:%d owners=%d peers=", l2, srv.PID),
		fmt.Sprintf("ESTABLISHED 127.0.0.1:%d owners=%d peers=%d", l2, srv.PID, cli.PID),
		fmt.Sprintf("ESTABLISHED 127.0.0.1:%d owners=%d peers=%d", cp2, cli.PID, srv.PID),
	}
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		got := peerRows(t, append([]string{"who", "--peer", "--side", "any", strconv.Itoa(l2)}, mode...)...)
		sort.Strings(got)
		sort.Strings(want2)
		diffRows(t, fmt.Sprintf("who --peer --side any %v", mode), want2, got)
	}
	// without --peer: no peer_owners at all
	out, _, _ := gosof(t, "who", "--json", strconv.Itoa(l2))
	if strings.Contains(out, "peer_owners") {
		t.Errorf("peer_owners without --peer:\n%s", out)
	}
	table, _, _ := gosof(t, "who", "--peer", "--side", "any", strconv.Itoa(l2))
	if !strings.Contains(table, "PEER") || !strings.Contains(table, fmt.Sprintf("%d/gosof.test", cli.PID)) {
		t.Errorf("table lacks the PEER column:\n%s", table)
	}

	// unix: a connection not yet accepted has the listener's process as its peer
	name := fmt.Sprintf("@gosof-h13-peer-%d", srv.PID)
	ufd := srv.Int("socket unix stream")
	srv.Do("bind %d %s", ufd, name)
	srv.Do("listen %d", ufd)
	cu := cli.Int("socket unix stream")
	cli.Do("connect %d %s", cu, name)
	got := peerRows(t, "ls", "--peer", "--proto", "unix", "--pid", strconv.Itoa(cli.PID))
	diffRows(t, "pending unix", []string{fmt.Sprintf("CONNECTED  owners=%d peers=%d", cli.PID, srv.PID)}, got)
	srv.Do("accept %d", ufd)
	got = peerRows(t, "ls", "--peer", "--proto", "unix", "--pid", strconv.Itoa(cli.PID))
	diffRows(t, "accepted unix", []string{fmt.Sprintf("CONNECTED  owners=%d peers=%d", cli.PID, srv.PID)}, got)
}

// TestWhyNamesClosingPeers: why says which process closed the connections
// left in CLOSE_WAIT.
func TestWhyNamesClosingPeers(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	var fds []int
	for i := 0; i < 3; i++ {
		fd, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
		srv.Do("accept %d", lfd)
		cli.Do("shutdown %d wr", fd) // FIN sent, the client keeps its socket in FIN_WAIT2
		fds = append(fds, fd)
	}
	want := fmt.Sprintf("  The 3 peers were opened by %d/gosof.test, which closed them.\n", cli.PID)
	var out string
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, _, _ = gosof(t, "why", strconv.Itoa(port))
		if strings.Contains(out, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out, want) {
		t.Errorf("why lacks %q:\n%s", want, out)
	}
	js, _, _ := gosof(t, "why", "--json", strconv.Itoa(port))
	if !strings.Contains(js, `"peers": [`) {
		t.Errorf("why --json lacks close_wait.peers:\n%s", js)
	}
}

// TestPeerOfUnknownHolder: a socket whose holder gosof cannot see (root's,
// as nobody) says "unknown" in PID/COMMAND, and its PEER is still the
// process at the other end: the table named the holder "unknown" in
// every column that keeps a PID whole (render.Fit.PID), PEER too.
func TestPeerOfUnknownHolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	root := testhelper.Start(t) // nobody cannot inspect it
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	lfd, port := listen(t, root, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	connect(t, mine, "inet", "127.0.0.1:"+p)
	root.Int("accept %d", lfd)
	out, errOut, code := gosofUnder(t, nil, &syscall.Credential{Uid: 65534, Gid: 65534}, "who", "--peer", "--state", "established", p)
	fields := strings.Fields(out)
	want := []string{"PROTO", "STATE", "LOCAL", "REMOTE", "RECV-Q", "SEND-Q", "PID/COMMAND", "USER", "FD", "PEER",
		"tcp", "ESTABLISHED", "127.0.0.1:" + p}
	if code != exitMatch || len(fields) != len(want)+7 || !slices.Equal(fields[:len(want)], want) ||
		fields[len(want)+3] != "unknown" || !strings.HasPrefix(fields[len(want)+6], strconv.Itoa(mine.PID)+"/") {
		t.Errorf("who --peer %s as nobody: exit %d; want the accepted end's holder unknown and its PEER %d/...\n%s%s", p, code, mine.PID, out, errOut)
	}
}
