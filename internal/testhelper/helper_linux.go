package testhelper

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const envHelper = "GOSOF_TEST_HELPER"

func init() {
	// A helper's main goroutine stays on the process's main thread: "comm"
	// names the process (prctl names the calling thread, and /proc/PID/stat
	// shows the main thread's name), and "leader-exit" ends that very
	// thread.
	if os.Getenv(envHelper) == "1" {
		runtime.LockOSThread()
	}
}

// Main runs the helper when this binary was started as one, and returns
// otherwise. Call it first in TestMain.
func Main() {
	if argv := os.Getenv(envKillOnBPF); argv != "" {
		execKillOnBPF(strings.Split(argv, "\x1f"))
	}
	if argv := os.Getenv(envRefuseNetlink); argv != "" {
		execKillOnBPF(strings.Split(argv, "\x1f")) // its filter refuses netlink instead
	}
	if os.Getenv(envHelper) != "1" {
		return
	}
	sc := bufio.NewScanner(os.Stdin)
	if !serve(sc, os.Stdout) {
		os.Exit(0)
	}
	// "leader-exit": the other commands are served elsewhere, and this
	// thread ends with exit(2), not exit_group: the others go on, and
	// /proc/PID/fd lists nothing from now on. Through Syscall, not
	// RawSyscall, so the runtime takes this thread's P back.
	go func() {
		serve(sc, os.Stdout)
		os.Exit(0)
	}()
	syscall.Syscall(unix.SYS_EXIT, 0, 0, 0)
}

// Proc is a running helper process.
type Proc struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	PID   int
	extra []*os.File
}

// Option changes how Start launches a helper.
type Option func(*syscall.SysProcAttr)

// NewNetNS starts the helper in a network namespace of its own (needs
// root; the test should skip otherwise), with its loopback up unless the
// helper runs AsUser. The namespace goes away with the helper.
func NewNetNS() Option {
	return func(a *syscall.SysProcAttr) { a.Cloneflags |= syscall.CLONE_NEWNET }
}

