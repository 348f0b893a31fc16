//go:build linux

// Command workload fills this host with processes holding many descriptors,
// so gosof can be timed against ss, lsof, fuser and netstat at host scale.
//
// It listens on 127.0.0.1:-port and starts -procs holder processes (itself,
// re-executed). The first holders, one per 8,000 connections, share the
// listener and accept -conns loopback TCP connections, which the other
// holders open, spread evenly: 2×conns TCP sockets in all. Every holder
// also tops itself up to -fds descriptors with a mix of pipes, open files
// and unix socketpairs. When all are ready it prints one line
//
//	ready procs=N fds=F port=P
//
// and waits for SIGINT, SIGTERM or stdin closing; then it kills its holders
// and removes its files. A holder dies with it (PR_SET_PDEATHSIG) however it
// ends, so nothing outlives a run.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	holder := flag.Int("holder", -1, "internal: run as holder number N")
	procs := flag.Int("procs", 50, "holder processes")
	servers := flag.Int("servers", 1, "internal: how many holders accept connections")
	fds := flag.Int("fds", 200, "descriptors per holder (besides the listener's accepted connections)")
	conns := flag.Int("conns", 1000, "loopback TCP connections to the listener (2 sockets each)")
	port := flag.Int("port", 47123, "loopback port holder 0 listens on")
	dir := flag.String("dir", "", "internal: directory of files holders open")
	flag.IntVar(&unixShare, "unix", -1, "percent of each holder's descriptors that are unix socketpair ends (-1: the default mix, about 10%)")
	flag.IntVar(&bigFDs, "big", 0, "holder 0 holds this many descriptors instead of -fds (one big process)")
	tw := flag.Int("timewait", 0, "this many TIME_WAIT sockets on 127.0.0.1:-xport, beside its listener")
	cw := flag.Int("closewait", 0, "this many CLOSE_WAIT sockets on 127.0.0.1:-xport, held by this process")
	xport := flag.Int("xport", 46001, "loopback port of -timewait, -closewait and -netns")
	netns := flag.String("netns", "", "comma-separated /run/netns names: in each, a listener on 127.0.0.1:-xport and -netns-conns connections to it")
	nsConns := flag.Int("netns-conns", 250, "connections per -netns namespace")
	flag.Parse()

	raiseNofile()
	if *holder >= 0 {
		if err := hold(*holder, *procs, *servers, *fds, *conns, *port, *dir); err != nil {
			fmt.Fprintf(os.Stderr, "workload holder %d: %v\n", *holder, err)
			os.Exit(1)
		}
		return
	}
	x := extras{timeWait: *tw, closeWait: *cw, port: *xport, nsConns: *nsConns}
	if *netns != "" {
		x.netns = strings.Split(*netns, ",")
	}
	if err := parent(*procs, *fds, *conns, *port, x); err != nil {
		fmt.Fprintf(os.Stderr, "workload: %v\n", err)
		os.Exit(1)
	}
}

// raiseNofile lifts RLIMIT_NOFILE to the kernel's fs.nr_open (root may raise
// the hard limit), so the listener can hold every accepted connection.
func raiseNofile() {
	limit := uint64(1 << 20)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(string(b[:len(b)-1]), 10, 64); err == nil {
			limit = n
		}
	}
	rl := unix.Rlimit{Cur: limit, Max: limit}
	if unix.Setrlimit(unix.RLIMIT_NOFILE, &rl) != nil {
		_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
		rl.Cur = rl.Max
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &rl)
	}
}

func parent(procs, fds, conns, port int, x extras) error {
	if procs == 0 {
		return alone(x)
	}
	if procs < 2 {
		return fmt.Errorf("-procs %d: need at least 2 (a listener and a client)", procs)
	}
	// Pdeathsig fires when the thread that forked exits, so every child is
	// started from this one locked thread, which lives as long as we do.
	runtime.LockOSThread()
	dir, err := os.MkdirTemp("", "gosof-workload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i := range 16 {
		if err := os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), []byte("x"), 0o644); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	// The listener is made here and handed to the servers, holders
	// 0..servers-1, which share the accepting: a process may not hold
	// more descriptors than RLIMIT_NOFILE, which without CAP_SYS_RESOURCE
	// cannot be raised past its hard limit.
	ln, err := listen(port)
	if err != nil {
		return err
	}
	servers := max(1, (conns+perServer-1)/perServer)
	if servers >= procs {
		return fmt.Errorf("-procs %d: %d connections need %d servers and at least one client", procs, conns, servers)
	}
	var kids []*exec.Cmd
	defer func() {
		// Only our own children, by pid; then reap them.
		for _, c := range kids {
			_ = c.Process.Kill()
		}
		for _, c := range kids {
			_ = c.Wait()
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	for i := range procs {
		c := exec.Command(self, "-holder", strconv.Itoa(i), "-procs", strconv.Itoa(procs), "-servers", strconv.Itoa(servers),
			"-fds", strconv.Itoa(fds), "-conns", strconv.Itoa(conns), "-port", strconv.Itoa(port), "-dir", dir,
			"-unix", strconv.Itoa(unixShare), "-big", strconv.Itoa(bigFDs))
		c.Stderr = os.Stderr
		c.ExtraFiles = []*os.File{readyW}
		if i < servers {
			c.ExtraFiles = append(c.ExtraFiles, ln)
		}
		c.Env = append(os.Environ(), "GOMAXPROCS=1", "GOGC=off")
		c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := c.Start(); err != nil {
			return err
		}
		kids = append(kids, c)
		if i == servers-1 {
			ln.Close() // the servers hold it now
		}
	}
	readyW.Close()
	// One byte from each holder: a server once it has accepted its share,
	// a client once it has connected and opened all it holds.
	if err := waitReady(ready, procs, sigs); err != nil {
		return err
	}
	held, err := x.make()
	if err != nil {
		return err
	}
	defer closeAll(held)
	fmt.Printf("ready procs=%d fds=%d port=%d big=%d%s\n", procs, countFDs(), port, kids[0].Process.Pid, x.String())

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

// waitReady reads n bytes, one per holder that is ready; a holder that
// fails makes the read see EOF early.
func waitReady(r *os.File, n int, sigs chan os.Signal) error {
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, n)
		_, err := io.ReadFull(r, buf)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("holders did not all get ready: %w", err)
		}
		return nil
	case s := <-sigs:
		return fmt.Errorf("interrupted by %v", s)
	}
}

