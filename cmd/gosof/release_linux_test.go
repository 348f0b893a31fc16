package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
)

// killedBy reaps h, which the test expects to have been signalled, and
// returns the signal that ended it (0 if it exited by itself).
func killedBy(t *testing.T, h *testhelper.Proc) syscall.Signal {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return ws.Signal()
			}
		}
		return 0
	case <-time.After(time.Minute): // a hang guard: gosof returns after the helper exited
		t.Fatalf("helper %d still runs", h.PID)
		return 0
	}
}

// running reports whether h answers: it was not signalled.
func running(h *testhelper.Proc) bool {
	_, err := h.Try("pid")
	return err == nil
}

func TestKillExitsOnTERM(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID))
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, h); sig != syscall.SIGTERM {
		t.Errorf("helper ended by %v, want SIGTERM", sig)
	}
	for _, want := range []string{"send TERM to 1 process", fmt.Sprintf("%d/", h.PID), "exited after TERM", fmt.Sprintf("port %d: free", port)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestKillEscalates(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("ignore TERM")
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID), "--timeout", "400ms")
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, h); sig != syscall.SIGKILL {
		t.Errorf("helper ended by %v, want SIGKILL", sig)
	}
	if !strings.Contains(out, "killed: ignored TERM for 400ms, then KILL") {
		t.Errorf("output does not say it escalated:\n%s", out)
	}

	// The same with --json: the signals in the order sent, and KILL only
	// once TERM had been ignored for the whole timeout (waited_ms counts
	// from TERM; a lower bound, which a loaded machine cannot break).
	h = testhelper.Start(t)
	h.Do("ignore TERM")
	_, port = listen(t, h, "inet", "127.0.0.1:0")
	out, errOut, code = gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID), "--timeout", "400ms", "--json")
	if code != exitMatch {
		t.Fatalf("--json: exit %d, want 0\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, h); sig != syscall.SIGKILL {
		t.Errorf("--json: helper ended by %v, want SIGKILL", sig)
	}
	var j struct {
		Processes []struct {
			PID      int      `json:"pid"`
			Outcome  string   `json:"outcome"`
			Signals  []string `json:"signals"`
			WaitedMS int64    `json:"waited_ms"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if len(j.Processes) != 1 || j.Processes[0].PID != h.PID || j.Processes[0].Outcome != "killed" ||
		strings.Join(j.Processes[0].Signals, ",") != "TERM,KILL" || j.Processes[0].WaitedMS < 400 {
		t.Errorf("--json: processes %+v, want pid %d killed by TERM then KILL after at least 400ms", j.Processes, h.PID)
	}
}

func TestKillNoEscalateSurvivor(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("ignore TERM")
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID), "--timeout", "200ms", "--no-escalate")
	if code != exitSurvivors {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
	}
	if !running(h) {
		t.Fatal("--no-escalate killed the helper")
	}
	for _, want := range []string{"still alive", "--no-escalate", fmt.Sprintf("port %d: 1 LISTEN held by %d/", port, h.PID)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestKillHUPSentAlone: a first signal other than TERM or INT (HUP:
// reload, to a server) is sent alone; no KILL follows it, however long
// the process keeps its port (logrotate's "gosof kill -s USR1 P" must not
// end the server). TERM still escalates (TestKillEscalates).
func TestKillHUPSentAlone(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("ignore HUP")
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	pid := strconv.Itoa(h.PID)
	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", pid, "-s", "HUP", "--timeout", "200ms")
	if code != exitSurvivors {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
	}
	if !running(h) {
		t.Fatal("kill -s HUP ended the helper: a KILL followed HUP")
	}
	for _, want := range []string{"send HUP to 1 process and wait up to 200ms; no KILL (only TERM and INT are followed by KILL)",
		"still alive", fmt.Sprintf("port %d: 1 LISTEN held by %d/", port, h.PID)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = gosof(t, "kill", "-n", "--json", strconv.Itoa(port), "--pid", pid, "-s", "USR1")
	var j struct {
		Signal   string `json:"signal"`
		Escalate *bool  `json:"escalate"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitMatch || j.Signal != "USR1" || j.Escalate == nil || *j.Escalate {
		t.Errorf("kill -n --json -s USR1: exit %d (%v), want 0, signal USR1 and escalate false\n%s%s", code, err, out, errOut)
	}
}

// TestKillSparesClients: a client whose REMOTE port is the target is not
// the port's holder; the default kill leaves it, --side any takes it.
func TestKillSparesClients(t *testing.T) {
	srv := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cli := testhelper.Start(t)
	connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	srv.Int("accept %d", lfd)

	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", fmt.Sprintf("%d,%d", srv.PID, cli.PID), "--json")
	if code != exitMatch {
		t.Fatalf("kill: exit %d\n%s%s", code, out, errOut)
	}
	var j struct {
		Processes []struct {
			PID     int    `json:"pid"`
			Outcome string `json:"outcome"`
		} `json:"processes"`
		LeftReport []string `json:"left_report"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("kill --json: %v\n%s", err, out)
	}
	if len(j.Processes) != 1 || j.Processes[0].PID != srv.PID || j.Processes[0].Outcome != "exited" {
		t.Errorf("kill --json processes = %+v, want only the server %d, exited", j.Processes, srv.PID)
	}
	killedBy(t, srv)
	if !running(cli) {
		t.Fatal("the client was killed by the default kill")
	}

	out, errOut, code = gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(cli.PID), "--side", "any")
	if code != exitMatch {
		t.Fatalf("kill --side any: exit %d\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, cli); sig != syscall.SIGTERM {
		t.Errorf("client ended by %v, want SIGTERM", sig)
	}
	if !strings.Contains(out, fmt.Sprintf("%d/", cli.PID)) {
		t.Errorf("--side any plan does not show the client:\n%s", out)
	}
}

func TestKillDryRun(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	for _, args := range [][]string{{"--dry-run"}, {"-n", "-s", "KILL"}, {"-n", "--json"}} {
		out, errOut, code := gosof(t, append([]string{"kill", strconv.Itoa(port)}, args...)...)
		if code != exitMatch {
			t.Errorf("kill %v: exit %d, want 0\n%s%s", args, code, out, errOut)
		}
		if !strings.Contains(out, strconv.Itoa(h.PID)) {
			t.Errorf("kill %v: plan does not show the holder:\n%s", args, out)
		}
	}
	if !running(h) {
		t.Fatal("--dry-run signalled the holder")
	}
	// a port no connection holds, as one may hold a port just let go;
	// the real kill narrowed to the test's own process all the same
	free := strconv.Itoa(testhelper.UnheldPort)
	if _, _, code := gosof(t, "kill", free, "-n"); code != exitNoMatch {
		t.Errorf("kill -n on a free port: exit %d, want 1", code)
	}
	if _, _, code := gosof(t, "kill", free, "--pid", strconv.Itoa(h.PID)); code != exitNoMatch {
		t.Errorf("kill on a free port: exit %d, want 1", code)
	}
}

func TestKillUsage(t *testing.T) {
	for _, args := range [][]string{
		{"kill"},
		{"kill", "80", "-s", "BOGUS"},
		{"kill", "80", "--timeout", "soon"},
		{"kill", "0"},
		{"close", "80", "--abort", "--graceful"},
		{"close"},
	} {
		// refused by the command itself, after the line is read: run
		// where nothing can match, had the refusal regressed (the guard)
		_, errOut, code := gosofContained(t, args...)
		if code != exitError || !strings.HasPrefix(errOut, "gosof: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
}

// TestKillNeverSignalsSelf: gosof itself holds the port (run is in-process).
func TestKillNeverSignalsSelf(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	out, errOut, code := gosof(t, "kill", strconv.Itoa(port), "--pid", strconv.Itoa(os.Getpid()), "-s", "KILL")
	if code != exitSurvivors {
		t.Errorf("exit %d, want 3 (a matched process is still there)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"never (gosof itself)", "not signalled: gosof itself"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// envKillParent makes the re-executed test binary run 'gosof kill PORT'
// while its parent, this test, holds PORT.
const envKillParent = "GOSOF_TEST_KILL_PARENT_PORT"

func TestKillNeverSignalsParent(t *testing.T) {
	if port := os.Getenv(envKillParent); port != "" {
		var out, errb bytes.Buffer
		code := runT(t, []string{"gosof", "kill", port, "--pid", strconv.Itoa(os.Getppid()), "-s", "KILL"}, strings.NewReader(""), &out, &errb)
		fmt.Printf("CODE %d\n%s%s", code, out.String(), errb.String())
		return
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNeverSignalsParent$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", envKillParent, port))
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"CODE 3", "never (gosof's parent)", fmt.Sprintf("%d/", os.Getpid())} {
		if !strings.Contains(out, want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

// closeWait leaves srv holding an accepted socket in CLOSE_WAIT on a new
// port: its client connected and closed. It returns srv's fd and the port.
func closeWait(t *testing.T, srv *testhelper.Proc) (fd, port int) {
	t.Helper()
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cli := testhelper.Start(t)
	cfd, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	fd = srv.Int("accept %d", lfd)
	cli.Do("close %d", cfd)
	for range 50 {
		if _, _, code := gosof(t, "who", strconv.Itoa(port), "--state", "close-wait"); code == exitMatch {
			return fd, port
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no CLOSE_WAIT socket appeared")
	return
}

func TestCloseCloseWait(t *testing.T) {
	srv := testhelper.Start(t)
	fd, port := closeWait(t, srv)
	out, errOut, code := gosof(t, "close", strconv.Itoa(port), "--pid", strconv.Itoa(srv.PID), "--state", "close-wait")
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !running(srv) {
		t.Fatal("close killed the holder")
	}
	if _, _, code := gosof(t, "who", strconv.Itoa(port), "--state", "close-wait"); code != exitNoMatch {
		t.Errorf("who --state close-wait after close: exit %d, want 1 (gone)", code)
	}
	if got := srv.Do("read %d", fd); len(got) != 1 || got[0] != "eof" {
		t.Errorf("holder's next read = %v, want eof", got)
	}
	for _, want := range []string{"shutdown", "closed (shutdown through fd " + strconv.Itoa(fd), fmt.Sprintf("port %d: 1 LISTEN held by %d/", port, srv.PID)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCloseAbortEstablished(t *testing.T) {
	srv := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cli := testhelper.Start(t)
	cfd, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	sfd := srv.Int("accept %d", lfd)
	out, errOut, code := gosof(t, "close", strconv.Itoa(port), "--pid", strconv.Itoa(srv.PID), "--state", "established", "--abort")
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	// The holder sees the abort, the peer the RST: an error on both sides, not EOF.
	if _, err := srv.Try("read %d", sfd); err == nil || err.Error() == "timeout" {
		t.Errorf("server's read after abort: %v, want a connection error", err)
	} else {
		t.Logf("server read: %v", err)
	}
	if _, err := cli.Try("read %d", cfd); err == nil || err.Error() == "timeout" {
		t.Errorf("client's read after abort: %v, want a connection error", err)
	} else {
		t.Logf("client read: %v", err)
	}
	if !running(srv) || !running(cli) {
		t.Error("close --abort killed a process")
	}
}

func TestCloseListeners(t *testing.T) {
	srv := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	out, errOut, code := gosof(t, "close", strconv.Itoa(port), "--pid", strconv.Itoa(srv.PID))
	if code != exitError || !strings.Contains(errOut, "--listen") {
		t.Fatalf("close on a listener: exit %d, stderr %q; want 2 and a hint at --listen\n%s", code, errOut, out)
	}
	if _, _, code := gosof(t, "who", strconv.Itoa(port), "--listen"); code != exitMatch {
		t.Fatal("the refused listener is gone")
	}
	out, errOut, code = gosof(t, "close", strconv.Itoa(port), "--pid", strconv.Itoa(srv.PID), "--listen")
	if code != exitMatch {
		t.Fatalf("close --listen: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("port %d: free", port)) {
		t.Errorf("close --listen does not report the port free:\n%s", out)
	}
	if _, err := srv.Try("accept %d", lfd); err == nil {
		t.Error("accept on the closed listener succeeded")
	}
}

// TestCloseListenersSaidOnce: close on a port that only listeners use,
// without --listen, refuses (exit 2) and gives its reason once, in the
// one line on stderr; the plan on stdout lists the listener and its
// holder. The reason was said twice, in the plan and on stderr. -n and
// --json refuse alike.
func TestCloseListenersSaidOnce(t *testing.T) {
	srv := testhelper.Start(t)
	_, port := listen(t, srv, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	pid := strconv.Itoa(srv.PID)
	holder := fmt.Sprintf("127.0.0.1:%d LISTEN held by %d/", port, srv.PID)
	for _, args := range [][]string{{"close", p, "--pid", pid}, {"close", "-n", p, "--pid", pid}, {"close", "--json", p, "--pid", pid}} {
		out, errOut, code := gosof(t, args...)
		errOut = dropUnseenNote(errOut)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitError, out, errOut)
		}
		for _, reason := range []string{"closing a listener silently breaks its server", "add --listen to close it"} {
			if n := strings.Count(out+errOut, reason); n != 1 || !strings.Contains(errOut, reason) {
				t.Errorf("%v: %q said %d times, want once, on stderr\nstdout:\n%sstderr:\n%s", args, reason, n, out, errOut)
			}
		}
		if !strings.HasPrefix(errOut, "gosof: refusing to close 1 LISTEN socket: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: stderr %q, want the refusal in one line", args, errOut)
		}
		if args[1] == "--json" {
			var plan struct {
				Refused []jsock `json:"refused_listeners"`
			}
			if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Refused) != 1 || plan.Refused[0].Local.Port != port {
				t.Errorf("%v: refused_listeners %+v (%v)\n%s", args, plan.Refused, err, out)
			}
		} else if !strings.Contains(out, holder) {
			t.Errorf("%v: the plan does not list the listener (%q)\n%s", args, holder, out)
		}
	}
	if _, _, code := gosof(t, "who", p, "--listen"); code != exitMatch {
		t.Error("the refused listener is gone")
	}
}

// TestCloseSurvivor: a graceful close of an ESTABLISHED socket sends our
// FIN, but the socket waits in FIN_WAIT2 for the peer, which does not
// close: it is still there, and close says so with exit 3.
func TestCloseSurvivor(t *testing.T) {
	srv := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cli := testhelper.Start(t)
	connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	srv.Int("accept %d", lfd)
	out, errOut, code := gosof(t, "close", strconv.Itoa(port), "--pid", strconv.Itoa(srv.PID), "--state", "established", "--timeout", "300ms")
	if code != exitSurvivors {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "still there in FIN_WAIT") { // FIN_WAIT1 until our FIN is acknowledged, then FIN_WAIT2
		t.Errorf("output does not say the socket lingers:\n%s", out)
	}
}

func TestCloseNothing(t *testing.T) {
	free := strconv.Itoa(testhelper.UnheldPort)
	for _, args := range [][]string{{"-n"}, {"--pid", strconv.Itoa(os.Getpid())}} { // a real close narrowed to this process
		if _, _, code := gosof(t, append([]string{"close", free}, args...)...); code != exitNoMatch {
			t.Errorf("close %v on a free port: exit %d, want 1", args, code)
		}
	}
}

// TestCloseUDPPort: a PORT that names its protocol is what close acts
// on, as --proto is: `close udp:P` lists the UDP socket as one close
// cannot release (exit 3), where it said "no match ... after --proto tcp";
// unqualified, close still acts on TCP alone.
func TestCloseUDPPort(t *testing.T) {
	h := testhelper.Start(t)
	u := h.Int("socket inet dgram")
	h.Do("bind %d 127.0.0.1:0", u)
	port := h.Do("name %d", u)[1]
	out, errOut, code := gosof(t, "close", "-n", "udp:"+port)
	if code != exitSurvivors || !strings.Contains(out, "udp sockets cannot be closed apart from their process") {
		t.Errorf("close -n udp:%s: exit %d, stderr %q; want 3 and the UDP socket left alone, with the reason\n%s", port, code, errOut, out)
	}
	if _, errOut, code := gosof(t, "close", "-n", port); code != exitNoMatch || !strings.Contains(errOut, "close acts on TCP") {
		t.Errorf("close -n %s: exit %d, stderr %q; want 1: close acts on TCP unless told", port, code, errOut)
	}
}

// TestConfirm: with a terminal on stdin and no -y, kill asks, and "n"
// leaves the holder alone.
func TestConfirm(t *testing.T) {
	master, tty := openPTY(t)
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	if _, err := master.Write([]byte("n\n")); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runT(t, []string{"gosof", "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID)}, tty, &out, &errb)
	if code != exitSurvivors || !strings.Contains(errb.String(), "Send TERM to 1 process? [y/N]") {
		t.Errorf("answering n: exit %d, stderr %q; want 3 after the question", code, errb.String())
	}
	if !running(h) {
		t.Fatal("the holder was signalled although the answer was n")
	}
	master.Write([]byte("y\n"))
	code = runT(t, []string{"gosof", "kill", strconv.Itoa(port), "--pid", strconv.Itoa(h.PID)}, tty, &out, &errb)
	if code != exitMatch {
		t.Errorf("answering y: exit %d, want 0\n%s", code, errb.String())
	}
	killedBy(t, h)
}

// openPTY opens a pseudo-terminal pair: what is written to master is read from tty.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestKillOtherUser: a holder running as another user (nobody) is killed
// by root, and the plan names its user.
func TestKillOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a holder as another user")
	}
	h := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	port := strconv.Itoa(p)

	out, errOut, code := gosof(t, "kill", port, "--pid", strconv.Itoa(h.PID))
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "nobody") && !strings.Contains(out, "65534") {
		t.Errorf("plan does not name the holder's user:\n%s", out)
	}
	if sig := killedBy(t, h); sig != syscall.SIGTERM {
		t.Errorf("nobody's helper ended by %v, want SIGTERM", sig)
	}
}

// TestKillReportsWhetherTimeWaitBlocks: the TIME_WAIT sockets a killed
// server leaves keep its SO_REUSEADDR setting; kill says whether a new
// server can bind over them, and the kernel must agree.
func TestKillReportsWhetherTimeWaitBlocks(t *testing.T) {
	for _, tc := range []struct {
		reuse int
		want  string
	}{
		{1, "a server using SO_REUSEADDR can bind now"},
		{0, "did not set SO_REUSEADDR, so no new server can bind their address"},
	} {
		t.Run(fmt.Sprintf("reuseaddr=%d", tc.reuse), func(t *testing.T) {
			srv := testhelper.Start(t)
			cli := testhelper.Start(t)
			lfd := srv.Int("socket inet stream")
			srv.Do("setsockopt %d reuseaddr %d", lfd, tc.reuse)
			srv.Do("bind %d 127.0.0.1:0", lfd)
			srv.Do("listen %d", lfd)
			port := srv.Do("name %d", lfd)[1]
			c := cli.Int("socket inet stream")
			cli.Do("connect %d 127.0.0.1:%s", c, port)
			a := srv.Int("accept %d", lfd)
			srv.Do("close %d", a) // the server closes first: its side ends in TIME_WAIT
			cli.Do("close %d", c)
			for range 50 {
				if _, _, code := gosof(t, "who", port, "--state", "time-wait"); code == exitMatch {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			out, errOut, code := gosof(t, "kill", port, "--pid", strconv.Itoa(srv.PID), "--timeout", "2s")
			if code != exitMatch || !strings.Contains(out, "in TIME_WAIT, no process holds") || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want 0 and %q:\n%s%s", code, tc.want, out, errOut)
			}
			// What the kernel says about a new SO_REUSEADDR server on that port.
			fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			p, _ := strconv.Atoi(port)
			err = syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: p})
			if (err == nil) != (tc.reuse == 1) {
				t.Errorf("kill said %q, but a new SO_REUSEADDR bind gave %v", tc.want, err)
			}
		})
	}
}

// TestKillPidLeavesOtherHoldersNamed: after kill --pid A, the port is
// looked at again across every process, so B, which shares the listener,
// is named as its holder, not reported as an ownerless socket.
func TestKillPidLeavesOtherHoldersNamed(t *testing.T) {
	a := testhelper.Start(t)
	lfd, p := listen(t, a, "inet", "127.0.0.1:0")
	b := a.Spawn(lfd)
	out, errOut, code := gosof(t, "kill", strconv.Itoa(p), "--pid", strconv.Itoa(a.PID), "--timeout", "2s")
	if code != exitMatch {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if want := fmt.Sprintf("port %d: 1 LISTEN held by %d/", p, b.PID); !strings.Contains(out, want) {
		t.Errorf("what is left does not name the other holder (want %q):\n%s", want, out)
	}
	if !running(b) {
		t.Error("kill --pid signalled the other holder")
	}
}

// TestBoundOnlySocket: a TCP socket bound and never listening nor
// connected (CLOSE) holds its port until its holder closes it. why shows
// it apart from the connections, close leaves it alone with the reason
// (shutdown fails with ENOTCONN on it, and it has no connection to
// abort) instead of planning a shutdown that cannot release it, and the
// remedy both name, kill, releases the port.
func TestBoundOnlySocket(t *testing.T) {
	h := testhelper.Start(t)
	fd := h.Int("socket inet stream")
	h.Do("bind %d 127.0.0.1:0", fd)
	port := h.Do("name %d", fd)[1]
	pid := strconv.Itoa(h.PID)
	if _, _, code := gosof(t, "who", port, "--pid", pid); code != exitMatch {
		t.Skip("this kernel does not list bound TCP sockets (TCP_BOUND_INACTIVE, Linux 6.5)")
	}

	out, errOut, code := gosof(t, "why", port)
	if code != exitMatch {
		t.Fatalf("why: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"no connections, 1 socket bound but not connected (CLOSE).",
		"\nBound to local port " + port + ", neither listening nor connected\n",
		"restart " + pid + "/",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("why lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Connections on local port") {
		t.Errorf("why lists the bound socket as a connection:\n%s", out)
	}
	out, _, _ = gosof(t, "why", port, "--json")
	var w struct {
		Connections []struct {
			State string `json:"state"`
			Bound bool   `json:"bound"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil || len(w.Connections) != 1 || !w.Connections[0].Bound {
		t.Errorf("why --json: connections %+v (%v), want one group with \"bound\": true", w.Connections, err)
	}

	for _, args := range [][]string{{"close", port, "--pid", pid}, {"close", port, "--pid", pid, "--abort"}} {
		out, errOut, code := gosof(t, args...)
		if code != exitSurvivors || !strings.Contains(out, "none: it is bound but neither listening nor connected (CLOSE)") ||
			strings.Contains(out, "shutdown  ") || strings.Contains(out, "abort\n") {
			t.Errorf("%v: exit %d, want 3 and the socket left alone with its reason\n%s%s", args, code, out, errOut)
		}
	}
	if !running(h) {
		t.Fatal("close killed the holder")
	}
	if _, _, code := gosof(t, "who", port, "--pid", pid); code != exitMatch {
		t.Fatal("the bound socket is gone after close left it alone")
	}

	out, errOut, code = gosof(t, "kill", port, "--pid", pid, "-y")
	if code != exitMatch || !strings.Contains(out, "port "+port+": free") {
		t.Errorf("kill --pid: exit %d, want 0 and the port free\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, h); sig != syscall.SIGTERM {
		t.Errorf("holder ended by %v, want TERM", sig)
	}
}

// TestClosePidNamesEveryHolder: shutting a socket down acts on the
// socket, so on every process holding it. close -l PORT --pid A on a
// listener A shares with B planned "A/... shutdown" and never named B,
// whose listener broke too. The plan must name B and say it is affected.
func TestClosePidNamesEveryHolder(t *testing.T) {
	a := testhelper.Start(t)
	lfd, p := listen(t, a, "inet", "127.0.0.1:0")
	b := a.Spawn(lfd)
	port, apid, bpid := strconv.Itoa(p), strconv.Itoa(a.PID), strconv.Itoa(b.PID)
	out, errOut, code := gosof(t, "close", "-l", port, "--pid", apid, "-n")
	flat := strings.Join(strings.Fields(out), " ")
	if code != exitMatch || !strings.Contains(flat, "also held by "+bpid+"/") || !strings.Contains(flat, "breaks it for") {
		t.Errorf("close -l %s --pid %s -n: exit %d, want 0 and %s named as affected too\n%s%s", port, apid, code, bpid, out, errOut)
	}
	out, _, _ = gosof(t, "close", "-l", port, "--pid", apid, "-n", "--json")
	var plan struct {
		Sockets []struct {
			Method   string `json:"method"`
			Affected []struct {
				PID int `json:"pid"`
			} `json:"also_held_by"`
		} `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Sockets) != 1 || len(plan.Sockets[0].Affected) != 1 ||
		plan.Sockets[0].Affected[0].PID != b.PID {
		t.Errorf("close --json: also_held_by does not name %d (%v)\n%s", b.PID, err, out)
	}
	// kill signals processes, not the socket: it keeps narrowing to A
	out, _, _ = gosof(t, "kill", port, "--pid", apid, "-n")
	if strings.Contains(out, bpid+"/") {
		t.Errorf("kill --pid %s -n plans to signal %s too:\n%s", apid, bpid, out)
	}
}

// TestKillSignalSpellings: kill(1)'s -NAME is --signal NAME for every
// name --signal takes, and the hint that suggests it (no command) offers
// no other: one list, core.IsSignalName. -ABRT had been an unknown flag
// where --signal ABRT was taken, and -WINCH a hint for a kill that
// --signal then refused.
func TestKillSignalSpellings(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	for _, name := range []string{"TERM", "SIGHUP", "ABRT", "ALRM", "PIPE", "USR2", "WINCH", "NOPE"} {
		long, _, longCode := gosof(t, "kill", "-n", "--signal", name, p)
		short, shortErr, shortCode := gosof(t, "kill", "-n", "-"+name, p)
		if shortCode != longCode || short != long {
			t.Errorf("kill -n -%s: exit %d, stdout %q, stderr %q; want what --signal %s gives: exit %d, %q",
				name, shortCode, short, shortErr, name, longCode, long)
		}
		_, hintErr, _ := gosof(t, "-"+name, p)
		if hinted := strings.Contains(hintErr, "gosof kill -"+name+" "+p); hinted != (longCode == exitMatch) {
			t.Errorf("gosof -%s %s: %q; a hint for kill -%s only where --signal %s is taken (exit %d)", name, p, hintErr, name, name, longCode)
		}
	}
	if out, _, _ := gosof(t, "kill", "-n", "-ABRT", p); !strings.Contains(out, "send ABRT to 1 process") {
		t.Errorf("kill -n -ABRT %s: %q, want the plan to send ABRT", p, out)
	}
}

// TestKillEchoesTimeout: the plan says --timeout as it was given, as
// watch says --interval (core.FlagDuration): it rounded it as a measured
// wait, so --timeout 12.7 was "after 13s" and 1h "after 1h0m0s".
func TestKillEchoesTimeout(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	for _, tc := range []struct{ timeout, want string }{
		{"12.7", "then KILL to any still running after 12s700ms"},
		{"1h", "then KILL to any still running after 1h\n"},
		{"90", "then KILL to any still running after 1m30s"},
	} {
		out, errOut, code := gosof(t, "kill", "-n", "--timeout", tc.timeout, p)
		if code != exitMatch || !strings.Contains(out, tc.want) {
			t.Errorf("kill -n --timeout %s: exit %d, want %q\n%s%s", tc.timeout, code, tc.want, out, errOut)
		}
		_, every, _ := strings.Cut(tc.want, "after ")
		if w, _, _ := gosof(t, "watch", "--count", "1", "-i", tc.timeout, p); !strings.Contains(w, "every "+strings.TrimSpace(every)+",") {
			t.Errorf("watch -i %s says it otherwise:\n%s", tc.timeout, w)
		}
	}
	out, _, _ := gosof(t, "kill", "-n", "--no-escalate", "--timeout", "12.7", p)
	if !strings.Contains(out, "wait up to 12s700ms; no KILL") {
		t.Errorf("kill -n --no-escalate --timeout 12.7: %q", out)
	}
}
