package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/internal/testhelper"
)

// Unix sockets by path (issue 26, item 1): who, why, kill and close take
// a PATH where they take a PORT.

// urow is jsock.row for a unix socket: "unix unix STATE LOCAL REMOTE PID/FD".
func urow(state, local, remote string, pid, fd int) string {
	return fmt.Sprintf("unix unix %s %s %s %d/%d", state, local, remote, pid, fd)
}

// unixServer is a helper listening on name (backlog 4) with one
// connection accepted and one waiting in its accept queue, from another
// helper.
type unixServer struct {
	srv, cli         *testhelper.Proc
	lfd, afd         int // the listener, the accepted connection
	cAccepted, cWait int // the client's ends
}

func startUnixServer(t *testing.T, name string) *unixServer {
	t.Helper()
	u := &unixServer{srv: testhelper.Start(t), cli: testhelper.Start(t)}
	u.lfd = u.srv.Int("socket unix stream")
	u.srv.Do("bind %d %s", u.lfd, name)
	u.srv.Do("listen %d 4", u.lfd)
	u.cAccepted = u.cli.Int("socket unix stream")
	u.cli.Do("connect %d %s", u.cAccepted, name)
	u.afd = u.srv.Int("accept %d", u.lfd)
	u.cWait = u.cli.Int("socket unix stream")
	u.cli.Do("connect %d %s", u.cWait, name)
	return u
}

// TestWhoPath: a PATH matches the bound name on the local side (the
// listener and the connection it accepted), the peer's name on the
// remote side (the clients, accepted or queued), a prefix every name
// under it; abstract names, relative names, names through a symlinked
// directory or bound through one, and a name with a comma.
func TestWhoPath(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/app.sock"
	u := startUnixServer(t, path)
	srv, cli := u.srv, u.cli
	abstract := fmt.Sprintf("@gosof-paths-%d", srv.PID)
	la := srv.Int("socket unix stream")
	srv.Do("bind %d %s", la, abstract)
	srv.Do("listen %d", la)
	comma := dir + "/a,b.sock"
	lc := srv.Int("socket unix stream")
	srv.Do("bind %d %s", lc, comma)
	srv.Do("listen %d", lc)
	tfd, tport := listen(t, srv, "inet", "127.0.0.1:0")

	// a server bound through a symlinked directory: its name is the
	// link's, its file the real one
	link := t.TempDir() + "/link"
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	ls := srv.Int("socket unix stream")
	srv.Do("bind %d %s", ls, link+"/viaLink.sock")
	srv.Do("listen %d", ls)
	cs := cli.Int("socket unix stream")
	cli.Do("connect %d %s", cs, link+"/viaLink.sock")
	as := srv.Int("accept %d", ls)

	listener := urow("LISTEN", path, "*", srv.PID, u.lfd)
	accepted := urow("CONNECTED", path, "", srv.PID, u.afd)
	client := urow("CONNECTED", "", path, cli.PID, u.cAccepted)
	queued := urow("CONNECTED", "", path, cli.PID, u.cWait)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"bound name", []string{"who", path}, []string{listener, accepted}},
		{"clients", []string{"who", "--side", "remote", path}, []string{client, queued}},
		{"both sides", []string{"who", "--side", "any", path}, []string{listener, accepted, client, queued}},
		{"prefix", []string{"who", dir + "/", "--pid", strconv.Itoa(srv.PID)}, []string{listener, accepted, urow("LISTEN", comma, "*", srv.PID, lc)}},
		{"abstract", []string{"who", abstract}, []string{urow("LISTEN", abstract, "*", srv.PID, la)}},
		{"comma", []string{"who", comma}, []string{urow("LISTEN", comma, "*", srv.PID, lc)}},
		{"port and path", []string{"who", strconv.Itoa(tport), abstract},
			[]string{fmt.Sprintf("tcp inet LISTEN 127.0.0.1:%d * %d/%d", tport, srv.PID, tfd), urow("LISTEN", abstract, "*", srv.PID, la)}},
		{"through a symlinked directory", []string{"who", link + "/app.sock"}, []string{listener, accepted}},
		{"bound through a symlink, asked by its file", []string{"who", "--side", "any", dir + "/viaLink.sock"}, []string{
			urow("LISTEN", link+"/viaLink.sock", "*", srv.PID, ls),
			urow("CONNECTED", link+"/viaLink.sock", "", srv.PID, as),
			urow("CONNECTED", "", link+"/viaLink.sock", cli.PID, cs),
		}},
		{"proc-net names", []string{"who", "--proc-net", path}, []string{listener, urow("CONNECTED", path, "", srv.PID, u.afd)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slices.Sort(tc.want)
			got := rows(gosofJSON(t, tc.args...))
			diffRows(t, strings.Join(tc.args, " "), tc.want, got)
		})
	}
	t.Run("relative", func(t *testing.T) {
		t.Chdir(dir)
		want := []string{listener, accepted}
		slices.Sort(want)
		diffRows(t, "who ./app.sock", want, rows(gosofJSON(t, "who", "./app.sock")))
		out, errOut, code := gosof(t, "who", "app.sock")
		if code != 2 || out != "" || !strings.Contains(errOut, "./app.sock") {
			t.Errorf("who app.sock: exit %d, %q %q; want exit 2 pointing at ./app.sock", code, out, errOut)
		}
	})
	t.Run("table", func(t *testing.T) {
		out, _, code := gosof(t, "who", path)
		if code != 0 || !strings.Contains(out, path) || strings.Count(out, "\n") != 3 {
			t.Errorf("who %s: exit %d\n%s", path, code, out)
		}
	})
}

