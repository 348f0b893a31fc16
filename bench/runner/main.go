//go:build linux

// Command runner times gosof against ss, lsof, fuser and netstat in the
// worlds of bench/workload and prints markdown tables.
//
// A world is one or more workloads kept running while it is measured (the
// host-scale worlds: 10k, 100k, 400k descriptors; the TIME_WAIT-heavy
// server; the unix-heavy desktop; 20 network namespaces; one process with
// 10,000 descriptors), or a workload made afresh for every single run of a
// command that destroys it (mass close of CLOSE_WAIT sockets). For each
// world the runner starts its workloads, waits until they are ready, runs
// every command once to warm up (its output's line count goes in the
// table, so a command that found nothing shows), then -runs times more in
// rounds, each command once per round, so that load from elsewhere falls on
// all of them alike. The table gives the median wall time, the ratio to the
// command that answers the same question, the median CPU time and the peak
// RSS of the child (getrusage ru_maxrss). A command whose warm-up takes
// longer than -slow gets only -slow-runs timed runs. Workloads are stopped
// (by closing their stdin) before the next world, and when the runner is
// interrupted; they also die with the runner (PR_SET_PDEATHSIG). Network
// namespaces are named gosof-bench-* (-netns-prefix), made before the world and deleted
// after it.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// command is one timed command. argv may contain {port}, {xport} and
// {pid}, replaced by the world's workload ports and the pid of its big
// holder. ref is the id of the command it is compared with ("" for none).
type command struct {
	id   string
	name string
	argv []string
	ref  string
}

// world is one shape of host.
type world struct {
	name string
	what string
	// workloads are started before the world is measured and stopped
	// after it; fresh is started before every single run and stopped
	// after it (for commands that destroy what they measure).
	workloads [][]string
	fresh     []string
	netns     int // network namespaces gosof-bench-0..N-1 to make first
	port      int // {port}
	xport     int // {xport}
	cmds      []command
	// floor: also say how `gosof who PORT` compares with the floor
	// divided by the cores.
	floor bool
	// within: every run must end within this long after the workload was
	// ready (TIME_WAIT sockets expire after 60 s).
	within time.Duration
	// ownNetns: the world lives in a network namespace of this name, made
	// for it (lo up, tcp_max_tw_buckets 262144), and its commands run in
	// it: the host's other sockets are not in its tables.
	ownNetns string
}

type result struct {
	cmd    command
	runs   int
	median time.Duration
	cpu    time.Duration // median user+system time
	maxRSS int64         // KiB, the largest of the runs
	lines  int
	exit   int
}

// launch is the helper every command runs under; it writes what it
// measured to statFile.
var launch, statFile string

var (
	gosof, floor, workload string
	nsPrefix               string
	baseline               string
	sigs                   = make(chan os.Signal, 1)
)

func host(name string, procs, fds, conns, port int) world {
	p := strconv.Itoa(port)
	return world{
		name: name, port: port, floor: true,
		what: fmt.Sprintf("%d holders of %d descriptors, %d loopback TCP connections to one listener", procs, fds, conns),
		workloads: [][]string{{"-procs", strconv.Itoa(procs), "-fds", strconv.Itoa(fds),
			"-conns", strconv.Itoa(conns), "-port", p}},
		cmds: []command{
			{"who", "`gosof who PORT`", []string{"{gosof}", "who", "{port}"}, "ssport"},
			{"whot", "`gosof who -t PORT`", []string{"{gosof}", "who", "-t", "{port}"}, "ssport"},
			{"whoproc", "`gosof who --proc-fd PORT` (no BPF iterator)", []string{"{gosof}", "who", "--proc-fd", "{port}"}, "ssport"},
			{"ssport", "`ss -Htanp 'sport = :PORT'`", []string{"ss", "-Htanp", "sport = :{port}"}, "ssport"},
			{"lsoft", "`lsof -nP -t -iTCP:PORT`", []string{"lsof", "-nP", "-t", "-iTCP:{port}"}, "ssport"},
			{"fuser", "`fuser PORT/tcp`", []string{"fuser", "{port}/tcp"}, "ssport"},
			{"floor", "floor: readlinkat every fd, 1 thread", []string{"{floor}"}, "ssport"},
			{"ls", "`gosof ls`", []string{"{gosof}", "ls"}, "ssall"},
			{"lsproc", "`gosof ls --proc-fd` (no BPF iterator)", []string{"{gosof}", "ls", "--proc-fd"}, "ssall"},
			{"metrics", "`gosof metrics`", []string{"{gosof}", "metrics"}, "ssall"},
			{"lsjsonti", "`gosof ls --json --proto tcp,udp`", []string{"{gosof}", "ls", "--json", "--proto", "tcp,udp"}, "ssall"},
			{"ssall", "`ss -tuanp`", []string{"ss", "-tuanp"}, "ssall"},
			{"lsofi", "`lsof -nP -i`", []string{"lsof", "-nP", "-i"}, "ssall"},
			{"netstat", "`netstat -tanp`", []string{"netstat", "-tanp"}, "ssall"},
		},
	}
}

