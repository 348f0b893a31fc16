package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// TestCmdline: --cmdline shows a holder's whole command line, escaped in
// the table (a process chooses its own argv: escape sequences, newlines)
// and carried by JSON owners and fds --json as "cmdline", its arguments
// one by one (spaces and empty ones kept), with "cmdline_bytes" for the
// exact bytes; without --cmdline neither appears.
func TestCmdline(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to hold a socket with a chosen argv")
	}
	srv := testhelper.Start(t)
	lfd, p := listen(t, srv, "inet", "127.0.0.1:0")
	// bash holds a connection to the listener, with a hostile argv.
	hostile := "evil\x1b[2J\nrow\xff" // and a byte that is not UTF-8
	cmd := exec.Command(bash, "-c", "exec 3<>/dev/tcp/127.0.0.1/"+strconv.Itoa(p)+"; read -r _", "holder", "", "--long-arg="+hostile)
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	srv.Int("accept %d", lfd)
	port := strconv.Itoa(p)
	pid := strconv.Itoa(cmd.Process.Pid)

	var out string
	for range 100 { // until bash has connected
		out, _, _ = gosof(t, "who", port, "--side", "remote", "--cmdline")
		if strings.Contains(out, pid+"/") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out, "COMMAND LINE") || !strings.Contains(out, `--long-arg=evil\x1b[2J\nrow`) {
		t.Errorf("who --cmdline: no escaped command line of %s:\n%s", pid, out)
	}
	if strings.ContainsAny(out, "\x1b") || strings.Count(out, "\n") != 2 {
		t.Errorf("who --cmdline printed raw control characters or extra lines:\n%q", out)
	}
	if plain, _, _ := gosof(t, "who", port, "--side", "remote"); strings.Contains(plain, "COMMAND LINE") || strings.Contains(plain, "long-arg") {
		t.Errorf("who without --cmdline shows command lines:\n%s", plain)
	}

	js, _, _ := gosof(t, "who", port, "--side", "remote", "--cmdline", "--json")
	if strings.Contains(js, "\x1b") {
		t.Errorf("--json printed a raw ESC: %q", js)
	}
	// the arguments one by one, where they end kept (the script holds
	// spaces), with their exact bytes since one is not UTF-8
	want := []string{bash, "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; read -r _", "holder", "", "--long-arg=" + hostile}
	var socks []struct {
		Owners []jcmdline `json:"owners"`
	}
	if err := json.Unmarshal([]byte(js), &socks); err != nil || len(socks) != 1 || len(socks[0].Owners) != 1 {
		t.Fatalf("who --cmdline --json: %v\n%s", err, js)
	}
	socks[0].Owners[0].check(t, "who --cmdline --json", want)
	jl, _, _ := gosof(t, "who", port, "--side", "remote", "--cmdline", "--jsonl")
	var line struct {
		Owners []jcmdline `json:"owners"`
	}
	if err := json.Unmarshal([]byte(jl), &line); err != nil || len(line.Owners) != 1 {
		t.Fatalf("who --cmdline --jsonl: %v\n%s", err, jl)
	}
	line.Owners[0].check(t, "who --cmdline --jsonl", want)
	// fds gives the same field, the same way
	fj, _, code := gosof(t, "fds", pid, "--json")
	var procs []jcmdline
	if err := json.Unmarshal([]byte(fj), &procs); err != nil || len(procs) != 1 || code != 0 {
		t.Fatalf("fds --json: exit %d, %v\n%s", code, err, fj)
	}
	procs[0].check(t, "fds --json", want)
	if strings.Contains(fj, `"args"`) || strings.ContainsAny(fj, "\x1b") {
		t.Errorf("fds --json: an \"args\" field, or a raw ESC:\n%s", fj)
	}
	ft, _, _ := gosof(t, "fds", pid)
	if head, _, _ := strings.Cut(ft, "\n"); !strings.HasSuffix(head, ": "+core.Escape(strings.Join(want, " "))) {
		t.Errorf("fds heading %q, want it to end with the escaped command line", head)
	}
	js, _, _ = gosof(t, "who", port, "--side", "remote", "--json")
	if strings.Contains(js, `"cmdline"`) {
		t.Errorf("--json without --cmdline carries cmdline:\n%s", js)
	}
}

// jcmdline is the command line of a JSON owner or fds process.
type jcmdline struct {
	PID          int      `json:"pid"`
	Cmdline      []string `json:"cmdline"`
	CmdlineBytes [][]byte `json:"cmdline_bytes"`
}

// check wants the arguments of want, U+FFFD for a byte that is not UTF-8,
// and their exact bytes in cmdline_bytes.
func (c jcmdline) check(t *testing.T, what string, want []string) {
	t.Helper()
	var lossy []string
	for _, a := range want {
		lossy = append(lossy, strings.ToValidUTF8(a, "\ufffd"))
	}
	if !slices.Equal(c.Cmdline, lossy) {
		t.Errorf("%s: cmdline %q, want %q", what, c.Cmdline, lossy)
	}
	var exact []string
	for _, b := range c.CmdlineBytes {
		exact = append(exact, string(b))
	}
	if !slices.Equal(exact, want) {
		t.Errorf("%s: cmdline_bytes %q, want the exact bytes %q", what, exact, want)
	}
}

// TestFDsHeading: fds names the process: its command
// name escaped, its user, and its command line.
func TestFDsHeading(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %x", "fd\x1bs\nx")
	out, errOut, code := gosof(t, "fds", strconv.Itoa(h.PID))
	head, _, _ := strings.Cut(out, "\n")
	want := strconv.Itoa(h.PID) + `/fd\x1bs\nx (user `
	if code != 0 || !strings.HasPrefix(head, want) || !strings.Contains(head, "gosof.test -test.run=") {
		t.Errorf("fds %d: exit %d %s, heading %q, want it to start %q and hold the command line", h.PID, code, errOut, head, want)
	}
}

// TestFDsNone: a process with no descriptors (a zombie: it exited and
// its parent, this test, has not reaped it yet) is said to have none;
// fds printed the table's heading alone. --json's list is empty.
func TestFDsNone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := strconv.Itoa(cmd.Process.Pid)
	for i := 0; ; i++ { // until it has exited: its state is Z
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err == nil && strings.Contains(string(b), ") Z ") {
			break
		}
		if i == 500 {
			t.Fatalf("%s never became a zombie: %s %v", pid, b, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, errOut, code := gosof(t, "fds", pid)
	if code != 0 || !strings.Contains(out, "\n  no open descriptors\n") || strings.Contains(out, "FD  TYPE") {
		t.Errorf("fds %s (a zombie): exit %d, want 0 and 'no open descriptors'\n%s%s", pid, code, out, errOut)
	}
	out, _, code = gosof(t, "fds", pid, "--json")
	if code != 0 || !strings.Contains(out, `"fds": []`) {
		t.Errorf("fds %s --json: exit %d, want an empty fds list\n%s", pid, code, out)
	}
}