// TestPathUsage: flags that no unix socket can pass beside a PATH, and a
// PATH where a command takes none, are usage errors that say so.
func TestPathUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"who", "-4", "/run/x.sock"}, "-4 and a PATH match nothing together"},
		{[]string{"who", "--proto", "tcp", "/run/x.sock"}, "--proto tcp and a PATH match nothing together"},
		{[]string{"who", "--state", "established", "/run/x.sock"}, "--state established and a PATH match nothing together"},
		{[]string{"who", "--remote", "10.0.0.0/8", "@x"}, "--local/--remote and a PATH match nothing together"},
		{[]string{"who", "/run/x.sock", "--dev", "lo"}, "--dev and a PATH match nothing together"},
		{[]string{"who", "--idle", "5m", "80", "/run/x.sock"}, "--idle and a PATH match nothing together"},
		{[]string{"kill", "-n", "/run/x.sock", "--idle=1h"}, "--idle and a PATH match nothing together"},
		{[]string{"ls", "/run/x.sock"}, "gosof who /run/x.sock"},
		{[]string{"why", "/run/"}, "why explains one socket name"},
		{[]string{"who", "run/x.sock"}, "a unix socket PATH starts with /, @, ./ or ../"},
		{[]string{"close", "--abort", "/run/x.sock", "-n"}, "does not apply to unix sockets"},
		{[]string{"ls", "--proto", "unix", "-4"}, "--proto unix and -4 match nothing together"},
	} {
		_, errOut, code := gosof(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.says) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want exit 2 and one line saying %q", strings.Join(tc.args, " "), code, errOut, tc.says)
		}
	}
}

