package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/golden"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"

	"github.com/google/go-cmp/cmp"
)

// The Solaris fdinfo capture read through --replay, on whatever OS the test
// runs on: socket options for ls --options and why, and every descriptor
// for fds. Golden files hold the whole output; the value checks beside
// them make sure -update cannot bless a wrong answer.

var fdinfoCapture = filepath.Join(solarisFixtures, "solaris11-fdinfo")

// holderNote is the one note the fdinfo capture's ls gives: rpcbind's
// TLI listener on 111 has no EXPER_SOCK_INFO entry and no socket name,
// so whether a process holds it is not known.
const holderNote = "gosof: nothing names the holder of 1 socket: no usable EXPER_SOCK_INFO entry " +
	"(Solaris 10, illumos before 2019 and Solaris 11.4 send none), and no descriptor's name nor creation record matched, " +
	"so the holders of some sockets are unknown; pfiles PID shows whether a process holds a socket\n"

// replayGolden runs gosof, wants exit 0 and nothing on stderr but the
// holder note of a listing, and compares stdout with
// testdata/solaris/<name>.golden.
func replayGolden(t *testing.T, name string, args ...string) string {
	t.Helper()
	stdout, stderr, code := gosofReplay(t, args...)
	if code != 0 || stderr != "" && (args[0] != "ls" || stderr != holderNote) {
		t.Fatalf("gosof %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
	}
	golden.Check(t, filepath.Join(solarisFixtures, name+".golden"), []byte(stdout))
	return stdout
}

// jopts is the part of an "options" object the checks look at; raw keeps
// every key, to check that what fdinfo lacks is absent.
type jopts struct {
	ReuseAddr *bool `json:"reuse_addr"`
	ReusePort *bool `json:"reuse_port"`
	KeepAlive *bool `json:"keepalive"`
	Linger    *struct {
		On      bool `json:"on"`
		Seconds int  `json:"seconds"`
	} `json:"linger"`
	SndBuf     *int   `json:"sndbuf"`
	Type       string `json:"type"`
	Congestion string `json:"congestion"`
}

func noFdinfoLacks(t *testing.T, what string, raw map[string]json.RawMessage) {
	t.Helper()
	for _, k := range []string{"nodelay", "v6only", "tcp_info"} {
		if _, ok := raw[k]; ok {
			t.Errorf("%s: %q present, but fdinfo does not give it", what, k)
		}
	}
}

func TestReplayExtrasLsOptions(t *testing.T) {
	out := replayGolden(t, "solaris11-fdinfo.options.json", "ls", "--replay", fdinfoCapture, "--options", "--json")
	var socks []struct {
		Local struct {
			Port int `json:"port"`
		} `json:"local"`
		Owners []struct {
			PID     int                        `json:"pid"`
			FD      *int                       `json:"fd"`
			Options map[string]json.RawMessage `json:"options"`
		} `json:"owners"`
	}
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatal(err)
	}
	got := map[[2]int]jopts{}
	for _, s := range socks {
		for _, o := range s.Owners {
			if o.FD == nil || o.Options == nil {
				continue
			}
			noFdinfoLacks(t, "ls --options", o.Options)
			b, _ := json.Marshal(o.Options)
			var j jopts
			if err := json.Unmarshal(b, &j); err != nil {
				t.Fatal(err)
			}
			got[[2]int{o.PID, *o.FD}] = j
		}
	}
	listener, ipd12, linger := got[[2]int{1200, 3}], got[[2]int{1200, 5}], got[[2]int{1200, 8}]
	// A clear PR_SO_REUSEPORT bit: the kernel may not be able to say.
	if listener.ReuseAddr == nil || !*listener.ReuseAddr || listener.ReusePort != nil {
		t.Errorf("sshd listener fd 3: %+v, want SO_REUSEADDR on, SO_REUSEPORT unknown", listener)
	}
	if ipd12.KeepAlive == nil || !*ipd12.KeepAlive || ipd12.SndBuf == nil || *ipd12.SndBuf != 0xc000 || ipd12.Congestion != "sunreno" {
		t.Errorf("sshd fd 5 (the IPD 12 capture): %+v", ipd12)
	}
	if linger.Linger == nil || !linger.Linger.On || linger.Linger.Seconds != 0 || linger.ReusePort == nil || !*linger.ReusePort {
		t.Errorf("sshd fd 8: %+v, want SO_LINGER {1,0} and SO_REUSEPORT", linger)
	}
	if _, ok := got[[2]int{1400, 9}]; ok {
		t.Error("syslogd fd 9 has no option items but shows options")
	}

	// who shares the OPTIONS column.
	table, _, code := gosofReplay(t, "who", "22", "--replay", fdinfoCapture, "--options")
	if code != 0 || !strings.Contains(table, "reuseaddr,reuseport,keepalive,linger=0s,sndbuf=128000,rcvbuf=1048576,cc=cubic") {
		t.Errorf("who 22 --options: exit %d\n%s", code, table)
	}
}

