package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
	"github.com/gosof/gosof/platform/linux"
)

func netnsOf(t *testing.T, pid int) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// TestNetNS: the same port is held in the host namespace and in two
// namespaces the test creates. who sees the host's only; --all-netns sees
// all three with their owners and namespaces; --netns picks one; kill and
// close act only inside the namespace they are given.
func TestNetNS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	host := testhelper.Start(t)
	hfd, p := listen(t, host, "inet", "127.0.0.1:0")
	port := strconv.Itoa(p)
	ns1 := testhelper.Start(t, testhelper.NewNetNS())
	ns2 := testhelper.Start(t, testhelper.NewNetNS())
	fd1, _ := listen(t, ns1, "inet", "127.0.0.1:"+port)
	fd2, _ := listen(t, ns2, "inet", "127.0.0.1:"+port)
	// A CLOSE_WAIT leak inside ns2: its own client connects and closes.
	c := ns2.Int("socket inet stream")
	ns2.Do("connect %d 127.0.0.1:%d", c, p)
	leak := ns2.Int("accept %d", fd2)
	ns2.Do("close %d", c)

	type key struct {
		state string
		netns uint64
		owner string
	}
	view := func(args ...string) []key {
		t.Helper()
		out, errOut, code := gosof(t, append(args, "--json", "--proto", "tcp")...)
		if code > 1 {
			t.Fatalf("gosof %v: exit %d: %s", args, code, errOut)
		}
		var socks []struct {
			State  string `json:"state"`
			NetNS  uint64 `json:"netns"`
			Owners []struct {
				PID int `json:"pid"`
				FD  int `json:"fd"`
			} `json:"owners"`
		}
		mustUnmarshal(t, out, &socks)
		var k []key
		for _, s := range socks {
			var o []string
			for _, w := range s.Owners {
				o = append(o, fmt.Sprintf("%d/%d", w.PID, w.FD))
			}
			k = append(k, key{s.State, s.NetNS, strings.Join(o, ",")})
		}
		slices.SortFunc(k, func(a, b key) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		return k
	}
	sorted := func(k ...key) []key {
		slices.SortFunc(k, func(a, b key) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		return k
	}
	hostNS, n1, n2 := netnsOf(t, host.PID), netnsOf(t, ns1.PID), netnsOf(t, ns2.PID)
	hostRow := key{"LISTEN", hostNS, fmt.Sprintf("%d/%d", host.PID, hfd)}
	ns1Row := key{"LISTEN", n1, fmt.Sprintf("%d/%d", ns1.PID, fd1)}
	ns2Rows := []key{{"LISTEN", n2, fmt.Sprintf("%d/%d", ns2.PID, fd2)}, {"CLOSE_WAIT", n2, fmt.Sprintf("%d/%d", ns2.PID, leak)}}

	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if got, want := view(append([]string{"who", port}, b.flags...)...), []key{hostRow}; !slices.Equal(got, want) {
				t.Errorf("who (own namespace) = %v, want %v", got, want)
			}
			want := sorted(append([]key{hostRow, ns1Row}, ns2Rows...)...)
			var got []key
			for range 50 { // the CLOSE_WAIT takes a moment to appear
				if got = view(append([]string{"who", "--all-netns", port}, b.flags...)...); slices.Equal(got, want) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if !slices.Equal(got, want) {
				t.Errorf("who --all-netns =\n%v\nwant\n%v", got, want)
			}
			if got, want := view(append([]string{"who", "--netns", strconv.Itoa(ns1.PID), port}, b.flags...)...), []key{ns1Row}; !slices.Equal(got, want) {
				t.Errorf("who --netns PID = %v, want %v", got, want)
			}
			if got, want := view(append([]string{"who", "--netns", strconv.FormatUint(n1, 10), port}, b.flags...)...), []key{ns1Row}; !slices.Equal(got, want) {
				t.Errorf("who --netns INODE = %v, want %v", got, want)
			}
		})
	}

	out, _, _ := gosof(t, "who", "-A", port)
	if !strings.HasPrefix(out, "NETNS") || !strings.Contains(out, strconv.FormatUint(n1, 10)) {
		t.Errorf("table of several namespaces lacks the NETNS column:\n%s", out)
	}

	// why probes inside the namespace it explains: in ns1 the listener
	// blocks 127.0.0.1:PORT; a fresh namespace has the port free.
	verdict := func(args ...string) (string, int) {
		t.Helper()
		out, errOut, code := gosof(t, append(args, "--json")...)
		var d struct {
			Probe struct {
				Verdict string `json:"verdict"`
			} `json:"probe"`
		}
		if code > 1 {
			t.Fatalf("gosof %v: exit %d: %s", args, code, errOut)
		}
		mustUnmarshal(t, out, &d)
		return d.Probe.Verdict, code
	}
	if v, code := verdict("why", "--netns", strconv.Itoa(ns1.PID), port); code != exitMatch || v == "free" || v == "not_probed" {
		t.Errorf("why --netns ns1: verdict %q exit %d, want the port in use and a probe that hit the listener", v, code)
	}
	fresh := testhelper.Start(t, testhelper.NewNetNS())
	if v, code := verdict("why", "--netns", strconv.Itoa(fresh.PID), port); code != exitNoMatch || v != "free" {
		t.Errorf("why --netns fresh: verdict %q exit %d, want free and exit 1", v, code)
	}
	if out, _, code := gosof(t, "why", "-A", port, "--no-probe"); code != exitMatch || strings.Count(out, "Network namespace ") != 3 {
		t.Errorf("why -A: exit %d, want one diagnosis per namespace using the port (3):\n%s", code, out)
	}
	// why -A probes in each of the three namespaces, but discovers them once.
	discover := linux.FindNamespaces
	discoveries := 0
	linux.FindNamespaces = func(fs linux.FS) ([]linux.Namespace, error) {
		discoveries++
		return discover(fs)
	}
	out, _, code := gosof(t, "why", "-A", port)
	linux.FindNamespaces = discover
	if code != exitMatch || strings.Count(out, "Network namespace ") != 3 || strings.Count(out, "not probed") != 0 {
		t.Errorf("why -A: exit %d, want one probed diagnosis per namespace using the port (3):\n%s", code, out)
	}
	if discoveries != 1 {
		t.Errorf("why -A discovered the network namespaces %d times, want once", discoveries)
	}

	// close inside ns2 releases the leak; its holder lives on and reads EOF.
	if out, errOut, code := gosof(t, "close", "--netns", ownNetNS(t, strconv.Itoa(ns2.PID)), port, "--state", "close-wait", "-y"); code != exitMatch {
		t.Fatalf("close --netns: exit %d\n%s%s", code, out, errOut)
	}
	if got := view("who", "--netns", strconv.Itoa(ns2.PID), port); !slices.Equal(got, ns2Rows[:1]) {
		t.Errorf("after close --netns: %v, want only the listener %v", got, ns2Rows[:1])
	}
	// A graceful close shuts the holder's own socket down: it reads EOF.
	if ans, err := ns2.Try("read %d", leak); err != nil || len(ans) == 0 || ans[0] != "eof" {
		t.Errorf("holder's read after close = %v %v, want eof", ans, err)
	}

	// kill inside ns1 kills only ns1's holder.
	if out, errOut, code := gosof(t, "kill", "--netns", ownNetNS(t, strconv.Itoa(ns1.PID)), port, "-y", "--timeout", "2s"); code != exitMatch {
		t.Fatalf("kill --netns: exit %d\n%s%s", code, out, errOut)
	}
	if running(ns1) {
		t.Error("kill --netns left the holder inside the namespace running")
	}
	if !running(host) || !running(ns2) {
		t.Error("kill --netns signalled a process outside the namespace")
	}
}

