package main

import (
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestHintFormRunsNarrow: the gosof form a habit hint prints, pasted into
// a shell as it is, keeps the filter typed beside the habit: run as the
// dry run typed, it plans the helper -c names and not the worker sharing
// its listener. The form was 'gosof kill -9 -n PORT', every holder.
func TestHintFormRunsNarrow(t *testing.T) {
	dir, env := gosofInPath(t)
	h := testhelper.Start(t)
	h.Do("comm %s", hex.EncodeToString([]byte("my srv"))) // a space: quoted in the form
	lfd, port := listen(t, h, "inet", "127.0.0.1:0")
	worker := h.Spawn(lfd) // the same socket, held by a process named gosof.test
	P := strconv.Itoa(port)
	typed := exec.Command(filepath.Join(dir, "gosof"), "-9", "-c", "my srv", "-n", "-j", P)
	typed.Env = env
	out, err := typed.CombinedOutput()
	_, form, ok := strings.Cut(string(out), "the gosof form: ")
	form, _, _ = strings.Cut(form, " (")
	if want := "gosof kill -c 'my srv' -j -9 -n " + P; !ok || form != want || typed.ProcessState.ExitCode() != exitError {
		t.Fatalf("gosof -9 -c 'my srv' -n -j %s: %v %q, want exit 2 and the form %q", P, err, out, want)
	}
	sh := exec.Command("sh", "-c", form)
	sh.Env = env
	plan, err := sh.Output()
	pid := func(p int) string { return `"pid": ` + strconv.Itoa(p) }
	if err != nil || !strings.Contains(string(plan), pid(h.PID)) || strings.Contains(string(plan), pid(worker.PID)) {
		t.Errorf("sh -c %q: %v, want a plan for %d only, not the worker %d:\n%s", form, err, h.PID, worker.PID, plan)
	}
}
