package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// The property kill and close promise (docs/kill-close.md, "Proof at the
// point of action"): no signal reaches a process that does not hold a
// matched socket at the moment of the signal, and close never touches
// another process's socket. TestProofProperty runs many kills and
// closes while holders exit, let go of their sockets and have their pids
// reused at random moments, and checks every process's record of the
// signals it took.
//
// A holder that lets go of its socket can still take a signal whose
// proof came just before: that window (the few system calls between the
// proof and the signal) is the one docs/contract.md states. A signal is
// counted against gosof only when the process took it more than
// letGoMargin after it let go, or KILL when it let go more than
// letGoMargin before the KILL was due.
const letGoMargin = 100 * time.Millisecond

// propertyRuns is how many kill and close runs TestProofProperty makes in
// all (half per owner path); GOSOF_PROPERTY_RUNS changes it.
const propertyRuns = 160

func TestProofProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("many kill and close runs; not with -short")
	}
	runs := propertyRuns
	if n, err := strconv.Atoi(os.Getenv("GOSOF_PROPERTY_RUNS")); err == nil && n > 0 {
		runs = n
	}
	seed := int64(1)
	if n, err := strconv.ParseInt(os.Getenv("GOSOF_PROPERTY_SEED"), 10, 64); err == nil {
		seed = n
	}
	t.Logf("seed %d (GOSOF_PROPERTY_SEED picks another)", seed)

	// The /proc scan, in a pid namespace the test made: there
	// ns_last_pid gives an exited holder's pid to a new process.
	t.Run("proc-fd, pid reuse", func(t *testing.T) {
		w := &nsWorld{ns: newPIDNetNS(t)}
		rng := rand.New(rand.NewSource(seed))
		var st propertyStats
		for i := 0; i < runs/2; i++ {
			propertyRun(t, w, rng, i, &st)
		}
		t.Logf("%+v", st)
	})
	// The BPF iterator, which loads only in the initial pid namespace:
	// the host's pid space is not the test's to steer, so no pid is
	// reused there; holders exit and let go at random moments.
	t.Run("iterator", func(t *testing.T) {
		if ok, why := iterExpected(); !ok {
			t.Skipf("the descriptor iterator cannot load here: %s", why)
		}
		w := &hostWorld{}
		rng := rand.New(rand.NewSource(seed + 1))
		var st propertyStats
		for i := 0; i < runs-runs/2; i++ {
			propertyRun(t, w, rng, i, &st)
		}
		t.Logf("%+v", st)
	})
}

// holder is one process holding the port's socket, as a world made it.
type holder struct {
	p    *testhelper.Proc
	pid  int // as gosof sees it
	fd   int
	file string // its signal record
}

// world is where one owner path's runs happen.
type world interface {
	// holders starts n processes holding the matched socket(s) of one
	// new port.
	holders(t *testing.T, n int) (hs []*holder, port int)
	// gosof is the wrapper and the extra arguments gosof runs with.
	gosof(hs []*holder) (wrap, args []string)
	// reuse starts a process with pid, which an exited holder had;
	// nil when it cannot.
	reuse(t *testing.T, pid int) *testhelper.Proc
}

// nsWorld: holders in a pid namespace of the test's own, and a network
// namespace of its own (gosof's kill and close are real, and a pid reused
// may be a thread, which --pid refuses), each with a listener of its own
// on one port (SO_REUSEPORT), gosof in there too.
type nsWorld struct {
	ns *pidNS
	mu sync.Mutex // ns_last_pid and the start after it
}

func (w *nsWorld) holders(t *testing.T, n int) ([]*holder, int) {
	var hs []*holder
	port := 0
	for i := 0; i < n; i++ {
		p, pid := w.ns.start()
		fd := p.Int("socket inet stream")
		p.Do("setsockopt %d reuseport 1", fd)
		p.Do("bind %d 127.0.0.1:%d", fd, port)
		p.Do("listen %d", fd)
		port, _ = strconv.Atoi(p.Do("name %d", fd)[1])
		hs = append(hs, &holder{p: p, pid: pid, fd: fd})
	}
	return hs, port
}

