package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestNotesWhenTheyMatter: as a plain user some process is always
// unreadable; the note saying so is printed only when it bears on the
// answer (a matched socket shows no owner), -q silences notes, and root
// is never told to run as root.
func TestNotesWhenTheyMatter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	_, myPort := listen(t, mine, "inet", "127.0.0.1:0")
	root := testhelper.Start(t)
	_, rootPort := listen(t, root, "inet", "127.0.0.1:0")
	const note = "could not be inspected"

	out, errOut, code := gosofUnder(t, nil, nobody, "who", strconv.Itoa(myPort))
	if code != exitMatch || !strings.Contains(out, strconv.Itoa(mine.PID)) || strings.Contains(errOut, note) {
		t.Errorf("who MY-PORT as nobody: exit %d, stderr %q; want my socket and no note (every matched socket has its owner)\n%s", code, errOut, out)
	}
	_, errOut, code = gosofUnder(t, nil, nobody, "who", strconv.Itoa(rootPort))
	if code != exitMatch || !strings.Contains(errOut, note) {
		t.Errorf("who ROOT-PORT as nobody: exit %d, stderr %q; want the note: the socket's holder could not be seen", code, errOut)
	}
	_, errOut, code = gosofUnder(t, nil, nobody, "who", "-q", strconv.Itoa(rootPort))
	if code != exitMatch || errOut != "" {
		t.Errorf("who -q ROOT-PORT as nobody: exit %d, stderr %q; want nothing on stderr", code, errOut)
	}
	// kill could miss a holder it cannot see: there the note matters.
	_, errOut, _ = gosofUnder(t, nil, nobody, "kill", "-n", strconv.Itoa(myPort))
	if !strings.Contains(errOut, note) {
		t.Errorf("kill -n as nobody: stderr %q; want the note", errOut)
	}
	// root is not told to run as root
	if _, errOut, _ := gosof(t, "fds", "1"); strings.Contains(errOut, "run as root") {
		t.Errorf("fds 1 as root: %q", errOut)
	}
	// a process that does not exist: one line on stderr, exit 1, nothing on stdout
	if out, errOut, code := gosof(t, "fds", "999999999"); code != exitNoMatch || out != "" || strings.Count(errOut, "\n") != 1 {
		t.Errorf("fds 999999999: exit %d, stdout %q, stderr %q; want exit 1 and one line on stderr", code, out, errOut)
	}
}

// TestFdsSaysTheRemedyBesideAListing: fds of a process gosof may list and
// one it may not says how to get the access, on stderr, once, as fds of
// the second alone does. It said only "cannot list descriptors: ...
// permission denied" under the process, and nothing on stderr.
func TestFdsSaysTheRemedyBesideAListing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	root := testhelper.Start(t)
	_, alone, code := gosofUnder(t, nil, nobody, "fds", strconv.Itoa(root.PID))
	if code != exitError || strings.Count(alone, "\n") != 1 {
		t.Fatalf("fds ROOT-PID as nobody: exit %d, stderr %q; want 2 and one line", code, alone)
	}
	for _, args := range [][]string{
		{"fds", strconv.Itoa(mine.PID), strconv.Itoa(root.PID)},
		{"fds", strconv.Itoa(root.PID), strconv.Itoa(mine.PID), "--json"},
	} {
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitMatch || !strings.Contains(out, `"pid": `+strconv.Itoa(mine.PID)) && !strings.Contains(out, strconv.Itoa(mine.PID)+"/") {
			t.Errorf("gosof %s as nobody: exit %d; want 0 and %d listed\n%s%s", strings.Join(args, " "), code, mine.PID, out, errOut)
		}
		if errOut != alone {
			t.Errorf("gosof %s as nobody: stderr %q; want what fds of the root helper alone says: %q", strings.Join(args, " "), errOut, alone)
		}
	}
}

