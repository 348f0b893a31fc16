package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/promtest"
	"github.com/gosof/gosof/internal/testhelper"
)

// The metrics families themselves are tested in core/metrics over sockets
// built by hand, and through a real Prometheus in cmd/gosof-exporter; these
// tests run 'gosof metrics' over real sockets, with Prometheus's parser and
// promtool as the oracles of the text gosof writes itself.

// TestMetricsText: 'gosof metrics' over a world of known sockets, as
// node_exporter's textfile collector would read it.
func TestMetricsText(t *testing.T) {
	w := promtest.NewWorld(t, 3, 2, 16)
	out, errOut, code := gosof(t, "metrics")
	// On a shared host some other process may be out of reach even for
	// root (capabilities gosof lacks, a parent user namespace): that
	// one line is all stderr may say.
	if code != exitMatch || (errOut != "" && (strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "could not be inspected"))) {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing but the unseen line", code, errOut)
	}
	got := promtest.Parse(t, out)
	w.Check(t, got)
	// gosof's own version, as gosof-exporter's is in what it serves
	bi := fmt.Sprintf("gosof_build_info{goarch=%s,goos=%s,goversion=%s,revision=%s,version=%s}",
		runtime.GOARCH, runtime.GOOS, toolchain, commit, version)
	if got[bi] != 1 {
		t.Errorf("no %s 1 in:\n%s", bi, out)
	}
	for k := range got {
		if strings.HasPrefix(k, "go_") || strings.HasPrefix(k, "process_") {
			t.Errorf("textfile output has %s: it would clash with node_exporter's own", k)
			break
		}
	}
	promtest.Check(t, out)

	// The recipe of 'gosof metrics --help', as cron would run it: a
	// temporary file renamed into place.
	dir := t.TempDir()
	if b, err := textfileRecipe(t, dir, "metrics").CombinedOutput(); err != nil {
		t.Fatalf("recipe: %v\n%s", err, b)
	}
	onlyProm := func(when string) {
		t.Helper()
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 || ents[0].Name() != "gosof.prom" {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("%s: textfile directory holds %q, want only gosof.prom", when, names)
		}
	}
	onlyProm("after a good run")
	good, err := os.ReadFile(filepath.Join(dir, "gosof.prom"))
	if err != nil {
		t.Fatal(err)
	}
	w.Check(t, promtest.Parse(t, string(good)))

	// A run that fails (here: a namespace that is not there; a full disk
	// alike) keeps the last good file, leaves no temporary file behind
	// (cron would leave one a minute), and fails, for cron's mail or
	// systemd's failed unit.
	b, err := textfileRecipe(t, dir, "metrics", "--netns", "gosof-no-such-netns").CombinedOutput()
	if err == nil {
		t.Errorf("recipe with a failing gosof succeeded; output %q", b)
	}
	onlyProm("after a failed run")
	if after, _ := os.ReadFile(filepath.Join(dir, "gosof.prom")); !bytes.Equal(after, good) {
		t.Errorf("a failed run changed gosof.prom:\n%s", after)
	}
}

// textfileRecipe is the shell command of 'gosof metrics --help' that
// writes the textfile, with its file in dir and gosof run with args (the
// test binary is gosof here, envCLI).
func textfileRecipe(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(metricsCommand().Description, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "f=") || len(lines) == 1 {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "gosof metrics ") {
		t.Fatalf("no textfile recipe in the help of gosof metrics: %q", lines)
	}
	sh := `f="$DIR/gosof.prom"` + "\n" + `"$GOSOF"` + strings.TrimPrefix(lines[1], "gosof")
	cmd := exec.Command("sh", "-c", sh)
	cmd.Env = append(os.Environ(), "GOSOF="+os.Args[0], "DIR="+dir, cliEnv(t, nil, args...))
	return cmd
}