// TestPathHostileNames: a name holding an escape sequence and a newline
// is escaped in every table and sentence, exact in JSON; an abstract name
// with a NUL after its '@' is found by the name gosof prints for it.
func TestPathHostileNames(t *testing.T) {
	evil := t.TempDir() + "/ev\x1b[31mil\n.sock"
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: evil, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	withNUL := fmt.Sprintf("@gosof-paths-%d\x00nul", os.Getpid())
	la, err := net.ListenUnix("unix", &net.UnixAddr{Name: withNUL, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { la.Close() })
	escaped := strings.ReplaceAll(strings.ReplaceAll(evil, "\x1b", `\x1b`), "\n", `\n`)
	for _, args := range [][]string{{"who", evil}, {"why", evil}, {"kill", "-n", evil, "--pid", strconv.Itoa(os.Getpid())}} {
		out, errOut, code := gosof(t, args...)
		want := exitMatch
		if args[0] == "kill" {
			want = exitSurvivors // the holder is gosof itself, never signalled: the run would leave it
		}
		if code != want || strings.ContainsAny(out+errOut, "\x1b") || !strings.Contains(out, escaped) {
			t.Errorf("gosof %s: exit %d, not escaped:\n%q\n%q", args[0], code, out, errOut)
		}
	}
	socks := gosofJSON(t, "who", evil)
	if len(socks) != 1 || socks[0].Local.Path == nil || *socks[0].Local.Path != evil {
		t.Errorf("who --json: %+v, want the exact name %q", socks, evil)
	}
	shown := strings.ReplaceAll(withNUL, "\x00", "@")
	socks = gosofJSON(t, "who", shown)
	if len(socks) != 1 || *socks[0].Local.Path != shown {
		t.Errorf("who %s --json: %+v, want the abstract name with a NUL", shown, socks)
	}
}

// jpathWhy is `why PATH --json` as a script would decode it.
type jpathWhy struct {
	Path     string `json:"path"`
	InUse    bool   `json:"in_use"`
	Verdict  string `json:"verdict"`
	Abstract bool   `json:"abstract"`
	File     *struct {
		Kind string `json:"kind"`
		Type string `json:"type"`
		Ino  uint64 `json:"ino"`
	} `json:"file"`
	Listeners []struct {
		State       string  `json:"state"`
		Path        string  `json:"path"`
		OwnsFile    bool    `json:"owns_file"`
		AcceptQueue *uint64 `json:"accept_queue"`
		Backlog     *uint64 `json:"backlog"`
		Owners      []struct {
			PID int `json:"pid"`
			FD  int `json:"fd"`
		} `json:"owners"`
	} `json:"listeners"`
	Connections []struct {
		State  string `json:"state"`
		Count  int    `json:"count"`
		Owners []struct {
			PID int `json:"pid"`
		} `json:"owners"`
		PeerOwners []struct {
			PID int `json:"pid"`
		} `json:"peer_owners"`
	} `json:"connections"`
	Queued []struct {
		PID   int `json:"pid"`
		Count int `json:"count"`
	} `json:"queued"`
	Connect string  `json:"connect"`
	Bind    string  `json:"bind"`
	Advice  *string `json:"advice"`
}

func whyPathJSON(t *testing.T, args ...string) (jpathWhy, int) {
	t.Helper()
	out, errOut, code := gosof(t, append([]string{"why", "--json"}, args...)...)
	var w jpathWhy
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatalf("why %v --json: exit %d, %v\n%s%s", args, code, err, out, errOut)
	}
	return w, code
}