// TestPIDFilterOnAProcessNotSeen: --pid naming a process gosof cannot
// inspect, on a port another process (which gosof can see) holds. Every
// command decides as close does: the socket is that other process's, so
// nothing passes --pid (exit 1, naming the holder). who and kill, whose
// owner scan is scoped to --pid, answered "cannot tell" (exit 2) and
// "holder unknown" (exit 3). Where no process gosof can see holds the
// socket, it still cannot tell.
func TestPIDFilterOnAProcessNotSeen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	_, myPort := listen(t, mine, "inet", "127.0.0.1:0")
	root := testhelper.Start(t) // nobody cannot inspect it
	_, rootPort := listen(t, root, "inet", "127.0.0.1:0")
	pid, port := strconv.Itoa(root.PID), strconv.Itoa(myPort)
	held := "held by " + strconv.Itoa(mine.PID) + "/"
	for _, args := range [][]string{
		{"who", port, "--pid", pid},
		{"kill", "-n", "--pid", pid, port},
		{"close", "-n", "--listen", "--pid", pid, port},
	} {
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitNoMatch || out != "" || !strings.Contains(errOut, held) {
			t.Errorf("%v as nobody: exit %d, stdout %q, stderr %q; want exit 1 and the holder named (%s)", args, code, out, errOut, held)
		}
	}
	_, errOut, code := gosofUnder(t, nil, nobody, "who", strconv.Itoa(rootPort), "--pid", pid)
	if code != exitError || !strings.Contains(errOut, "cannot tell") {
		t.Errorf("who ROOT-PORT --pid ROOT as nobody: exit %d, stderr %q; want exit 2: its holder could not be seen", code, errOut)
	}
	// close's plan names the filter as the note does (Filter.OwnerFlags),
	// not every owner flag there is
	out, errOut, code := gosofUnder(t, nil, nobody, "close", "-n", "--listen", "--pid", pid, strconv.Itoa(rootPort))
	if plan, note := "whether it passes --pid "+pid+" is not known", "--pid "+pid+" left out 1 socket"; code != exitSurvivors ||
		!strings.Contains(strings.Join(strings.Fields(out), " "), plan) || !strings.Contains(errOut, note) {
		t.Errorf("close -n --listen --pid ROOT ROOT-PORT as nobody: exit %d; want 3, %q and %q\n%s%s", code, plan, note, out, errOut)
	}
}

// TestKillCloseSayTheRemedyOnce: kill and close as nobody on a port where a root
// process holds one listener and nobody's own helper another. The holder
// it cannot see is named in the plan ("holder unknown") and in what is
// left ("held by a process gosof could not see"), by kill and close; how
// to see it is said once, on stderr. kill's plan, what was left and the
// note each said it.
func TestKillCloseSayTheRemedyOnce(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start helpers as another user")
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	root := testhelper.Start(t)
	_, port := listen(t, root, "inet", "127.0.0.1:0")
	mine := testhelper.Start(t, testhelper.AsUser(65534, 65534))
	p := strconv.Itoa(port)
	listen(t, mine, "inet", "127.0.0.2:"+p)
	pids := strconv.Itoa(mine.PID) + "," + strconv.Itoa(root.PID)
	const remedy = "to see them"
	for _, tc := range []struct {
		args    []string
		unknown string // how stdout names the holder it could not see
	}{
		{[]string{"kill", "-n", p, "--pid", pids}, "holder unknown"},
		{[]string{"kill", "-n", "--json", p, "--pid", pids}, `"unknown_holder": [`},
		{[]string{"close", "-y", "--listen", p, "--pid", pids}, "held by a process gosof could not see"}, // shuts down the helper's listener
		{[]string{"kill", "-y", p, "--pid", pids}, "held by a process gosof could not see"},              // signals the helper nobody runs
	} {
		args := tc.args
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitSurvivors || !strings.Contains(out, tc.unknown) || strings.Count(out+errOut, remedy) != 1 || !strings.Contains(errOut, remedy) {
			t.Errorf("%v as nobody: exit %d; want 3, the unseen holder named and the remedy once, on stderr\n%s%s", args, code, out, errOut)
		}
	}
	if err := mine.Wait(); err == nil || !running(root) {
		t.Errorf("after kill: the helper nobody runs should have exited (%v), the root helper still run", err)
	}
}

// TestNetlinkRefusedIsSaid: where NETLINK_SOCK_DIAG is refused (a
// sandbox that allows no netlink; a seccomp filter here), gosof reads
// /proc/net as --proc-net does. It did so without a word, so what
// /proc/net cannot show (a TCP socket only bound, unix peers, interfaces,
// idle times) was simply missing; now one note says so.
func TestNetlinkRefusedIsSaid(t *testing.T) {
	h := testhelper.Start(t)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	const note = "NETLINK_SOCK_DIAG is refused here"
	for _, args := range [][]string{{"who", strconv.Itoa(port)}, {"who", "--json", strconv.Itoa(port)}, {"ls", "-l"}} {
		out, errOut, code := gosofNoNetlink(t, args...)
		if code != exitMatch || !strings.Contains(out, strconv.Itoa(h.PID)) || strings.Count(errOut, note) != 1 ||
			!strings.Contains(errOut, "read /proc/net instead") {
			t.Errorf("%v without netlink: exit %d; want the listener and the fallback said once\n%s%s", args, code, out, errOut)
		}
	}
}

