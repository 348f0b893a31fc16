package render

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
)

// hostileFDs are descriptors of processes with hostile names and paths.
func hostileFDs() []core.ProcFDs {
	yes := true
	sz := 4096
	evil := &core.Process{PID: 666, Comm: "ev\x1b[31mil\u202e\xff", UID: 0, User: "root"}
	s := core.Socket{Proto: core.TCP, Family: core.Inet, Type: core.Stream, State: core.Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 40000), Inode: 77, UID: 0,
		Owners: []core.Owner{{PID: 666, FD: 4, Proc: evil}}}
	u := core.Socket{Proto: core.Unix, Family: core.Local, Type: core.Stream, State: core.Listen, Local: core.Endpoint{Path: "@gosof\x00x\u202e"}, Inode: 78, UID: 0}
	return []core.ProcFDs{
		{PID: 666, Proc: evil, Cmdline: []string{"ev\x1b[31mil", "--name=a\tb", "\xff\u202e"}, FDs: []core.FD{
			{FD: 0, Kind: core.FDChar, Path: "/dev/null", Inode: 5},
			{FD: 1, Kind: core.FDFile, Path: "/tmp/x\ny\u200b\xfe", Inode: 6},
			{FD: 3, Kind: core.FDAnon, Path: "anon_inode:[eventfd]"},
			{FD: 4, Kind: core.FDSocket, Path: "socket:[77]", Inode: 77, Socket: &s, Options: &core.SockOptions{ReuseAddr: &yes, SndBuf: &sz, Congestion: "cubic"}},
			{FD: 5, Kind: core.FDSocket, Path: "socket:[78]", Inode: 78, Socket: &u},
			{FD: 6, Kind: core.FDSocket, Path: "socket:[79]", Inode: 79},
			{FD: 7, Kind: core.FDSocket, Path: "socket:[80]", Inode: 80, Proto: "NETLINK", Unlisted: true},
			{FD: 8, Kind: core.FDSocket, Path: "socket:[81]", Inode: 81, Proto: "TCP"},
			{FD: 9, Kind: core.FDSocket, Path: "socket:[82]", Inode: 82, Proto: "UDPv6", Absent: core.AbsentUnbound},
			{FD: 10, Kind: core.FDSocket, Path: "socket:[83]", Inode: 83, Proto: "TCP", Absent: core.AbsentClosed, AbsentPort: 40348},
			{FD: 11, Kind: core.FDSocket, Path: "socket:[84]", Inode: 84, Proto: "TCPv6", Absent: core.AbsentNetNS, AbsentNetNS: 4026532173},
			{FD: 100000, Kind: core.FDDir, Path: "/日本/語", Inode: 7},
		}, Missing: "pidfd_getfd: \x1b[2Jdenied"},
		{PID: 667, Err: errors.New("process 667: \u202epermission denied")},
		{PID: 668, Proc: &core.Process{PID: 668, Comm: "plain", UID: -1}},
	}
}

func TestFDsGolden(t *testing.T) {
	var b bytes.Buffer
	if err := FDs(&b, hostileFDs()); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "fds.golden", b.Bytes())
	b.Reset()
	if err := FDsJSON(&b, hostileFDs()); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "fds.json.golden", b.Bytes())
}

// fds's table and JSON are what tabwriter and encoding/json make.
func TestFDsSameAsOracles(t *testing.T) {
	procs := hostileFDs()
	want, err := marshalIndent(toJProcFDs(procs))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := FDsJSON(&got, procs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("fds --json differs from encoding/json\n%s", firstDiff(got.Bytes(), want))
	}
	got.Reset()
	if err := FDs(&got, procs); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"  FD", "TYPE", "NAME", "OPTIONS"}}
	for _, fd := range procs[0].FDs {
		opt := ""
		if fd.Kind == core.FDSocket {
			opt = core.FormatOptions(fd.Options)
		}
		rows = append(rows, []string{"  " + strconv.Itoa(fd.FD), string(fd.Kind), string(appendFDName(nil, &fd)), opt})
	}
	if table := tabRows(rows); !strings.Contains(got.String(), "\n"+table) {
		t.Errorf("fds table:\n%s\nwant, after the heading, tabwriter's\n%s", got.String(), table)
	}
}
