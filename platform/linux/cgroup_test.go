package linux

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
)

const hexID = "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"

// hybrid is the keys of a host with cgroup v1 controllers, systemd's own
// v1 hierarchy and the unified one (the lines' order is the kernel's).
var hybrid = []string{"3:cpu", "2:name=systemd", "0:"}

func hybridText(systemd, unified string) string {
	return "3:cpu:/\n2:name=systemd:" + systemd + "\n0::" + unified + "\n"
}

func TestContextOfCgroup(t *testing.T) {
	for _, tc := range []struct {
		name, cgroup string
		self         []string
		want         *core.Context
	}{
		{"service", "0::/system.slice/nginx.service\n", nil, &core.Context{Unit: "nginx.service"}},
		{"root", "0::/\n", nil, &core.Context{}},
		{"init", "0::/init.scope\n", nil, &core.Context{Unit: "init.scope"}},
		{"session", "0::/user.slice/user-1000.slice/session-3.scope\n", nil, &core.Context{Unit: "session-3.scope"}},
		{"user unit", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app.service\n", nil,
			&core.Context{Unit: "user@1000.service", UserUnit: "app.service"}},
		{"user manager itself", "0::/user.slice/user-1000.slice/user@1000.service/init.scope\n", nil,
			&core.Context{Unit: "user@1000.service", UserUnit: "init.scope"}},
		{"docker, systemd driver", "0::/system.slice/docker-" + hexID + ".scope\n", nil,
			&core.Context{Unit: "docker-" + hexID + ".scope", Container: "docker://" + hexID}},
		{"docker, cgroupfs driver", "0::/docker/" + hexID + "\n", nil, &core.Context{Container: "docker://" + hexID}},
		{"kubernetes", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-" + hexID + ".scope\n", nil,
			&core.Context{Unit: "cri-containerd-" + hexID + ".scope", Container: "containerd://" + hexID}},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + hexID + ".scope/container\n", nil,
			&core.Context{Unit: "user@1000.service", UserUnit: "libpod-" + hexID + ".scope", Container: "podman://" + hexID}},
		{"made by hand below a prefix", "0::/gosof-ctx-1/system.slice/gosof-ctx-1.service\n", nil, &core.Context{Unit: "gosof-ctx-1.service"}},
		{"hybrid: systemd's v1 line", hybridText("/system.slice/a.service", "/system.slice/a.service"), hybrid, &core.Context{Unit: "a.service"}},
		{"hybrid: only the unified one moved", hybridText("/", "/system.slice/b.service"), hybrid, &core.Context{Unit: "b.service"}},
		{"hostile names", "0::/lxc.payload.x\x1b[31m\u202e/init.scope\n", nil, &core.Context{Unit: "init.scope", Container: "lxc://x\x1b[31m\u202e"}},
		// a name that ended its line early (a v1 rename of an older kernel)
		{"hierarchy twice", "0::/user.slice/x\n0::/system.slice/sshd.service\n", nil, nil},
		{"a line of no hierarchy of the host", hybridText("/", "/a") + "1:name=systemd:/system.slice/sshd.service\n", hybrid, nil},
		{"not the host's hierarchies", "0::/system.slice/sshd.service\n", hybrid, nil},
		{"no path", "0::\n", nil, nil},
		{"garbage", "not a cgroup file", nil, nil},
		{"empty", "", nil, nil},
	} {
		c := &Contexts{}
		c.selfOnce.Do(func() { c.self = tc.self })
		got := c.context([]byte(tc.cgroup))
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: context (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestContainerNames: each runtime's state, as it keeps it on a host,
// names its containers; a state that is missing, malformed or not a
// regular file names none, and the names are read once per container.
func TestContainerNames(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := func(c byte) string {
		b := []byte(hexID)
		b[0] = c
		return string(b)
	}
	write(dockerState+"/"+id('a')+"/config.v2.json", `{"ID":"`+id('a')+`","Name":"/web\u001b[31m","State":{"Running":true}}`)
	write(dockerState+"/"+id('b')+"/config.v2.json", `{"Name": `) // cut short
	write(podmanState, `[{"id":"`+id('c')+`","names":["db"],"image":"x"},{"id":"`+id('d')+`"}]`)
	write(containerdState+"/moby/placeholder", "")
	write(containerdState+"/k8s.io/"+id('e')+"/config.json", `{"ociVersion":"1.0.2","annotations":{"io.kubernetes.cri.container-name":"nginx",`+
		`"io.kubernetes.cri.sandbox-name":"web-7d9f","io.kubernetes.cri.sandbox-namespace":"default"}}`)
	write(containerdState+"/default/"+id('f')+"/config.json", `{"annotations":{"nerdctl/name":"cache"}}`)
	write(crioState+"/"+id('1')+"/userdata/config.json", `{"annotations":{"io.kubernetes.container.name":"app",`+
		`"io.kubernetes.pod.name":"api-5c","io.kubernetes.pod.namespace":"prod"}}`)
	if err := os.MkdirAll(filepath.Join(root, dockerState, id('2'), "config.v2.json"), 0o755); err != nil { // a directory
		t.Fatal(err)
	}
	c := &Contexts{Root: root}
	for _, tc := range []struct{ container, want string }{
		{"docker://" + id('a'), "web\x1b[31m"},
		{"docker://" + id('b'), ""},
		{"docker://" + id('2'), ""},
		{"docker://" + id('9'), ""}, // no state
		{"podman://" + id('c'), "db"},
		{"podman://" + id('d'), ""},
		{"containerd://" + id('e'), "default/web-7d9f/nginx"},
		{"containerd://" + id('f'), "cache"},
		{"cri-o://" + id('1'), "prod/api-5c/app"},
		{"lxc://web1", ""},
		{"docker://../../etc", ""}, // no path is made of anything but an id
	} {
		if got := c.containerName(tc.container); got != tc.want {
			t.Errorf("%s: name %q, want %q", tc.container, got, tc.want)
		}
	}
	// once per container: a name the state gives later is not looked for again
	write(dockerState+"/"+id('9')+"/config.v2.json", `{"Name":"/late"}`)
	if got := c.containerName("docker://" + id('9')); got != "" {
		t.Errorf("looked up again: %q", got)
	}
}

func FuzzSplitCgroup(f *testing.F) {
	f.Add([]byte("0::/system.slice/docker-abc.scope\n"), false)
	f.Add([]byte(hybridText("/", "/a.service")), true)
	f.Fuzz(func(t *testing.T, b []byte, self bool) {
		c := &Contexts{}
		if self {
			c.selfOnce.Do(func() { c.self = hybrid })
		}
		c.context(b)
	})
}
