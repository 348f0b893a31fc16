package selfcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/render"
	"github.com/gosof/gosof/internal/sysfile"
	"github.com/gosof/gosof/platform/solaris"
)

// The tools' text, saved under tools/ beside gosof's own view: in a
// Solaris capture (CAPTURE/tools), so that `gosof debug check --replay
// CAPTURE` compares again anywhere; on Linux in DIR/tools.
const (
	toolsDir      = "tools"
	ssBefore      = "ss-tanup.before.txt"
	ssAfter       = "ss-tanup.after.txt"
	netstatBefore = "netstat-an.before.txt"
	netstatAfter  = "netstat-an.after.txt"
	netstatU      = "netstat-anu.txt"
	pfilesOut     = "pfiles.txt"
	reportFile    = "report.txt"
)

// maxToolText bounds each saved tool output a replay reads: as much as a
// capture's mib2 may hold (solaris.maxMIBCapture), since netstat prints a
// line of about a row's size for each row.
const maxToolText = 256 << 20

// toolTimeout bounds each tool: netstat and ss finish in seconds even on
// a host with a million sockets.
const toolTimeout = 2 * time.Minute

// Live checks this host: it runs the tools around gosof's own read,
// writes what they said and the report under dir (which must not exist
// or be empty), and returns the report. gather is gosof's read of this
// host (Linux); on Solaris and illumos gosof's view is the capture taken
// into dir/capture between the two netstat listings, read back as a
// replay, so that `debug check --replay dir/capture` gives the same
// report anywhere. warn gets what the capture could not read.
func Live(dir string, gather func() ([]core.Socket, error), warn io.Writer) (*Report, error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	var rep *Report
	var err error
	switch runtime.GOOS {
	case "linux":
		rep, err = liveLinux(dir, gather)
	case "solaris", "illumos":
		rep, err = liveSolaris(dir, warn)
	default:
		return nil, fmt.Errorf("debug check compares gosof with ss (Linux) or netstat (Solaris, illumos); this is %s: %w", runtime.GOOS, core.ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := rep.Write(&b); err != nil {
		return nil, err
	}
	return rep, os.WriteFile(filepath.Join(dir, reportFile), b.Bytes(), 0o644)
}

func emptyDir(dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return core.Usagef("debug check: %s exists and is not empty", dir)
	}
	return os.MkdirAll(filepath.Join(dir, toolsDir), 0o755)
}

func save(dir, name string, b []byte) error {
	return os.WriteFile(filepath.Join(dir, toolsDir, name), b, 0o644)
}

func liveLinux(dir string, gather func() ([]core.Socket, error)) (*Report, error) {
	ss := func() ([]byte, error) {
		out, err := run("ss", "-tanup")
		if errors.Is(err, errNotFound) {
			return nil, fmt.Errorf("debug check compares gosof with ss, which is not installed (Debian, Ubuntu: iproute2): %w", err)
		}
		return out, err
	}
	before, err := ss()
	if err != nil {
		return nil, err
	}
	ours, err := gather()
	if err != nil {
		return nil, err
	}
	after, err := ss()
	if err != nil {
		return nil, err
	}
	if err := save(dir, ssBefore, before); err != nil {
		return nil, err
	}
	if err := save(dir, ssAfter, after); err != nil {
		return nil, err
	}
	var js bytes.Buffer
	if err := render.Sockets(&js, ours, render.FormatJSON, render.Options{}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "gosof.json"), js.Bytes(), 0o644); err != nil {
		return nil, err
	}
	in, err := ssInput(before, after)
	if err != nil {
		return nil, err
	}
	return Compare(ours, in), nil
}

func ssInput(before, after []byte) (*Input, error) {
	b, sb, err := ParseSS(string(before))
	if err != nil {
		return nil, err
	}
	a, sa, err := ParseSS(string(after))
	if err != nil {
		return nil, err
	}
	in := &Input{Tool: "ss -tanup", Before: b, After: a, OwnerTool: "ss -tanup", Owners: a}
	if n := sb + sa; n > 0 {
		in.Missing = append(in.Missing, fmt.Sprintf("%s of ss -tanup could not be read (a process name it printed raw?) and were skipped",
			core.Plural(n, "line")))
	}
	return in, nil
}

func liveSolaris(dir string, warn io.Writer) (*Report, error) {
	capture := filepath.Join(dir, "capture")
	netstat := func() ([]byte, error) {
		out, err := run("netstat", "-an")
		if err != nil {
			return nil, fmt.Errorf("debug check compares gosof with netstat -an: %w", err)
		}
		return out, nil
	}
	before, err := netstat()
	if err != nil {
		return nil, err
	}
	if err := solaris.Capture(capture, warn); err != nil {
		return nil, err
	}
	after, err := netstat()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(capture, toolsDir), 0o755); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, toolsDir)) // everything goes into the capture
	texts := map[string][]byte{netstatBefore: before, netstatAfter: after}
	if u, err := run("netstat", "-anu"); err == nil {
		texts[netstatU] = u
	}
	ours, _, err := replaySockets(capture)
	if err != nil {
		return nil, err
	}
	var pids []int
	seen := map[int]bool{}
	for i := range ours {
		for _, o := range ours[i].Owners {
			if !o.Creator && o.FD >= 0 && !seen[o.PID] {
				seen[o.PID] = true
				pids = append(pids, o.PID)
			}
		}
	}
	sort.Ints(pids)
	if out, err := pfiles(pids); err == nil || len(out) > 0 {
		texts[pfilesOut] = out
	}
	for name, b := range texts {
		if err := save(capture, name, b); err != nil {
			return nil, err
		}
	}
	in, err := Load(capture)
	if err != nil {
		return nil, err
	}
	return Compare(ours, in), nil
}