func worlds() []world {
	ws := []world{
		host("10k", 50, 180, 500, 46123),
		host("100k", 500, 190, 5000, 46123),
		host("400k", 1000, 380, 20000, 46123),
		{
			name: "100k-unix", port: 46123,
			what:      "500 holders of 200 descriptors, a third of them unix socketpair ends; 5,000 loopback TCP connections",
			workloads: [][]string{{"-procs", "500", "-fds", "200", "-conns", "5000", "-port", "46123", "-unix", "34"}},
			cmds: []command{
				{"lsjson", "`gosof ls --json`", []string{"{gosof}", "ls", "--json"}, "ssanp"},
				{"ls", "`gosof ls`", []string{"{gosof}", "ls"}, "ssanp"},
				{"ssanp", "`ss -anp`", []string{"ss", "-anp"}, "ssanp"},
				{"netstat", "`netstat -anp`", []string{"netstat", "-anp"}, "ssanp"},
			},
		},
		{
			name: "unix", port: 46124,
			what:      "20,000 unix sockets (socketpair ends) in 40 processes",
			workloads: [][]string{{"-procs", "40", "-fds", "500", "-conns", "0", "-port", "46124", "-unix", "100"}},
			cmds: []command{
				{"lsjson", "`gosof ls --json`", []string{"{gosof}", "ls", "--json"}, "ssanp"},
				{"ls", "`gosof ls`", []string{"{gosof}", "ls"}, "ssanp"},
				{"ssanp", "`ss -anp`", []string{"ss", "-anp"}, "ssanp"},
				{"lsofu", "`lsof -nP -U`", []string{"lsof", "-nP", "-U"}, "ssanp"},
				{"netstat", "`netstat -anp`", []string{"netstat", "-anp"}, "ssanp"},
			},
		},
		{
			name: "netns", port: 46123, netns: 20,
			what: "the 100k world, and 20 network namespaces with a listener on PORT and 250 connections to it each",
			workloads: [][]string{{"-procs", "500", "-fds", "190", "-conns", "5000", "-port", "46123",
				"-xport", "46123", "-netns", "{netns}", "-netns-conns", "250"}},
			cmds: []command{
				{"whoA", "`gosof who -A PORT`", []string{"{gosof}", "who", "-A", "{port}"}, "allss"},
				{"who", "`gosof who PORT`", []string{"{gosof}", "who", "{port}"}, "who"},
				{"whoAproc", "`gosof who -A --proc-fd PORT` (no BPF iterator)", []string{"{gosof}", "who", "-A", "--proc-fd", "{port}"}, "allss"},
				{"whoproc", "`gosof who --proc-fd PORT` (no BPF iterator)", []string{"{gosof}", "who", "--proc-fd", "{port}"}, "whoproc"},
				{"ssport", "`ss -Htanp 'sport = :PORT'`", []string{"ss", "-Htanp", "sport = :{port}"}, "who"},
				// What an admin runs instead of who -A: ss in every
				// named namespace (not the host's own, which ssport is).
				{"allss", "`ip -all netns exec ss -Htanp 'sport = :PORT'`", []string{"ip", "-all", "netns", "exec", "ss", "-Htanp", "sport = :{port}"}, "allss"},
			},
		},
		{
			name: "bigfd", port: 46125,
			what:      "one process with 10,000 descriptors (and a second, small one)",
			workloads: [][]string{{"-procs", "2", "-fds", "100", "-big", "10000", "-conns", "10", "-port", "46125"}},
			cmds: []command{
				{"fds", "`gosof fds PID`", []string{"{gosof}", "fds", "{pid}"}, "lsofp"},
				{"lsofp", "`lsof -nP -p PID`", []string{"lsof", "-nP", "-p", "{pid}"}, "lsofp"},
				{"who", "`gosof who PORT`", []string{"{gosof}", "who", "{port}"}, "ssport"},
				{"ssport", "`ss -Htanp 'sport = :PORT'`", []string{"ss", "-Htanp", "sport = :{port}"}, "ssport"},
				{"floor", "floor: readlinkat every fd, 1 thread", []string{"{floor}"}, "ssport"},
			},
			floor: true,
		},
	}
	for _, bg := range []struct {
		name string
		wl   [][]string
		what string
	}{
		{"close", nil, "5,000 CLOSE_WAIT sockets on one port, made afresh for every run"},
		{"close-100k", [][]string{{"-procs", "500", "-fds", "190", "-conns", "5000", "-port", "46123"}},
			"the 100k world, and 5,000 CLOSE_WAIT sockets on another port, made afresh for every run"},
	} {
		// The fresh listener's port is below the ephemeral range
		// (32768-60999): in close-100k the 5,000 clients of the 100k
		// world hold ephemeral source ports, and one on 46002 made its
		// bind fail (EADDRINUSE) in one run of every world.
		ws = append(ws, world{
			name: bg.name, port: 46123, xport: 31002, what: bg.what, workloads: bg.wl,
			fresh: []string{"-procs", "0", "-closewait", "5000", "-xport", "31002"},
			cmds: []command{
				{"close", "`gosof close PORT --state close-wait --abort`",
					[]string{"{gosof}", "close", "{xport}", "--state", "close-wait", "--abort"}, "ssK"},
				{"ssK", "`ss -K state close-wait '( sport = :PORT )'`",
					[]string{"ss", "-K", "state", "close-wait", "( sport = :{xport} )"}, "ssK"},
			},
		})
	}
	// Last: their TIME_WAIT sockets outlive them by up to 60 s and would
	// swell the tables of any world after them. The first shares the
	// host's namespace (and its other sockets); the second has one of its
	// own, holding only the world, as a quiet host with one busy port.
	timewait := []command{
		{"who", "`gosof who PORT`", []string{"{gosof}", "who", "{port}"}, "ssport"},
		{"ssport", "`ss -Htanp 'sport = :PORT'`", []string{"ss", "-Htanp", "sport = :{port}"}, "ssport"},
		{"whot", "`gosof who -t PORT`", []string{"{gosof}", "who", "-t", "{port}"}, "ssportn"},
		{"ssportn", "`ss -Htan 'sport = :PORT'` (no owners)", []string{"ss", "-Htan", "sport = :{port}"}, "ssportn"},
		{"lsjson", "`gosof ls --json`", []string{"{gosof}", "ls", "--json"}, "ssall"},
		{"ls", "`gosof ls`", []string{"{gosof}", "ls"}, "ssall"},
		{"ssall", "`ss -tuanp`", []string{"ss", "-tuanp"}, "ssall"},
		{"netstat", "`netstat -tanp`", []string{"netstat", "-tanp"}, "ssall"},
	}
	ws = append(ws, world{
		name: "timewait", port: 46001, xport: 46001, within: 55 * time.Second,
		what:      "50,000 TIME_WAIT sockets on one port, beside its listener",
		workloads: [][]string{{"-procs", "0", "-timewait", "50000", "-xport", "46001"}},
		cmds:      timewait,
	}, world{
		name: "timewait-ns", port: 46001, xport: 46001, within: 55 * time.Second, ownNetns: nsPrefix + "tw",
		what:      "the same in a network namespace of its own, which holds nothing else; the commands run in it",
		workloads: [][]string{{"-procs", "0", "-timewait", "50000", "-xport", "46001"}},
		cmds:      timewait,
	})
	return ws
}