func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
}

// TestNetNSWithoutCapSysAdmin: a user without CAP_SYS_ADMIN cannot join a
// namespace, so gosof reads a member's /proc/PID/net instead and says so
// once. The user's own process in its own namespace (as with rootless
// containers) is what such a user can look at.
func TestNetNSWithoutCapSysAdmin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a namespace for another user's process")
	}
	h := testhelper.Start(t, testhelper.NewNetNS(), testhelper.AsUser(65534, 65534))
	fd := h.Int("socket inet stream")
	h.Do("bind %d 0.0.0.0:0", fd) // lo is down; the namespace has no other interface
	h.Do("listen %d", fd)
	port := h.Do("name %d", fd)[1]

	cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv(t, nil, "who", "--netns", strconv.Itoa(h.PID), port, "--json"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		t.Fatalf("gosof as nobody: %v\n%s%s", err, out.String(), errOut.String())
	}
	var socks []struct {
		State  string `json:"state"`
		NetNS  uint64 `json:"netns"`
		Owners []struct {
			PID int `json:"pid"`
		} `json:"owners"`
	}
	mustUnmarshal(t, out.String(), &socks)
	if len(socks) != 1 || socks[0].State != "LISTEN" || socks[0].NetNS != netnsOf(t, h.PID) ||
		len(socks[0].Owners) != 1 || socks[0].Owners[0].PID != h.PID {
		t.Errorf("gosof as nobody saw %+v, want the helper's listener in its namespace, held by %d", socks, h.PID)
	}
	want := fmt.Sprintf("network namespace net:[%d] read through a member process's /proc/PID/net instead: cannot join", netnsOf(t, h.PID))
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr does not say what was read instead:\n%s", errOut.String())
	}
	if n := strings.Count(errOut.String(), "cannot join"); n != 1 {
		t.Errorf("the fallback is said %d times, want once:\n%s", n, errOut.String())
	}
}

