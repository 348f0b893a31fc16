package linux

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/fditer"
	"github.com/gosof/gosof/internal/testhelper"
	"github.com/gosof/gosof/platform"
)

// TestIterPlan: the one decision whether a scan goes through the
// iterator, and the reason it gives when not, for each cause a test can
// make in this process. The capability and seccomp causes are
// TestIterStatusRestricted's.
func TestIterPlan(t *testing.T) {
	iterOrSkip(t)
	defer func(n int) { fditer.MinFiles = n }(fditer.MinFiles)
	for _, c := range []struct {
		name   string
		procFD bool
		proc   string // FS.Proc; "" the live /proc
		only   []int32
		env    string // GOSOF_PROC_FD; "-" unset
		min    int
		want   bool
		reason string // a part of it
	}{
		{name: "every process", env: "-", want: true},
		{name: "GOSOF_PROC_FD empty", env: "", want: true},
		{name: "GOSOF_PROC_FD=0", env: "0", want: true},
		{name: "some processes", env: "-", only: []int32{1}, reason: "some processes"},
		{name: "--proc-fd", procFD: true, env: "-", reason: "--proc-fd"},
		{name: "GOSOF_PROC_FD=1", env: "1", reason: "GOSOF_PROC_FD=1"},
		{name: "--proc-fd and GOSOF_PROC_FD=1", procFD: true, env: "1", reason: "--proc-fd"},
		{name: "a fixture", proc: "testdata/proc", env: "-", reason: "owners are read from testdata/proc, not the live /proc"},
		{name: "few files", env: "-", min: 1 << 30, reason: "fewer than 1073741824 open files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env == "-" {
				unsetenv(t, EnvProcFD)
			} else {
				t.Setenv(EnvProcFD, c.env)
			}
			o := &Owners{FS: DefaultFS(), ProcFD: c.procFD}
			if c.proc != "" {
				o.FS = FS{Proc: c.proc}
			}
			fditer.MinFiles = c.min
			use, why, err := o.iterPlan(c.only)
			if err != nil || use != c.want || !strings.Contains(why, c.reason) || use != (why == "") {
				t.Errorf("iterator %v, reason %q, %v; want %v, a reason with %q", use, why, err, c.want, c.reason)
			}
		})
	}
	for _, v := range []string{"yes", "true", "2", " 1", "1\n\x1b[2J"} {
		t.Setenv(EnvProcFD, v)
		_, _, err := (&Owners{FS: DefaultFS()}).iterPlan(nil)
		var ue *core.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "GOSOF_PROC_FD=") || strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("GOSOF_PROC_FD=%q: %v, want a usage error naming it, on one line, escaped", v, err)
		}
		if _, _, err := (&Owners{FS: DefaultFS()}).Scan(func(uint64) bool { return true }); !errors.As(err, &ue) {
			t.Errorf("GOSOF_PROC_FD=%q: a scan gave %v, want the usage error", v, err)
		}
	}
}

// unsetenv unsets key for the test, as t.Setenv sets it.
func unsetenv(t *testing.T, key string) {
	t.Setenv(key, "")
	os.Unsetenv(key)
}