func main() {
	flag.StringVar(&gosof, "gosof", "gosof", "gosof binary")
	flag.StringVar(&floor, "floor", "floor", "floor binary (bench/floor/floor.c)")
	flag.StringVar(&workload, "workload", "workload", "workload binary (bench/workload)")
	flag.StringVar(&launch, "launch", "launch", "launch binary (bench/floor/launch.c)")
	flag.StringVar(&baseline, "baseline", "", "another gosof build, timed next to -gosof in every world (before and after a change)")
	flag.StringVar(&nsPrefix, "netns-prefix", "gosof-bench-", "name prefix of the network namespaces the runner makes and deletes")
	runs := flag.Int("runs", 7, "timed runs per command, after one warm-up")
	slow := flag.Duration("slow", 2*time.Second, "a warm-up longer than this means -slow-runs runs")
	slowRuns := flag.Int("slow-runs", 3, "timed runs of a slow command")
	var names []string
	for _, w := range worlds() {
		names = append(names, w.name)
	}
	only := flag.String("worlds", "10k,100k,400k", "comma-separated worlds to run, of: "+strings.Join(names, ",")+" (or all)")
	flag.String("sizes", "", "the same as -worlds (its old name)")
	flag.Parse()
	if f := flag.Lookup("sizes"); f.Value.String() != "" {
		*only = f.Value.String()
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		want[n] = true
	}

	runtime.LockOSThread() // Pdeathsig follows the thread that forked
	tmp, err := os.MkdirTemp("", "gosof-runner")
	if err != nil {
		fatal(err)
	}
	statFile = tmp + "/stat"
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	first := true
	code := 0
	for _, w := range worlds() {
		if !want[w.name] && !want["all"] {
			continue
		}
		rs, info, err := runWorld(w, *runs, *slow, *slowRuns)
		if err != nil {
			fmt.Fprintf(os.Stderr, "runner: %s: %v\n", w.name, err)
			code = 1
			if err == errInterrupted {
				code = 130
				break
			}
			continue
		}
		if first {
			header(os.Stdout)
			first = false
		}
		report(os.Stdout, w, info, rs)
	}
	os.RemoveAll(tmp)
	os.Exit(code)
}