// AsUser starts the helper as another user (needs root; the test should
// skip otherwise), from a copy of the test binary that user may run.
func AsUser(uid, gid uint32) Option {
	return func(a *syscall.SysProcAttr) {
		a.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
}

// Executable returns a copy of the test binary in a directory any user may
// enter: the go build directory is private to root. It is removed when the
// test ends.
func Executable(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gosof-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := dir + "/gosof.test"
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// Start launches a helper; it is killed (SIGKILL) and reaped when the test ends.
func Start(t testing.TB, opts ...Option) *Proc {
	t.Helper()
	p := start(t, nil, opts...)
	a := &syscall.SysProcAttr{}
	for _, o := range opts {
		o(a)
	}
	// Bringing lo up needs CAP_NET_ADMIN, which a helper started AsUser
	// lacks: such a helper can still bind the wildcard address.
	if a.Cloneflags&syscall.CLONE_NEWNET != 0 && a.Credential == nil {
		p.Do("loup")
	}
	return p
}

// StartIn launches a helper through a wrapper command, e.g. nsenter
// entering a pid namespace the test made: the wrapper must run the rest
// of its arguments with this process's environment and standard streams.
// PID is then the wrapper's pid; the helper's own is its "pid" answer.
func StartIn(t testing.TB, wrap []string, opts ...Option) *Proc {
	t.Helper()
	return startIn(t, wrap, nil, opts...)
}

func start(t testing.TB, files []*os.File, opts ...Option) *Proc {
	return startIn(t, nil, files, opts...)
}

func startIn(t testing.TB, wrap []string, files []*os.File, opts ...Option) *Proc {
	argv := append(append([]string{}, wrap...), os.Args[0], "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), envHelper+"=1")
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	for _, o := range opts {
		o(cmd.SysProcAttr)
	}
	if cmd.SysProcAttr.Credential != nil {
		cmd.Path = Executable(t)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	p := &Proc{t: t, cmd: cmd, in: in, out: bufio.NewReader(outR), PID: cmd.Process.Pid}
	t.Cleanup(p.Kill)
	return p
}

// Do sends one command and returns the fields after "ok"; it fails the
// test on "err".
func (p *Proc) Do(format string, args ...any) []string {
	p.t.Helper()
	f, err := p.Try(format, args...)
	if err != nil {
		p.t.Fatalf("helper %d: %s: %v", p.PID, fmt.Sprintf(format, args...), err)
	}
	return f
}

// Try sends one command and returns its answer or its error.
func (p *Proc) Try(format string, args ...any) ([]string, error) {
	line := fmt.Sprintf(format, args...)
	if _, err := fmt.Fprintln(p.in, line); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	ans, err := p.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("no answer (helper exited?): %w", err)
	}
	fields := strings.Fields(ans)
	if len(fields) == 0 {
		return nil, errors.New("empty answer")
	}
	if fields[0] != "ok" {
		return nil, errors.New(strings.TrimSpace(strings.TrimPrefix(ans, "err")))
	}
	return fields[1:], nil
}

// Int sends a command whose answer is one number.
func (p *Proc) Int(format string, args ...any) int {
	p.t.Helper()
	f := p.Do(format, args...)
	if len(f) == 0 {
		p.t.Fatalf("helper %d: %s: no number in answer", p.PID, fmt.Sprintf(format, args...))
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		p.t.Fatalf("helper %d: %s: %v", p.PID, fmt.Sprintf(format, args...), err)
	}
	return n
}

// Spawn starts a child helper (a new process, started by this test) that
// holds duplicates of the given descriptors of p: a prefork-style second
// owner of the same sockets. Its descriptors are 3, 4, ... in argument order.
func (p *Proc) Spawn(fds ...int) *Proc {
	p.t.Helper()
	var files []*os.File
	for _, fd := range fds {
		// Take p's descriptor with pidfd_getfd so the child gets the very same socket.
		pidfd, err := unix.PidfdOpen(p.PID, 0)
		if err != nil {
			p.t.Fatalf("pidfd_open: %v", err)
		}
		dup, err := unix.PidfdGetfd(pidfd, fd, 0)
		unix.Close(pidfd)
		if err != nil {
			p.t.Fatalf("pidfd_getfd: %v", err)
		}
		files = append(files, os.NewFile(uintptr(dup), "dup"))
	}
	c := start(p.t, files)
	for _, f := range files {
		f.Close() // the child has its own copies now
	}
	return c
}

// Kill ends the helper with SIGKILL and reaps it; safe to call twice.
func (p *Proc) Kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.in.Close()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// Exit tells the helper to exit and reaps it (through its wrapper, if
// it was started StartIn one): its pid is free again when Exit returns.
func (p *Proc) Exit() error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	fmt.Fprintln(p.in, "exit")
	p.in.Close()
	return p.cmd.Wait()
}

// Exited reports whether the helper has been reaped.
func (p *Proc) Exited() bool { return p.cmd.ProcessState != nil }

// Wait reaps the helper after it was told to exit or was signalled elsewhere.
func (p *Proc) Wait() error { return p.cmd.Wait() }

// serve answers commands until stdin ends or "exit" (false), or until
// "leader-exit" (true), which it answers first.
func serve(sc *bufio.Scanner, w io.Writer) (leaderExit bool) {
	for sc.Scan() {
		ans, err := do(strings.Fields(sc.Text()))
		if err != nil {
			fmt.Fprintf(w, "err %v\n", err)
			continue
		}
		switch ans {
		case "exit":
			return false
		case "leader-exit":
			fmt.Fprintf(w, "ok\n")
			return true
		case "exec":
			// exec: this process runs the helper again (execve of its own
			// binary): the same pid, descriptors without FD_CLOEXEC kept,
			// signal handlers reset; it answers on the same pipes.
			fmt.Fprintf(w, "ok\n")
			err := syscall.Exec("/proc/self/exe", os.Args, os.Environ())
			fmt.Fprintf(w, "err exec: %v\n", err)
			continue
		}
		fmt.Fprintf(w, "ok %s\n", ans)
	}
	return false
}

func do(f []string) (string, error) {
	if len(f) == 0 {
		return "", errors.New("empty command")
	}
	arg := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	fd := func() int { n, _ := strconv.Atoi(arg(1)); return n }
	switch f[0] {
	case "socket":
		return socket(arg(1), arg(2), arg(3))
	case "opath":
		// opath PATH: open PATH with O_PATH and keep it, e.g. a socket
		// through /proc/PID/fd/N: its inode without holding it open
		fd, err := unix.Open(arg(1), unix.O_PATH|unix.O_CLOEXEC, 0)
		return strconv.Itoa(fd), err
	case "sockfile":
		return sockFile(arg(1), arg(2))
	case "bind":
		sa, err := parseAddr(arg(2))
		if err != nil {
			return "", err
		}
		return "", unix.Bind(fd(), sa)
	case "listen":
		backlog := 128
		if n, err := strconv.Atoi(arg(2)); err == nil {
			backlog = n
		}
		return "", unix.Listen(fd(), backlog)
	case "connect":
		sa, err := parseAddr(arg(2))
		if err != nil {
			return "", err
		}
		return "", unix.Connect(fd(), sa)
	case "accept":
		nfd, _, err := unix.Accept(fd())
		return strconv.Itoa(nfd), err
	case "serve":
		// serve FD keep|close: accept on listener FD for good, in a
		// goroutine; "keep" never closes what it accepts (a server that
		// leaks CLOSE_WAIT), "close" closes each once its peer has.
		return "", acceptLoop(fd(), arg(2) == "keep")
	case "dial":
		// dial ADDR N: N connections to ADDR, each closed at once by this
		// end (the peer's end goes to CLOSE_WAIT); answers when done.
		n, _ := strconv.Atoi(arg(2))
		return "", dial(arg(1), n)
	case "dup":
		nfd, err := unix.FcntlInt(uintptr(fd()), unix.F_DUPFD_CLOEXEC, 0)
		return strconv.Itoa(nfd), err
	case "name":
		sa, err := unix.Getsockname(fd())
		if err != nil {
			return "", err
		}
		return formatAddr(sa), nil
	case "setsockopt":
		return "", setsockopt(fd(), f[2:])
	case "shutdown":
		how := map[string]int{"rd": unix.SHUT_RD, "wr": unix.SHUT_WR, "rdwr": unix.SHUT_RDWR}[arg(2)]
		return "", unix.Shutdown(fd(), how)
	case "close":
		return "", unix.Close(fd())
	case "read":
		return read(fd())
	case "write":
		_, err := unix.Write(fd(), []byte(strings.Join(f[2:], " ")))
		return "", err
	case "comm":
		b, err := hex.DecodeString(arg(1))
		if err != nil {
			return "", err
		}
		b = append(b, 0)
		return "", unix.Prctl(unix.PR_SET_NAME, uintptr(unsafePointer(&b[0])), 0, 0, 0)
	case "ignore":
		sig := unix.SignalNum("SIG" + arg(1))
		if sig == 0 {
			return "", fmt.Errorf("unknown signal %q", arg(1))
		}
		signal.Ignore(sig)
		return "", nil
	case "catch":
		// catch SIGNAL: survive SIGNAL and count it; "caught" reports it.
		sig := unix.SignalNum("SIG" + arg(1))
		if sig == 0 {
			return "", fmt.Errorf("unknown signal %q", arg(1))
		}
		ch := make(chan os.Signal, 16)
		signal.Notify(ch, sig)
		go func() {
			for range ch {
				atomic.AddInt64(&caught, 1)
			}
		}()
		return "", nil
	case "caught":
		return strconv.FormatInt(atomic.LoadInt64(&caught), 10), nil
	case "drain":
		// drain FD: read datagrams from FD for good, in a goroutine,
		// counting them; "drained" reports the count.
		go func(fd int) {
			buf := make([]byte, 2048)
			for {
				_, err := unix.Read(fd, buf)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return
				}
				atomic.AddInt64(&drained, 1)
			}
		}(fd())
		return "", nil
	case "drained":
		return strconv.FormatInt(atomic.LoadInt64(&drained), 10), nil
	case "record":
		// record FILE: every signal that can be caught is caught and
		// appended to FILE by name, one a line, as it is taken.
		return "", record(arg(1))
	case "lastpid":
		// lastpid N: the next process of this helper's pid namespace gets
		// N+1 (needs CAP_SYS_ADMIN over the namespace).
		return "", os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(arg(1)), 0)
	case "loup":
		return "", LoopbackUp()
	case "sendfd":
		// sendfd UNIXFD FD: pass FD over the connected unix socket UNIXFD
		// (SCM_RIGHTS); this process keeps its own FD until "close"
		return "", unix.Sendmsg(atoi(arg(1)), []byte{0}, unix.UnixRights(atoi(arg(2))), nil, 0)
	case "recvfd":
		return recvFD(atoi(arg(1)))
	case "setuid":
		// setuid UID: every thread takes UID as its real, effective and
		// saved uid (needs root)
		return "", syscall.Setuid(atoi(arg(1)))
	case "pid":
		return strconv.Itoa(os.Getpid()), nil
	case "thread-listen":
		return threadListen(arg(1))
	case "leader-exit", "exec":
		return f[0], nil
	case "exit":
		return "exit", nil
	}
	return "", fmt.Errorf("unknown command %q", f[0])
}