func (w *nsWorld) gosof([]*holder) ([]string, []string) {
	return w.ns.enter(), []string{"--proc-fd"}
}

func (w *nsWorld) reuse(t *testing.T, pid int) *testhelper.Proc {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.ns.startAs(pid)
	if !ok {
		v.Kill()
		return nil
	}
	return v
}

// hostWorld: one listener in a network namespace of the test's own,
// held by several processes of the host's pid namespace (a prefork
// server), gosof on the host, owners through the iterator.
type hostWorld struct{ anchor *testhelper.Proc }

func (w *hostWorld) holders(t *testing.T, n int) ([]*holder, int) {
	w.anchor = testhelper.Start(t, testhelper.NewNetNS())
	ownNetNS(t, strconv.Itoa(w.anchor.PID))
	lfd, port := listen(t, w.anchor, "inet", "127.0.0.1:0")
	var hs []*holder
	for i := 0; i < n; i++ {
		p := w.anchor.Spawn(lfd)
		hs = append(hs, &holder{p: p, pid: p.PID, fd: 3})
	}
	w.anchor.Do("close %d", lfd)
	return hs, port
}

func (w *hostWorld) gosof([]*holder) ([]string, []string) {
	return nil, []string{"--netns", strconv.Itoa(w.anchor.PID)}
}

func (w *hostWorld) reuse(*testing.T, int) *testhelper.Proc { return nil }

// event is what happens to a holder during a run.
type event int

const (
	stays  event = iota // holds its socket throughout
	exits               // exits
	reused              // exits, and a new process takes its pid
	letsGo              // closes its socket and runs on
)

// propertyStats counts what the runs did, so the log shows the property
// was put to the test.
type propertyStats struct {
	Kills, Closes int
	Holders       int
	Signalled     int // holders that took a signal
	LetGo, Exited int
	Victims       int // processes that took an exited holder's pid
	NoLongerHolds int // processes kill found no longer holding the socket
}