var errInterrupted = fmt.Errorf("interrupted")

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "runner: %v\n", err)
	os.Exit(1)
}

// runWorld sets w up, measures its commands and takes it down again.
func runWorld(w world, runs int, slow time.Duration, slowRuns int) ([]result, string, error) {
	var ns []string
	for i := 0; i < w.netns; i++ {
		ns = append(ns, nsPrefix+strconv.Itoa(i))
	}
	defer func() {
		for _, n := range ns {
			_ = exec.Command("ip", "netns", "del", n).Run()
		}
	}()
	for _, n := range ns {
		_ = exec.Command("ip", "netns", "del", n).Run() // left by an interrupted run
		if out, err := exec.Command("ip", "netns", "add", n).CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("ip netns add %s: %v: %s", n, err, out)
		}
		if out, err := exec.Command("ip", "-n", n, "link", "set", "lo", "up").CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("ip -n %s link set lo up: %v: %s", n, err, out)
		}
	}
	vars := map[string]string{
		"{gosof}": gosof, "{floor}": floor, "{port}": strconv.Itoa(w.port), "{xport}": strconv.Itoa(w.xport),
		"{netns}": strings.Join(ns, ","),
	}
	var wls []*workloadProc
	defer func() {
		for _, wl := range wls {
			wl.stop()
		}
	}()
	var wrap []string // what starts a workload in the world's namespace
	if w.ownNetns != "" {
		n := w.ownNetns
		_ = exec.Command("ip", "netns", "del", n).Run() // left by an interrupted run
		for _, c := range [][]string{{"ip", "netns", "add", n}, {"ip", "-n", n, "link", "set", "lo", "up"},
			{"ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv4.tcp_max_tw_buckets=262144"}} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				return nil, "", fmt.Errorf("%s: %v: %s", strings.Join(c, " "), err, out)
			}
		}
		defer exec.Command("ip", "netns", "del", n).Run()
		wrap = []string{"ip", "netns", "exec", n}
	}
	// A process in each namespace, as a container has: without one, a
	// namespace has no /proc/PID/net for what sock_diag cannot dump.
	for _, n := range ns {
		wl, _, err := startCommand(append([]string{"ip", "netns", "exec", n, workload}, "-procs", "0"))
		if err != nil {
			return nil, "", err
		}
		wls = append(wls, wl)
	}
	var info []string
	for _, args := range w.workloads {
		wl, ready, err := startCommand(append(append(append([]string{}, wrap...), workload), subst(args, vars)...))
		if err != nil {
			return nil, "", err
		}
		wls = append(wls, wl)
		info = append(info, ready)
		vars["{pid}"] = field(ready, "big")
	}
	isGosof := map[string]bool{}
	for _, c := range w.cmds {
		isGosof[c.id] = c.argv[0] == "{gosof}"
	}
	cmds := make([]command, 0, len(w.cmds))
	for _, c := range w.cmds {
		c.argv = subst(c.argv, vars)
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			continue
		}
		cmds = append(cmds, c)
		if baseline != "" && isGosof[c.id] && !strings.Contains(c.id, "proc") {
			// the same command with the other build, next to it (not the
			// --proc-fd rows: older builds have no such flag, and
			// --proc-fd is what they did anyway)
			b := c
			b.id, b.name = c.id+"-base", c.name+" (baseline)"
			b.argv = append([]string{baseline}, c.argv[1:]...)
			if isGosof[c.ref] {
				b.ref = c.ref + "-base"
			}
			cmds = append(cmds, b)
		}
	}
	var setup func() (func(), error)
	if w.fresh != nil {
		args := subst(w.fresh, vars)
		setup = func() (func(), error) {
			wl, _, err := startWorkload(args)
			if err != nil {
				return nil, err
			}
			return wl.stop, nil
		}
		info = append(info, "fresh: "+strings.Join(args, " "))
	}
	if w.ownNetns != "" {
		// The commands are forked from this thread (main locks it), so
		// they start in the namespace it is in.
		back, err := enterNetns(w.ownNetns)
		if err != nil {
			return nil, "", err
		}
		defer back()
		info = append(info, "in netns "+w.ownNetns)
	}
	if b, err := os.ReadFile("/proc/sys/fs/file-nr"); err == nil {
		info = append(info, "open files "+strings.Fields(string(b))[0])
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "runner: %s: %s\n", w.name, strings.Join(info, "; "))
	rs, err := measure(cmds, runs, slow, slowRuns, setup)
	if err != nil {
		return nil, "", err
	}
	took := time.Since(start)
	if w.within > 0 && took > w.within {
		return nil, "", fmt.Errorf("the runs took %v, longer than the world lasts (%v)", took.Round(time.Second), w.within)
	}
	for _, r := range rs {
		fmt.Fprintf(os.Stderr, "runner: %s: %s: %v (%d runs)\n", w.name, r.cmd.name, r.median, r.runs)
	}
	return rs, strings.Join(info, "; ") + fmt.Sprintf("; measured in %v", took.Round(time.Second)), nil
}