// TestMetricsSeriesCap: --max-series bounds the per-port series, and
// gosof_series_dropped says how many this run left out: the same number
// in every run of the same sockets, as a textfile collector run from cron
// sees it (a counter since start would also be the same in every run, and
// an alert on its increase could never fire).
func TestMetricsSeriesCap(t *testing.T) {
	for i := 0; i < 3; i++ {
		promtest.NewWorld(t, 1, 0, 8) // at least 3 listeners: 9 listener series, 3 CLOSE_WAIT series
	}
	perPort := func(m map[string]float64) int {
		n := 0
		for k := range m {
			for _, f := range []string{"gosof_port_connections{", "gosof_listeners{", "gosof_listen_queue{", "gosof_listen_backlog{"} {
				if strings.HasPrefix(k, f) {
					n++
				}
			}
		}
		return n
	}
	var dropped []float64
	for run := 0; run < 2; run++ {
		out, _, code := gosof(t, "metrics", "--max-series", "3")
		if code != exitMatch {
			t.Fatalf("exit %d", code)
		}
		got := promtest.Parse(t, out)
		// Every listener's gosof_listeners comes first (the host has
		// at least 3 listeners).
		if n := perPort(got); n != 3 {
			t.Errorf("--max-series 3 kept %d per-port series, want 3:\n%s", n, out)
		}
		d, ok := got["gosof_series_dropped{}"]
		if !ok || d < 9 {
			t.Errorf("gosof_series_dropped = %v (present %v), want >= 9 (this test's own 2 listeners and 3 CLOSE_WAIT series)", d, ok)
		}
		if _, ok := got["gosof_series_dropped_total{}"]; ok {
			t.Errorf("gosof_series_dropped_total is still there")
		}
		dropped = append(dropped, d)
	}
	if dropped[0] != dropped[1] {
		t.Logf("the host's sockets changed between the runs: dropped %v", dropped)
	}
	out, _, _ := gosof(t, "metrics", "--max-series", "0")
	got := promtest.Parse(t, out)
	if n, d := perPort(got), got["gosof_series_dropped{}"]; n < 12 || d != 0 {
		t.Errorf("--max-series 0 kept %d per-port series and dropped %v; want >= 12 and 0", n, d)
	}
	if _, errOut, code := gosof(t, "metrics", "--max-series", "-1"); code != exitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "negative") {
		t.Errorf("--max-series -1: exit %d, stderr %q; want 2 and one line", code, errOut)
	}
	// a number is decimal, as the check of flag values reads it:
	// urfave/cli's own default read 010 as octal 8
	kept := func(v string) int {
		out, errOut, code := gosof(t, "metrics", "--max-series", v)
		if code != exitMatch {
			t.Fatalf("--max-series %s: exit %d %s", v, code, errOut)
		}
		return perPort(promtest.Parse(t, out))
	}
	if a, b := kept("010"), kept("10"); a != b || b <= 8 {
		t.Errorf("--max-series 010 kept %d per-port series, 10 kept %d; want the same, above 8", a, b)
	}
	// A cap smaller than a TCP listener's three series keeps what fits
	// (here at least this UDP service's one): it kept nothing.
	udp := testhelper.Start(t)
	udp.Do("bind %d 127.0.0.1:0", udp.Int("socket inet dgram"))
	if n := kept("1"); n != 1 {
		t.Errorf("--max-series 1 kept %d per-port series, want 1", n)
	}
}

// TestMetricsSeriesCapKeepsListener: under a cap too small for a TCP
// listener's three series, the listener (gosof_listeners: the service)
// is kept before any connection of its port, never dropped while its
// connections' series are kept. A server of its own network namespace:
// one listener with its queue, two CLOSE_WAIT connections (a count and
// the oldest idle time: two series) and one ESTABLISHED (one series).
func TestMetricsSeriesCapKeepsListener(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	srv := testhelper.Start(t, testhelper.NewNetNS())
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:0", lfd)
	srv.Do("listen %d", lfd)
	port := srv.Do("name %d", lfd)[1]
	for i := 0; i < 3; i++ {
		c := srv.Int("socket inet stream")
		srv.Do("connect %d 127.0.0.1:%s", c, port)
		srv.Int("accept %d", lfd)
		if i < 2 {
			srv.Do("close %d", c) // the server's end is in CLOSE_WAIT
		}
	}
	listener := "gosof_listeners{addr=127.0.0.1,port=" + port + ","
	for _, max := range []string{"1", "2", "3", "6"} {
		out, errOut, code := gosof(t, "metrics", "--netns", strconv.Itoa(srv.PID), "--max-series", max)
		if code != exitMatch {
			t.Fatalf("--max-series %s: exit %d: %s", max, code, errOut)
		}
		var perPort []string
		for k := range promtest.Parse(t, out) {
			if strings.Contains(k, "port="+port+",") {
				perPort = append(perPort, k)
			}
		}
		sort.Strings(perPort)
		want, _ := strconv.Atoi(max)
		has := false
		for _, k := range perPort {
			has = has || strings.HasPrefix(k, listener)
		}
		if !has || len(perPort) != want {
			t.Errorf("--max-series %s kept %q; want %d series, the listener's gosof_listeners among them", max, perPort, want)
		}
	}
}

