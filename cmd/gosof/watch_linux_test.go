package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// jframe is one line of `watch --jsonl`.
type jframe struct {
	Refresh   int `json:"refresh"`
	Processes []struct {
		PID    *int    `json:"pid"`
		Comm   *string `json:"comm"`
		Start  uint64  `json:"start"`
		States []struct {
			State    string `json:"state"`
			Now      int    `json:"now"`
			Change   int    `json:"change"`
			Opened   int    `json:"opened"`
			Released int    `json:"released"`
		} `json:"states"`
		CloseWait struct {
			Verdict  string  `json:"verdict"`
			Change   int     `json:"change"`
			Released int     `json:"released"`
			Rate     float64 `json:"rate_per_min"`
		} `json:"close_wait"`
	} `json:"processes"`
	Summary string `json:"summary"`
}

// TestWatchNamesTheLeak: a server that accepts and never closes, fed by
// a client loop the test bounds, is named as leaking, with a positive
// rate; a server beside it that closes what its clients closed is steady.
func TestWatchNamesTheLeak(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	const leakPort, steadyPort = 28021, 28022
	srv := testhelper.Start(t, testhelper.NewNetNS())
	listen := func(port int) int {
		l := srv.Int("socket inet stream")
		srv.Do("bind %d 127.0.0.1:%d", l, port)
		srv.Do("listen %d", l)
		return l
	}
	leaky := listen(leakPort)
	steadyL := listen(steadyPort)
	srv.Do("serve %d keep", leaky)
	steady := srv.Spawn(steadyL) // its descriptor 3: a process of its own, closing what it accepts
	steady.Do("serve 3 close")
	srv.Do("close %d", steadyL) // steady alone holds that listener

	const refreshes = 5
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runT(t, []string{"gosof", "watch", "--netns", strconv.Itoa(srv.PID), strconv.Itoa(leakPort), strconv.Itoa(steadyPort),
			"--jsonl", "--count", strconv.Itoa(refreshes), "-i", "600ms"}, strings.NewReader(""), &out, &errb)
	}()
	// Clients for the first two seconds of the watch, then none: the
	// last refreshes see what each server made of them.
	fed := 0
	for i := 0; i < 10; i++ {
		srv.Do("dial 127.0.0.1:%d 3", leakPort)
		srv.Do("dial 127.0.0.1:%d 3", steadyPort)
		fed += 3
		time.Sleep(200 * time.Millisecond)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("watch --count did not end")
	}
	if code != 0 {
		t.Fatalf("watch: exit %d\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != refreshes {
		t.Fatalf("%d lines, want one per refresh (%d):\n%s", len(lines), refreshes, out.String())
	}
	var last jframe
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &last); err != nil || last.Refresh != i+1 {
			t.Fatalf("line %d: refresh %d, %v: %s", i+1, last.Refresh, err, l)
		}
	}
	verdicts := map[int]string{}
	for _, p := range last.Processes {
		if p.PID == nil {
			continue
		}
		verdicts[*p.PID] = p.CloseWait.Verdict
		switch *p.PID {
		case srv.PID:
			if p.CloseWait.Verdict != "leaking" || p.CloseWait.Rate <= 0 || p.CloseWait.Change <= 0 || p.CloseWait.Released != 0 {
				t.Errorf("the leaking server: %+v", p.CloseWait)
			}
			for _, c := range p.States {
				if c.State == "CLOSE_WAIT" && c.Now > fed {
					t.Errorf("%d CLOSE_WAIT, more than the %d connections made", c.Now, fed)
				}
			}
		case steady.PID:
			if p.CloseWait.Verdict != "steady" {
				t.Errorf("the steady server: %+v", p.CloseWait)
			}
		}
	}
	if verdicts[srv.PID] != "leaking" || verdicts[steady.PID] == "" {
		t.Errorf("verdicts %v: want %d leaking and %d steady\n%s", verdicts, srv.PID, steady.PID, lines[len(lines)-1])
	}
	if want := fmt.Sprintf("%d/gosof.test: +", srv.PID); !strings.HasPrefix(last.Summary, want) || !strings.Contains(last.Summary, "0 released: leaking ~") ||
		strings.Contains(last.Summary, strconv.Itoa(steady.PID)+"/") {
		t.Errorf("summary %q: want the leaking server named alone", last.Summary)
	}
}

