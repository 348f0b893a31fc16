package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// envArgs makes the test binary run gosof-exporter itself with these
// arguments (separated by \x1f).
const envArgs = "GOSOF_EXPORTER_TEST_ARGS"

// envBin names a gosof-exporter binary to test instead of this test
// binary (a release's, say): the tests then start it with the same
// arguments.
const envBin = "GOSOF_EXPORTER_BIN"

func TestMain(m *testing.M) {
	testhelper.Main()
	if args, ok := os.LookupEnv(envArgs); ok {
		var argv []string
		if args != "" {
			argv = strings.Split(args, "\x1f")
		}
		os.Exit(run(argv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// command is gosof-exporter with args, as a command to start: the binary
// of envBin, or this test binary running run().
func command(ctx context.Context, args ...string) *exec.Cmd {
	if bin := os.Getenv(envBin); bin != "" {
		return exec.CommandContext(ctx, bin, args...)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envArgs+"="+strings.Join(args, "\x1f"))
	return cmd
}

// runExporter runs gosof-exporter with args in a process of its own (one
// that wrongly starts serving would otherwise hang the test) and returns
// its output and exit code.
func runExporter(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("gosof-exporter %s still running after 20s: it should have stopped\n%s", strings.Join(args, " "), errb.String())
	}
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// exporter is a gosof-exporter started by a test.
type exporter struct {
	cmd    *exec.Cmd
	addr   string // host:port it listens on
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan struct{}
}

// listeningRE finds the address in the log line, logfmt or JSON.
var listeningRE = regexp.MustCompile(`msg="Listening on" address=(\S+)|"msg":"Listening on","address":"([^"]+)"`)

// startExporter runs gosof-exporter with args and waits until it says
// where it listens; it is stopped with SIGTERM when the test ends, and
// must then exit 0. prepare, if not nil, adjusts the command first.
func startExporter(t *testing.T, prepare func(*exec.Cmd), args ...string) *exporter {
	t.Helper()
	e := &exporter{exited: make(chan struct{})}
	e.cmd = command(context.Background(), args...)
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if prepare != nil {
		prepare(e.cmd)
	}
	pr, err := e.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			e.mu.Lock()
			e.stderr.WriteString(sc.Text() + "\n")
			e.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1] + m[2]:
				default:
				}
			}
		}
		close(e.exited)
	}()
	t.Cleanup(func() {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		<-e.exited
		if err := e.cmd.Wait(); err != nil {
			t.Errorf("exporter after SIGTERM: %v\n%s", err, e.log())
		}
	})
	select {
	case e.addr = <-addrc:
	case <-e.exited:
		t.Fatalf("exporter exited before listening:\n%s", e.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("exporter never said where it listens:\n%s", e.log())
	}
	return e
}

func (e *exporter) log() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stderr.String()
}

// waitLog waits until the exporter's log has at least n lines matching
// re, and returns how many it has.
func (e *exporter) waitLog(re *regexp.Regexp, n int) int {
	got := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = len(re.FindAllString(e.log(), -1)); got >= n {
			break
		}
	}
	return got
}

// do sends req with c and returns the status and body.
func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, http.DefaultClient, req)
}
