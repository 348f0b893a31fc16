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
	maxRSS int64 // KiB, the largest of the runs
	lines  int
	exit   int
}

func main() {
	gosof := flag.String("gosof", "gosof", "gosof binary")
	floor := flag.String("floor", "floor", "floor binary (bench/floor/floor.c)")
	workload := flag.String("workload", "workload", "workload binary (bench/workload)")
	port := flag.Int("port", 47123, "loopback port the workload listens on")
	runs := flag.Int("runs", 7, "timed runs per command, after one warm-up")
	slow := flag.Duration("slow", 2*time.Second, "a warm-up longer than this means -slow-runs runs")
	slowRuns := flag.Int("slow-runs", 3, "timed runs of a slow command")
	only := flag.String("sizes", "10k,100k,400k", "comma-separated sizes to run")
	flag.Parse()

	runtime.LockOSThread() // Pdeathsig follows the thread that forked
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
		{"`ss -tuanp`", []string{"ss", "-tuanp"}, refAll},
		{"`lsof -nP -i`", []string{"lsof", "-nP", "-i"}, refAll},
		{"`netstat -tanp`", []string{"netstat", "-tanp"}, refAll},
	}
	cmds = slices.DeleteFunc(cmds, func(c command) bool {
		_, err := exec.LookPath(c.argv[0])
		return err != nil
	})

	var all [][]result
	var ran []size
	var counts []string
	for _, sz := range sizes {
		if !slices.Contains(strings.Split(*only, ","), sz.name) {
			continue
		}
		wl, fds, err := startWorkload(*workload, sz, *port)
		if err != nil {
			fmt.Fprintf(os.Stderr, "runner: %s: %v\n", sz.name, err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "runner: %s: %s\n", sz.name, fds)
		counts = append(counts, fds)
		var rs []result
		for _, c := range cmds {
			select {
			case <-sigs:
				wl.stop()
				os.Exit(130)
			default:
			}
			r := measure(c, *runs, *slow, *slowRuns)
			fmt.Fprintf(os.Stderr, "runner: %s: %s: %v (%d runs)\n", sz.name, c.name, r.median, r.runs)
			rs = append(rs, r)
		}
		wl.stop()
		all = append(all, rs)
		ran = append(ran, sz)
	}
	report(os.Stdout, ran, counts, all)
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

func measure(c command, runs int, slow time.Duration, slowRuns int) result {
	r := result{cmd: c}
	warm, out, _, exit := runOnce(c.argv, true)
	r.lines = bytes.Count(out, []byte{'\n'})
	r.exit = exit
	if warm > slow {
		runs = min(runs, slowRuns)
	}
	var walls []time.Duration
	for range runs {
		d, _, rss, _ := runOnce(c.argv, false)
		walls = append(walls, d)
		r.maxRSS = max(r.maxRSS, rss)
	}
	slices.Sort(walls)
	r.runs = runs
	r.median = walls[len(walls)/2]
	if len(walls)%2 == 0 {
		r.median = (walls[len(walls)/2-1] + walls[len(walls)/2]) / 2
	}
	return r
}

// runOnce runs argv with stdout to /dev/null (or captured, for the
// warm-up) and returns its wall time, output, peak RSS in KiB and exit code.
func runOnce(argv []string, capture bool) (time.Duration, []byte, int64, int) {
	c := exec.Command(argv[0], argv[1:]...)
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
	start := time.Now()
	err := c.Run()
	wall := time.Since(start)
	exit := 0
	if err != nil {
		exit = -1
		if ee, ok := err.(*exec.ExitError); ok {
			exit = ee.ExitCode()
		}
	}
	var rss int64
	if c.ProcessState != nil {
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
	}
	return wall, buf.Bytes(), rss, exit
}

func report(w io.Writer, ran []size, counts []string, all [][]result) {
	fmt.Fprintf(w, "Host: %d CPUs, kernel %s. Median wall time of the timed runs; "+
		"×ss is the ratio to the ss command answering the same question "+
		"(`ss -Htanp 'sport = :PORT'` for one port, `ss -tuanp` for all sockets); "+
		"RSS is the largest ru_maxrss of the runs; lines is the output of the warm-up run.\n\n",
		runtime.NumCPU(), kernel())
	for i, sz := range ran {
		fmt.Fprintf(w, "### %s descriptors (%s)\n\n", sz.name, counts[i])
		fmt.Fprintln(w, "| command | runs | median | ×ss | peak RSS | lines | exit |")
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|")
		refs := map[string]time.Duration{}
		for _, r := range all[i] {
			if strings.HasPrefix(r.cmd.name, "`ss -Htanp") {
				refs[refPort] = r.median
			}
			if strings.HasPrefix(r.cmd.name, "`ss -tuanp") {
				refs[refAll] = r.median
			}
		}
		var floor, who time.Duration
		for _, r := range all[i] {
			ratio := "-"
			if ref := refs[r.cmd.ref]; ref > 0 {
				ratio = fmt.Sprintf("%.2f", float64(r.median)/float64(ref))
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %.1f MiB | %d | %d |\n",
				r.cmd.name, r.runs, ms(r.median), ratio, float64(r.maxRSS)/1024, r.lines, r.exit)
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
