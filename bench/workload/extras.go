//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// extras are the sockets of the bench's special worlds, made and held by
// the workload process itself on 127.0.0.1:port:
//
//   - timeWait TIME_WAIT sockets beside their listener (a busy HTTP/1.0
//     server that closes first);
//   - closeWait CLOSE_WAIT sockets: accepted connections whose clients
//     have closed and which this process never closes (a leaking server);
//   - in each network namespace named in netns (made by the runner with
//     `ip netns add`, lo up), a listener and nsConns connections to it.
type extras struct {
	timeWait, closeWait int
	port                int
	netns               []string
	nsConns             int
}

func (x extras) String() string {
	s := ""
	if x.timeWait > 0 {
		s += fmt.Sprintf(" timewait=%d", x.timeWait)
	}
	if x.closeWait > 0 {
		s += fmt.Sprintf(" closewait=%d", x.closeWait)
	}
	if len(x.netns) > 0 {
		s += fmt.Sprintf(" netns=%d", len(x.netns))
	}
	if s != "" {
		s += " xport=" + strconv.Itoa(x.port)
	}
	return s
}

// make opens the extras' sockets and returns the descriptors to hold.
func (x extras) make() ([]int, error) {
	var held []int
	if x.timeWait > 0 {
		ln, err := listenFD(x.port)
		if err != nil {
			return held, err
		}
		held = append(held, ln)
		if err := timeWaits(ln, x.port, x.timeWait); err != nil {
			return held, err
		}
	}
	if x.closeWait > 0 {
		ln, err := listenFD(x.port)
		if err != nil {
			return held, err
		}
		held = append(held, ln)
		fds, err := closeWaits(ln, x.port, x.closeWait)
		held = append(held, fds...)
		if err != nil {
			return held, err
		}
	}
	if len(x.netns) > 0 {
		fds, err := inNamespaces(x.netns, x.port, x.nsConns)
		held = append(held, fds...)
		if err != nil {
			return held, err
		}
	}
	return held, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// alone is the workload without holders: only the extras, in this process.
func alone(x extras) error {
	raiseNofile()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	held, err := x.make()
	defer closeAll(held)
	if err != nil {
		return err
	}
	fmt.Printf("ready procs=0 fds=%d port=%d big=%d%s\n", countFDs(), x.port, os.Getpid(), x.String())
	stdinEOF := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString(0)
		close(stdinEOF)
	}()
	select {
	case <-sigs:
	case <-stdinEOF:
	}
	return nil
}

// listenFD is listen as a bare descriptor. A world made afresh for every
// run can find its port still taken for a moment by the last one's
// sockets: it tries for up to 10 s.
func listenFD(port int) (int, error) {
	f, err := listen(port)
	for i := 0; err != nil && errors.Is(err, unix.EADDRINUSE) && i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		f, err = listen(port)
	}
	if err != nil {
		return -1, err
	}
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	return fd, err
}

// client connects a socket to 127.0.0.1:port from a source of its own:
// 127.0.0.2 to 127.0.0.11, ports 20000 to 29999, below the ephemeral range
// other processes' connections use. So no new connection's SYN lands on an
// earlier one's TIME_WAIT (which the kernel would recycle). A source
// someone else holds is skipped.
func client(port int) (int, error) {
	for ; nextSource < 100000; nextSource++ {
		i := nextSource
		s, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		src := &unix.SockaddrInet4{Port: 20000 + i%10000, Addr: [4]byte{127, 0, 0, byte(2 + i/10000)}}
		if err := unix.Bind(s, src); err == unix.EADDRINUSE {
			unix.Close(s)
			continue
		} else if err != nil {
			unix.Close(s)
			return -1, fmt.Errorf("bind 127.0.0.%d:%d: %w", src.Addr[3], src.Port, err)
		}
		nextSource++
		if err := unix.Connect(s, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			unix.Close(s)
			return -1, fmt.Errorf("connect 127.0.0.1:%d: %w", port, err)
		}
		return s, nil
	}
	return -1, fmt.Errorf("no free source address left for connections to 127.0.0.1:%d", port)
}

// nextSource is the next source client tries.
var nextSource int

// timeWaits makes n connections to the listener ln and closes each from
// the server's side first, so the server's end (local port = port) stays
// in TIME_WAIT for the kernel's 60 s.
func timeWaits(ln, port, n int) error {
	for i := 0; i < n; i++ {
		c, err := client(port)
		if err != nil {
			return err
		}
		a, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err != nil {
			unix.Close(c)
			return fmt.Errorf("accept: %w", err)
		}
		unix.Close(a) // FIN from the server: it will be the one in TIME_WAIT
		var b [1]byte
		_, _ = unix.Read(c, b[:]) // the client sees the FIN (EOF)...
		unix.Close(c)             // ...and closes: LAST_ACK, then gone
	}
	return nil
}

// closeWaits makes n connections to ln whose clients then close: the
// accepted ends, returned, stay in CLOSE_WAIT as long as they are held.
func closeWaits(ln, port, n int) ([]int, error) {
	var held []int
	for i := 0; i < n; i++ {
		c, err := client(port)
		if err != nil {
			return held, err
		}
		a, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err != nil {
			unix.Close(c)
			return held, fmt.Errorf("accept: %w", err)
		}
		held = append(held, a)
		unix.Close(c)
	}
	return held, nil
}

// inNamespaces joins each namespace on this (locked) thread, opens a
// listener and conns connections to it there, and comes back: a socket
// stays in the namespace it was made in.
func inNamespaces(names []string, port, conns int) ([]int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(self)
	var held []int
	for _, name := range names {
		ns, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return held, err
		}
		err = unix.Setns(ns, unix.CLONE_NEWNET)
		unix.Close(ns)
		if err != nil {
			return held, fmt.Errorf("setns %s: %w", name, err)
		}
		fds, err := connections(port, conns)
		held = append(held, fds...)
		if e := unix.Setns(self, unix.CLONE_NEWNET); e != nil {
			// This thread must not run anything else in the wrong namespace.
			panic(fmt.Sprintf("setns back: %v", e))
		}
		if err != nil {
			return held, fmt.Errorf("netns %s: %w", name, err)
		}
	}
	return held, nil
}

// connections opens a listener on 127.0.0.1:port and n established
// connections to it, both ends held, closing with a reset.
func connections(port, n int) ([]int, error) {
	ln, err := listenFD(port)
	if err != nil {
		return nil, err
	}
	held := []int{ln}
	for i := 0; i < n; i++ {
		c, err := client(port)
		if err != nil {
			return held, err
		}
		held = append(held, c)
		a, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err != nil {
			return held, fmt.Errorf("accept: %w", err)
		}
		held = append(held, a)
		abortOnClose(a)
		abortOnClose(c)
	}
	return held, nil
}