// TestPIDInAnotherNamespace: ls --pid and fds for a process in another
// network namespace find its sockets there, not nothing.
func TestPIDInAnotherNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	fd, p := listen(t, h, "inet", "127.0.0.1:0")
	pid := strconv.Itoa(h.PID)
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		got := rows(gosofJSON(t, append([]string{"ls", "--pid", pid, "--proto", "tcp"}, mode...)...))
		want := []string{fmt.Sprintf("tcp inet LISTEN 127.0.0.1:%d * %d/%d", p, h.PID, fd)}
		diffRows(t, fmt.Sprintf("ls --pid %v", mode), want, got)
	}
	out, errOut, code := gosof(t, "fds", pid)
	if code != 0 || strings.Contains(out, "not in the socket table") || !strings.Contains(out, fmt.Sprintf("tcp 127.0.0.1:%d LISTEN", p)) {
		t.Errorf("fds %s: exit %d (%s):\n%s", pid, code, errOut, out)
	}
}

// TestAllNetnsWhileNamespacesComeAndGo: ls -A while namespaces are created
// and deleted under /run/netns (each passing through a plain file, as with
// ip netns add/del) never fails.
func TestAllNetnsWhileNamespacesComeAndGo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			path := fmt.Sprintf("/run/netns/gosof-h13-churn-%d-%d", os.Getpid(), i%4)
			if err := churnNetns(path); err != nil {
				done <- err
				return
			}
		}
	}()
	for i := 0; i < 18; i++ {
		_, errOut, code := gosof(t, "ls", "-A", "--proto", "tcp")
		if code > 1 {
			t.Errorf("run %d: exit %d: %s", i, code, errOut)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// churnNetns does what `ip netns add` and `ip netns del` do, with a pause
// between the steps: create the file, bind-mount a new namespace on it,
// unmount it, remove the file.
func churnNetns(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	f.Close()
	defer os.Remove(path)
	time.Sleep(time.Millisecond)
	if err := testhelper.BindNewNetNS(path); err != nil {
		return err
	}
	time.Sleep(time.Millisecond)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
		return err
	}
	time.Sleep(time.Millisecond)
	return nil
}

// TestPlansNameTheNamespace: under -A, kill's and close's plans list
// sockets of several network namespaces, which look alike (the same
// 127.0.0.1:P in each); the plan the user confirms says which namespace
// each is in, as who -A's NETNS column does.
func TestPlansNameTheNamespace(t *testing.T) {
	a := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, a, "inet", "127.0.0.1:0")
	b := testhelper.Start(t, testhelper.NewNetNS())
	listen(t, b, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	p := strconv.Itoa(port)
	na, nb := strconv.FormatUint(netnsOf(t, a.PID), 10), strconv.FormatUint(netnsOf(t, b.PID), 10)
	for _, args := range [][]string{
		{"close", "-A", "-n", "--listen", p},
		{"close", "-A", "-n", p}, // the listeners left alone
		{"kill", "-A", "-n", p},
	} {
		out, errOut, _ := gosof(t, args...)
		for _, want := range []string{na, nb} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: the plan does not name namespace %s\n%s%s", args, want, out, errOut)
			}
		}
	}
	out, _, _ := gosof(t, "close", "-A", "-n", "--listen", p)
	if !strings.Contains(out, "NETNS") {
		t.Errorf("close -A -n: no NETNS column\n%s", out)
	}
	// One namespace: no column, no labels.
	out, _, _ = gosof(t, "close", "-n", "--listen", "--netns", strconv.Itoa(a.PID), p)
	if strings.Contains(out, "NETNS") || strings.Contains(out, na) {
		t.Errorf("close --netns -n: names the one namespace\n%s", out)
	}
}

