package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
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
	g, out, errOut := gosofCmd(wrap, "kill", "--json", "-y", "--timeout", "1", strconv.Itoa(port))
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
			args := append([]string{"kill", "--json", "-y", "--netns", strconv.Itoa(h.PID), strconv.Itoa(port)}, mode...)
			g, out, errOut := gosofCmd(strace(t, "pidfd_open", "", 3*time.Second), args...)
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
			out, errOut, code := gosof(t, append([]string{"kill", "--timeout", "3", "--netns", strconv.Itoa(h.PID), strconv.Itoa(port)}, mode...)...)
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
	g, out, errOut := gosofCmd(strace(t, "pidfd_open", "", 3*time.Second), "close", "-y", "--netns", strconv.Itoa(srv.PID),
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
	g, out, errOut := gosofCmd(strace(t, "pidfd_open", "", 3*time.Second), "close", "-y", "--netns", ns, "--pid", ns,
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
