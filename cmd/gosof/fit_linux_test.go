package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// onPTY runs gosof with args on the slave side of a pseudo-terminal the
// test makes, cols wide, and returns what the terminal got (stdout and
// stderr), with the line discipline's "\r\n" read back as "\n".
func onPTY(t *testing.T, cols int, args ...string) string {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), cliEnv(t, nil, args...), "COLUMNS=")
	cmd.Stdout, cmd.Stderr = slave, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, master) // ends with EIO once the last holder of the slave is gone
		close(done)
	}()
	cmd.Wait()
	<-done
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// TestFitsTerminal: on an 80-column terminal, every command's output
// fits: no line is longer than 80 (so the terminal wraps none, mid-word
// or anywhere), a table row is one line whose long cells are shortened in
// the middle; --wide, and a pipe, get every cell whole. The sockets are
// made wide on purpose: a long command name, connections with 5-digit
// ports, an IPv6 listener, a long unix socket path.
func TestFitsTerminal(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %x", "gosof-ctx-fit01")            // 15 bytes, the most comm holds
	lfd, p := listen(t, h, "inet", "127.0.0.1:0") // 5 digits: ephemeral
	port := strconv.Itoa(p)
	connect(t, h, "inet", "127.0.0.1:"+port)
	h.Do("accept %d", lfd)
	listen(t, h, "inet6", "[::1]:"+port)
	path := t.TempDir() + "/" + strings.Repeat("long-path-", 4) + "end.sock"
	ufd := h.Int("socket unix stream")
	h.Do("bind %d %s", ufd, path)
	h.Do("listen %d", ufd)
	pid := strconv.Itoa(h.PID)

	for _, args := range [][]string{
		{"who", port},
		{"who", "--context", "--cmdline", "--options", port},
		{"ls", "--pid", pid},
		{"why", port},
		{"kill", "-n", "--pid", pid, port},
		{"close", "-n", "--listen", port},
		{"fds", pid},
	} {
		out := onPTY(t, 80, args...)
		name := "gosof " + strings.Join(args, " ")
		if strings.TrimSpace(out) == "" {
			t.Errorf("%s: printed nothing", name)
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: a line of %d columns on an 80-column terminal:\n%s\n(all of it:\n%s)", name, n, l, out)
			}
		}
	}

	// a table row stays one line, shortened where it had to be ...
	out := onPTY(t, 80, "who", "--cmdline", port)
	if !strings.Contains(out, "…") {
		t.Errorf("who --cmdline on 80 columns shortened nothing:\n%s", out)
	}
	if got, want := strings.Count(out, "\n"), 4; got != want { // header, listener, two ends of the connection
		t.Errorf("who --cmdline on 80 columns: %d lines, want %d:\n%s", got, want, out)
	}
	// ... and whole with --wide, and in a pipe
	wide := onPTY(t, 80, "who", "--cmdline", "--wide", port)
	piped, _, _ := gosof(t, "who", "--cmdline", port)
	if strings.Contains(wide, "…") || wide != piped {
		t.Errorf("who --cmdline --wide on a terminal:\n%s\nwant what a pipe gets:\n%s", wide, piped)
	}
	// a narrower terminal: the unix path keeps its start and its end
	out = onPTY(t, 70, "ls", "--pid", pid, "--proto", "unix")
	rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range rows {
		if utf8.RuneCountInString(l) > 70 {
			t.Errorf("ls --proto unix on 70 columns: a line of %d:\n%s", utf8.RuneCountInString(l), out)
		}
	}
	if f := strings.Fields(rows[len(rows)-1]); len(f) < 3 || !strings.HasPrefix(f[2], "/tmp/") || !strings.Contains(f[2], "…") || !strings.HasSuffix(f[2], ".sock") {
		t.Errorf("the unix path is not shortened in the middle, keeping both ends:\n%s", out)
	}
}

// TestSentencesFitWideRunes: a sentence on a terminal (a note, why's
// lines) is measured as the tables are, in display columns (core.Width):
// it was measured in runes, so a holder named in CJK, two columns a rune,
// ran past the edge and the terminal broke it mid-word.
func TestSentencesFitWideRunes(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %x", "日本語サー") // 15 bytes, 10 columns
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	pid, P := strconv.Itoa(h.PID), strconv.Itoa(port)
	for _, args := range [][]string{
		{"who", P, "-c", "zz", "--pid", pid},
		{"why", "--no-probe", P},
	} {
		out := onPTY(t, 40, args...)
		if !strings.Contains(out, "日本語サー") {
			t.Errorf("gosof %s: the holder is not named whole:\n%s", strings.Join(args, " "), out)
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := core.Width(strings.TrimRight(l, "\r")); n > 40 {
				t.Errorf("gosof %s: a line of %d columns on a 40-column terminal:\n%s\n(all of it:\n%s)", strings.Join(args, " "), n, l, out)
			}
		}
	}
}
