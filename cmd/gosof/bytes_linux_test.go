package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestJSONExactBytes: a command name and a unix path that are not valid
// UTF-8 and hold a bidi override, a zero-width space and DEL reach no JSON
// output raw (--json, --jsonl, with --options and --cmdline), and their
// exact bytes come back from comm_bytes and path_bytes, through netlink
// and /proc/net alike.
func TestJSONExactBytes(t *testing.T) {
	h := testhelper.Start(t)
	comm := "g\xff\u202e\x7f"
	h.Do("comm %x", comm)
	path := fmt.Sprintf("/tmp/gosof-h13-%d-\xfe\u200b\u202e", os.Getpid())
	t.Cleanup(func() { os.Remove(path) })
	ufd := h.Int("socket unix stream")
	h.Do("bind %d %s", ufd, path)
	h.Do("listen %d", ufd)
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	pid, p := strconv.Itoa(h.PID), strconv.Itoa(port)
	runs := [][]string{
		{"ls", "--json", "--pid", pid, "--proto", "unix"},
		{"ls", "--jsonl", "--pid", pid, "--proto", "unix"},
		{"ls", "--json", "--options", "--cmdline", "--pid", pid, "--proto", "unix"},
		{"ls", "--json", "--pid", pid, "--proto", "unix", "--proc-net"},
		{"who", "--json", p},
		{"why", "--json", p},
		{"kill", "--dry-run", "--json", p},
		{"fds", "--json", pid},
	}
	for _, args := range runs {
		out, errOut, code := gosof(t, args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
			continue
		}
		for _, raw := range []string{"\u202e", "\u200b", "\x7f", "\xff", "\xfe"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s: %q raw in the output", strings.Join(args, " "), raw)
			}
		}
		if !strings.Contains(out, `\u202e`) {
			t.Errorf("%s: no \\u202e escape in\n%s", strings.Join(args, " "), out)
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%s: %v", strings.Join(args, " "), err)
		}
		for _, want := range []string{"comm_bytes", "path_bytes"} {
			if (want == "path_bytes") != (args[0] == "who" || args[0] == "why" || args[0] == "kill") && !strings.Contains(out, want) {
				t.Errorf("%s: no %s", strings.Join(args, " "), want)
			}
		}
	}
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		out, _, _ := gosof(t, append([]string{"ls", "--json", "--pid", pid, "--proto", "unix"}, mode...)...)
		var socks []struct {
			Local struct {
				PathBytes []byte `json:"path_bytes"`
			} `json:"local"`
			Owners []struct {
				CommBytes []byte `json:"comm_bytes"`
			} `json:"owners"`
		}
		if err := json.Unmarshal([]byte(out), &socks); err != nil {
			t.Fatal(err)
		}
		if len(socks) != 1 || string(socks[0].Local.PathBytes) != path || len(socks[0].Owners) != 1 || string(socks[0].Owners[0].CommBytes) != comm {
			t.Errorf("ls %v: %+v, want path %q, comm %q", mode, socks, path, comm)
		}
	}
}

