package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
)

// Kill and close prove, at the moment they act, that each process holds
// the socket (docs/kill-close.md, "Proof at the point of action"). These
// tests make a holder go away, or let go, at the moments that matter,
// and check that nothing else is ever signalled.

// TestPIDReusedAfterScan: the holder is seen by the scan, then exits,
// and its pid is given to a new process before gosof describes it. The
// new process holds nothing: it must never be signalled. gosof runs in a
// pid namespace the test made, where ns_last_pid forces the reuse, and
// strace holds gosof at its first look at /proc/PID/stat.
func TestPIDReusedAfterScan(t *testing.T) {
	ns := newPIDNS(t)
	for attempt := 0; ; attempt++ {
		if reusedAfterScan(t, ns) {
			return
		}
		if attempt == 3 {
			t.Skip("another process of the namespace took the holder's pid each time")
		}
	}
}

func reusedAfterScan(t *testing.T, ns *pidNS) bool {
	h, hpid := ns.start()
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	wrap := append(ns.enter(), strace(t, "openat", fmt.Sprintf("/proc/%d/stat", hpid), 3*time.Second)...)
	g, out, errOut := gosofCmd(t, wrap, "kill", "--json", "-y", "--timeout", "1", "--pid", strconv.Itoa(hpid), strconv.Itoa(port))
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, g.Process.Pid, unix.SYS_OPENAT)
	h.Kill()
	file := filepath.Join(t.TempDir(), "signals")
	v, ok := ns.startAs(hpid)
	if !ok {
		g.Wait()
		return false
	}
	v.Do("record %s", file)
	g.Wait()
	code := g.ProcessState.ExitCode()
	t.Logf("kill (exit %d):\n%s%s", code, out, errOut)
	if sigs := signalsOf(t, file); len(sigs) > 0 || !running(v) {
		t.Fatalf("process %d, which took the holder's pid after the scan, got %v (running: %v)", hpid, sigs, running(v))
	}
	j := decodeKill(t, out.String())
	if j.Changed {
		t.Errorf("kill says it changed something: %+v", j)
	}
	for _, p := range j.Processes {
		if len(p.Signals) > 0 {
			t.Errorf("kill reports signals sent to %d: %+v", p.PID, p)
		}
	}
	return true
}

// TestLetGoBeforeSignal: the holder closes its socket after the scan and
// before gosof pins it, and keeps running. It no longer holds the port:
// kill must not signal it, and says so.
func TestLetGoBeforeSignal(t *testing.T) {
	for _, mode := range [][]string{nil, {"--proc-fd"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			h := testhelper.Start(t, testhelper.NewNetNS()) // its own network namespace: no stranger matches
			fd, port := listen(t, h, "inet", "127.0.0.1:0")
			file := filepath.Join(t.TempDir(), "signals")
			h.Do("record %s", file)
			args := append([]string{"kill", "--json", "-y", "--netns", ownNetNS(t, strconv.Itoa(h.PID)), strconv.Itoa(port)}, mode...)
			g, out, errOut := gosofCmd(t, strace(t, "pidfd_open", "", 3*time.Second), args...)
			if err := g.Start(); err != nil {
				t.Fatal(err)
			}
			waitStopped(t, g.Process.Pid, unix.SYS_PIDFD_OPEN)
			h.Do("close %d", fd)
			g.Wait()
			code := g.ProcessState.ExitCode()
			t.Logf("kill %v (exit %d):\n%s%s", mode, code, out, errOut)
			if sigs := signalsOf(t, file); len(sigs) > 0 || !running(h) {
				t.Fatalf("the holder let go of the socket before it was signalled, and got %v (running: %v)", sigs, running(h))
			}
			j := decodeKill(t, out.String())
			if len(j.Processes) != 1 || j.Processes[0].Outcome != "no longer holds it" || j.Changed {
				t.Errorf("kill --json: want one process, outcome \"no longer holds it\", changed false:\n%s", out)
			}
			if code != exitMatch {
				t.Errorf("exit %d, want 0: the process let go and the port is free", code)
			}
		})
	}
}

