package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestThreadHeldSocket: a listener only a thread's own descriptor table
// holds (unshare(CLONE_FILES)) is owned by the process, with the thread
// shown, through netlink and /proc/net alike; who -t prints the pid.
func TestThreadHeldSocket(t *testing.T) {
	h := testhelper.Start(t)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, fd, port := f[0], f[1], f[2]
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		out, errOut, code := gosof(t, append([]string{"who", "-t", port}, mode...)...)
		if code != 0 || out != strconv.Itoa(h.PID)+"\n" {
			t.Errorf("who -t %s %v: exit %d, %q (%s); want %d", port, mode, code, out, errOut, h.PID)
		}
		out, errOut, code = gosof(t, append([]string{"who", "--json", port}, mode...)...)
		var socks []struct {
			State  string `json:"state"`
			Owners []struct {
				PID int `json:"pid"`
				FD  int `json:"fd"`
				TID int `json:"tid"`
			} `json:"owners"`
		}
		if err := json.Unmarshal([]byte(out), &socks); err != nil || code != 0 {
			t.Fatalf("who --json %s %v: exit %d, %v: %s%s", port, mode, code, err, out, errOut)
		}
		got := fmt.Sprintf("%+v", socks)
		want := fmt.Sprintf("[{State:LISTEN Owners:[{PID:%d FD:%s TID:%s}]}]", h.PID, fd, tid)
		if got != want {
			t.Errorf("who --json %s %v: %s, want %s", port, mode, got, want)
		}
		out, errOut, code = gosof(t, append([]string{"kill", "--dry-run", port}, mode...)...)
		if code != 0 || !strings.Contains(out, strconv.Itoa(h.PID)) {
			t.Errorf("kill --dry-run %s %v: exit %d (%s):\n%s", port, mode, code, errOut, out)
		}
		out, _, _ = gosof(t, append([]string{"who", port}, mode...)...)
		if label := fmt.Sprintf("%d/gosof.test(thread %s)", h.PID, tid); !strings.Contains(out, label) {
			t.Errorf("who %s %v: no %q in\n%s", port, mode, label, out)
		}
	}
}

// TestFdsThreadTable: fds PID lists the descriptors of its threads' own
// tables too, marked as who marks their owner. It read only
// /proc/PID/fd, and left out the listener who showed as
// PID/comm(thread TID) fd N.
func TestFdsThreadTable(t *testing.T) {
	h := testhelper.Start(t)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, fd, port := f[0], f[1], f[2]
	pid := strconv.Itoa(h.PID)
	out, errOut, code := gosof(t, "fds", pid)
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, ":"+port) {
			row = strings.Join(strings.Fields(l), " ")
		}
	}
	if want := fd + "(thread " + tid + ") socket tcp 127.0.0.1:" + port + " LISTEN"; code != 0 || !strings.HasPrefix(row, want) {
		t.Errorf("fds %s: exit %d, row %q, want it to start %q\n%s%s", pid, code, row, want, out, errOut)
	}
	out, _, _ = gosof(t, "fds", "--json", pid)
	var procs []struct {
		FDs []struct {
			FD     int `json:"fd"`
			TID    int `json:"tid"`
			Socket *struct {
				Local struct {
					Port int `json:"port"`
				} `json:"local"`
			} `json:"socket"`
		} `json:"fds"`
	}
	if err := json.Unmarshal([]byte(out), &procs); err != nil || len(procs) != 1 {
		t.Fatalf("fds --json %s: %v\n%s", pid, err, out)
	}
	found := false
	for _, d := range procs[0].FDs {
		if d.Socket != nil && strconv.Itoa(d.Socket.Local.Port) == port {
			found = strconv.Itoa(d.FD) == fd && strconv.Itoa(d.TID) == tid
		}
	}
	if !found {
		t.Errorf("fds --json %s: no fd %s with tid %s on port %s\n%s", pid, fd, tid, port, out)
	}
}

// TestKillAfterLeaderExited: a process whose main thread exited (its
// /proc/PID/stat says zombie) while other threads hold a listener is found
// and killed, not taken for gone.
func TestKillAfterLeaderExited(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	h.Do("leader-exit")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.PID))
		if err != nil {
			t.Fatal(err)
		}
		if _, rest, _ := strings.Cut(string(b), ") "); strings.HasPrefix(rest, "Z") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the main thread did not exit: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p := strconv.Itoa(port)
	if out, errOut, code := gosof(t, "who", "-t", p); code != 0 || out != strconv.Itoa(h.PID)+"\n" {
		t.Fatalf("who -t %s: exit %d, %q (%s)", p, code, out, errOut)
	}
	out, errOut, code := gosof(t, "kill", p, "--pid", strconv.Itoa(h.PID))
	if code != 0 || !strings.Contains(out, "exited after TERM") {
		t.Errorf("kill %s: exit %d (%s):\n%s", p, code, errOut, out)
	}
	done := make(chan error, 1)
	go func() { done <- h.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the helper exited cleanly; want killed by TERM")
		}
	case <-time.After(10 * time.Second):
		t.Error("the helper still runs after kill") // the cleanup kills it
	}
}

// TestPIDIsNotAThread: --pid (and fds) given a thread's id is refused with
// the process's pid to give instead. /proc/TID answers like a process, and
// kill --pid TID planned a TERM, then found no process to pin and said
// the live holder was "already gone", exit 0.
func TestPIDIsNotAThread(t *testing.T) {
	h := testhelper.Start(t)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, port := f[0], f[2]
	if tid == strconv.Itoa(h.PID) {
		t.Fatalf("thread-listen ran on the main thread %s", tid)
	}
	want := fmt.Sprintf("%s is a thread of process %d, not a process", tid, h.PID)
	for _, args := range [][]string{{"kill", "-y", "--pid", tid, port}, {"kill", "-n", "--pid", tid, port}, {"who", "--pid", tid, port}, {"fds", tid}} {
		out, errOut, code := gosof(t, args...)
		if code != exitError || !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q\n%s", args, code, errOut, want, out)
		}
	}
	if !running(h) {
		t.Fatal("the thread's process was signalled")
	}
	if _, _, code := gosof(t, "who", "--pid", strconv.Itoa(h.PID), port); code != exitMatch {
		t.Errorf("who --pid %d %s: exit %d, want 0 (the process holds it)", h.PID, port, code)
	}
}
