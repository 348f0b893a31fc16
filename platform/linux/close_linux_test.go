package linux

import (
	"errors"
	"strconv"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// closeWaitPair makes srv hold an accepted socket in CLOSE_WAIT: the client
// connects and closes its end. It returns srv's descriptor and the port.
func closeWaitPair(t *testing.T, srv *testhelper.Proc) (fd, port int) {
	t.Helper()
	lfd, port := listenTCP(t, srv)
	cli := testhelper.Start(t)
	cfd := cli.Int("socket inet stream")
	cli.Do("connect %d 127.0.0.1:%d", cfd, port)
	fd = srv.Int("accept %d", lfd)
	cli.Do("close %d", cfd)
	return fd, port
}

// tcpState finds the socket with inode ino in the live table ("" if none).
func tcpState(t *testing.T, port int, ino uint64) core.State {
	t.Helper()
	socks, err := (&Sockets{FS: DefaultFS()}).Sockets(&core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}}, Protos: []core.Proto{core.TCP}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		if s.Inode == ino {
			return s.State
		}
	}
	return ""
}

func TestShutdownCloseWait(t *testing.T) {
	srv := testhelper.Start(t)
	fd, port := closeWaitPair(t, srv)
	ino := inodeOf(t, srv.PID, fd)
	if st := tcpState(t, port, ino); st != core.CloseWait {
		t.Fatalf("state %q, want CLOSE_WAIT before closing", st)
	}
	sock := &core.Socket{Proto: core.TCP, Family: core.Inet, State: core.CloseWait, Inode: ino}
	owner := core.Owner{PID: srv.PID, FD: fd, Proc: describeProc(t, DefaultFS(), srv.PID)}
	c := &Closer{}
	if err := c.Shutdown(sock, owner); err != nil {
		t.Fatal(err)
	}
	if st := tcpState(t, port, ino); st != "" {
		t.Errorf("socket still in the table as %s after shutdown", st)
	}
	// The holder lives on and its next read ends.
	if got := srv.Do("read %d", fd); len(got) != 1 || got[0] != "eof" {
		t.Errorf("holder's read after shutdown = %v, want eof", got)
	}
	if got := srv.Int("pid"); got != srv.PID {
		t.Errorf("holder answers pid %d", got)
	}
}

func TestShutdownRefuses(t *testing.T) {
	srv := testhelper.Start(t)
	fd, port := closeWaitPair(t, srv)
	ino := inodeOf(t, srv.PID, fd)
	proc := describeProc(t, DefaultFS(), srv.PID)
	c := &Closer{}
	tests := []struct {
		name  string
		sock  core.Socket
		owner core.Owner
		want  error
	}{
		// 1<<40 is no socket the holder has: fd is another socket now.
		{name: "descriptor now holds another socket", sock: core.Socket{Proto: core.TCP, Inode: 1 << 40},
			owner: core.Owner{PID: srv.PID, FD: fd, Proc: proc}, want: core.ErrNotHeld},
		{name: "descriptor closed", sock: core.Socket{Proto: core.TCP, Inode: 1 << 40},
			owner: core.Owner{PID: srv.PID, FD: 999, Proc: proc}, want: core.ErrNotHeld},
		{name: "pid recycled", sock: core.Socket{Proto: core.TCP, Inode: ino},
			owner: core.Owner{PID: srv.PID, FD: fd, Proc: &core.Process{PID: srv.PID, Start: proc.Start + 1}}, want: core.ErrGone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Shutdown(&tc.sock, tc.owner); !errors.Is(err, tc.want) {
				t.Errorf("Shutdown = %v, want %v", err, tc.want)
			}
			if st := tcpState(t, port, ino); st != core.CloseWait {
				t.Errorf("a refused shutdown changed the socket: state %q", st)
			}
		})
	}
}

type fakeDestroyer struct{ err error }

func (f fakeDestroyer) DestroyAll(socks []*core.Socket, _ *core.Filter) []error {
	errs := make([]error, len(socks))
	for i := range errs {
		errs[i] = f.err
	}
	return errs
}

