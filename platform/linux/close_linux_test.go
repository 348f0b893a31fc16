package linux

import (
	"errors"
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

func (f fakeDestroyer) Destroy(*core.Socket) error { return f.err }

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
		if err := c.Abort(&socks[0]); err != nil {
			t.Fatal(err)
		}
		if st := tcpState(t, port, ino); st != "" {
			t.Errorf("socket still there as %s after abort", st)
		}
		if err := c.Abort(&socks[0]); !errors.Is(err, core.ErrGone) {
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
		if err := (&Closer{}).Abort(&core.Socket{}); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Abort without a Destroyer = %v", err)
		}
	})
	t.Run("errors pass through", func(t *testing.T) {
		want := errors.New("SOCK_DESTROY: EOPNOTSUPP")
		if err := (&Closer{Destroyer: fakeDestroyer{want}}).Abort(&core.Socket{}); !errors.Is(err, want) {
			t.Errorf("Abort = %v, want %v", err, want)
		}
	})
}