// enterNetns moves the runner's thread into the named namespace
// (/run/netns), and returns what moves it back.
func enterNetns(name string) (func(), error) {
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid()))
	if err != nil {
		return nil, err
	}
	ns, err := os.Open("/run/netns/" + name)
	if err != nil {
		self.Close()
		return nil, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		self.Close()
		return nil, fmt.Errorf("setns %s: %w", name, err)
	}
	return func() {
		_ = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET)
		self.Close()
	}, nil
}

func subst(argv []string, vars map[string]string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		for k, v := range vars {
			a = strings.Replace(a, k, v, -1)
		}
		out[i] = a
	}
	return out
}

// field is the value of key=value in a workload's ready line.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, key+"=") {
			return f[len(key)+1:]
		}
	}
	return ""
}

type workloadProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// stop closes the workload's stdin, which makes it kill its holders and
// exit, and waits for it.
func (w *workloadProc) stop() {
	w.stdin.Close()
	done := make(chan struct{})
	go func() { _ = w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill() // its holders die with it (Pdeathsig)
		<-done
	}
}

func startWorkload(args []string) (*workloadProc, string, error) {
	return startCommand(append([]string{workload}, args...))
}

// startCommand starts a workload (argv[0] may be a wrapper such as ip
// netns exec) and waits for its ready line.
func startCommand(argv []string) (*workloadProc, string, error) {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stderr = os.Stderr
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	in, err := c.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := c.Start(); err != nil {
		return nil, "", err
	}
	w := &workloadProc{cmd: c, stdin: in}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		w.stop()
		return nil, "", fmt.Errorf("workload %s did not get ready: %q %v", strings.Join(argv, " "), line, err)
	}
	return w, strings.TrimSpace(strings.TrimPrefix(line, "ready ")), nil
}