// TestWatchUsage: bad values are one-line usage errors.
func TestWatchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"watch", "--interval", "0"}, {"watch", "-i", "5ms"}, {"watch", "--count", "-1"}, {"watch", "--sort", "size"},
		{"top", "--idle", "0"}, {"watch", "--jsonl", "-i", "2d"},
	} {
		_, errOut, code := gosof(t, args...)
		if code != exitError || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, %q; want 2 and one line", strings.Join(args, " "), code, errOut)
		}
	}
}

// watchPane is gosof watch running in a tmux pane (a real terminal, the
// test's own tmux server): a shell script records `stty -g` before and
// after it, and its exit code.
type watchPane struct {
	t    *testing.T
	dir  string
	sock string
}

func (p *watchPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows.
func (p *watchPane) screen() string { return p.tmux("capture-pane", "-p", "-t", "w") }

// await waits for the pane to show want; it fails the test after 20s.
func (p *watchPane) await(want string) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the pane never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// file waits for the script to write name and returns it.
func (p *watchPane) file(name string) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(p.dir, name))
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the script never wrote %s; the pane shows:\n%s", name, p.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startWatchPane runs `gosof watch ARGS` in a new tmux server's pane of
// 100x30, env added to its environment.
func startWatchPane(t *testing.T, env []string, args ...string) *watchPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	if err := os.Symlink(testhelper.Executable(t), filepath.Join(dir, "gosof")); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\ncd " + dir + "\nstty -g > before\n" +
		"PATH=" + dir + ":$PATH sh -c 'echo $$ > pid; exec gosof watch " + strings.Join(args, " ") + "'\n" +
		"echo $? > code\nstty -g > after\nexec sleep 600\n"
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &watchPane{t: t, dir: dir, sock: filepath.Join(dir, "tmux.sock")}
	cmd := exec.Command("tmux", "-S", p.sock, "-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "100", "-y", "30", filepath.Join(dir, "run.sh"))
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

// ended checks that watch exited with code and left the terminal as it
// found it: the same stty settings, the alternate screen left, the
// cursor shown.
func (p *watchPane) ended(code string) {
	p.t.Helper()
	if got := p.file("code"); got != code {
		p.t.Errorf("exit %s, want %s; the pane shows:\n%s", got, code, p.screen())
	}
	if before, after := p.file("before"), p.file("after"); before != after {
		p.t.Errorf("stty -g before %q, after %q", before, after)
	}
	if got := strings.TrimSpace(p.tmux("display-message", "-p", "-t", "w", "#{alternate_on} #{cursor_flag}")); got != "0 1" {
		p.t.Errorf("alternate screen, cursor shown: %q, want \"0 1\"", got)
	}
}

// watchWorld is a server in a network namespace of its own with a
// listener on port, two connections open and three whose clients closed
// (CLOSE_WAIT here, orphaned FIN_WAIT2 at the clients): four rows.
func watchWorld(t *testing.T, port int) *testhelper.Proc {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	srv := testhelper.Start(t, testhelper.NewNetNS())
	l := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:%d", l, port)
	srv.Do("listen %d", l)
	srv.Do("serve %d keep", l)
	for i := 0; i < 2; i++ {
		c := srv.Int("socket inet stream")
		srv.Do("connect %d 127.0.0.1:%d", c, port)
	}
	srv.Do("dial 127.0.0.1:%d 3", port)
	return srv
}

// TestWatchTerminal: on a real terminal watch draws the table, sorts on
// a key, redraws for a resize, and quits on q, on Ctrl-C, on SIGTERM and
// on a panic, leaving the terminal as it found it every time.
func TestWatchTerminal(t *testing.T) {
	const port = 28031
	srv := watchWorld(t, port)
	args := []string{"--netns", strconv.Itoa(srv.PID), strconv.Itoa(port), "-i", "1h"}
	pid := strconv.Itoa(srv.PID)

	t.Run("q", func(t *testing.T) {
		p := startWatchPane(t, nil, args...)
		s := p.await("PID/COMMAND")
		for _, want := range []string{"gosof watch " + strconv.Itoa(port) + ": refresh 1", "sorted by CLOSE_WAIT growth", pid + "/gosof.test", "CLOSE_WAIT", "First look:"} {
			if !strings.Contains(s, want) {
				t.Errorf("no %q on the screen:\n%s", want, s)
			}
		}
		p.tmux("send-keys", "-t", "w", "p")
		p.await("sorted by pid")
		// A screen too short for the table: the rows that do not fit are
		// counted on a line of their own, drawn for the resize (no refresh
		// comes in the hour of -i).
		p.tmux("resize-window", "-t", "w", "-x", "60", "-y", "6")
		s = p.await("more rows")
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		for i, l := range lines {
			if len([]rune(l)) >= 60 || i >= 6 {
				t.Errorf("line %d of the resized screen does not fit 60x6: %q", i+1, l)
			}
		}
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "First look:") {
			t.Errorf("the closing line is not the last of the resized screen: %q", last)
		}
		p.tmux("send-keys", "-t", "w", "q")
		p.ended("0")
		gone(t, p)
	})
	t.Run("ctrl-c", func(t *testing.T) {
		p := startWatchPane(t, nil, args...)
		p.await("PID/COMMAND")
		p.tmux("send-keys", "-t", "w", "C-c")
		p.ended("0")
		gone(t, p)
	})
	t.Run("count", func(t *testing.T) {
		// the run --count ends: its last frame stays on the main screen,
		// without the keys, which no longer work
		p := startWatchPane(t, nil, append(args, "--count", "1")...)
		p.ended("0")
		s := p.screen()
		for _, want := range []string{"gosof watch " + strconv.Itoa(port) + ": refresh 1", "PID/COMMAND", pid + "/gosof.test", "CLOSE_WAIT", "First look:"} {
			if !strings.Contains(s, want) {
				t.Errorf("no %q on the screen the watch left:\n%s", want, s)
			}
		}
		if strings.Contains(s, "keys:") {
			t.Errorf("the keys stayed on the screen the watch left:\n%s", s)
		}
	})
	t.Run("sigterm", func(t *testing.T) {
		p := startWatchPane(t, nil, args...)
		p.await("PID/COMMAND")
		n, err := strconv.Atoi(p.file("pid"))
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(n, syscall.SIGTERM); err != nil { // the watch this test started, through its tmux
			t.Fatal(err)
		}
		p.ended("143")
		gone(t, p)
	})
	t.Run("panic", func(t *testing.T) {
		p := startWatchPane(t, []string{envWatchPanic + "=1"}, args...)
		p.ended("2")
		if s := p.screen(); !strings.Contains(s, "a panic the test asked for") {
			t.Errorf("the panic is not on the screen:\n%s", s)
		}
	})
}

