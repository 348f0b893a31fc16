//go:build linux

// Command runner times gosof against ss, lsof, fuser and netstat on a host
// filled by bench/workload, at several sizes, and prints markdown tables.
//
// For each size it starts the workload, waits until it is ready, and runs
// every command once to warm up (its output's line count goes in the
// table, so a command that found nothing shows), then -runs times more:
// the table gives the median wall time, the ratio to the ss command that
// answers the same question, and the peak RSS of the child (getrusage
// ru_maxrss). A command whose warm-up takes longer than -slow gets only
// -slow-runs timed runs (lsof at 400k descriptors takes many seconds).
// The workload is stopped before the next size, and when the runner is
// interrupted; it also dies with the runner (PR_SET_PDEATHSIG).
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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// size is one workload: procs holders with fds descriptors each, and conns
// loopback TCP connections (2 sockets each).
type size struct {
	name              string
	procs, fds, conns int
}

var sizes = []size{
	{"10k", 50, 180, 500},
	{"100k", 500, 190, 5000},
	{"400k", 1000, 380, 20000},
}

// command is one timed command; ref names the ss row it is compared with.
type command struct {
	name string
	argv []string
	ref  string
}

const (
	refPort = "ss-port" // who holds PORT
	refAll  = "ss-all"  // every socket with its owners
)

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

func main() {
	gosof := flag.String("gosof", "gosof", "gosof binary")
	floor := flag.String("floor", "floor", "floor binary (bench/floor/floor.c)")
	workload := flag.String("workload", "workload", "workload binary (bench/workload)")
	flag.StringVar(&launch, "launch", "launch", "launch binary (bench/floor/launch.c)")
	port := flag.Int("port", 47123, "loopback port the workload listens on")
	runs := flag.Int("runs", 7, "timed runs per command, after one warm-up")
	slow := flag.Duration("slow", 2*time.Second, "a warm-up longer than this means -slow-runs runs")
	slowRuns := flag.Int("slow-runs", 3, "timed runs of a slow command")
	only := flag.String("sizes", "10k,100k,400k", "comma-separated sizes to run")
	flag.Parse()

	runtime.LockOSThread() // Pdeathsig follows the thread that forked
	tmp, err := os.MkdirTemp("", "gosof-runner")
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		os.Exit(1)
	}
	defer os.RemoveAll(tmp)
	statFile = tmp + "/stat"
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	p := strconv.Itoa(*port)
	cmds := []command{
		{"`gosof who PORT`", []string{*gosof, "who", p}, refPort},
		{"`gosof who -t PORT`", []string{*gosof, "who", "-t", p}, refPort},
		{"`ss -Htanp 'sport = :PORT'`", []string{"ss", "-Htanp", "sport = :" + p}, refPort},
		{"`lsof -nP -t -iTCP:PORT`", []string{"lsof", "-nP", "-t", "-iTCP:" + p}, refPort},
		{"`fuser PORT/tcp`", []string{"fuser", p + "/tcp"}, refPort},
		{"floor: readlinkat every fd, 1 thread", []string{*floor}, refPort},
		{"`gosof ls`", []string{*gosof, "ls"}, refAll},
		{"`gosof metrics`", []string{*gosof, "metrics"}, refAll},
		{"`ss -tuanp`", []string{"ss", "-tuanp"}, refAll},
		{"`lsof -nP -i`", []string{"lsof", "-nP", "-i"}, refAll},
		{"`netstat -tanp`", []string{"netstat", "-tanp"}, refAll},
	}
	cmds = slices.DeleteFunc(cmds, func(c command) bool {
		_, err := exec.LookPath(c.argv[0])
		return err != nil
	})

	var ran []size
	var counts []string
	for _, sz := range sizes {
		if !slices.Contains(strings.Split(*only, ","), sz.name) {
			continue
		}
		wl, fds, err := startWorkload(*workload, sz, *port)
		if err != nil {
			fmt.Fprintf(os.Stderr, "runner: %s: %v\n", sz.name, err)
			os.RemoveAll(tmp)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "runner: %s: %s\n", sz.name, fds)
		counts = append(counts, fds)
		rs, ok := measure(cmds, *runs, *slow, *slowRuns, sigs)
		if !ok {
			wl.stop()
			os.RemoveAll(tmp)
			os.Exit(130)
		}
		for _, r := range rs {
			fmt.Fprintf(os.Stderr, "runner: %s: %s: %v (%d runs)\n", sz.name, r.cmd.name, r.median, r.runs)
		}
		wl.stop()
		if len(ran) == 0 {
			header(os.Stdout)
		}
		ran = append(ran, sz)
		report(os.Stdout, sz, counts[len(counts)-1], rs)
	}
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