// TestNetnsNamedHalf: --netns NAME where NAME is a plain file under
// /run/netns (not a namespace) is a usage error in one line, exit 2:
// why never calls a port in it free, who and kill never "no match".
func TestNetnsNamedHalf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write /run/netns")
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("gosof-half-cli-%d", os.Getpid())
	path := "/run/netns/" + name
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	for _, args := range [][]string{{"why", "48100"}, {"why", "48100", "--json"}, {"who", "48100"}, {"kill", "-n", "48100"}} {
		args = append(args, "--netns", name)
		out, errOut, code := gosof(t, args...)
		if code != exitError || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "is not a network namespace") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, out, errOut)
		}
	}
}

// TestWhyCommandsNameTheNamespace: the commands why suggests for a
// namespace named with --netns (or each of -A's) carry --netns, so that
// pasted they act there, not on the host's port of the same number.
func TestWhyCommandsNameTheNamespace(t *testing.T) {
	h := testhelper.Start(t, testhelper.NewNetNS())
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	cfd, _ := connect(t, h, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	h.Int("accept %d", lfd)
	h.Do("close %d", cfd) // the accepted end goes to CLOSE_WAIT
	p, ns := strconv.Itoa(port), strconv.Itoa(h.PID)
	waitFor(t, []string{"CLOSE_WAIT"}, "who", p, "--netns", ns, "--state", "close-wait")
	want := "gosof close " + p + " --netns " + strconv.FormatUint(netnsOf(t, h.PID), 10) + " --state close-wait"
	out, errOut, _ := gosof(t, "why", "--no-probe", "--netns", ns, p)
	if !strings.Contains(out, "To release them now:  "+want+"\n") {
		t.Errorf("why --netns: no %q\n%s%s", want, out, errOut)
	}
	out, errOut, _ = gosof(t, "why", "--no-probe", "--json", "--netns", ns, p)
	if !strings.Contains(out, `"`+want+`"`) {
		t.Errorf("why --netns --json: no %q\n%s%s", want, out, errOut)
	}
	if out, _, _ := gosof(t, "why", "--no-probe", "-A", p); !strings.Contains(out, want) {
		t.Errorf("why -A: no %q\n%s", want, out)
	}
}

// TestKillOrphanCommand: the command kill suggests for the sockets no
// process holds is one to paste: their port and states, and --netns when
// they are in a namespace named on the command line (diagnose.CommandTarget,
// as why's), never a bare 'gosof close --abort' that names no port.
func TestKillOrphanCommand(t *testing.T) {
	for _, inNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("netns=%v", inNS), func(t *testing.T) {
			var h *testhelper.Proc
			if inNS {
				h = testhelper.Start(t, testhelper.NewNetNS())
			} else {
				h = testhelper.Start(t)
			}
			lfd, port := listen(t, h, "inet", "127.0.0.1:0")
			cfd, _ := connect(t, h, "inet", fmt.Sprintf("127.0.0.1:%d", port))
			a := h.Int("accept %d", lfd)
			h.Do("close %d", a) // the server closes first: its side ends in TIME_WAIT
			h.Do("close %d", cfd)
			h.Do("close %d", lfd)
			p := strconv.Itoa(port)
			var where []string
			want := "gosof close " + p + " --state time-wait --abort"
			if inNS {
				where = []string{"--netns", strconv.Itoa(h.PID)}
				want = "gosof close " + p + " --netns " + strconv.FormatUint(netnsOf(t, h.PID), 10) + " --state time-wait --abort"
			}
			waitFor(t, []string{"TIME_WAIT"}, append([]string{"who", p, "--state", "time-wait"}, where...)...)
			out, errOut, _ := gosof(t, append([]string{"kill", "-n", p}, where...)...)
			if !strings.Contains(out, "see '"+want+"'") {
				t.Fatalf("kill -n %s %v: no %q\n%s%s", p, where, want, out, errOut)
			}
			// pasted (as a plan), it acts on that TIME_WAIT and nothing else
			out, errOut, code := gosof(t, append(strings.Fields(want)[1:], "-n")...)
			if code != exitMatch || !strings.Contains(out, "plan: abort 1 socket") || !strings.Contains(out, "127.0.0.1:"+p) {
				t.Errorf("%s -n: exit %d; want the TIME_WAIT planned for abort\n%s%s", want, code, out, errOut)
			}
		})
	}
}