func propertyRun(t *testing.T, w world, rng *rand.Rand, run int, st *propertyStats) {
	kill := rng.Intn(3) != 0
	hs, port := w.holders(t, 1+rng.Intn(3))
	dir := t.TempDir()
	for i, h := range hs {
		h.file = filepath.Join(dir, fmt.Sprintf("holder%d", i))
		h.p.Do("record %s", h.file)
	}
	timeout := time.Duration(100+rng.Intn(3)*100) * time.Millisecond
	wrap, extra := w.gosof(hs)
	// Half the runs hold gosof up for a while at one step, so that what
	// happens to the holders falls between the scan and the pin (the
	// first look at a holder's /proc/PID/stat, where pid reuse used to
	// slip through) or between the plan and the pin (pidfd_open).
	stall := "no stall"
	if rng.Intn(2) == 0 {
		d := time.Duration(100+rng.Intn(150)) * time.Millisecond
		if _, ok := w.(*nsWorld); ok && rng.Intn(2) == 0 {
			h := hs[rng.Intn(len(hs))]
			wrap = append(wrap, strace(t, "openat", fmt.Sprintf("/proc/%d/stat", h.pid), d)...)
			stall = fmt.Sprintf("openat /proc/%d/stat +%s", h.pid, d)
		} else {
			wrap = append(wrap, strace(t, "pidfd_open", "", d)...)
			stall = fmt.Sprintf("pidfd_open +%s", d)
		}
	}
	args := []string{"close", "-y", "--json", "--listen"}
	if kill {
		args = []string{"kill", "-y", "--json", "--timeout", timeout.String()}
	}
	args = append(append(args, extra...), strconv.Itoa(port))

	events := make([]event, len(hs))
	delays := make([]time.Duration, len(hs))
	for i := range hs {
		events[i] = event(rng.Intn(4))
		delays[i] = time.Duration(rng.Intn(400)) * time.Millisecond
	}
	type victim struct {
		p    *testhelper.Proc
		file string
		port int // its own listener (close runs)
	}
	var (
		mu      sync.Mutex
		victims []victim
		letGo   = make([]time.Time, len(hs))
		wg      sync.WaitGroup
	)
	cmd, out, errOut := gosofCmd(t, wrap, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if events[i] == stays {
			continue
		}
		wg.Add(1)
		go func(i int, h *holder) {
			defer wg.Done()
			time.Sleep(delays[i])
			switch events[i] {
			case letsGo:
				if _, err := h.p.Try("close %d", h.fd); err == nil {
					mu.Lock()
					letGo[i] = time.Now()
					mu.Unlock()
				}
			case exits, reused:
				h.p.Exit()
				if events[i] != reused {
					return
				}
				v := w.reuse(t, h.pid)
				if v == nil {
					return
				}
				file := filepath.Join(dir, fmt.Sprintf("victim%d", i))
				if _, err := v.Try("record %s", file); err != nil {
					// It died before it could record: by a signal.
					mu.Lock()
					victims = append(victims, victim{p: v, file: file})
					mu.Unlock()
					return
				}
				vfd := v.Int("socket inet stream")
				v.Do("bind %d 127.0.0.1:0", vfd)
				v.Do("listen %d", vfd)
				vport, _ := strconv.Atoi(v.Do("name %d", vfd)[1])
				mu.Lock()
				victims = append(victims, victim{p: v, file: file, port: vport})
				mu.Unlock()
			}
		}(i, h)
	}
	cmd.Wait()
	wg.Wait()
	code := cmd.ProcessState.ExitCode()
	if kill {
		st.Kills++
	} else {
		st.Closes++
	}
	st.Holders += len(hs)
	st.Victims += len(victims)
	for i, h := range hs {
		if len(signalsOf(t, h.file)) > 0 {
			st.Signalled++
		}
		switch events[i] {
		case letsGo:
			st.LetGo++
		case exits, reused:
			st.Exited++
		}
	}
	var rep struct {
		Processes []struct{ Outcome string } `json:"processes"`
	}
	if json.Unmarshal(out.Bytes(), &rep) == nil {
		for _, p := range rep.Processes {
			if p.Outcome == "no longer holds it" {
				st.NoLongerHolds++
			}
		}
	}
	what := fmt.Sprintf("run %d (%s, %s, events %v, delays %v)", run, args, stall, events, delays)
	fail := func(format string, a ...any) {
		t.Errorf("%s: %s\nstdout:\n%s\nstderr:\n%s", what, fmt.Sprintf(format, a...), out, errOut)
	}
	if code != exitMatch && code != exitNoMatch && code != exitSurvivors {
		fail("exit %d", code)
	}
	if !json.Valid(out.Bytes()) {
		fail("the output is not JSON")
	}
	for _, v := range victims {
		if sigs := signalsOf(t, v.file); len(sigs) > 0 || !running(v.p) {
			fail("process %d, which took an exited holder's pid and held nothing, got %v (running: %v)", v.p.PID, sigs, running(v.p))
		}
		if v.port != 0 {
			// dialled from the victim itself: in its network namespace
			c := v.p.Int("socket inet stream")
			if _, err := v.p.Try("connect %d 127.0.0.1:%d", c, v.port); err != nil {
				fail("the listener of process %d, which took an exited holder's pid, no longer accepts: %v", v.p.PID, err)
			}
			v.p.Do("close %d", c)
		}
	}
	for i, h := range hs {
		if events[i] != letsGo || letGo[i].IsZero() {
			continue
		}
		sigs := signalTimes(t, h.file)
		for _, s := range sigs {
			if s.at.After(letGo[i].Add(letGoMargin)) {
				fail("holder %d let go of its socket at %s and took %s %s later", h.pid, letGo[i].Format("15:04:05.000"), s.name, s.at.Sub(letGo[i]))
			}
		}
		if kill && !running(h.p) && len(sigs) > 0 && sigs[0].name == "SIGTERM" &&
			letGo[i].Add(letGoMargin).Before(sigs[0].at.Add(timeout)) {
			fail("holder %d let go of its socket at %s, %s before KILL was due, and was killed",
				h.pid, letGo[i].Format("15:04:05.000"), sigs[0].at.Add(timeout).Sub(letGo[i]))
		}
	}
	for _, h := range hs {
		h.p.Kill()
	}
	for _, v := range victims {
		v.p.Kill()
	}
}