// measure warms every command up once, then runs them in rounds, each
// command once per round, so that a burst of load on the host falls on
// every command alike rather than on whichever was being timed. A command
// whose warm-up took longer than slow stops after slowRuns rounds. setup,
// when not nil, makes the world afresh before every run and returns what
// takes it down.
func measure(cmds []command, runs int, slow time.Duration, slowRuns int, setup func() (func(), error)) ([]result, error) {
	rs := make([]result, len(cmds))
	want := make([]int, len(cmds))
	walls := make([][]time.Duration, len(cmds))
	cpus := make([][]time.Duration, len(cmds))
	one := func(argv []string, capture bool) (wall, cpu time.Duration, out []byte, rss int64, exit int, err error) {
		select {
		case <-sigs:
			return 0, 0, nil, 0, 0, errInterrupted
		default:
		}
		if setup != nil {
			down, err := setup()
			if err != nil {
				return 0, 0, nil, 0, 0, err
			}
			defer down()
		}
		wall, cpu, out, rss, exit = runOnce(argv, capture)
		return wall, cpu, out, rss, exit, nil
	}
	for i, c := range cmds {
		warm, _, out, _, exit, err := one(c.argv, true)
		if err != nil {
			return nil, err
		}
		rs[i] = result{cmd: c, lines: bytes.Count(out, []byte{'\n'}), exit: exit}
		want[i] = runs
		if warm > slow && slowRuns < runs {
			want[i] = slowRuns
		}
	}
	for round := 0; round < runs; round++ {
		for i, c := range cmds {
			if round >= want[i] {
				continue
			}
			d, cpu, _, rss, _, err := one(c.argv, false)
			if err != nil {
				return nil, err
			}
			walls[i] = append(walls[i], d)
			cpus[i] = append(cpus[i], cpu)
			if rss > rs[i].maxRSS {
				rs[i].maxRSS = rss
			}
		}
	}
	for i := range rs {
		rs[i].runs = len(walls[i])
		rs[i].median = median(walls[i])
		rs[i].cpu = median(cpus[i])
	}
	return rs, nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d)%2 == 0 {
		return (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return d[len(d)/2]
}

// runOnce runs argv through the launch helper (bench/floor/launch.c), with
// stdout to /dev/null or captured for the warm-up, and returns the wall
// time, CPU time, peak RSS in KiB and exit status the helper measured.
func runOnce(argv []string, capture bool) (wall, cpu time.Duration, out []byte, rss int64, exit int) {
	c := exec.Command(launch, append([]string{statFile}, argv...)...)
	var buf bytes.Buffer
	if capture {
		c.Stdout = &buf
	} else {
		null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			fatal(err)
		}
		defer null.Close()
		c.Stdout = null
	}
	if err := c.Run(); err != nil {
		fatal(fmt.Errorf("%s: %v", launch, err))
	}
	b, err := os.ReadFile(statFile)
	if err != nil {
		fatal(err)
	}
	var wallNS, userNS, sysNS int64
	if _, err := fmt.Sscan(string(b), &wallNS, &userNS, &sysNS, &rss, &exit); err != nil {
		fatal(fmt.Errorf("%s: %q: %v", statFile, b, err))
	}
	return time.Duration(wallNS), time.Duration(userNS + sysNS), buf.Bytes(), rss, exit
}

func header(w io.Writer) {
	fmt.Fprintf(w, "Host: %d CPUs, kernel %s. Median wall time of the timed runs; "+
		"ratio: to the command named in `vs`, which answers the same question; "+
		"CPU is the median user+system time, CPU ratio the same ratio of CPU times (steadier than wall time on a shared host); RSS is the largest ru_maxrss of the runs; "+
		"lines counts the warm-up run's output, exit is its status.\n\n",
		runtime.NumCPU(), kernel())
}

func report(w io.Writer, wd world, info string, rs []result) {
	fmt.Fprintf(w, "### %s: %s\n\n(%s)\n\n", wd.name, wd.what, info)
	fmt.Fprintln(w, "| command | runs | median wall | ratio | vs | CPU | CPU ratio | peak RSS | lines | exit |")
	fmt.Fprintln(w, "|---|--:|--:|--:|---|--:|--:|--:|--:|--:|")
	byID := map[string]result{}
	for _, r := range rs {
		byID[r.cmd.id] = r
	}
	for _, r := range rs {
		ratio, vs, cpuRatio := "-", "-", "-"
		if ref, ok := byID[r.cmd.ref]; ok && ref.median > 0 {
			ratio = fmt.Sprintf("%.2f", float64(r.median)/float64(ref.median))
			vs = ref.cmd.id
			if ref.cpu > 0 {
				cpuRatio = fmt.Sprintf("%.2f", float64(r.cpu)/float64(ref.cpu))
			}
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %.1f MiB | %d | %d |\n",
			r.cmd.name, r.runs, ms(r.median), ratio, vs, ms(r.cpu), cpuRatio, float64(r.maxRSS)/1024, r.lines, r.exit)
	}
	if fl, ok := byID["floor"]; ok && wd.floor {
		if who, ok := byID["who"]; ok && fl.median > 0 {
			n := runtime.NumCPU()
			fmt.Fprintf(w, "\n`gosof who PORT` is %.2f× the floor divided by %d cores (%s).\n",
				float64(who.median)/(float64(fl.median)/float64(n)), n, ms(fl.median/time.Duration(n)))
		}
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func kernel() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "?"
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}