// threadListen starts a thread that unshares its descriptor table
// (unshare(CLONE_FILES)) and listens on a TCP socket in it, which no other
// thread's table holds; the thread then blocks for good. It answers
// "TID FD PORT".
func threadListen(addr string) (string, error) {
	sa, err := parseAddr(addr)
	if err != nil {
		return "", err
	}
	type answer struct {
		s   string
		err error
	}
	ch := make(chan answer)
	go func() {
		// never unlocked: the runtime must not run other goroutines on a
		// thread with a table of its own
		runtime.LockOSThread()
		fail := func(err error) { ch <- answer{err: err}; select {} }
		if err := unix.Unshare(unix.CLONE_FILES); err != nil {
			fail(err)
		}
		fam := unix.AF_INET
		if _, ok := sa.(*unix.SockaddrInet6); ok {
			fam = unix.AF_INET6
		}
		fd, err := unix.Socket(fam, unix.SOCK_STREAM, 0)
		if err != nil {
			fail(err)
		}
		if err := unix.Bind(fd, sa); err != nil {
			fail(err)
		}
		if err := unix.Listen(fd, 16); err != nil {
			fail(err)
		}
		name, err := unix.Getsockname(fd)
		if err != nil {
			fail(err)
		}
		port := 0
		switch a := name.(type) {
		case *unix.SockaddrInet4:
			port = a.Port
		case *unix.SockaddrInet6:
			port = a.Port
		}
		ch <- answer{s: fmt.Sprintf("%d %d %d", unix.Gettid(), fd, port)}
		select {}
	}()
	a := <-ch
	return a.s, a.err
}

