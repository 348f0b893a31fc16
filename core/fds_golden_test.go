package core

import (
	"bytes"
	"errors"
	"testing"
)

// hostileFDs are descriptors of processes with hostile names and paths.
func hostileFDs() []ProcFDs {
	yes := true
	sz := 4096
	evil := &Process{PID: 666, Comm: "ev\x1b[31mil\u202e\xff", UID: 0, User: "root"}
	s := Socket{Proto: TCP, Family: Inet, Type: Stream, State: Established, Local: ep("127.0.0.1", 8080), Remote: epp("127.0.0.1", 40000), Inode: 77, UID: 0,
		Owners: []Owner{{PID: 666, FD: 4, Proc: evil}}}
	u := Socket{Proto: Unix, Family: Local, Type: Stream, State: Listen, Local: Endpoint{Path: "@gosof\x00x\u202e"}, Inode: 78, UID: 0}
	return []ProcFDs{
		{PID: 666, Proc: evil, Args: "ev\x1b[31mil --name=a\tb \xff\u202e", FDs: []FD{
			{FD: 0, Kind: FDChar, Path: "/dev/null", Inode: 5},
			{FD: 1, Kind: FDFile, Path: "/tmp/x\ny\u200b\xfe", Inode: 6},
			{FD: 3, Kind: FDAnon, Path: "anon_inode:[eventfd]"},
			{FD: 4, Kind: FDSocket, Path: "socket:[77]", Inode: 77, Socket: &s, Options: &SockOptions{ReuseAddr: &yes, SndBuf: &sz, Congestion: "cubic"}},
			{FD: 5, Kind: FDSocket, Path: "socket:[78]", Inode: 78, Socket: &u},
			{FD: 6, Kind: FDSocket, Path: "socket:[79]", Inode: 79},
			{FD: 100000, Kind: FDDir, Path: "/日本/語", Inode: 7},
		}, Missing: "pidfd_getfd: \x1b[2Jdenied"},
		{PID: 667, Err: errors.New("process 667: \u202epermission denied")},
		{PID: 668, Proc: &Process{PID: 668, Comm: "plain", UID: -1}},
	}
}

func TestFDsGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFDs(&b, hostileFDs()); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "fds.golden", b.Bytes())
	b.Reset()
	if err := WriteFDsJSON(&b, hostileFDs()); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "fds.json.golden", b.Bytes())
}