// TestAbstractNameWithNUL: abstract unix names that differ only in a NUL
// and an '@' after the leading NUL both print as "@name@y", as ss and
// /proc/net/unix show them; JSON gives the one with the NUL its exact
// name in path_bytes, and the other none (its path is exact).
func TestAbstractNameWithNUL(t *testing.T) {
	h := testhelper.Start(t)
	base := fmt.Sprintf("@gosof-%d-X", os.Getpid())
	withNUL, withAt := base+"\x00y", base+"@y"
	for _, name := range []string{withNUL, withAt} {
		fd := h.Int("socket unix stream")
		h.Do("bind %d %s", fd, name)
		h.Do("listen %d", fd)
	}
	pid := strconv.Itoa(h.PID)
	for _, format := range []string{"--json", "--jsonl"} {
		out, errOut, code := gosof(t, "ls", format, "--pid", pid, "--proto", "unix")
		if code != 0 {
			t.Fatalf("ls %s: exit %d %s", format, code, errOut)
		}
		if strings.Contains(out, "\x00") || strings.Contains(out, `\u0000`) {
			t.Errorf("ls %s: a NUL in the path:\n%s", format, out)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		if format == "--json" {
			dec.Token() // [
		}
		var exact []string
		n := 0
		for dec.More() {
			var s struct {
				Local struct {
					Path      string `json:"path"`
					PathBytes []byte `json:"path_bytes"`
				} `json:"local"`
			}
			if err := dec.Decode(&s); err != nil {
				t.Fatalf("ls %s: %v\n%s", format, err, out)
			}
			n++
			if s.Local.Path != withAt {
				t.Errorf("ls %s: path %q, want %q", format, s.Local.Path, withAt)
			}
			if s.Local.PathBytes != nil {
				exact = append(exact, string(s.Local.PathBytes))
			}
		}
		if n != 2 || len(exact) != 1 || exact[0] != withNUL {
			t.Errorf("ls %s: %d sockets, path_bytes %q; want 2, and %q for one alone\n%s", format, n, exact, withNUL, out)
		}
	}
	out, _, _ := gosof(t, "ls", "--pid", pid, "--proto", "unix")
	if strings.Count(out, " "+withAt+" ") != 2 {
		t.Errorf("ls: want both names shown as %q:\n%s", withAt, out)
	}
}

// TestNoMatchNoteEscapedOnce: the note that says which filter emptied an
// answer names the holders it left out with their command names escaped
// once, as the table shows them: it printed e\\x1b[31mv\\u202eil.
func TestNoMatchNoteEscapedOnce(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %x", "e\x1b[31mv\u202eil")
	_, port := listen(t, h, "inet", "127.0.0.1:0")
	p := strconv.Itoa(port)
	want := strconv.Itoa(h.PID) + `/e\x1b[31mv\u202eil`
	table, _, _ := gosof(t, "who", p)
	if !strings.Contains(table, want) {
		t.Fatalf("who %s: the table does not show %s:\n%s", p, want, table)
	}
	_, errOut, code := gosof(t, "who", p, "-c", "/^nomatch$/")
	if code != exitNoMatch || !strings.Contains(errOut, "held by "+want) || strings.Contains(errOut, `\\x1b`) {
		t.Errorf("who %s -c /^nomatch$/: exit %d, stderr %q; want 1 and held by %s", p, code, errOut, want)
	}
}

// TestListFlagValueBytes: -c/--command and -u/--user (the list flags with
// a short alias) match the bytes typed. cli copied a value to the flag's
// alias through JSON, which turned a byte that is not UTF-8 into U+FFFD:
// -c $'\x9b' matched no process named with that byte.
func TestListFlagValueBytes(t *testing.T) {
	h := testhelper.Start(t)
	h.Do("comm %x", "\x9bgosof-h13")
	listen(t, h, "inet", "127.0.0.1:0")
	pid := strconv.Itoa(h.PID)
	for _, flag := range []string{"-c", "--command", "--command="} {
		args := []string{"ls", "-t", "--pid", pid}
		if strings.HasSuffix(flag, "=") {
			args = append(args, flag+"\x9b")
		} else {
			args = append(args, flag, "\x9b")
		}
		if out, errOut, code := gosof(t, args...); code != 0 || strings.TrimSpace(out) != pid {
			t.Errorf("%q: exit %d, %q %q; want %s", args, code, out, errOut, pid)
		}
	}
	// /etc/passwd cannot be given a user here: the name looked up is the
	// one typed, as the error quotes it.
	for _, flag := range []string{"-u", "--user"} {
		_, errOut, code := gosof(t, "ls", flag, "gosof-h13-\xff")
		if code != exitError || !strings.Contains(errOut, `unknown user "gosof-h13-\xff"`) {
			t.Errorf("ls %s gosof-h13-\\xff: exit %d, %q; want 2, the name as typed", flag, code, errOut)
		}
	}
}
