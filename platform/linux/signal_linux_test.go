package linux

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core/release"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// signallers are the two paths every signal test runs on: pidfds, and the
// start-time fallback kernels before 5.3 get.
var signallers = []struct {
	name string
	s    *Signaller
}{
	{"pidfd", &Signaller{FS: DefaultFS()}},
	{"stat", &Signaller{FS: DefaultFS(), NoPidfd: true, Poll: 5 * time.Millisecond}},
}

// exitBound bounds a wait for a process that was told to exit. The test
// never reaches it (the wait ends when the process exits); it only keeps
// a broken Wait from hanging the run.
const exitBound = time.Minute

func describeProc(t *testing.T, fsys FS, pid int) *core.Process {
	t.Helper()
	p, err := (&Owners{FS: fsys}).Process(pid)
	if err != nil {
		t.Fatal(err)
	}
	if p.Start == 0 {
		t.Fatalf("process %d: no start time", pid)
	}
	return p
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	st, err := parseStat(b)
	return err == nil && !st.exited()
}

func TestSignalTERM(t *testing.T) {
	for _, sg := range signallers {
		t.Run(sg.name, func(t *testing.T) {
			h := testhelper.Start(t)
			target, err := sg.s.Pin(describeProc(t, DefaultFS(), h.PID))
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			if err := target.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			gone, err := target.Wait(exitBound)
			if err != nil || !gone {
				t.Fatalf("Wait = %v, %v; want the helper gone after TERM", gone, err)
			}
			if alive(h.PID) {
				t.Error("Wait said gone, but /proc shows the helper running")
			}
			// Signalling the exited (zombie or reaped) process again says it is gone, or succeeds
			// harmlessly on a zombie; it must never fail otherwise.
			h.Wait()
			if err := target.Signal(syscall.SIGKILL); !errors.Is(err, core.ErrGone) {
				t.Errorf("signal after exit: %v, want ErrGone", err)
			}
		})
	}
}

func TestSignalIgnoredThenKILL(t *testing.T) {
	for _, sg := range signallers {
		t.Run(sg.name, func(t *testing.T) {
			h := testhelper.Start(t)
			h.Do("ignore TERM")
			target, err := sg.s.Pin(describeProc(t, DefaultFS(), h.PID))
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			if err := target.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			gone, err := target.Wait(300 * time.Millisecond)
			if err != nil || gone {
				t.Fatalf("Wait after ignored TERM = %v, %v; want still running", gone, err)
			}
			// A lower bound only: Wait must not give up early, and a
			// loaded machine can only make it later.
			if d := time.Since(start); d < 250*time.Millisecond {
				t.Errorf("Wait returned after %v, before its 300ms timeout", d)
			}
			if !alive(h.PID) {
				t.Fatal("helper died of an ignored TERM")
			}
			if err := target.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if gone, err := target.Wait(exitBound); err != nil || !gone {
				t.Fatalf("Wait after KILL = %v, %v", gone, err)
			}
		})
	}
}

func TestPinRefuses(t *testing.T) {
	for _, sg := range signallers {
		t.Run(sg.name, func(t *testing.T) {
			h := testhelper.Start(t)
			p := describeProc(t, DefaultFS(), h.PID)

			other := *p
			other.Start++ // as if the pid had been recycled by a process started a tick later
			if _, err := sg.s.Pin(&other); !errors.Is(err, core.ErrGone) {
				t.Errorf("Pin with another start time: %v, want ErrGone", err)
			}
			unknown := *p
			unknown.Start = 0
			if _, err := sg.s.Pin(&unknown); !errors.Is(err, core.ErrPermission) {
				t.Errorf("Pin without a start time: %v, want ErrPermission", err)
			}
			if !alive(h.PID) {
				t.Fatal("a refused Pin hurt the helper")
			}
			h.Kill() // reaped: the pid is free
			if _, err := sg.s.Pin(p); !errors.Is(err, core.ErrGone) {
				t.Errorf("Pin of a reaped process: %v, want ErrGone", err)
			}
		})
	}
	t.Run("zombie", func(t *testing.T) {
		h := testhelper.Start(t)
		p := describeProc(t, DefaultFS(), h.PID)
		syscall.Kill(h.PID, syscall.SIGKILL) // not reaped: a zombie holds no sockets
		// Dying can take a while on a loaded host (it failed once with a
		// 1 s wait while a 400k-descriptor bench world ran): wait up to 10 s.
		for deadline := time.Now().Add(10 * time.Second); alive(h.PID) && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		if alive(h.PID) {
			t.Fatalf("pid %d still alive 10 s after SIGKILL", h.PID)
		}
		for _, sg := range signallers {
			if _, err := sg.s.Pin(p); !errors.Is(err, core.ErrGone) {
				t.Errorf("%s: Pin of a zombie: %v, want ErrGone", sg.name, err)
			}
		}
	})
}