// TestMetricsUDP: a UDP service (bound, not connected) is a listener of
// its port, and a connected UDP socket on that port a connection on it; a
// client's connected UDP socket on an ephemeral port is no series.
func TestMetricsUDP(t *testing.T) {
	srv := testhelper.Start(t)
	srv.Do("comm %s", hex.EncodeToString([]byte("udpsrv")))
	fd := srv.Int("socket inet dgram")
	srv.Do("setsockopt %d reuseaddr 1", fd)
	srv.Do("bind %d 127.0.0.1:0", fd)
	port, _ := strconv.Atoi(srv.Do("name %d", fd)[1])
	// A second socket of the service on the same port, connected to a
	// client (as QUIC servers do), and the client's own.
	cli := testhelper.Start(t)
	cli.Do("comm %s", hex.EncodeToString([]byte("udpcli")))
	c := cli.Int("socket inet dgram")
	cli.Do("connect %d 127.0.0.1:%d", c, port)
	cport, _ := strconv.Atoi(cli.Do("name %d", c)[1])
	conn := srv.Int("socket inet dgram")
	srv.Do("setsockopt %d reuseaddr 1", conn)
	srv.Do("bind %d 127.0.0.1:%d", conn, port)
	srv.Do("connect %d 127.0.0.1:%d", conn, cport)

	out, errOut, code := gosof(t, "metrics", "--max-series", "0")
	if code != exitMatch {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := promtest.Parse(t, out)
	for k, want := range map[string]float64{
		fmt.Sprintf("gosof_listeners{addr=127.0.0.1,port=%d,process=udpsrv,proto=udp}", port):           1,
		fmt.Sprintf("gosof_port_connections{port=%d,process=udpsrv,proto=udp,state=ESTABLISHED}", port): 1,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	for k := range got {
		if strings.Contains(k, "process=udpcli") {
			t.Errorf("a client's ephemeral UDP port is a series: %s", k)
		}
	}
	promtest.Check(t, out)
}

// TestMetricsBoundOnlyIsNoConnection: a TCP socket only bound to a
// listening port (SO_REUSEPORT beside the listener; state CLOSE, no
// peer) is no connection: gosof_port_connections counted it under
// state="CLOSE". The listener's accepted connection still counts.
func TestMetricsBoundOnlyIsNoConnection(t *testing.T) {
	srv := testhelper.Start(t)
	srv.Do("comm %s", hex.EncodeToString([]byte("boundsrv")))
	l := srv.Int("socket inet stream")
	srv.Do("setsockopt %d reuseport 1", l)
	srv.Do("bind %d 127.0.0.1:0", l)
	srv.Do("listen %d", l)
	port, _ := strconv.Atoi(srv.Do("name %d", l)[1])
	b := srv.Int("socket inet stream")
	srv.Do("setsockopt %d reuseport 1", b)
	srv.Do("bind %d 127.0.0.1:%d", b, port)
	cli := testhelper.Start(t)
	connect(t, cli, "inet", "127.0.0.1:"+strconv.Itoa(port))
	srv.Int("accept %d", l)
	if socks := gosofJSON(t, "who", strconv.Itoa(port), "--state", "close"); len(socks) != 1 {
		t.Fatalf("want the bound-only socket in state CLOSE on %d, got %d sockets", port, len(socks))
	}
	out, errOut, code := gosof(t, "metrics", "--max-series", "0")
	if code != exitMatch {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := promtest.Parse(t, out)
	est := fmt.Sprintf("gosof_port_connections{port=%d,process=boundsrv,proto=tcp,state=ESTABLISHED}", port)
	if got[est] != 1 {
		t.Errorf("%s = %v, want 1", est, got[est])
	}
	for k := range got {
		if strings.HasPrefix(k, "gosof_port_connections{") && strings.Contains(k, fmt.Sprintf("port=%d,", port)) && strings.Contains(k, "state=CLOSE}") {
			t.Errorf("a socket only bound to the port counts as a connection: %s", k)
		}
	}
}

// TestMetricsHostileNames: a process, a unix socket's path and a network
// namespace named to break a terminal or a parser (escape sequences,
// quotes, backslashes, newlines, invalid UTF-8). The text gosof writes
// itself parses with Prometheus's parser and passes promtool, the names
// are the escaped text 'gosof ls' prints, and nothing raw gets out.
func TestMetricsHostileNames(t *testing.T) {
	comm := "\x1b]0;x\x07\"\\\n\xff" // at most 15 bytes: the kernel's comm
	srv := testhelper.Start(t)
	srv.Do("comm %s", hex.EncodeToString([]byte(comm)))
	cli := testhelper.Start(t)
	lfd, port := listen(t, srv, "inet", "127.0.0.1:0")
	c, _ := connect(t, cli, "inet", fmt.Sprintf("127.0.0.1:%d", port))
	srv.Int("accept %d", lfd)
	cli.Do("close %d", c)
	u := srv.Int("socket inet dgram")
	srv.Do("bind %d 127.0.0.1:%d", u, port)
	dir := t.TempDir()
	path := filepath.Join(dir, "\x1b[2J\"\\\n\xff.sock")
	ul, err := net.Listen("unix", path) // this test's process: the helper's protocol is one line per command
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	promtest.WaitState(t, port, core.CloseWait, 1)

	args := []string{"metrics", "--max-series", "0"}
	var ns *testhelper.Proc
	nsName := fmt.Sprintf("gosof-\x1b[31m\"\\\n\xff-%d", os.Getpid())
	if os.Geteuid() == 0 {
		// A namespace whose name under /run/netns is as hostile, with the
		// same process in it.
		ns = testhelper.Start(t, testhelper.NewNetNS())
		ns.Do("comm %s", hex.EncodeToString([]byte(comm)))
		listen(t, ns, "inet", fmt.Sprintf("127.0.0.1:%d", port))
		if err := os.MkdirAll("/run/netns", 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join("/run/netns", nsName)
		if err := os.WriteFile(p, nil, 0o444); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount(fmt.Sprintf("/proc/%d/ns/net", ns.PID), p, "", unix.MS_BIND, ""); err != nil {
			os.Remove(p)
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Unmount(p, unix.MNT_DETACH); os.Remove(p) })
		args = append(args, "-A")
	} else {
		t.Log("not root: no namespace of a hostile name")
	}
	out, errOut, code := gosof(t, args...)
	if code != exitMatch {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\x07") || !utf8.ValidString(out) {
		t.Errorf("raw control characters or invalid UTF-8 in the exposition:\n%q", out)
	}
	got := promtest.Parse(t, out)
	promtest.Check(t, out)
	e := core.Escape(comm)
	want := []string{
		fmt.Sprintf("gosof_port_connections{port=%d,process=%s,proto=tcp,state=CLOSE_WAIT}", port, e),
		fmt.Sprintf("gosof_listeners{addr=127.0.0.1,port=%d,process=%s,proto=tcp}", port, e),
		fmt.Sprintf("gosof_listeners{addr=127.0.0.1,port=%d,process=%s,proto=udp}", port, e),
	}
	if ns != nil {
		host := strconv.FormatUint(netnsOf(t, srv.PID), 10)
		other := strconv.FormatUint(netnsOf(t, ns.PID), 10)
		want = []string{
			fmt.Sprintf("gosof_port_connections{container=,netns=%s,netns_name=,port=%d,process=%s,proto=tcp,state=CLOSE_WAIT}", host, port, e),
			fmt.Sprintf("gosof_listeners{addr=127.0.0.1,container=,netns=%s,netns_name=,port=%d,process=%s,proto=udp}", host, port, e),
			fmt.Sprintf("gosof_listeners{addr=127.0.0.1,container=,netns=%s,netns_name=%s,port=%d,process=%s,proto=tcp}", other, core.Escape(nsName), port, e),
		}
	}
	for _, k := range want {
		if got[k] != 1 {
			t.Errorf("%q = %v, want 1", k, got[k])
		}
	}
}

// TestMetricsAllNetns: with -A the same port in two namespaces is two
// sets of series, told apart by the netns label; without -A only this
// namespace is read.
func TestMetricsAllNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	host := promtest.NewWorld(t, 1, 0, 8)
	ns := testhelper.Start(t, testhelper.NewNetNS())
	ns.Do("comm %s", hex.EncodeToString([]byte(promtest.LeakName)))
	lfd, _ := listen(t, ns, "inet", fmt.Sprintf("127.0.0.1:%d", host.Port))
	// Two CLOSE_WAIT sockets inside the namespace, from its own client.
	for i := 0; i < 2; i++ {
		c := ns.Int("socket inet stream")
		ns.Do("connect %d 127.0.0.1:%d", c, host.Port)
		ns.Int("accept %d", lfd)
		ns.Do("close %d", c)
	}
	hostNS, otherNS := netnsOf(t, os.Getpid()), netnsOf(t, ns.PID)
	key := func(netns uint64) string {
		return fmt.Sprintf("gosof_port_connections{container=,netns=%d,netns_name=,port=%d,process=%s,proto=tcp,state=CLOSE_WAIT}", netns, host.Port, promtest.LeakName)
	}
	var got map[string]float64
	for i := 0; i < 100; i++ { // the namespace's CLOSE_WAIT takes a moment to appear
		out, errOut, code := gosof(t, "metrics", "-A")
		if code != exitMatch {
			t.Fatalf("metrics -A: exit %d: %s", code, errOut)
		}
		if got = promtest.Parse(t, out); got[key(otherNS)] == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got[key(hostNS)] != 1 || got[key(otherNS)] != 2 {
		t.Errorf("-A: %s = %v, %s = %v; want 1 and 2", key(hostNS), got[key(hostNS)], key(otherNS), got[key(otherNS)])
	}
	backlog := fmt.Sprintf("gosof_listen_backlog{addr=127.0.0.1,container=,netns=%d,netns_name=,port=%d,process=%s,proto=tcp}", otherNS, host.Port, promtest.LeakName)
	if got[backlog] != 128 {
		t.Errorf("-A: %s = %v, want 128", backlog, got[backlog])
	}
	out, _, _ := gosof(t, "metrics")
	if v := promtest.Parse(t, out)[host.Key("gosof_port_connections", "CLOSE_WAIT")]; v != 1 {
		t.Errorf("without -A: CLOSE_WAIT on %d = %v, want 1 (this namespace only)", host.Port, v)
	}
}

// TestMetricsUnseen: run as nobody, gosof cannot read root's descriptors:
// the world's CLOSE_WAIT sockets count with process="", the unseen
// processes are a metric, and stderr says so once with --notes, and not
// at all without (under cron each line on stderr is a mail).
func TestMetricsUnseen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run gosof as another user")
	}
	w := promtest.NewWorld(t, 2, 0, 8) // held by root
	asNobody := func(args string) (out, errOut bytes.Buffer) {
		cmd := exec.Command(testhelper.Executable(t), "-test.run=^$")
		cmd.Env = append(os.Environ(), envCLI+"="+args)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("gosof %s as nobody: %v\n%s", args, err, errOut.String())
		}
		return out, errOut
	}
	if _, errOut := asNobody("metrics"); errOut.Len() != 0 {
		t.Errorf("gosof metrics (no --notes): stderr %q, want nothing", errOut.String())
	}
	out, errOut := asNobody("metrics\x1f--notes")
	got := promtest.Parse(t, out.String())
	unowned := fmt.Sprintf("gosof_port_connections{port=%d,process=,proto=tcp,state=CLOSE_WAIT}", w.Port)
	if got[unowned] != 2 {
		t.Errorf("%s = %v, want 2", unowned, got[unowned])
	}
	if _, named := got[w.Key("gosof_port_connections", "CLOSE_WAIT")]; named {
		t.Errorf("nobody named the holder of root's sockets")
	}
	if got["gosof_unseen_processes{}"] < 2 { // at least the world's server and client
		t.Errorf("gosof_unseen_processes = %v, want >= 2", got["gosof_unseen_processes{}"])
	}
	if n := strings.Count(errOut.String(), "could not be inspected"); n != 1 || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("stderr should say once what could not be seen:\n%s", errOut.String())
	}
}