// TestWhyPath tells a live socket file from a stale one, a file replaced
// under a running server or removed from under it, a name with no file,
// a file that is not a socket, and abstract names bound and free.
func TestWhyPath(t *testing.T) {
	dir := t.TempDir()

	t.Run("live", func(t *testing.T) {
		path := dir + "/live.sock"
		u := startUnixServer(t, path)
		w, code := whyPathJSON(t, path)
		if code != 0 || w.Verdict != "live" || !w.InUse || w.File == nil || w.File.Kind != "socket" {
			t.Fatalf("exit %d, %+v; want live", code, w)
		}
		if len(w.Listeners) != 1 || !w.Listeners[0].OwnsFile || len(w.Listeners[0].Owners) != 1 || w.Listeners[0].Owners[0].PID != u.srv.PID ||
			w.Listeners[0].AcceptQueue == nil || *w.Listeners[0].AcceptQueue != 1 || w.Listeners[0].Backlog == nil || *w.Listeners[0].Backlog != 4 {
			t.Errorf("listeners: %+v", w.Listeners)
		}
		if len(w.Connections) != 1 || w.Connections[0].Count != 1 || w.Connections[0].Owners[0].PID != u.srv.PID ||
			len(w.Connections[0].PeerOwners) != 1 || w.Connections[0].PeerOwners[0].PID != u.cli.PID {
			t.Errorf("connections (the server's ends, with the client at the other end): %+v", w.Connections)
		}
		if len(w.Queued) != 1 || w.Queued[0].PID != u.cli.PID || w.Queued[0].Count != 1 {
			t.Errorf("queued: %+v, want 1 from %d", w.Queued, u.cli.PID)
		}
		if !strings.Contains(w.Bind, "EADDRINUSE") || !strings.Contains(w.Connect, "reaches") {
			t.Errorf("bind %q, connect %q", w.Bind, w.Connect)
		}
		out, _, _ := gosof(t, "why", path)
		for _, want := range []string{path + " is in use: 1 listener, 1 connection, 1 waiting to be accepted.",
			fmt.Sprintf("Waiting in the accept queue: 1 connection from %d/", u.cli.PID)} {
			if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("why %s does not say %q:\n%s", path, want, out)
			}
		}
	})

	t.Run("stale", func(t *testing.T) {
		path := dir + "/stale.sock"
		h := testhelper.Start(t)
		fd := h.Int("socket unix stream")
		h.Do("bind %d %s", fd, path)
		h.Do("listen %d", fd)
		h.Kill() // SIGKILL: nothing removes the file
		w, code := whyPathJSON(t, path)
		if code != 1 || w.Verdict != "stale" || w.InUse || w.File == nil || w.File.Kind != "socket" || len(w.Listeners) != 0 ||
			!strings.Contains(w.Connect, "ECONNREFUSED") || !strings.Contains(w.Bind, "EADDRINUSE") || w.Advice == nil ||
			!strings.Contains(*w.Advice, "rm -- "+path) {
			t.Errorf("exit %d, %+v; want stale, exit 1", code, w)
		}
		out, _, _ := gosof(t, "why", path)
		flat := strings.Join(strings.Fields(out), " ")
		for _, want := range []string{path + " is a stale socket file: no socket in this network namespace is bound to it.",
			"safe to remove (rm -- " + path + ") unless a server in another network namespace", "'gosof why -A " + path + "'"} {
			if !strings.Contains(flat, want) {
				t.Errorf("why %s does not say %q:\n%s", path, want, out)
			}
		}
		// nothing is bound under the name
		if _, _, code := gosof(t, "who", path); code != 1 {
			t.Errorf("who %s on a stale file: exit %d, want 1", path, code)
		}
	})

	// A command why suggests is pasted: a name a shell takes apart (a
	// space, a quote) is left out of it, as rm's is, rather than printed
	// in a command that would run on other names ('gosof why -A
	// /tmp/st ale'x.sock' was suggested).
	t.Run("stale, a name a shell takes apart", func(t *testing.T) {
		for _, path := range []string{dir + "/st ale'x.sock", dir + "/a*"} {
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			err = unix.Bind(fd, &unix.SockaddrUnix{Name: path})
			unix.Close(fd) // closing it leaves the file: stale
			if err != nil {
				t.Fatal(err)
			}
			w, code := whyPathJSON(t, path)
			if code != 1 || w.Verdict != "stale" || w.Advice == nil {
				t.Fatalf("why %q: exit %d, %+v; want stale, exit 1", path, code, w)
			}
			if strings.Contains(*w.Advice, "rm --") || strings.Contains(*w.Advice, "-A "+dir) ||
				!strings.Contains(*w.Advice, "'gosof why -A' with this name reads them all") {
				t.Errorf("why %q advises %q; want no command holding the name", path, *w.Advice)
			}
		}
	})

	t.Run("replaced", func(t *testing.T) {
		// the old server still holds the name; its file was removed and
		// a new server made another
		path := dir + "/replaced.sock"
		old := testhelper.Start(t)
		ofd := old.Int("socket unix stream")
		old.Do("bind %d %s", ofd, path)
		old.Do("listen %d", ofd)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		cur := testhelper.Start(t)
		cfd := cur.Int("socket unix stream")
		cur.Do("bind %d %s", cfd, path)
		cur.Do("listen %d", cfd)
		w, code := whyPathJSON(t, path)
		owns := map[int]bool{}
		for _, l := range w.Listeners {
			owns[l.Owners[0].PID] = l.OwnsFile
		}
		if code != 0 || w.Verdict != "live" || len(owns) != 2 || !owns[cur.PID] || owns[old.PID] {
			t.Errorf("exit %d, %+v; want live, the file %d's and not %d's", code, w, cur.PID, old.PID)
		}
		out, _, _ := gosof(t, "why", path)
		if !strings.Contains(strings.Join(strings.Fields(out), " "), "bound under this name but not to this file") {
			t.Errorf("why does not say which listener lost its file:\n%s", out)
		}
	})

	t.Run("unlinked", func(t *testing.T) {
		path := dir + "/unlinked.sock"
		h := testhelper.Start(t)
		fd := h.Int("socket unix stream")
		h.Do("bind %d %s", fd, path)
		h.Do("listen %d", fd)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		w, code := whyPathJSON(t, path)
		if code != 0 || w.Verdict != "unlinked" || w.File.Kind != "missing" || !strings.Contains(w.Connect, "ENOENT") {
			t.Errorf("exit %d, %+v; want unlinked", code, w)
		}
	})

	for _, tc := range []struct {
		name, path, verdict, kind string
		code                      int
	}{
		{"missing", dir + "/none.sock", "free", "missing", 1},
		{"directory", dir, "not_socket", "other", 1},
		{"abstract free", fmt.Sprintf("@gosof-paths-free-%d", os.Getpid()), "free", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, code := whyPathJSON(t, tc.path)
			kind := ""
			if w.File != nil {
				kind = w.File.Kind
			}
			if code != tc.code || w.Verdict != tc.verdict || kind != tc.kind {
				t.Errorf("why %s: exit %d, verdict %q, file %q; want %d, %q, %q", tc.path, code, w.Verdict, kind, tc.code, tc.verdict, tc.kind)
			}
		})
	}

	t.Run("abstract live", func(t *testing.T) {
		name := fmt.Sprintf("@gosof-paths-live-%d", os.Getpid())
		u := startUnixServer(t, name)
		w, code := whyPathJSON(t, name)
		if code != 0 || w.Verdict != "live" || !w.Abstract || w.File != nil || len(w.Listeners) != 1 || w.Listeners[0].Owners[0].PID != u.srv.PID {
			t.Errorf("exit %d, %+v; want live, abstract, no file", code, w)
		}
	})
}

