package main

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestCmdline: --cmdline shows a holder's whole command line, escaped in
// the table (a process chooses its own argv: escape sequences, newlines)
// and carried by JSON owners; without --cmdline neither appears.
func TestCmdline(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to hold a socket with a chosen argv")
	}
	srv := testhelper.Start(t)
	lfd, p := listen(t, srv, "inet", "127.0.0.1:0")
	// bash holds a connection to the listener, with a hostile argv.
	hostile := "evil\x1b[2J\nrow\xff" // and a byte that is not UTF-8
	cmd := exec.Command(bash, "-c", "exec 3<>/dev/tcp/127.0.0.1/"+strconv.Itoa(p)+"; read -r _", "holder", "--long-arg="+hostile)
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
	var socks []struct {
		Owners []struct {
			PID          int     `json:"pid"`
			Cmdline      *string `json:"cmdline"`
			CmdlineBytes []byte  `json:"cmdline_bytes"`
		} `json:"owners"`
	}
	if err := json.Unmarshal([]byte(js), &socks); err != nil || len(socks) != 1 || len(socks[0].Owners) != 1 {
		t.Fatalf("who --cmdline --json: %v\n%s", err, js)
	}
	o := socks[0].Owners[0]
	want := bash + " -c exec 3<>/dev/tcp/127.0.0.1/" + port + "; read -r _ holder --long-arg=" + hostile
	if lossy := strings.ToValidUTF8(want, "\ufffd"); o.Cmdline == nil || *o.Cmdline != lossy {
		t.Errorf("JSON owner cmdline = %v, want %q", o.Cmdline, lossy)
	}
	if string(o.CmdlineBytes) != want {
		t.Errorf("JSON owner cmdline_bytes = %q, want the exact bytes %q", o.CmdlineBytes, want)
	}
	js, _, _ = gosof(t, "who", port, "--side", "remote", "--json")
	if strings.Contains(js, `"cmdline"`) {
		t.Errorf("--json without --cmdline carries cmdline:\n%s", js)
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