// countFDs counts the open descriptors of every process on the host.
func countFDs() int {
	ents, _ := os.ReadDir("/proc")
	total := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + e.Name() + "/fd")
		total += len(fds)
	}
	return total
}

// hold opens this holder's descriptors, says it is ready on fd 3 and sleeps
// until its parent kills it. A server accepts its share of the connections
// on the listener it got as fd 4; a client makes its share of them.
func hold(id, procs, servers, fds, conns, port int, dir string) error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return err
	}
	if os.Getppid() == 1 {
		return fmt.Errorf("parent already gone")
	}
	const readyFD, listenFD = 3, 4
	if id == 0 && bigFDs > 0 {
		fds = bigFDs
	}
	if id < servers {
		if err := fill(fds-1, dir); err != nil {
			return err
		}
		for range share(conns, servers, id) {
			c, _, err := unix.Accept4(listenFD, unix.SOCK_CLOEXEC)
			if err != nil {
				return fmt.Errorf("accept: %w", err)
			}
			abortOnClose(c)
		}
	} else {
		addr := &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
		mine := share(conns, procs-servers, id-servers)
		for range mine {
			s, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			if err := unix.Connect(s, addr); err != nil {
				return fmt.Errorf("connect 127.0.0.1:%d: %w", port, err)
			}
			abortOnClose(s)
		}
		if err := fill(fds-mine, dir); err != nil {
			return err
		}
	}
	if _, err := unix.Write(readyFD, []byte{1}); err != nil {
		return err
	}
	unix.Close(readyFD)
	sleepForever()
	return nil
}

// perServer is how many connections one server accepts at most: well
// under the usual hard RLIMIT_NOFILE of 20,000 or more.
const perServer = 8000

// share is holder i's part of n things split over k holders.
func share(n, k, i int) int {
	m := n / k
	if i < n%k {
		m++
	}
	return m
}

// listen opens the workload's listening socket on 127.0.0.1:port, as a
// file to hand to the servers.
func listen(port int) (*os.File, error) {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	_ = unix.SetsockoptInt(ln, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		unix.Close(ln)
		return nil, fmt.Errorf("bind 127.0.0.1:%d: %w", port, err)
	}
	if err := unix.Listen(ln, 4096); err != nil {
		unix.Close(ln)
		return nil, err
	}
	return os.NewFile(uintptr(ln), "listener"), nil
}

// unixShare is the percentage of fill's descriptors that are unix
// socketpair ends; bigFDs, when set, is holder 0's descriptor count.
var unixShare, bigFDs int

// fill opens n more descriptors: unixShare percent unix socketpair ends,
// the rest half pipe ends, half files; by default (unixShare -1) a
// socketpair every tenth step, about 45% pipe ends, 45% files, 10% unix
// socketpair ends.
func fill(n int, dir string) error {
	socks := -1
	if unixShare >= 0 {
		socks = n * unixShare / 100
	}
	for i := 0; n > 0; i++ {
		switch {
		case socks >= 2 && n >= 2:
			if _, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
				return err
			}
			n -= 2
			socks -= 2
		case socks < 0 && i%10 == 0 && n >= 2:
			if _, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
				return err
			}
			n -= 2
		case i%2 == 0 && n >= 2:
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				return err
			}
			n -= 2
		default:
			path := filepath.Join(dir, "f"+strconv.Itoa(i%16))
			if _, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
				return err
			}
			n--
		}
	}
	return nil
}

// sleepForever blocks until the holder is killed (select{} would trip the
// runtime's deadlock check).
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// abortOnClose makes the socket's close send a reset (SO_LINGER 0), so a
// finished run leaves no TIME_WAIT sockets behind to swell the next one's
// table.
func abortOnClose(fd int) {
	_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
}