// TestExporterMoved: 'gosof exporter', with the flags it used to take,
// says in one line where it went and exits 2, without serving anything.
func TestExporterMoved(t *testing.T) {
	for _, args := range [][]string{
		{"exporter"},
		{"exporter", "--web.listen-address", "127.0.0.1:0", "-A", "--web.config.file", "/etc/gosof/web.yml"},
	} {
		out, errOut, code := gosof(t, args...)
		if code != exitError || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.Contains(errOut, "gosof-exporter --web.listen-address") {
			t.Errorf("gosof %v: exit %d, stdout %q, stderr %q; want 2 and one line naming gosof-exporter and its flags", args, code, out, errOut)
		}
	}
}

// TestListenBacklogZero: listen(fd, 0) is a limit of 0, not a limit the
// platform did not tell: with one connection waiting for accept(), the
// metrics carry the queue and the limit, and why shows the queue full
// (the queue series were left out where the backlog was 0).
func TestListenBacklogZero(t *testing.T) {
	srv := testhelper.Start(t, testhelper.NewNetNS())
	lfd := srv.Int("socket inet stream")
	srv.Do("bind %d 127.0.0.1:0", lfd)
	srv.Do("listen %d 0", lfd)
	port := srv.Do("name %d", lfd)[1]
	connect(t, srv, "inet", "127.0.0.1:"+port)
	ns := strconv.Itoa(srv.PID)
	out, errOut, code := gosof(t, "metrics", "--netns", ns)
	for _, want := range []string{
		`gosof_listen_queue{addr="127.0.0.1",port="` + port + `",process="gosof.test",proto="tcp"} 1`,
		`gosof_listen_backlog{addr="127.0.0.1",port="` + port + `",process="gosof.test",proto="tcp"} 0`,
	} {
		if code != exitMatch || !strings.Contains(out, want) {
			t.Errorf("metrics: exit %d, no %s\n%s%s", code, want, out, errOut)
		}
	}
	out, errOut, _ = gosof(t, "why", "--no-probe", "--netns", ns, port)
	if !strings.Contains(out, "accept queue 1 of 0") || !strings.Contains(out, "its accept queue is full") {
		t.Errorf("why: no full accept queue\n%s%s", out, errOut)
	}
}