// TestKillPlanReal runs core's kill plan on real processes: one that exits
// on TERM, one that ignores it, and a second holder of the same listener.
func TestKillPlanReal(t *testing.T) {
	for _, sg := range signallers {
		t.Run(sg.name, func(t *testing.T) {
			obey := testhelper.Start(t)
			ofd, _ := listenTCP(t, obey)
			stubborn := testhelper.Start(t)
			stubborn.Do("ignore TERM")
			sfd, _ := listenTCP(t, stubborn)
			sock := func(pid, fd int) core.Socket {
				return core.Socket{Proto: core.TCP, Family: core.Inet, State: core.Listen, Inode: inodeOf(t, pid, fd),
					Owners: []core.Owner{{PID: pid, FD: fd, Proc: describeProc(t, DefaultFS(), pid)}}}
			}
			plan := release.NewKillPlan(&core.Result{Sockets: []core.Socket{sock(obey.PID, ofd), sock(stubborn.PID, sfd)}}, release.AncestryProtected(nil), nil)
			// Room for the obedient helper to exit on TERM on a loaded
			// machine; the test asserts what was sent, not when.
			plan.Timeout = time.Second
			plan.Pin(sg.s)
			defer plan.Close()
			r := plan.Execute()
			got, sent := map[int]release.Fate{}, map[int][]string{}
			for _, o := range r.Outcomes {
				got[o.Proc.PID] = o.Fate
				for _, sig := range o.Sent {
					sent[o.Proc.PID] = append(sent[o.Proc.PID], core.SignalName(sig))
				}
				// KILL only once the wait after TERM was over: the process
				// ignored TERM for the whole timeout.
				if len(o.Sent) > 1 && o.Waited < plan.Timeout {
					t.Errorf("process %d: KILL sent %v after TERM, before the %v timeout", o.Proc.PID, o.Waited, plan.Timeout)
				}
			}
			want := map[int]release.Fate{obey.PID: release.Exited, stubborn.PID: release.Killed}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("fates %v, want %v", got, want)
			}
			wantSent := map[int][]string{obey.PID: {"TERM"}, stubborn.PID: {"TERM", "KILL"}}
			if fmt.Sprint(sent) != fmt.Sprint(wantSent) {
				t.Errorf("signals sent %v, want %v (KILL only to the one that ignored TERM, after it)", sent, wantSent)
			}
			// The waits ended because the processes exited.
			for _, h := range []*testhelper.Proc{obey, stubborn} {
				if alive(h.PID) {
					t.Errorf("helper %d still runs after the plan", h.PID)
				}
			}
		})
	}
}

// envAsNobody makes a re-executed test binary, running as uid 65534, try to
// signal and take descriptors from the root helper named by the value
// "PID:START:FD:INODE".
const envAsNobody = "GOSOF_TEST_RELEASE_AS_NOBODY"