func startWorkload(bin string, sz size, port int) (*workloadProc, string, error) {
	c := exec.Command(bin, "-procs", strconv.Itoa(sz.procs), "-fds", strconv.Itoa(sz.fds),
		"-conns", strconv.Itoa(sz.conns), "-port", strconv.Itoa(port))
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
		return nil, "", fmt.Errorf("workload did not get ready: %q %v", line, err)
	}
	return w, strings.TrimSpace(strings.TrimPrefix(line, "ready ")), nil
}

// measure warms every command up once, then runs them in rounds, each
// command once per round, so that a burst of load on the host falls on
// every command alike rather than on whichever was being timed. A command
// whose warm-up took longer than slow stops after slowRuns rounds.
func measure(cmds []command, runs int, slow time.Duration, slowRuns int, sigs chan os.Signal) ([]result, bool) {
	rs := make([]result, len(cmds))
	want := make([]int, len(cmds))
	walls := make([][]time.Duration, len(cmds))
	cpus := make([][]time.Duration, len(cmds))
	for i, c := range cmds {
		warm, _, out, _, exit := runOnce(c.argv, true)
		rs[i] = result{cmd: c, lines: bytes.Count(out, []byte{'\n'}), exit: exit}
		want[i] = runs
		if warm > slow {
			want[i] = min(runs, slowRuns)
		}
	}
	for round := range runs {
		for i, c := range cmds {
			select {
			case <-sigs:
				return nil, false
			default:
			}
			if round >= want[i] {
				continue
			}
			d, cpu, _, rss, _ := runOnce(c.argv, false)
			walls[i] = append(walls[i], d)
			cpus[i] = append(cpus[i], cpu)
			rs[i].maxRSS = max(rs[i].maxRSS, rss)
		}
	}
	for i := range rs {
		rs[i].runs = len(walls[i])
		rs[i].median = median(walls[i])
		rs[i].cpu = median(cpus[i])
	}
	return rs, true
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
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
			panic(err)
		}
		defer null.Close()
		c.Stdout = null
	}
	if err := c.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "runner: %s: %v\n", launch, err)
		os.Exit(1)
	}
	b, err := os.ReadFile(statFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		os.Exit(1)
	}
	var wallNS, userNS, sysNS int64
	if _, err := fmt.Sscan(string(b), &wallNS, &userNS, &sysNS, &rss, &exit); err != nil {
		fmt.Fprintf(os.Stderr, "runner: %s: %q: %v\n", statFile, b, err)
		os.Exit(1)
	}
	return time.Duration(wallNS), time.Duration(userNS + sysNS), buf.Bytes(), rss, exit
}

func header(w io.Writer) {
	fmt.Fprintf(w, "Host: %d CPUs, kernel %s. Median wall time of the timed runs; "+
		"×ss is the ratio to the ss command answering the same question "+
		"(`ss -Htanp 'sport = :PORT'` for one port, `ss -tuanp` for all sockets); "+
		"CPU is the median user+system time; RSS is the largest ru_maxrss of the runs; "+
		"lines counts the warm-up run's output, exit is its status.\n\n",
		runtime.NumCPU(), kernel())
}

func report(w io.Writer, sz size, count string, rs []result) {
	fmt.Fprintf(w, "### %s descriptors (%s)\n\n", sz.name, count)
	fmt.Fprintln(w, "| command | runs | median wall | ×ss | CPU | peak RSS | lines | exit |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	refs := map[string]time.Duration{}
	for _, r := range rs {
		if strings.HasPrefix(r.cmd.name, "`ss -Htanp") {
			refs[refPort] = r.median
		}
		if strings.HasPrefix(r.cmd.name, "`ss -tuanp") {
			refs[refAll] = r.median
		}
	}
	var floor, who time.Duration
	for _, r := range rs {
		ratio := "-"
		if ref := refs[r.cmd.ref]; ref > 0 {
			ratio = fmt.Sprintf("%.2f", float64(r.median)/float64(ref))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %.1f MiB | %d | %d |\n",
			r.cmd.name, r.runs, ms(r.median), ratio, ms(r.cpu), float64(r.maxRSS)/1024, r.lines, r.exit)
		switch {
		case strings.HasPrefix(r.cmd.name, "floor"):
			floor = r.median
		case r.cmd.name == "`gosof who PORT`":
			who = r.median
		}
	}
	if floor > 0 && who > 0 {
		n := runtime.NumCPU()
		fmt.Fprintf(w, "\n`gosof who PORT` is %.2f× the floor divided by %d cores (%s).\n",
			float64(who)/(float64(floor)/float64(n)), n, ms(floor/time.Duration(n)))
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