// TestAllNetnsSkippedIsNotNothing: -A as nobody cannot read a named
// namespace whose only process is root's (it cannot join it, nor read
// that process's /proc/PID/net as one of the namespace's). The namespace
// is skipped with a note, and an answer that would be "nothing" is not
// known: who, kill and why exit 2 saying so, never 1 ("free", "no
// match"), and metrics says the tables were not read. They exited 1
// while the skipped namespace held the port.
func TestAllNetnsSkippedIsNotNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write /run/netns and run gosof as another user")
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	path := fmt.Sprintf("/run/netns/gosof-h11-skipped-%d", os.Getpid())
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	if err := unix.Mount(fmt.Sprintf("/proc/%d/ns/net", h.PID), path, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(path, unix.MNT_DETACH) })
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	p := strconv.Itoa(port)
	for _, args := range [][]string{{"who", p}, {"who", "-t", p}, {"who", "--json", p}, {"kill", "-n", p}, {"why", p}} {
		args = append(args, "-A")
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitError || !strings.Contains(errOut, "skipped") || !strings.Contains(errOut, "cannot tell") || !strings.Contains(errOut, "could not read, above") {
			t.Errorf("%v as nobody: exit %d; want 2: the namespace holding the port was skipped, so it cannot tell\n%s%s", args, code, out, errOut)
		}
		// The helper's /proc/PID/net is readable; gosof cannot tell it
		// is in the named namespace. Said so, not "it has no processes
		// whose /proc/PID/net could be read", and the namespaces the
		// refused processes are in may be the named one, not more
		// ("it may be the named one", or "the named one ... may be among
		// them" where the host holds more; never "the 1 named one"). Other
		// tests running beside this one may hold named namespaces of their
		// own: "the 2 named ones".
		if !strings.Contains(errOut, "gosof saw no process there whose /proc/PID/net it could read") || strings.Contains(errOut, "has no processes") ||
			!regexp.MustCompile(`the (named one|[0-9]+ named ones) gosof saw no process in`).MatchString(errOut) || strings.Contains(errOut, "the 1 named one") {
			t.Errorf("%v as nobody: the named namespace is not said truly, once\n%s", args, errOut)
		}
	}
	out, errOut, _ := gosofUnder(t, nil, nobody, "metrics", "-A")
	if !strings.Contains(out, `gosof_table_unread{proto="tcp"} 1`) {
		t.Errorf("metrics -A as nobody: the skipped namespace's tables are not said unread\n%s", errOut)
	}
	// A unix socket the helper binds there, its file where nobody sees it:
	// why -A PATH said "stale ... Safe to remove (rm -- PATH)" of a live
	// server's socket.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := dir + "/live.sock"
	fd := h.Int("socket unix stream")
	h.Do("bind %d %s", fd, sock)
	h.Do("listen %d", fd)
	out, errOut, code := gosofUnder(t, nil, nobody, "why", "-A", sock)
	if code != exitError || strings.Contains(out, "emove") || !strings.Contains(errOut, "cannot tell whether "+sock+" is in use") {
		t.Errorf("why -A PATH as nobody: exit %d; want 2, 'cannot tell', never 'safe to remove'\n%s%s", code, out, errOut)
	}
}