// TestLetGoAfterTERM: a server that takes TERM, closes its listener and
// goes on draining is not sent KILL at the end of --timeout: it no longer
// holds the port.
func TestLetGoAfterTERM(t *testing.T) {
	for _, mode := range [][]string{nil, {"--proc-fd"}} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			h := testhelper.Start(t, testhelper.NewNetNS()) // its own network namespace: no stranger matches
			fd, port := listen(t, h, "inet", "127.0.0.1:0")
			file := filepath.Join(t.TempDir(), "signals")
			h.Do("record %s", file)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if len(signalsOf(t, file)) > 0 {
						h.Do("close %d", fd)
						return
					}
				}
			}()
			out, errOut, code := gosof(t, append([]string{"kill", "--timeout", "3", "--netns", ownNetNS(t, strconv.Itoa(h.PID)), strconv.Itoa(port)}, mode...)...)
			<-done
			t.Logf("kill %v (exit %d):\n%s%s", mode, code, out, errOut)
			if !running(h) {
				t.Fatal("the holder, which let go of its socket after TERM, was killed")
			}
			if sigs := signalsOf(t, file); strings.Join(sigs, " ") != "SIGTERM" {
				t.Errorf("the holder got %v, want only SIGTERM", sigs)
			}
			want := fmt.Sprintf("%d/", h.PID)
			if !strings.Contains(out, want) || !strings.Contains(out, "no longer holds") || !strings.Contains(out, fmt.Sprintf("port %d: free", port)) {
				t.Errorf("the report does not say the holder let go and the port is free:\n%s", out)
			}
			if code != exitMatch {
				t.Errorf("exit %d, want 0", code)
			}
		})
	}
}

// TestCloseProvesTheSocket: between the plan and the close, the holder
// moves the CLOSE_WAIT socket to another descriptor and puts another
// socket at the old number. close shuts the planned socket down where it
// now is, and never the other one.
func TestCloseProvesTheSocket(t *testing.T) {
	srv := testhelper.Start(t, testhelper.NewNetNS()) // its own network namespace: no stranger matches
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	cfd, _ := connect(t, srv, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	fd := srv.Int("accept %d", lfd)
	srv.Do("close %d", cfd) // fd is in CLOSE_WAIT now
	g, out, errOut := gosofCmd(t, strace(t, "pidfd_open", "", 3*time.Second), "close", "-y", "--netns", ownNetNS(t, strconv.Itoa(srv.PID)),
		"--state", "close-wait", strconv.Itoa(port))
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, g.Process.Pid, unix.SYS_PIDFD_OPEN)
	moved := srv.Int("dup %d", fd)
	srv.Do("close %d", fd)
	// the lowest free number is fd again: another socket takes it
	if n := srv.Int("socket inet stream"); n != fd {
		t.Fatalf("the new socket is fd %d, want %d", n, fd)
	}
	g.Wait()
	code := g.ProcessState.ExitCode()
	t.Logf("close (exit %d):\n%s%s", code, out, errOut)
	if want := fmt.Sprintf("closed (shutdown through fd %d ", moved); code != exitMatch || !strings.Contains(out.String(), want) {
		t.Errorf("close: exit %d, want 0 and %q", code, want)
	}
	if got := srv.Do("read %d", moved); len(got) != 1 || got[0] != "eof" {
		t.Errorf("the moved socket's read = %v, want eof: it was not shut down", got)
	}
	if _, err := srv.Try("shutdown %d rdwr", fd); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("the socket now at fd %d: shutdown says %v; want ENOTCONN, an unconnected socket nothing touched", fd, err)
	}
}

// killHeld starts gosof kill (--json, -y) with args under strace, held at
// its first pidfd_open (where it pins the holders: after the scan, before
// any proof), and returns once it is there.
func killHeld(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	g, out, errOut := gosofCmd(t, strace(t, "pidfd_open", "", 3*time.Second), append([]string{"kill", "--json", "-y", "--timeout", "1"}, args...)...)
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, g.Process.Pid, unix.SYS_PIDFD_OPEN)
	return g, out, errOut
}