// TestIterStatus: a scan keeps how it found the holders and why, the
// kernel's refusal included, and finds them from /proc when the
// iterator does not load.
func TestIterStatus(t *testing.T) {
	iterOrSkip(t)
	unsetenv(t, EnvProcFD)
	h := testhelper.Start(t)
	lfd, _ := listenTCP(t, h)
	ino := inodeOf(t, h.PID, lfd)
	o := &Owners{FS: DefaultFS()}
	if st := o.IterStatus(); st.Scanned || st.String() != "no owner scan ran" {
		t.Errorf("before a scan: %+v %q", st, st)
	}
	scan := func() []Holder {
		t.Helper()
		hs, _, err := o.Scan(func(i uint64) bool { return i == ino })
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	if st, err := o.CheckIter(); err != nil || !st.Used || o.IterStatus().Scanned {
		t.Errorf("CheckIter: %+v, %v, and a status %+v, want the iterator, and no scan", st, err, o.IterStatus())
	}
	if hs := scan(); len(hs) != 1 || int(hs[0].PID) != h.PID {
		t.Errorf("holders %+v, want pid %d", hs, h.PID)
	}
	if st := o.IterStatus(); !st.Scanned || !st.Used || st.Reason != "" || st.Layout != fditer.LayoutFrom() || st.String() != "owners found through the BPF descriptor iterator (its layout read from "+st.Layout+")" || (st.Layout != "/sys/kernel/btf/vmlinux" && st.Layout != fditer.LayoutCache) {
		t.Errorf("through the iterator: %+v %q", st, st)
	}
	refusal := "bpf prog load: permission denied: verifier: 47: (79) r9 = *(u64 *)(r9 +16384); access beyond struct inode at off 16384 size 8"
	linkIter = func() (fditer.Iter, error) { return fditer.Iter{}, errors.New(refusal) }
	defer func() { linkIter = fditer.Link }()
	if st, err := o.CheckIter(); err != nil || st.Used || st.Reason != "it did not load: "+refusal {
		t.Errorf("CheckIter, refused: %+v, %v", st, err)
	}
	if hs := scan(); len(hs) != 1 || int(hs[0].PID) != h.PID {
		t.Errorf("refused: holders %+v, want pid %d, from /proc", hs, h.PID)
	}
	st := o.IterStatus()
	if !st.Scanned || st.Used || !st.Failed || st.Reason != "it did not load: "+refusal {
		t.Errorf("refused: %+v", st)
	}
	// the backend says so once, among its notes, never silently slower
	b, err := Open(platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolver().Resolve(&core.Filter{}); err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(b.SourceNotes(), "\n"); !strings.Contains(notes, "it did not load: "+refusal) || !strings.Contains(notes, "GOSOF_PROC_FD=1 skips trying") {
		t.Errorf("refused: the backend's notes %q do not say it", notes)
	}
	// A prescan cancelled because the sockets could not be listed (gosof
	// in unshare -U -r, --netns NAME it may not join) looked for no
	// holders: the refusal was said all the same, a note about
	// something never used.
	cancelled := &Owners{FS: DefaultFS()}
	cancelled.Prescan(nil).Cancel()
	if st := cancelled.IterStatus(); st.Scanned || st.Failed {
		t.Errorf("a cancelled prescan: status %+v, want none", st)
	}
	if s := st.String(); s != "owners found by reading /proc/PID/fd, not through the BPF descriptor iterator: it did not load: "+refusal {
		t.Errorf("refused: note %q", s)
	}
	o.ProcFD = true
	if st, err := o.CheckIter(); err != nil || st.Used || st.Reason != "--proc-fd" {
		t.Errorf("CheckIter, --proc-fd: %+v, %v", st, err)
	}
	scan()
	if st := o.IterStatus(); st.Used || st.Failed || st.Reason != "--proc-fd" {
		t.Errorf("--proc-fd: %+v", st)
	}
}

const envIterStatus = "GOSOF_TEST_ITER_STATUS"

// iterStatusChild scans every process and prints the scan's IterStatus;
// in mode "link", it loads the iterator without asking first.
func iterStatusChild(mode string) {
	if mode == "link" {
		_, err := fditer.Link()
		json.NewEncoder(os.Stdout).Encode(map[string]any{"err": errString(err)})
		return
	}
	o := &Owners{FS: DefaultFS()}
	_, _, err := o.Scan(func(uint64) bool { return true })
	json.NewEncoder(os.Stdout).Encode(map[string]any{"status": o.IterStatus(), "err": errString(err)})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestIterStatusRestricted: without CAP_BPF and CAP_SYS_ADMIN, or under
// a seccomp filter (which may kill on bpf(2): this one does), a scan does
// not try the iterator, says why, and is not killed.
func TestIterStatusRestricted(t *testing.T) {
	iterOrSkip(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	drop := []string{setpriv, "--inh-caps=-bpf,-perfmon,-sys_admin", "--bounding-set=-bpf,-perfmon,-sys_admin", "--"}
	// the filter kills a process that loads the iterator regardless
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envIterStatus+"=link")
	testhelper.KillOnBPF(cmd)
	if err := cmd.Run(); !testhelper.KilledByBPFFilter(cmd) {
		t.Fatalf("a bpf(2) call under the filter: %v, want SIGSYS", err)
	}
	for _, c := range []struct {
		name   string
		wrap   []string
		filter bool
		reason string
	}{
		{"no CAP_BPF and CAP_SYS_ADMIN", drop, false, "no CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) in the effective capabilities"},
		{"a seccomp filter", nil, true, "a seccomp filter is in force"},
		{"both", drop, true, "no CAP_BPF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			argv := append(append([]string{}, c.wrap...), os.Args[0], "-test.run=^$")
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), envIterStatus+"=1")
			cmd.Stderr = os.Stderr
			var out strings.Builder
			cmd.Stdout = &out
			if c.filter {
				testhelper.KillOnBPF(cmd)
			}
			err := cmd.Run()
			if c.filter && testhelper.KilledByBPFFilter(cmd) {
				t.Fatal("killed by the seccomp filter: a bpf(2) call")
			}
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Status IterStatus
				Err    string
			}
			if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
				t.Fatalf("%v: %q", err, out.String())
			}
			if got.Err != "" || !got.Status.Scanned || got.Status.Used || !strings.Contains(got.Status.Reason, c.reason) {
				t.Errorf("%+v, want a scan through /proc because %q", got, c.reason)
			}
		})
	}
}