// pfiles runs pfiles on pids, a few dozen at a time. pfiles stops each
// process for a moment (it inspects it through an agent lwp), as it does
// whenever it is run.
func pfiles(pids []int) ([]byte, error) {
	var all []byte
	var firstErr error
	for len(pids) > 0 {
		n := len(pids)
		if n > 64 {
			n = 64
		}
		args := make([]string, n)
		for i, p := range pids[:n] {
			args[i] = strconv.Itoa(p)
		}
		out, err := run("pfiles", args...)
		all = append(all, out...)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		pids = pids[n:]
	}
	return all, firstErr
}

// replaySockets is gosof's answer for a capture: every socket, resolved.
func replaySockets(capture string) ([]core.Socket, *solaris.Backend, error) {
	b, err := solaris.OpenReplay(capture)
	if err != nil {
		return nil, nil, err
	}
	r := &core.Resolver{Sockets: b, Owners: b}
	res, err := r.Resolve(&core.Filter{})
	if err != nil {
		return nil, nil, err
	}
	return res.Sockets, b, nil
}

// Replay checks a Solaris capture against the tools' text saved in it
// (CAPTURE/tools, written by debug check).
func Replay(capture string) (*Report, error) {
	in, err := Load(capture)
	if err != nil {
		return nil, err
	}
	ours, _, err := replaySockets(capture)
	if err != nil {
		return nil, err
	}
	return Compare(ours, in), nil
}

func missingOrEmpty(present bool) string {
	if present {
		return "empty"
	}
	return "missing"
}

// Load reads the tools' text saved under dir/tools: regular files of a
// sane size, as every capture file (sysfile.ReadRegular); a FIFO, a
// device or a huge file stops it in one line.
func Load(dir string) (*Input, error) {
	read := func(name string) ([]byte, bool, error) {
		b, err := sysfile.ReadRegular(filepath.Join(dir, toolsDir, name), maxToolText)
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, nil
		}
		return b, err == nil, err
	}
	// blank: saved, but the tool printed nothing (netstat prints its
	// headings even with no socket): a comparison that cannot be made.
	blank := func(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }
	before, ok, err := read(netstatBefore)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s holds no netstat output (tools/%s): it was not made by 'gosof debug check DIR'", dir, netstatBefore)
	}
	if blank(before) {
		return nil, fmt.Errorf("%s: tools/%s is empty: there is no netstat -an listing to compare with", dir, netstatBefore)
	}
	in := &Input{Tool: "netstat -an", ListsTwins: true}
	after, ok, err := read(netstatAfter)
	if err != nil {
		return nil, err
	}
	if !ok || blank(after) {
		in.Unmade = append(in.Unmade, fmt.Sprintf("what changed while checking: tools/%s is %s, so rows are compared with the listing before gosof's read only",
			netstatAfter, missingOrEmpty(ok)))
		after = before
	}
	if in.Before, err = ParseNetstat(string(before)); err != nil {
		return nil, fmt.Errorf("tools/%s: %w", netstatBefore, err)
	}
	if in.After, err = ParseNetstat(string(after)); err != nil {
		return nil, fmt.Errorf("tools/%s: %w", netstatAfter, err)
	}
	if u, ok, err := read(netstatU); err != nil {
		return nil, err
	} else if ok && blank(u) {
		in.Unmade = append(in.Unmade, fmt.Sprintf("owners with netstat -anu: tools/%s is empty", netstatU))
	} else if ok {
		if in.Owners, err = ParseNetstat(string(u)); err != nil {
			return nil, fmt.Errorf("tools/%s: %w", netstatU, err)
		}
		in.OwnerTool = "netstat -anu"
	} else {
		in.Missing = append(in.Missing, "owners with netstat -anu: this release's netstat has no -u (illumos since 2019 has)")
	}
	if p, ok, err := read(pfilesOut); err != nil {
		return nil, err
	} else if ok {
		var skipped int
		if in.Pfiles, skipped, err = ParsePfiles(string(p)); err != nil {
			return nil, fmt.Errorf("tools/%s: %w", pfilesOut, err)
		}
		if skipped > 0 {
			in.Missing = append(in.Missing, fmt.Sprintf("%s of pfiles could not be read (a command line it printed raw?) and were skipped",
				core.Plural(skipped, "line")))
		}
		// Empty when gosof named no process to run it on; else the
		// comparison cannot be made (comparePfiles).
		in.PfilesEmpty = blank(p)
	} else {
		in.Missing = append(in.Missing, "descriptors with pfiles: it could not be run")
	}
	return in, nil
}