// gone checks that the frame went with the alternate screen: q, Ctrl-C
// and the signals leave the terminal as the watch found it.
func gone(t *testing.T, p *watchPane) {
	t.Helper()
	if s := p.screen(); strings.Contains(s, "PID/COMMAND") {
		t.Errorf("the frame stayed on the main screen:\n%s", s)
	}
}

// TestWatchCountKeepsLastFrame: on a terminal, the watch --count ends
// leaves the alternate screen, cursor shown, and then prints its last
// frame on the main screen, where it stays: it left with the alternate
// screen, and a run made for its result showed none.
func TestWatchCountKeepsLastFrame(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	pid, p := strconv.Itoa(h.PID), strconv.Itoa(port)
	out := onPTY(t, 100, "watch", "--pid", pid, p, "--count", "2", "-i", "10ms")
	i := strings.LastIndex(out, ansiLeave)
	if i < 0 || !strings.Contains(out[:i], ansiEnter) {
		t.Fatalf("no alternate screen entered and left:\n%q", out)
	}
	last := out[i+len(ansiLeave):]
	for _, want := range []string{"gosof watch " + p + ": refresh 2, every 10ms", "\nPID/COMMAND ", "\n" + pid + "/", " LISTEN ", "\nNothing grows.\n"} {
		if !strings.Contains(last, want) {
			t.Errorf("no %q in what the main screen got after the alternate one:\n%q", want, last)
		}
	}
	if strings.Contains(last, "keys:") || strings.Contains(last, "\x1b") {
		t.Errorf("the keys or an escape sequence in the frame left on the main screen:\n%q", last)
	}
}