// TestAllNetnsSkippedSaidOnce: -A as nobody printed one "network
// namespace X skipped: cannot join ..." line per namespace it could not
// join, the remedy in each: a hundred on a host with a hundred. Now one
// line counts them, names a few and says the remedy once.
func TestAllNetnsSkippedSaidOnce(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write /run/netns and run gosof as another user")
	}
	for i := 0; i < 5; i++ {
		namedNetNS(t, fmt.Sprintf("gosof-h15-once-%d-%d", os.Getpid(), i))
	}
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	out, errOut, code := gosofUnder(t, nil, nobody, "who", "-A", strconv.Itoa(testhelper.UnheldPort))
	var skipped []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, "skipped: cannot join") {
			skipped = append(skipped, l)
		}
	}
	if code != exitError || len(skipped) != 1 || !strings.Contains(skipped[0], " more)") || strings.Count(errOut, "joining one needs") != 1 {
		t.Errorf("who -A as nobody: exit %d; want 2 and the namespaces it could not join said in one line, a few named, the remedy once\n%s%s", code, out, errOut)
	}
}

// TestAllNetnsUnidentifiedIsNotNothing: -A as nobody cannot even find a
// namespace no name refers to whose only process is root's: its
// /proc/PID/ns/net is refused. It was left out without a word, and who
// and why said "no match" and "free" (exit 1) while it held the port.
// Now one note says such namespaces were skipped, with the remedy, and
// the answer is "cannot tell" (exit 2).
func TestAllNetnsUnidentifiedIsNotNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a helper in a namespace and run gosof as another user")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	p := strconv.Itoa(port)
	const note = " holding only processes gosof may not inspect (" // one namespace or more: the host may hold others
	for _, args := range [][]string{{"who", p}, {"why", p}, {"who", "--jsonl", p}} {
		args = append(args, "-A")
		out, errOut, code := gosofUnder(t, nil, nobody, args...)
		if code != exitError || strings.Count(errOut, note) != 1 || !strings.Contains(errOut, "to see them") || !strings.Contains(errOut, "cannot tell") {
			t.Errorf("%v as nobody: exit %d; want 2, the unidentified namespaces said once with the remedy, and 'cannot tell'\n%s%s", args, code, out, errOut)
		}
	}
	// root finds it and its holder
	if out, errOut, code := gosof(t, "who", "-A", "-t", p); code != exitMatch || strings.TrimSpace(out) != strconv.Itoa(h.PID) {
		t.Errorf("who -A -t %s as root: exit %d, %q; want %d\n%s", p, code, out, h.PID, errOut)
	}
}

