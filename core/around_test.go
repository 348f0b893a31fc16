package core

import (
	"testing"
)

// Many holders are described concurrently; the result is what describing
// them one by one gives: gone ones dropped, the rest filled in.
func TestDescribeManyProcesses(t *testing.T) {
	src := &fakeSource{owners: map[uint64][]Owner{}, procs: map[int]*Process{}}
	for i := 0; i < 300; i++ {
		pid := 1000 + i
		src.socks = append(src.socks, Socket{Proto: TCP, Family: Inet, State: Established, Local: ep("127.0.0.1", uint16(20000+i)), Inode: uint64(10 + i)})
		src.owners[uint64(10+i)] = []Owner{{PID: pid, FD: 3}, {PID: 1000 + (i+1)%300, FD: 4}}
		if i%7 != 0 {
			src.procs[pid] = &Process{PID: pid, Comm: "p" + string(rune('a'+i%26)), UID: int64(i % 3)}
		}
	}
	r := &Resolver{Sockets: src, Owners: src, UserName: func(uid int64) string { return "u" + string(rune('0'+uid)) }}
	res, err := r.Resolve(&Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Sockets {
		var want []int
		for _, o := range src.owners[s.Inode] {
			if src.procs[o.PID] != nil {
				want = append(want, o.PID)
			}
		}
		if len(s.Owners) != len(want) {
			t.Fatalf("socket %d: %d owners, want %d", s.Inode, len(s.Owners), len(want))
		}
		for _, o := range s.Owners {
			p := src.procs[o.PID]
			if o.Proc == nil || o.Proc.Comm != p.Comm || o.Proc.User != "u"+string(rune('0'+p.UID)) {
				t.Fatalf("owner %d described as %+v", o.PID, o.Proc)
			}
		}
	}
}