// TestKillPath: kill PATH signals the server bound to it, and says what
// is left: the name free, and the socket file it left behind stale.
func TestKillPath(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/kill.sock"
	u := startUnixServer(t, path)
	out, errOut, code := gosof(t, "kill", path, "--pid", strconv.Itoa(u.srv.PID), "-y")
	if code != 0 || !strings.Contains(out, path+": free; its socket file is still there, stale") {
		t.Fatalf("kill %s: exit %d\n%s%s", path, code, out, errOut)
	}
	if u.srv.Wait() == nil {
		t.Error("the server was not signalled")
	}
	name := fmt.Sprintf("@gosof-paths-kill-%d", os.Getpid())
	a := startUnixServer(t, name)
	out, errOut, code = gosof(t, "kill", name, "--pid", strconv.Itoa(a.srv.PID), "-y")
	if code != 0 || !strings.Contains(out, name+": free\n") {
		t.Errorf("kill %s: exit %d\n%s%s", name, code, out, errOut)
	}
}

// TestClosePath: close PATH shuts the server's ends down through its
// descriptors (the clients read EOF; the sockets stay listed while their
// holder keeps them, and that is done, exit 0); with --listen the
// listener too, which then refuses new clients; --side remote the
// clients' ends.
func TestClosePath(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/close.sock"
	u := startUnixServer(t, path)
	spid := strconv.Itoa(u.srv.PID)
	out, errOut, code := gosof(t, "close", path, "--pid", spid, "-y")
	flat := strings.Join(strings.Fields(out), " ")
	if code != 0 || !strings.Contains(flat, fmt.Sprintf("shut down through fd %d of %d/", u.afd, u.srv.PID)) ||
		!strings.Contains(flat, path+": 1 CONNECTED shut down, still held by") || !strings.Contains(flat, "1 LISTEN socket") {
		t.Errorf("close %s: exit %d\n%s%s", path, code, out, errOut)
	}
	if got := u.cli.Do("read %d", u.cAccepted); len(got) != 1 || got[0] != "eof" {
		t.Errorf("the client read %v, want eof", got)
	}
	out, errOut, code = gosof(t, "close", path, "--listen", "--pid", spid, "-y")
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(out), " "), "it refuses new connections (ECONNREFUSED)") {
		t.Errorf("close --listen %s: exit %d\n%s%s", path, code, out, errOut)
	}
	c := u.cli.Int("socket unix stream")
	if _, err := u.cli.Try("connect %d %s", c, path); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("connect after the listener was shut down: %v, want connection refused", err)
	}
	// the clients' ends: the one still queued is shut down too
	out, errOut, code = gosof(t, "close", "--side", "remote", path, "--pid", strconv.Itoa(u.cli.PID), "-y")
	if code != 0 || strings.Count(out, ": shut down through fd") != 2 {
		t.Errorf("close --side remote %s: exit %d\n%s%s", path, code, out, errOut)
	}
}