// TestWatchIdleNoteOnceFirst: in a pipe, the note on the sockets --idle
// left out for want of an idle time (/proc/net tells none for an
// ESTABLISHED connection: the server's end here, the port's local side)
// comes once, on stderr, with the first
// refresh: it came after all the data, once the watch ended.
func TestWatchIdleNoteOnceFirst(t *testing.T) {
	h := testhelper.Start(t)
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	cfd, _ := connect(t, h, "inet", "127.0.0.1:"+p)
	h.Do("accept %d", lfd)
	// the client closes first: its end, not the port's, takes the TIME_WAIT
	t.Cleanup(func() { h.Do("close %d", cfd) })
	var both bytes.Buffer
	code := runT(t, []string{"gosof", "watch", "--proc-net", "--idle", "1s", "--jsonl", "--count", "2", "-i", "10ms", p},
		strings.NewReader(""), &both, &both)
	out := both.String()
	const note = "gosof: --idle left out 1 TCP socket whose idle time is not known"
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || strings.Count(out, note) != 1 || len(lines) != 3 || !strings.HasPrefix(lines[1], note) {
		t.Errorf("watch --idle --jsonl: exit %d; want 0, the first refresh, the note once, the second refresh:\n%s", code, out)
	}
	for _, i := range []int{0, 2} {
		var f jframe
		if i < len(lines) {
			if err := json.Unmarshal([]byte(lines[i]), &f); err != nil || f.Refresh != i/2+1 {
				t.Errorf("line %d is not refresh %d: %v\n%s", i+1, i/2+1, err, out)
			}
		}
	}
}

// TestWatchTargetsNameTheirProtocol: watch reads TCP unless told
// otherwise, and a PATH (a unix socket) or udp/P tells otherwise, as
// --proto does: it showed an empty view for both while who listed them.
func TestWatchTargetsNameTheirProtocol(t *testing.T) {
	h := testhelper.Start(t)
	path := filepath.Join(t.TempDir(), "w.sock")
	lfd := h.Int("socket unix stream")
	h.Do("bind %d %s", lfd, path)
	h.Do("listen %d", lfd)
	ufd := h.Int("socket inet dgram")
	h.Do("bind %d 127.0.0.1:0", ufd)
	udp := h.Do("name %d", ufd)[1]
	for _, arg := range []string{path, "udp/" + udp} {
		out, errOut, code := gosof(t, "watch", "--count", "1", "--pid", strconv.Itoa(h.PID), arg)
		if code != exitMatch || !strings.Contains(out, "First look: 1 socket") {
			t.Errorf("watch %s: exit %d, want 0 and the one socket\n%s%s", arg, code, out, errOut)
		}
	}
}

// TestWatchUnseenHolders: watch as a user who may not inspect the holder
// said "First look: 1 socket, 0 processes holding some": the holder was
// not seen, not absent. The summary says so.
func TestWatchUnseenHolders(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	root := testhelper.Start(t)
	_, port := listen(t, root, "inet", "127.0.0.1:0")
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	out, errOut, code := gosofUnder(t, nil, nobody, "watch", strconv.Itoa(port), "--count", "2", "-i", "10ms")
	first, later := "1 socket whose holders could not be seen (", "The holders of 1 socket could not be seen ("
	if code != 0 || !strings.Contains(out, first) || !strings.Contains(out, later) {
		t.Errorf("watch as nobody: exit %d, want 0 and summaries saying the holder could not be seen\n%s%s", code, out, errOut)
	}
	// the row of a holder not seen is not "-", the row of no holder
	if !strings.Contains(out, "\nunknown ") || strings.Contains(out, "\n- ") || !strings.Contains(out, "they count under unknown.") {
		t.Errorf("watch as nobody: the listener's row is not named unknown\n%s", out)
	}
	out, _, _ = gosofUnder(t, nil, nobody, "watch", strconv.Itoa(port), "--count", "1", "--jsonl")
	var f struct {
		Processes []map[string]any `json:"processes"`
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil || len(f.Processes) != 1 || f.Processes[0]["unknown_holder"] != true || f.Processes[0]["pid"] != nil {
		t.Errorf("watch --jsonl as nobody: want one row, pid null, unknown_holder true: %v\n%s", err, out)
	}
}

// TestWatchUndecidedHolders: watch --pid as a user who may not inspect
// that process said "First look: 0 sockets, 0 processes holding some"
// and "Nothing grows.", the remedy only once the watch ended: the
// listener --pid could not decide was reported as nothing there (who
// exits 2 for it). Every closing line says it was left out, and in a pipe
// the remedy comes with the first refresh, once.
func TestWatchUndecidedHolders(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	root := testhelper.Start(t)
	_, port := listen(t, root, "inet", "127.0.0.1:0")
	out := watchAsNobody(t, strconv.Itoa(port), "--pid", strconv.Itoa(root.PID), "--count", "2", "-i", "10ms")
	said := fmt.Sprintf("1 socket left out by --pid %d, whose holders could not be seen (", root.PID)
	if n := strings.Count(out, said); n != 2 {
		t.Errorf("%d closing lines say the listener was left out, want both:\n%s", n, out)
	}
	remedyOnceFirst(t, out)
}

// TestWatchOwnerFlagsEscaped: the closing line names the owner filters
// as Filter.OwnerFlags names them, escaped once for the screen: -c's value
// reached the terminal raw (an ESC), and --unit's was escaped there by
// OwnerFlags alone, its backslash doubled, where -c's was not. Escaped as
// the note on stderr beside it names them (core.Escape: a typed backslash
// doubled, as the CONTEXT column shows a\x2db.service), so that the typed
// "\q" cannot read as an escape gosof made and the two lines agree.
func TestWatchOwnerFlagsEscaped(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	root := testhelper.Start(t)
	_, port := listen(t, root, "inet", "127.0.0.1:0")
	out := watchAsNobody(t, strconv.Itoa(port), "-c", "\x1b[31mzz\\q", "--unit", `a\x2db.service`, "--count", "1")
	flags := `-c \x1b[31mzz\\q and --unit a\\x2db.service`
	if strings.ContainsRune(out, 0x1b) || !strings.Contains(out, "1 socket left out by "+flags+", whose holders") ||
		!strings.Contains(out, "gosof: "+flags+" left out 1 socket") {
		t.Errorf("watch as nobody: want no raw ESC and %q named alike in the closing line and the note:\n%q", flags, out)
	}
}

// watchAsNobody runs gosof watch with args as the user nobody, in a pipe,
// and returns its stdout and stderr in the order they were written.
func watchAsNobody(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv(t, nil, append([]string{"watch"}, args...)...))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var both bytes.Buffer
	cmd.Stdout, cmd.Stderr = &both, &both
	if err := cmd.Run(); err != nil {
		t.Fatalf("watch as nobody: %v\n%s", err, both.String())
	}
	return both.String()
}