// TestProofRoutes: between kill's scan and its pin, the holder of a
// listener changes in ways that keep or end its hold. kill signals it
// only if it holds the socket then; never a process the socket went to;
// and it exits 3 while a socket the holder let go of, or went away with,
// is held by another (it passed it on).
func TestProofRoutes(t *testing.T) {
	for _, tc := range []struct {
		name string
		// cloexec: the holder keeps the listener only in a descriptor
		// with FD_CLOEXEC
		cloexec bool
		// act changes h, which holds the listener at fd, while gosof is
		// held; it returns the process the socket went to, if any
		act       func(t *testing.T, h *testhelper.Proc, fd int, record string) *testhelper.Proc
		signalled bool   // h still holds it: TERM ends it (no handler)
		outcome   string // kill --json's outcome for h
		code      int
	}{
		{name: "exec, descriptor kept", act: func(t *testing.T, h *testhelper.Proc, fd int, _ string) *testhelper.Proc {
			h.Do("exec")
			h.Do("pid")
			return nil
		}, signalled: true, outcome: "exited", code: exitMatch},
		{name: "exec, descriptor close-on-exec", cloexec: true, act: func(t *testing.T, h *testhelper.Proc, fd int, record string) *testhelper.Proc {
			h.Do("exec")
			h.Do("record %s", record) // exec reset the handlers
			return nil
		}, outcome: "no longer holds it", code: exitMatch},
		{name: "setuid", act: func(t *testing.T, h *testhelper.Proc, fd int, _ string) *testhelper.Proc {
			h.Do("setuid 65534")
			return nil
		}, signalled: true, outcome: "exited", code: exitMatch},
		{name: "zombie", act: func(t *testing.T, h *testhelper.Proc, fd int, _ string) *testhelper.Proc {
			h.Try("exit") // not reaped: the test is its parent
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
				if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.PID)); err == nil && strings.Contains(string(b), ") Z ") {
					return nil
				} else if time.Now().After(deadline) {
					t.Fatalf("process %d is not a zombie: %q", h.PID, b)
				}
			}
		}, outcome: "already gone", code: exitMatch},
		{name: "forked and exited", act: func(t *testing.T, h *testhelper.Proc, fd int, record string) *testhelper.Proc {
			heir := h.Spawn(fd)
			heir.Do("record %s", record+".heir")
			h.Exit()
			return heir
		}, outcome: "already gone", code: exitSurvivors},
		{name: "passed on (SCM_RIGHTS)", act: func(t *testing.T, h *testhelper.Proc, fd int, record string) *testhelper.Proc {
			heir := testhelper.Start(t)
			heir.Do("record %s", record+".heir")
			path := filepath.Join(t.TempDir(), "pass.sock")
			ul := heir.Int("socket unix stream")
			heir.Do("bind %d %s", ul, path)
			heir.Do("listen %d", ul)
			uc := h.Int("socket unix stream")
			h.Do("connect %d %s", uc, path)
			ua := heir.Int("accept %d", ul)
			h.Do("sendfd %d %d", uc, fd)
			heir.Do("recvfd %d", ua)
			h.Do("close %d", fd)
			return heir
		}, outcome: "no longer holds it", code: exitSurvivors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := testhelper.Start(t, testhelper.NewNetNS()) // its own network namespace: no stranger matches
			fd, _ := listen(t, h, "inet", "127.0.0.1:47210")
			if tc.cloexec {
				n := h.Int("dup %d", fd) // F_DUPFD_CLOEXEC
				h.Do("close %d", fd)
				fd = n
			}
			record := filepath.Join(t.TempDir(), "signals")
			if !tc.signalled {
				h.Do("record %s", record)
			}
			g, out, errOut := killHeld(t, "--netns", ownNetNS(t, strconv.Itoa(h.PID)), "47210")
			heir := tc.act(t, h, fd, record)
			g.Wait()
			code := g.ProcessState.ExitCode()
			t.Logf("kill (exit %d):\n%s%s", code, out, errOut)
			j := decodeKill(t, out.String())
			if len(j.Processes) != 1 || j.Processes[0].Outcome != tc.outcome {
				t.Errorf("kill --json: want one process, outcome %q", tc.outcome)
			}
			if tc.signalled {
				if sig := killedBy(t, h); sig != syscall.SIGTERM {
					t.Errorf("the holder, which still held the socket, ended by %v, want TERM", sig)
				}
			} else if sigs := signalsOf(t, record); len(sigs) > 0 || j.Changed {
				t.Errorf("the holder, which no longer held the socket, got %v (changed: %v)", sigs, j.Changed)
			}
			if heir != nil {
				if sigs := signalsOf(t, record+".heir"); len(sigs) > 0 || !running(heir) {
					t.Errorf("process %d, which the socket went to after the scan, got %v (running: %v)", heir.PID, sigs, running(heir))
				}
				if want := fmt.Sprintf("held by %d/", heir.PID); !strings.Contains(strings.Join(j.LeftReport, "\n"), want) {
					t.Errorf("what is left does not name %d, which holds the socket now: %q", heir.PID, j.LeftReport)
				}
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
		})
	}
}