// TestNetlinkRefusedAllNetns: where NETLINK_SOCK_DIAG is refused, -A as
// root joined each namespace and read /proc/PID/net there, and said
// "cannot join network namespace X (socket(AF_NETLINK...))" once per
// namespace: joining worked, the netlink socket was what failed.
func TestNetlinkRefusedAllNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a helper in a network namespace")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	out, errOut, code := gosofNoNetlink(t, "who", "-A", "-t", strconv.Itoa(port))
	// and the refusal once: the host's note said "refused here", then
	// the namespaces' "refused there" said it again
	const fell = "read through a member process's /proc/PID/net likewise"
	if code != exitMatch || strings.TrimSpace(out) != strconv.Itoa(h.PID) || strings.Contains(errOut, "cannot join") ||
		strings.Count(errOut, fell) != 1 || strings.Count(errOut, "NETLINK_SOCK_DIAG is refused") != 1 {
		t.Errorf("who -A without netlink: exit %d; want the helper, and netlink's refusal said once, never 'cannot join'\n%s%s", code, out, errOut)
	}
}

// TestProcNetLimitsAfterTheRead: what /proc/net cannot show is decided
// once it was read, with --proc-net and where gosof fell back to it on
// its own (netlink refused) alike. The fallback answered `ls --dev lo`
// with "no match: nothing left after --dev lo" (exit 1), where
// --proc-net is exit 2, "match nothing together"; and `--proc-net who P`
// on a port a TCP socket was only bound to said nothing and exited 1:
// /proc/net/tcp walks the listening and established hashes only
// (net/ipv4/tcp_ipv4.c), so "nothing" is not known there.
func TestProcNetLimitsAfterTheRead(t *testing.T) {
	h := testhelper.Start(t)
	fd := h.Int("socket inet stream")
	h.Do("bind %d 127.0.0.1:0", fd) // bound, not listening: CLOSE
	port := h.Do("name %d", fd)[1]
	const blind = "nothing matched, but /proc/net/tcp lists no TCP socket in CLOSE"
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"ls", "--dev", "lo"}, "--dev and /proc/net (read as netlink is refused, above) match nothing together", exitError},
		{[]string{"who", "--state", "close", port}, "--state close and /proc/net (read as netlink is refused, above) match nothing together", exitError},
		{[]string{"who", "--side", "remote", "/run/gosof-h15.sock"}, "--side remote with a PATH and /proc/net (read as netlink is refused, above) match nothing together", exitError},
		{[]string{"who", port}, blind, exitNoMatch},
	} {
		out, errOut, code := gosofNoNetlink(t, tc.args...)
		if code != tc.code || strings.Count(errOut, tc.want) != 1 || strings.Contains(errOut, "no match:") {
			t.Errorf("%v without netlink: exit %d; want %d and %q once\n%s%s", tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		note bool
	}{
		{[]string{"--proc-net", "who", port}, exitNoMatch, true},
		{[]string{"--proc-net", "who", "-l", port}, exitNoMatch, false}, // a listener /proc/net lists
		{[]string{"who", "-t", port}, exitMatch, false},
	} {
		out, errOut, code := gosof(t, tc.args...)
		if code != tc.code || strings.Contains(errOut, blind) != tc.note {
			t.Errorf("%v: exit %d, want %d; the blind spot said: %v, want %v\n%s%s", tc.args, code, tc.code, !tc.note, tc.note, out, errOut)
		}
	}
}

// TestWhyPathNamesAlone: where /proc/net/unix was read (NETLINK_SOCK_DIAG
// refused, or --proc-net), sockets are known by their names alone, and a
// live server bound through a symlinked directory was called "a stale
// socket file ... safe to remove": the fallback even claimed to know
// which file each socket is bound to, as --proc-net alone was taken to
// mean /proc/net. Where nothing is bound under the name, why cannot tell.
func TestWhyPathNamesAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(dir+"/real", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir+"/real", dir+"/link"); err != nil {
		t.Fatal(err)
	}
	h := testhelper.Start(t)
	fd := h.Int("socket unix stream")
	h.Do("bind %d %s", fd, dir+"/link/s.sock")
	h.Do("listen %d", fd)
	sock := dir + "/real/s.sock"
	if out, errOut, code := gosof(t, "why", sock); code != exitMatch {
		t.Fatalf("why %s with netlink: exit %d, want %d (live)\n%s%s", sock, code, exitMatch, out, errOut)
	}
	for _, args := range [][]string{{"why", sock}, {"--proc-net", "why", sock}} {
		out, errOut, code := gosofNoNetlink(t, args...)
		if code != exitError || strings.Contains(out, "stale") || strings.Contains(out, "emove") ||
			!strings.Contains(errOut, "cannot tell whether "+sock+" is in use") {
			t.Errorf("%v without netlink: exit %d; want %d, 'cannot tell', never stale\n%s%s", args, code, exitError, out, errOut)
		}
	}
}

// gosofNoNetlink runs gosof ARGS re-executed from the test binary in a
// process whose seccomp filter refuses NETLINK_SOCK_DIAG sockets
// (testhelper.RefuseNetlink), as a sandbox without netlink does.
func gosofNoNetlink(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv(t, nil, args...))
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	testhelper.RefuseNetlink(cmd)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errOut.String(), code
}