// TestNotPermitted: an unprivileged user may not signal a root process nor
// duplicate its descriptors, and is told why instead of a bare errno.
func TestNotPermitted(t *testing.T) {
	if v := os.Getenv(envAsNobody); v != "" {
		asNobody(t, v)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	h := testhelper.Start(t)
	fd, _ := listenTCP(t, h)
	p := describeProc(t, DefaultFS(), h.PID)
	bin := testhelper.Executable(t)
	cmd := exec.Command(bin, "-test.run=^TestNotPermitted$", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%d:%d:%d", envAsNobody, h.PID, p.Start, fd, inodeOf(t, h.PID, fd)))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNotPermitted") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
	if !alive(h.PID) {
		t.Error("the root helper did not survive an unprivileged kill")
	}
}

func asNobody(t *testing.T, v string) {
	var pid, fd int
	var start, ino uint64
	if _, err := fmt.Sscanf(v, "%d:%d:%d:%d", &pid, &start, &fd, &ino); err != nil {
		t.Fatal(err)
	}
	p := &core.Process{PID: pid, Comm: "helper", UID: 0, Start: start}
	for _, sg := range signallers {
		target, err := sg.s.Pin(p)
		if err != nil {
			t.Fatalf("%s: Pin: %v", sg.name, err)
		}
		err = target.Signal(syscall.SIGTERM)
		target.Close()
		if !errors.Is(err, core.ErrPermission) || !strings.Contains(err.Error(), "EPERM") {
			t.Errorf("%s: Signal as nobody: %v, want ErrPermission naming EPERM", sg.name, err)
		}
		t.Logf("%s: %v", sg.name, err)
	}
	c := &Closer{}
	err := c.Shutdown(&core.Socket{Proto: core.TCP, Inode: ino}, core.Owner{PID: pid, FD: fd, Proc: p})
	if !errors.Is(err, core.ErrPermission) || !strings.Contains(err.Error(), "CAP_SYS_PTRACE") {
		t.Errorf("Shutdown as nobody: %v, want ErrPermission naming CAP_SYS_PTRACE", err)
	}
	t.Logf("shutdown: %v", err)
}

// envPIDNS marks the re-executed test binary that runs as PID 1 of a new
// PID namespace, where it alone forks, so that setting ns_last_pid decides
// the next PID exactly.
const envPIDNS = "GOSOF_TEST_PIDNS"

// TestPIDReuse: a holder is resolved, exits, and a new process gets its
// PID before the plan runs. The new process must survive and the outcome
// must read "already gone", with pidfds and with the start-time fallback,
// whether the PID was recycled before Pin or between Pin and the signal.
func TestPIDReuse(t *testing.T) {
	if os.Getenv(envPIDNS) == "1" {
		pidReuseInNamespace(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("PID reuse needs root: a new PID namespace and /proc/sys/kernel/ns_last_pid")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPIDReuse$", "-test.v")
	cmd.Env = append(os.Environ(), envPIDNS+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	var perr *os.PathError
	if errors.As(err, &perr) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
		t.Skipf("cannot create a PID namespace here: %v", err)
	}
	if i := strings.Index(string(out), "--- SKIP"); i >= 0 {
		t.Skipf("in the PID namespace: %s", out[i:])
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPIDReuse") {
		t.Fatalf("in the PID namespace: %v\n%s", err, out)
	}
	t.Logf("in the PID namespace:\n%s", out)
}

func pidReuseInNamespace(t *testing.T) {
	if os.Getpid() != 1 {
		t.Fatalf("pid %d in the new namespace, want 1", os.Getpid())
	}
	// Our own /proc for this namespace, on a private mount so the host never sees it.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		t.Skipf("make / private: %v", err)
	}
	dir := t.TempDir()
	if err := unix.Mount("proc", dir, "proc", 0, ""); err != nil {
		t.Skipf("mount proc: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	fsys := FS{Proc: dir}

	for _, sg := range []struct {
		name string
		s    *Signaller
	}{
		{"pidfd", &Signaller{FS: fsys}},
		{"stat", &Signaller{FS: fsys, NoPidfd: true}},
	} {
		for _, pinFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pin-before-reuse=%v", sg.name, pinFirst), func(t *testing.T) {
				old := testhelper.Start(t)
				fd, _ := listenTCP(t, old)
				p := describeProc(t, fsys, old.PID)
				plan := release.NewKillPlan(&core.Result{Sockets: []core.Socket{{Proto: core.TCP, Family: core.Inet, State: core.Listen,
					Owners: []core.Owner{{PID: old.PID, FD: fd, Proc: p}}}}}, nil, nil)
				plan.Timeout = time.Second
				if pinFirst {
					plan.Pin(sg.s)
				}
				old.Kill() // exits and is reaped: its PID is free
				if !(pinFirst && sg.name == "pidfd") {
					// starttime counts 1/100 s: a process started in the same tick is
					// indistinguishable by it. Only a pidfd taken before the reuse is
					// immune to that, so every other case waits for the next tick.
					time.Sleep(30 * time.Millisecond)
				}
				if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(old.PID-1)), 0); err != nil {
					t.Skipf("set ns_last_pid: %v", err)
				}
				reuser := testhelper.Start(t)
				if reuser.PID != old.PID {
					t.Fatalf("new process got pid %d, want the recycled %d", reuser.PID, old.PID)
				}
				if np := describeProc(t, fsys, reuser.PID); np.Start == p.Start {
					t.Logf("the recycled pid started in the same tick (%d) as the old holder", p.Start)
				}
				plan.Pin(sg.s)
				r := plan.Execute()
				plan.Close()
				if got := r.Outcomes[0].Fate; got != release.AlreadyGone {
					t.Errorf("fate = %q (%v), want %q", got, r.Outcomes[0].Err, release.AlreadyGone)
				}
				if len(r.Outcomes[0].Sent) != 0 {
					t.Errorf("signals sent: %v, want none", r.Outcomes[0].Sent)
				}
				if _, err := reuser.Try("pid"); err != nil {
					t.Errorf("the process that got the recycled pid was hurt: %v", err)
				}
			})
		}
	}
}