func TestReplayExtrasFds(t *testing.T) {
	args := []string{"fds", "1200", "--replay", fdinfoCapture}
	table := replayGolden(t, "solaris11-fdinfo.fds.table", args...)
	if !strings.HasPrefix(table, "1200/sshd (user 0): sshd\n") {
		t.Errorf("fds table does not start with the process:\n%s", table)
	}
	// Rows by their fields, so that column widths do not matter.
	rows := map[string]string{}
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = strings.Join(f, " ")
		}
	}
	for fd, want := range map[string]string{
		"1":  "1 pipe",
		"3":  "3 socket tcp6 [::]:22 LISTEN reuseaddr",
		"6":  "6 door /var/run/name_service_door",
		"7":  "7 port",
		"8":  "8 socket tcp 172.27.10.9:22 -> 172.27.10.80:40000 ESTABLISHED reuseaddr,reuseport,keepalive,linger=0s,sndbuf=128000,rcvbuf=1048576,cc=cubic",
		"11": "11 unknown",
	} {
		if rows[fd] != want {
			t.Errorf("fds row %s: %q, want %q", fd, rows[fd], want)
		}
	}
	if strings.Contains(table, "Socket options are missing") {
		t.Errorf("fds says options are missing, but the capture has them:\n%s", table)
	}

	js := replayGolden(t, "solaris11-fdinfo.fds.json", append(args, "--json")...)
	var procs []struct {
		PID            int     `json:"pid"`
		Comm           string  `json:"comm"`
		OptionsMissing *string `json:"options_missing"`
		FDs            []struct {
			FD     int    `json:"fd"`
			Type   string `json:"type"`
			Path   string `json:"path"`
			Inode  uint64 `json:"inode"`
			Socket *struct {
				State  string `json:"state"`
				Inode  uint64 `json:"inode"`
				Remote *struct {
					Port int `json:"port"`
				} `json:"remote"`
			} `json:"socket"`
			Options map[string]json.RawMessage `json:"options"`
		} `json:"fds"`
	}
	if err := json.Unmarshal([]byte(js), &procs); err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].PID != 1200 || procs[0].Comm != "sshd" || procs[0].OptionsMissing != nil {
		t.Fatalf("fds --json: %+v", procs)
	}
	types := map[int]string{}
	for _, fd := range procs[0].FDs {
		types[fd.FD] = fd.Type
		if fd.Type == "socket" {
			if fd.Socket == nil || fd.Socket.Inode != fd.Inode || fd.Options == nil {
				t.Errorf("socket fd %d: socket %+v options %v, want the socket with inode %d and its options", fd.FD, fd.Socket, fd.Options, fd.Inode)
			} else {
				noFdinfoLacks(t, "fds", fd.Options)
			}
		}
		if fd.FD == 8 && (fd.Socket == nil || fd.Socket.State != "ESTABLISHED" || fd.Socket.Remote == nil || fd.Socket.Remote.Port != 40000) {
			t.Errorf("fd 8: %+v, want the ESTABLISHED connection from port 40000", fd.Socket)
		}
	}
	wantTypes := map[int]string{0: "char", 1: "pipe", 2: "file", 3: "socket", 4: "dir", 5: "socket", 6: "door",
		7: "port", 8: "socket", 9: "fifo", 10: "block", 11: "unknown"}
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Errorf("descriptor types (-want +got):\n%s", diff)
	}

	// No such process in the capture: exit 1, as on a live host.
	if _, stderr, code := gosofReplay(t, "fds", "4242", "--replay", fdinfoCapture); code != 1 {
		t.Errorf("fds of a pid not in the capture: exit %d, stderr %q; want 1", code, stderr)
	}
	// nfsd is in the capture without its fdinfo (it holds no socket): say
	// why, exit 2.
	out, stderr, code := gosofReplay(t, "fds", "77", "--replay", fdinfoCapture)
	if code != 2 || !strings.Contains(out, "cannot list descriptors") || !strings.Contains(stderr, "the capture has no fdinfo for process 77") {
		t.Errorf("fds of a process without fdinfo: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestReplayExtrasWhy(t *testing.T) {
	out, stderr, code := gosofReplay(t, "why", "22", "--replay", fdinfoCapture)
	if code != 0 {
		t.Fatalf("why 22: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"tcp6 [::]:22  held by 1200/sshd (user 0, fd 3)",
		"SO_REUSEADDR on; SO_REUSEPORT unknown",
		"SO_LINGER",
		"Bind probe: not run: a --replay capture is not this host.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("why 22 lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(stderr, "could not be read") {
		t.Errorf("why 22 says options could not be read: %q", stderr)
	}

	js, _, code := gosofReplay(t, "why", "22", "--replay", fdinfoCapture, "--json")
	var w struct {
		Listeners []struct {
			ReuseAddr *bool `json:"reuse_addr"`
			ReusePort *bool `json:"reuse_port"`
		} `json:"listeners"`
		Warnings []struct {
			Kind string `json:"kind"`
		} `json:"warnings"`
		Probe struct {
			Ran bool `json:"ran"`
		} `json:"probe"`
	}
	if err := json.Unmarshal([]byte(js), &w); err != nil || code != 0 {
		t.Fatalf("why --json: exit %d, %v", code, err)
	}
	// 0.0.0.0:22 may be the IPv4 view of [::]:22 or a socket of its own
	// (a kernel without EXPER_SOCK_INFO cannot say): only its creator is
	// known, so its options are unknown.
	if len(w.Listeners) != 2 || w.Listeners[0].ReuseAddr != nil || w.Listeners[1].ReuseAddr == nil || !*w.Listeners[1].ReuseAddr ||
		w.Listeners[1].ReusePort != nil {
		t.Errorf("listeners: %+v, want 0.0.0.0:22 unknown and [::]:22 with reuse_addr true, reuse_port unknown", w.Listeners)
	}
	if len(w.Warnings) != 1 || w.Warnings[0].Kind != "linger_abort" || w.Probe.Ran {
		t.Errorf("warnings %+v, probe ran %v; want one linger_abort and no probe", w.Warnings, w.Probe.Ran)
	}
}

// TestReplayParsedOnce: every command that reads a capture parses it once,
// whatever capabilities (sockets, owners, options, descriptors) it uses.
func TestReplayParsedOnce(t *testing.T) {
	orig := host.OpenCapture
	t.Cleanup(func() { host.OpenCapture = orig })
	parses := 0
	host.OpenCapture = func(dir string) (*platform.Backend, error) {
		parses++
		return orig(dir)
	}
	for _, args := range [][]string{
		{"fds", "1200"},
		{"why", "22"},
		{"ls", "--options"},
		{"who", "22"},
	} {
		parses = 0
		if _, stderr, code := gosofReplay(t, append(args, "--replay", fdinfoCapture)...); code != 0 {
			t.Fatalf("gosof %v: exit %d, stderr %q", args, code, stderr)
		}
		if parses != 1 {
			t.Errorf("gosof %v --replay parsed the capture %d times, want once", args, parses)
		}
	}
}
