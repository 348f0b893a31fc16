package core

import (
	"slices"
	"testing"
)

// protoSource serves sockets by the filter's protocols and records what
// it was asked for.
type protoSource struct {
	socks []Socket
	asked [][]Proto
}

func (p *protoSource) Sockets(f *Filter) ([]Socket, error) {
	var out []Socket
	if f == nil {
		p.asked = append(p.asked, nil)
		return append(out, p.socks...), nil
	}
	p.asked = append(p.asked, f.Protos)
	for _, s := range p.socks {
		if f.WantsProto(s.Proto) {
			out = append(out, s)
		}
	}
	return out, nil
}

type fdsOf map[int][]FD

func (m fdsOf) FDs(pid int) ([]FD, error) { return append([]FD(nil), m[pid]...), nil }

// TestGatherFDsUnixFirst: a process holding only unix sockets costs one
// unix dump; one with a TCP socket, or an inode no table has, also the
// rest, once; every descriptor gets the socket a full dump gives it.
func TestGatherFDsUnixFirst(t *testing.T) {
	socks := []Socket{
		{Proto: Unix, Family: Local, State: Established, Inode: 100},
		{Proto: Unix, Family: Local, State: Listen, Inode: 101, Local: Endpoint{Path: "/run/x.sock"}},
		{Proto: TCP, Family: Inet, State: Listen, Local: ep("127.0.0.1", 8080), Inode: 200},
		{Proto: UDP, Family: Inet, State: Unconn, Local: ep("127.0.0.1", 53), Inode: 300},
	}
	sock := func(fd int, ino uint64) FD { return FD{FD: fd, Kind: FDSocket, Inode: ino} }
	l := fdsOf{
		1: {{FD: 0, Kind: FDFile, Path: "/dev/null"}, sock(3, 100), sock(4, 101)},
		2: {sock(3, 200), sock(4, 100)},
		3: {sock(5, 999), sock(6, 300)}, // 999: in no table (another namespace)
		4: {{FD: 1, Kind: FDPipe, Path: "pipe:[5]"}},
	}
	owners := &fakeSource{procs: map[int]*Process{1: {PID: 1, Comm: "a"}, 2: {PID: 2, Comm: "b"}, 3: {PID: 3, Comm: "c"}, 4: {PID: 4, Comm: "d"}}}
	others := []Proto{TCP, UDP, UDPLite, Raw, SCTP}
	for _, tc := range []struct {
		pids  []int
		asked [][]Proto
	}{
		{[]int{1}, [][]Proto{{Unix}}},
		{[]int{4}, nil},
		{[]int{2}, [][]Proto{{Unix}, others}},
		{[]int{1, 2, 3}, [][]Proto{{Unix}, others}},
		{[]int{3}, [][]Proto{{Unix}, others}},
	} {
		src := &protoSource{socks: socks}
		procs, err := GatherFDs(FDSources{FDs: l, Sockets: src, Owners: owners}, tc.pids)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(src.asked, tc.asked, slices.Equal[[]Proto]) {
			t.Errorf("pids %v: asked for %v, want %v", tc.pids, src.asked, tc.asked)
		}
		for _, pf := range procs {
			for _, fd := range pf.FDs {
				if fd.Kind != FDSocket {
					continue
				}
				var want *Socket
				for i := range socks {
					if socks[i].Inode == fd.Inode {
						want = &socks[i]
					}
				}
				switch {
				case want == nil && fd.Socket != nil:
					t.Errorf("pid %d fd %d: got socket %+v for an inode no table has", pf.PID, fd.FD, *fd.Socket)
				case want != nil && (fd.Socket == nil || fd.Socket.Inode != want.Inode || fd.Socket.Proto != want.Proto):
					t.Errorf("pid %d fd %d: socket %+v, want %+v", pf.PID, fd.FD, fd.Socket, *want)
				}
			}
		}
	}
}