// acceptLoop accepts on lfd until it fails; each connection is kept open for
// good, or read until its peer closes and then closed.
func acceptLoop(lfd int, keep bool) error {
	go func() {
		var kept []int
		for {
			nfd, _, err := unix.Accept(lfd)
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			if err != nil {
				return
			}
			if keep {
				kept = append(kept, nfd) // never closed
				continue
			}
			go func(fd int) {
				buf := make([]byte, 512)
				for {
					n, err := unix.Read(fd, buf)
					if err == unix.EINTR {
						continue
					}
					if n <= 0 || err != nil {
						unix.Close(fd)
						return
					}
				}
			}(nfd)
		}
	}()
	return nil
}

// dial opens n connections to addr one after another, closing each.
func dial(addr string, n int) error {
	sa, err := parseAddr(addr)
	if err != nil {
		return err
	}
	fam := unix.AF_INET
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		fam = unix.AF_INET6
	}
	for i := 0; i < n; i++ {
		fd, err := unix.Socket(fam, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		err = unix.Connect(fd, sa)
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	return nil
}

// recvFD receives one descriptor passed over unix socket fd (SCM_RIGHTS)
// and answers its number here.
func recvFD(fd int) (string, error) {
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, 0)
	if err != nil {
		return "", err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return "", fmt.Errorf("no descriptor received (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return "", fmt.Errorf("no descriptor received (%v)", err)
	}
	return strconv.Itoa(fds[0]), nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// caught counts the signals "catch" took.
var caught int64

// drained counts the datagrams "drain" read.
var drained int64

// record catches every signal that can be caught (all but KILL and STOP;
// SIGURG, which the Go runtime sends itself for preemption, and SIGCHLD,
// SIGWINCH and SIGPIPE, which no one sends on purpose, are left out) and
// appends "NAME UNIXNANO" for each to path, as it is taken.
func record(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	ch := make(chan os.Signal, 64)
	signal.Notify(ch)
	go func() {
		for s := range ch {
			if s == syscall.SIGURG || s == syscall.SIGCHLD || s == syscall.SIGWINCH || s == syscall.SIGPIPE {
				continue
			}
			fmt.Fprintln(f, unix.SignalName(s.(syscall.Signal)), time.Now().UnixNano())
		}
	}()
	return nil
}

func socket(family, typ, proto string) (string, error) {
	fam := map[string]int{"inet": unix.AF_INET, "inet6": unix.AF_INET6, "unix": unix.AF_UNIX, "netlink": unix.AF_NETLINK}[family]
	ty := map[string]int{"stream": unix.SOCK_STREAM, "dgram": unix.SOCK_DGRAM, "seqpacket": unix.SOCK_SEQPACKET, "raw": unix.SOCK_RAW}[typ]
	if fam == 0 || ty == 0 {
		return "", fmt.Errorf("bad socket %s %s", family, typ)
	}
	p, _ := strconv.Atoi(proto)
	fd, err := unix.Socket(fam, ty, p)
	return strconv.Itoa(fd), err
}

func parseAddr(s string) (unix.Sockaddr, error) {
	switch {
	case strings.HasPrefix(s, "@"):
		return &unix.SockaddrUnix{Name: s}, nil
	case strings.HasPrefix(s, "/"):
		return &unix.SockaddrUnix{Name: s}, nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}, nil
	}
	sa := &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
	if z := ap.Addr().Zone(); z != "" {
		// [fe80::1%eth0]:80: the interface of this process's namespace
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return nil, err
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, nil
}

func formatAddr(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr).String() + " " + strconv.Itoa(a.Port)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).String() + " " + strconv.Itoa(a.Port)
	case *unix.SockaddrUnix:
		if a.Name == "" {
			return "-"
		}
		return a.Name
	}
	return "?"
}