func TestAbort(t *testing.T) {
	t.Run("real", func(t *testing.T) {
		srv := testhelper.Start(t)
		fd, port := closeWaitPair(t, srv)
		ino := inodeOf(t, srv.PID, fd)
		socks, err := (&Sockets{FS: DefaultFS()}).Sockets(&core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}}, States: []core.State{core.CloseWait}})
		if err != nil || len(socks) != 1 || socks[0].Inode != ino {
			t.Fatalf("want the one CLOSE_WAIT socket, got %v, %v", socks, err)
		}
		c := &Closer{Destroyer: &Sockets{FS: DefaultFS()}}
		if err := c.Abort(&socks[0], nil); err != nil {
			t.Fatal(err)
		}
		if st := tcpState(t, port, ino); st != "" {
			t.Errorf("socket still there as %s after abort", st)
		}
		if err := c.Abort(&socks[0], nil); !errors.Is(err, core.ErrGone) {
			t.Errorf("second abort = %v, want ErrGone", err)
		}
		// The peer's FIN came first, so the read reports EOF; an error
		// (ECONNABORTED) is as good. Only a timeout would mean it still waits.
		got, err := srv.Try("read %d", fd)
		if (err != nil && err.Error() == "timeout") || (err == nil && (len(got) != 1 || got[0] != "eof")) {
			t.Errorf("holder's read after abort = %v, %v; want eof or an error", got, err)
		}
	})
	t.Run("no destroyer", func(t *testing.T) {
		if err := (&Closer{}).Abort(&core.Socket{}, nil); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Abort without a Destroyer = %v", err)
		}
	})
	t.Run("errors pass through", func(t *testing.T) {
		want := errors.New("SOCK_DESTROY: EOPNOTSUPP")
		if err := (&Closer{Destroyer: fakeDestroyer{want}}).Abort(&core.Socket{}, nil); !errors.Is(err, want) {
			t.Errorf("Abort = %v, want %v", err, want)
		}
	})
}

// TestCloseReusedEnds: between the plan and the act, the planned
// connection is reset and a new one takes its addresses and ports (the
// client binds the same port again). Neither method may touch the new
// one: SOCK_DESTROY carries the planned socket's cookie, so the kernel
// finds no such socket (already gone); a socket read from /proc/net has
// no cookie and is not aborted at all; a graceful close proves the
// socket it duplicates, not its ends, and finds the old one no longer
// connected.
func TestCloseReusedEnds(t *testing.T) {
	srv := testhelper.Start(t)
	cli := testhelper.Start(t)
	lfd, port := listenTCP(t, srv)
	cport := 0 // the kernel picks the first client's; the second binds it again
	dial := func() (c, a int) {
		c = cli.Int("socket inet stream")
		cli.Do("setsockopt %d reuseaddr 1", c)
		cli.Do("bind %d 127.0.0.1:%d", c, cport)
		cport, _ = strconv.Atoi(cli.Do("name %d", c)[1])
		cli.Do("connect %d 127.0.0.1:%d", c, port)
		return c, srv.Int("accept %d", lfd)
	}
	c, old := dial()
	oldIno := inodeOf(t, srv.PID, old)
	f := &core.Filter{Ports: []core.PortRange{{Lo: uint16(port), Hi: uint16(port)}}, States: []core.State{core.Established}}
	var planned []core.Socket // through netlink, then from /proc/net
	for _, src := range []*Sockets{{FS: DefaultFS()}, {FS: DefaultFS(), ProcNetOnly: true}} {
		socks, err := src.Sockets(f)
		if err != nil {
			t.Fatal(err)
		}
		n := len(planned)
		for _, s := range socks {
			if s.Inode == oldIno && int(s.Local.Port) == port {
				planned = append(planned, s)
			}
		}
		if len(planned) != n+1 {
			t.Fatalf("ProcNetOnly=%v: the server's end of the connection is not listed once: %v", src.ProcNetOnly, socks)
		}
	}
	cli.Do("setsockopt %d linger 1 0", c)
	cli.Do("close %d", c) // a reset: gone at both ends, no TIME_WAIT
	_, now := dial()
	newIno := inodeOf(t, srv.PID, now)
	if st := tcpState(t, port, oldIno); st != "" {
		t.Fatalf("the reset connection is still listed, %s", st)
	}

	c2 := &Closer{Destroyer: &Sockets{FS: DefaultFS()}}
	defer c2.Release()
	if err := c2.Abort(&planned[0], nil); !errors.Is(err, core.ErrGone) {
		t.Errorf("abort of the planned socket, through netlink: %v, want ErrGone", err)
	}
	if err := c2.Abort(&planned[1], nil); !errors.Is(err, core.ErrUnsupported) {
		t.Errorf("abort of the planned socket, from /proc/net: %v, want ErrUnsupported (no cookie)", err)
	}
	owner := core.Owner{PID: srv.PID, FD: old, Proc: describeProc(t, DefaultFS(), srv.PID)}
	if err := c2.Shutdown(&planned[0], owner); !errors.Is(err, core.ErrGone) {
		t.Errorf("graceful close of the planned socket: %v, want ErrGone (not connected)", err)
	}
	if st := tcpState(t, port, newIno); st != core.Established {
		t.Errorf("the new connection on the same ends is %q after closing the old one, want ESTABLISHED", st)
	}
}