// TestNetnsJoinRemedyInAUserNamespace: gosof as root of a user namespace
// of its own (unshare -U -r) has CAP_SYS_ADMIN there, and still may not
// join a namespace the host's user namespace owns. It was told to run "as
// root or with CAP_SYS_ADMIN", which it already was; the remedy that
// works is the host's root.
func TestNetnsJoinRemedyInAUserNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write /run/netns")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || exec.Command(unshare, "-U", "-r", "true").Run() != nil {
		t.Skip("no unshare -U (util-linux), or user namespaces are not allowed")
	}
	name := fmt.Sprintf("gosof-h11-userns-%d", os.Getpid())
	namedNetNS(t, name)
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	for _, tc := range []struct {
		wrap []string
		want string
	}{
		{[]string{unshare, "-U", "-r"}, "run it as the host's root"},
		{nil, "joining one needs root or CAP_SYS_ADMIN"},
	} {
		out, errOut, code := gosofUnder(t, tc.wrap, nobody, "who", "--netns", name, "47479")
		if code != exitError || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "cannot join") != 1 {
			t.Errorf("who --netns %s as nobody %v: exit %d; want 2, said once with %q\n%s%s", name, tc.wrap, code, tc.want, out, errOut)
		}
	}
}

// TestNetnsDirUnreadable: /run/netns that a user may not read (mode 700,
// here a tmpfs in a mount namespace of the test's own) hides the names in
// it, not the namespaces. --netns NAME as nobody said "no such name under
// /run/netns", and -A left them out without a word; now --netns says it
// cannot tell, and -A skips them with one note (exit 2 where nothing else
// matched).
func TestNetnsDirUnreadable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount over /run/netns in a mount namespace")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	wrap := []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o mode=700 gosof-h11 /run/netns && exec ` + setpriv + ` --reuid 65534 --regid 65534 --clear-groups "$0" "$@"`}
	const note = "the network namespaces named under /run/netns (open /run/netns: permission denied"
	_, errOut, code := gosofUnder(t, wrap, nil, "who", "--netns", "web", "47479")
	if code != exitError || !strings.Contains(errOut, "cannot tell whether it names one: "+note) {
		t.Errorf("who --netns web: exit %d; want 2 and that /run/netns could not be read\n%s", code, errOut)
	}
	out, errOut, code := gosofUnder(t, wrap, nil, "who", "-A", strconv.Itoa(testhelper.UnheldPort))
	if code != exitError || strings.Count(errOut, note) != 1 || !strings.Contains(errOut, "cannot tell whether anything matches") {
		t.Errorf("who -A: exit %d; want 2, the unread names said once, and 'cannot tell'\n%s%s", code, out, errOut)
	}
}

// TestAllNetnsHiddenProcesses: a /proc mounted hidepid=invisible (in a
// mount namespace of the test's own) does not even list another user's
// processes, so -A as nobody cannot find a namespace only they are in.
// It left out the helper's namespace, which held the port, and said
// nothing; now one note says so with the remedy, and who exits 2.
func TestAllNetnsHiddenProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount /proc in a mount namespace and start a helper in a namespace")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	wrap := []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t proc -o hidepid=invisible proc /proc && exec ` + setpriv + ` --reuid 65534 --regid 65534 --clear-groups "$0" "$@"`}
	const note = "the network namespaces only processes gosof cannot list are in (/proc hides other users' processes (hidepid=invisible); run as root"
	out, errOut, code := gosofUnder(t, wrap, nil, "who", "-A", strconv.Itoa(port))
	if code != exitError || strings.Count(errOut, note) != 1 || !strings.Contains(errOut, "cannot tell whether anything matches") {
		t.Errorf("who -A PORT under hidepid as nobody: exit %d; want 2, the hidden namespaces said once with the remedy, and 'cannot tell'\n%s%s", code, out, errOut)
	}
}

// namedNetNS makes a network namespace named /run/netns/NAME, as `ip
// netns add NAME` does (no process in it), gone when the test ends.
func namedNetNS(t *testing.T, name string) {
	t.Helper()
	if err := os.MkdirAll("/run/netns", 0o755); err != nil {
		t.Fatal(err)
	}
	path := "/run/netns/" + name
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	if err := testhelper.BindNewNetNS(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(path, unix.MNT_DETACH) })
}