func setsockopt(fd int, args []string) error {
	if len(args) < 2 {
		return errors.New("setsockopt FD OPTION VALUE")
	}
	v, _ := strconv.Atoi(args[1])
	switch args[0] {
	case "reuseaddr":
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, v)
	case "reuseport":
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, v)
	case "keepalive":
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, v)
	case "nodelay":
		return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, v)
	case "v6only":
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v)
	case "bindtodevice": // bindtodevice NAME-IN-HEX (a name may hold any byte but '/', ':' and spaces)
		name, err := hex.DecodeString(args[1])
		if err != nil {
			return err
		}
		return unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, string(name))
	case "linger":
		secs := 0
		if len(args) > 2 {
			secs, _ = strconv.Atoi(args[2])
		}
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: int32(v), Linger: int32(secs)})
	}
	return fmt.Errorf("unknown option %q", args[0])
}

func read(fd int) (string, error) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := unix.Poll(pfd, int(time.Until(deadline).Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n == 0 {
			return "", errors.New("timeout")
		}
		break
	}
	buf := make([]byte, 4096)
	n, err := unix.Read(fd, buf)
	switch {
	case err != nil:
		return "", errors.New(unix.ErrnoName(err.(unix.Errno)))
	case n == 0:
		return "eof", nil
	}
	return strconv.Itoa(n), nil
}

// LoopbackUp sets IFF_UP on lo, which a new network namespace starts
// without, in the namespace of the calling thread.
func LoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