// TestKillReplacedListener: kill --pid B PORT, where A holds another
// listener on PORT (SO_REUSEPORT). Between the scan and the pin, B
// closes its listener and opens a new one on PORT. B no longer holds the
// socket it was planned for: neither is signalled, and kill exits 3, as
// B holds the port still.
func TestKillReplacedListener(t *testing.T) {
	var hs [2]*testhelper.Proc
	files := t.TempDir()
	for i := range hs {
		hs[i] = testhelper.Start(t)
		hs[i].Do("record %s", filepath.Join(files, strconv.Itoa(i)))
	}
	port := 0 // the kernel picks the first listener's; the others share it
	listen := func(h *testhelper.Proc) int {
		fd := h.Int("socket inet stream")
		h.Do("setsockopt %d reuseport 1", fd)
		h.Do("bind %d 127.0.0.1:%d", fd, port)
		h.Do("listen %d", fd)
		port, _ = strconv.Atoi(h.Do("name %d", fd)[1])
		return fd
	}
	listen(hs[0])
	fd := listen(hs[1])
	g, out, errOut := killHeld(t, "--pid", strconv.Itoa(hs[1].PID), strconv.Itoa(port))
	hs[1].Do("close %d", fd)
	listen(hs[1])
	g.Wait()
	code := g.ProcessState.ExitCode()
	t.Logf("kill (exit %d):\n%s%s", code, out, errOut)
	for i, h := range hs {
		if sigs := signalsOf(t, filepath.Join(files, strconv.Itoa(i))); len(sigs) > 0 || !running(h) {
			t.Errorf("process %d got %v (running: %v)", h.PID, sigs, running(h))
		}
	}
	j := decodeKill(t, out.String())
	if len(j.Processes) != 1 || j.Processes[0].PID != hs[1].PID || j.Processes[0].Outcome != "no longer holds it" {
		t.Errorf("kill --json: want %d alone, outcome \"no longer holds it\"", hs[1].PID)
	}
	if code != exitSurvivors {
		t.Errorf("exit %d, want 3: %d holds port %d still", code, hs[1].PID, port)
	}
}

// TestKillStoppedHolder: a holder stopped (SIGSTOP) takes no TERM it
// handles; it is proved holding the socket and killed.
func TestKillStoppedHolder(t *testing.T) {
	h := testhelper.Start(t, testhelper.NewNetNS())
	listen(t, h, "inet", "127.0.0.1:47212")
	h.Do("catch TERM")
	if err := syscall.Kill(h.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := gosof(t, "kill", "--timeout", "500ms", "--netns", ownNetNS(t, strconv.Itoa(h.PID)), "47212")
	if code != exitMatch || !strings.Contains(out, "then KILL") || !strings.Contains(out, "port 47212: free") {
		t.Errorf("kill of a stopped holder: exit %d, want 0, KILL and the port free\n%s%s", code, out, errOut)
	}
	if sig := killedBy(t, h); sig != syscall.SIGKILL {
		t.Errorf("the stopped holder ended by %v, want KILL", sig)
	}
}

// TestCloseOwnerFilterLetGo: close --pid A on a CLOSE_WAIT socket A
// shares with B (a forked worker). Between the plan and the close, A
// closes its copy. The socket is no longer A's: it is left alone, not
// shut down through B, which the filter left out.
func TestCloseOwnerFilterLetGo(t *testing.T) {
	a := testhelper.Start(t, testhelper.NewNetNS()) // its own network namespace: no stranger matches
	lfd, port := listen(t, a, "inet", "127.0.0.1:47213")
	cfd, _ := connect(t, a, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	fd := a.Int("accept %d", lfd)
	a.Do("close %d", cfd) // fd is in CLOSE_WAIT now
	b := a.Spawn(fd)
	ns, p := strconv.Itoa(a.PID), strconv.Itoa(port)
	g, out, errOut := gosofCmd(t, strace(t, "pidfd_open", "", 3*time.Second), "close", "-y", "--netns", ns, "--pid", ns,
		"--state", "close-wait", p)
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, g.Process.Pid, unix.SYS_PIDFD_OPEN)
	a.Do("close %d", fd)
	g.Wait()
	code := g.ProcessState.ExitCode()
	t.Logf("close (exit %d):\n%s%s", code, out, errOut)
	if code != exitSurvivors || !strings.Contains(out.String(), "left alone: its holder no longer holds it") {
		t.Errorf("close: exit %d, want 3 and the socket left alone", code)
	}
	left := gosofJSON(t, "who", "--netns", ns, "--state", "close-wait", p)
	if len(left) != 1 || len(left[0].Owners) != 1 || left[0].Owners[0].PID != b.PID {
		t.Errorf("after close, want the CLOSE_WAIT socket still held by %d alone: %v", b.PID, rows(left))
	}
}