// TestMetricsBoundDevice: in a namespace the test makes with a veth pair,
// a UDP service and a TCP listener on one port for each interface
// (SO_BINDTODEVICE, which the kernel lets share the port). Each is a
// listener of its own, addr as the table writes it: they were one
// listener of 2 with addr="0.0.0.0" and the queues summed.
func TestMetricsBoundDevice(t *testing.T) {
	h := linkNS(t, "gosof-m-v1")
	for _, dev := range []string{"gosof-ctx-v0", "gosof-m-v1"} {
		for _, kind := range []string{"dgram", "stream"} {
			fd := h.Int("socket inet %s", kind)
			h.Do("setsockopt %d bindtodevice %s", fd, hex.EncodeToString([]byte(dev)))
			h.Do("bind %d 0.0.0.0:47520", fd)
			if kind == "stream" {
				h.Do("listen %d 5", fd)
			}
		}
	}
	out, errOut, code := gosof(t, "metrics", "--netns", strconv.Itoa(h.PID))
	if code != exitMatch {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := promtest.Parse(t, out)
	for _, dev := range []string{"gosof-ctx-v0", "gosof-m-v1"} {
		for _, k := range []string{
			"gosof_listeners{addr=0.0.0.0%" + dev + ",port=47520,process=gosof.test,proto=udp}",
			"gosof_listeners{addr=0.0.0.0%" + dev + ",port=47520,process=gosof.test,proto=tcp}",
			"gosof_listen_backlog{addr=0.0.0.0%" + dev + ",port=47520,process=gosof.test,proto=tcp}",
		} {
			if want := map[bool]float64{true: 5, false: 1}[strings.HasPrefix(k, "gosof_listen_backlog")]; got[k] != want {
				t.Errorf("%s = %v, want %v:\n%s", k, got[k], want, out)
			}
		}
	}
	promtest.Check(t, out)
}

// TestMetricsHiddenPIDNS: run in a child pid namespace (a container
// without --pid=host), gosof cannot list the processes outside it, so
// gosof_unseen_hidden is 1; its help text and docs/metrics.md say that
// is one of the reasons (the docs named only hidepid).
func TestMetricsHiddenPIDNS(t *testing.T) {
	ns := newPIDNS(t)
	out, errOut, code := gosofIn(t, ns.enter(), "metrics")
	if code != exitMatch {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := promtest.Parse(t, out)["gosof_unseen_hidden{}"]; got != 1 {
		t.Errorf("gosof_unseen_hidden = %v in a child pid namespace, want 1", got)
	}
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	var help, row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "# HELP gosof_unseen_hidden ") {
			help = l
		}
	}
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "| `gosof_unseen_hidden` |") {
			row = l
		}
	}
	for what, text := range map[string]string{"its HELP": help, "docs/metrics.md": row} {
		for _, want := range []string{"hidepid", "child pid namespace", "Solaris"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not say %q: %q", what, want, text)
			}
		}
	}
}