// remedyOnceFirst checks a watch's output in a pipe: the note with the
// remedy for what it could not see comes once, before the second refresh.
func remedyOnceFirst(t *testing.T, out string) {
	t.Helper()
	const remedy = "could not be inspected, so the holders of some sockets are unknown; run as root"
	if n := strings.Count(out, remedy); n != 1 {
		t.Errorf("the note with the remedy comes %d times, want once:\n%s", n, out)
	}
	if i, j := strings.Index(out, remedy), strings.Index(out, ": refresh 2,"); i < 0 || j < 0 || i > j {
		t.Errorf("the note with the remedy does not come before the second refresh:\n%s", out)
	}
}

// TestWatchAllNetnsFindsNew: watch -A lists a namespace that came after
// its first refresh; it read the namespaces found at the start at every
// refresh, so a container started meanwhile was never listed.
func TestWatchAllNetnsFindsNew(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	var port int
	var h *testhelper.Proc
	watchRefreshed = func(n int) {
		if n == 1 { // a namespace of its own, with a listener, after the first refresh
			h = testhelper.Start(t, testhelper.NewNetNS())
			_, port = listen(t, h, "inet", "127.0.0.1:0")
		}
	}
	t.Cleanup(func() { watchRefreshed = nil })
	var out, errb bytes.Buffer
	if code := runT(t, []string{"gosof", "watch", "-A", "--listen", "--jsonl", "--count", "2", "-i", "10ms"},
		strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("watch -A: exit %d\n%s%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d refreshes, want 2:\n%s", len(lines), out.String())
	}
	var f struct {
		Processes []struct {
			PID *int `json:"pid"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &f); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Processes {
		if p.PID != nil && *p.PID == h.PID {
			return
		}
	}
	t.Errorf("the second refresh does not list %d, listening on %d in a namespace made after the first:\n%s", h.PID, port, lines[1])
}

// TestWatchNetNSGone: watch --netns PID finds the namespace once and pins
// it; once its last process exits (and no name refers to it), the next
// refresh ends the watch with exit 2 and says the namespace is gone, as
// gosof-exporter fails its scrapes. It went on showing the pinned, empty
// namespace.
func TestWatchNetNSGone(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	watchRefreshed = func(n int) {
		if n == 1 {
			h.Kill() // the namespace's only process
		}
	}
	t.Cleanup(func() { watchRefreshed = nil })
	var out, errb bytes.Buffer
	code := runT(t, []string{"gosof", "watch", "--netns", strconv.Itoa(h.PID), strconv.Itoa(port), "--listen", "--jsonl", "--count", "3", "-i", "10ms"},
		strings.NewReader(""), &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "--netns "+strconv.Itoa(h.PID)+": the network namespace it named at the start") ||
		!strings.Contains(errb.String(), "is gone") || strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
		t.Errorf("watch --netns of a namespace gone after refresh 1: exit %d, want 2, one refresh and the namespace said gone\n%s%s", code, out.String(), errb.String())
	}
}

// TestWatchSpansAgree: the heading's "for" and the closing line's "in"
// are the same span, written the same way: under a second the heading
// said "for 0s" while the closing line said "in 300ms".
func TestWatchSpansAgree(t *testing.T) {
	h := testhelper.Start(t)
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	h.Do("serve %d keep", lfd)
	watchRefreshed = func(n int) {
		if n == 1 { // CLOSE_WAIT grows between the two refreshes
			h.Do("dial 127.0.0.1:%d 2", port)
		}
	}
	t.Cleanup(func() { watchRefreshed = nil })
	var out, errb bytes.Buffer
	if code := runT(t, []string{"gosof", "watch", "--pid", strconv.Itoa(h.PID), strconv.Itoa(port), "--count", "2", "-i", "300ms"},
		strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("watch: exit %d\n%s%s", code, out.String(), errb.String())
	}
	frames := strings.Split(strings.TrimSpace(out.String()), "\n\n")
	if len(frames) != 2 {
		t.Fatalf("%d frames, want 2:\n%s", len(frames), out.String())
	}
	lines := strings.Split(frames[1], "\n")
	head, summary := lines[0], lines[len(lines)-1]
	i := strings.Index(head, ", for ")
	j := strings.Index(summary, " CLOSE_WAIT in ")
	if i < 0 || j < 0 {
		t.Fatalf("no span in the heading or the closing line:\n%s", frames[1])
	}
	span := head[i+len(", for "):]
	span = span[:strings.Index(span, ";")]
	in := summary[j+len(" CLOSE_WAIT in "):]
	in = in[:strings.Index(in, ",")]
	if span != in {
		t.Errorf("the heading says %q, the closing line %q for the same span:\n%s", span, in, frames[1])
	}
}

// TestWatchUnseenNoteInPipe: in a pipe, the note saying what could not
// be seen, with its remedy, comes once, with the first refresh that
// needs it, as a terminal shows it while watching; it came only when
// the watch ended.
func TestWatchUnseenNoteInPipe(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	root := testhelper.Start(t)
	_, port := listen(t, root, "inet", "127.0.0.1:0")
	remedyOnceFirst(t, watchAsNobody(t, strconv.Itoa(port), "--count", "3", "-i", "10ms"))
}

// TestWatchWideNames: a process named in CJK (two columns a rune) fits
// a narrow terminal: watch measured names in runes, so its table was
// wider than the screen and its rows wrapped.
func TestWatchWideNames(t *testing.T) {
	h := testhelper.Start(t)
	name := "日本語プロ" // 15 bytes, comm's most: 10 columns
	h.Do("comm %x", name)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := startWatchPane(t, nil, "--pid", strconv.Itoa(h.PID), strconv.Itoa(port), "-i", "1h")
	p.await(strconv.Itoa(h.PID) + "/" + name)
	const width = 60 // the table takes 64 with the name whole, one space between columns
	p.tmux("resize-window", "-t", "w", "-x", strconv.Itoa(width), "-y", "30")
	s := p.await("…")
	row, header := false, false
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		header = header || strings.HasPrefix(l, "PID/COMMAND ") && strings.HasSuffix(l, " NOTE")
		if core.Width(l) >= width {
			t.Errorf("a line of %d columns on a screen of %d: %q\n%s", core.Width(l), width, l, s)
		}
		row = row || strings.HasPrefix(l, strconv.Itoa(h.PID)+"/") && strings.Contains(l, "…") && strings.Contains(l, " LISTEN ")
	}
	if !row || !header {
		t.Errorf("no row of %d, its name shortened, its state whole, or no header ending in NOTE (the table was fitted to a column more than a line may take):\n%s", h.PID, s)
	}
	p.tmux("send-keys", "-t", "w", "q")
	p.ended("0")
}