// TestPathOtherNetNS: a socket file bound by a server in another network
// namespace (a container sharing the directory) looks stale from this
// one, and why says so and how to see it; -A finds the server.
func TestPathOtherNetNS(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	path := t.TempDir() + "/ns.sock"
	h := testhelper.Start(t, testhelper.NewNetNS())
	fd := h.Int("socket unix stream")
	h.Do("bind %d %s", fd, path)
	h.Do("listen %d", fd)
	w, code := whyPathJSON(t, path)
	if code != 1 || w.Verdict != "stale" || w.Advice == nil || !strings.Contains(*w.Advice, "gosof why -A "+path) {
		t.Errorf("why %s from another namespace: exit %d, %+v; want stale with the -A hint", path, code, w)
	}
	w, code = whyPathJSON(t, "-A", path)
	if code != 0 || w.Verdict != "live" || len(w.Listeners) != 1 || w.Listeners[0].Owners[0].PID != h.PID {
		t.Errorf("why -A %s: exit %d, %+v; want live, held by %d", path, code, w, h.PID)
	}
	got := rows(gosofJSON(t, "who", "-A", path))
	diffRows(t, "who -A", []string{urow("LISTEN", path, "*", h.PID, fd)}, got)
}

// TestPathFilesFromDiag: the file a socket is bound to is the one stat(2)
// names (UNIX_DIAG_VFS decoded with the device's encoding): why says the
// listener owns the file it bound, by device and inode.
func TestPathFilesFromDiag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vfs.sock")
	u := startUnixServer(t, path)
	w, _ := whyPathJSON(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	ino := uint64(uint32(fi.Sys().(*syscall.Stat_t).Ino)) // the low 32 bits, all UNIX_DIAG_VFS carries
	if len(w.Listeners) != 1 || !w.Listeners[0].OwnsFile || w.Listeners[0].Owners[0].PID != u.srv.PID || w.File == nil || w.File.Ino != ino {
		t.Errorf("%+v: want the listener to own the file, inode %d", w, ino)
	}
	// through /proc/net/unix the file is not known: judged by the name
	w, _ = whyPathJSON(t, "--proc-net", path)
	if w.Verdict != "live" || len(w.Listeners) != 1 {
		t.Errorf("--proc-net: %+v, want live by the name", w)
	}
}

// TestProcNetClientsOfAPath: /proc/net/unix tells no peers, so --proc-net
// cannot find the clients connected to a PATH. --side remote with it was
// exit 1 and silent ("nothing there", with two clients connected);
// --side any listed the server's ends alone, silently. Now --side remote
// is refused naming both, as --state close --proc-net is, and --side any
// says once what it leaves out. kill and close read the filter the same
// way.
func TestProcNetClientsOfAPath(t *testing.T) {
	path := t.TempDir() + "/app.sock"
	u := startUnixServer(t, path)
	const why = "/proc/net/unix tells no unix socket's peer"
	for _, args := range [][]string{
		{"who", "--side", "remote", path, "--proc-net"},
		{"kill", "-n", "--side", "remote", path, "--proc-net", "--pid", strconv.Itoa(u.cli.PID)},
		{"close", "-n", "--side", "remote", path, "--proc-net", "--pid", strconv.Itoa(u.cli.PID)},
	} {
		out, errOut, code := gosof(t, args...)
		if code != exitError || out != "" || !strings.Contains(errOut, why) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want 2 and one line saying %q\n%s", strings.Join(args, " "), code, errOut, why, out)
		}
	}
	out, errOut, code := gosof(t, "who", "--side", "any", path, "--proc-net", "--pid", strconv.Itoa(u.srv.PID))
	if code != exitMatch || !strings.Contains(out, path) || strings.Count(errOut, why) != 1 {
		t.Errorf("who --side any PATH --proc-net: exit %d, stderr %q; want the server's ends and the note once\n%s", code, errOut, out)
	}
	if _, errOut, _ := gosof(t, "who", path, "--proc-net"); strings.Contains(errOut, why) {
		t.Errorf("who PATH --proc-net (the local side): a note it does not need: %q", errOut)
	}
}
