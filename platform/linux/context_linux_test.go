//go:build linux

package linux

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/testhelper"
)

// TestContextLive: processes the test moves into cgroups it makes (a
// systemd service's path, and a docker container's with the cgroupfs
// driver) get their unit and their container, named from the runtime's
// state under Root; a process that exited is gone.
func TestContextLive(t *testing.T) {
	svc := testhelper.Cgroup(t, "system.slice/gosof-ctx-1.service")
	ctr := testhelper.Cgroup(t, "docker/"+hexID)
	root := t.TempDir()
	state := filepath.Join(root, dockerState, hexID, "config.v2.json")
	if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, []byte(`{"Name":"/gosof-ctx-web"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h1, h2 := testhelper.Start(t), testhelper.Start(t)
	testhelper.MoveTo(t, svc, h1.PID)
	testhelper.MoveTo(t, ctr, h2.PID)
	c := &Contexts{FS: DefaultFS(), Root: root}
	for _, tc := range []struct {
		pid  int
		want *core.Context
	}{
		{h1.PID, &core.Context{Unit: "gosof-ctx-1.service"}},
		{h2.PID, &core.Context{Container: "docker://" + hexID, ContainerName: "gosof-ctx-web"}},
	} {
		got, err := c.Of(tc.pid)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("process %d (-want +got):\n%s", tc.pid, d)
		}
	}
	h1.Kill()
	if _, err := c.Of(h1.PID); err == nil {
		t.Errorf("a process that exited has a context")
	}
}

// BenchmarkContextOf reads the context of every process of the host, as
// --context and JSON read their owners' (start bench/workload to time it
// at scale): one read of /proc/PID/cgroup each, the text split once per
// distinct cgroup.
func BenchmarkContextOf(b *testing.B) {
	pids, err := platformPIDs()
	if err != nil {
		b.Fatal(err)
	}
	c := &Contexts{FS: DefaultFS(), Root: "/"}
	for b.Loop() {
		for _, p := range pids {
			c.Of(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pids)), "ns/process")
}

func platformPIDs() ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, n)
		}
	}
	return pids, nil
}
