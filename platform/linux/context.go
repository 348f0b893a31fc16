package linux

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// Contexts tells the systemd unit and the container each process runs in
// (core.Context): one read of /proc/[pid]/cgroup per process, and, for a
// container, the name its runtime's state on this host gives it, read
// once per container, read-only and bounded.
type Contexts struct {
	FS FS
	// Root is where the runtimes' state is looked for ("/" on a live
	// host; a test's tree otherwise).
	Root string

	selfOnce sync.Once
	self     []string // gosof's own cgroup keys (splitCgroup)

	mu     sync.Mutex
	names  map[string]string // container id -> name, "" when none was found
	podman map[string]string // containers.json, read once

	// byText is the context of each distinct cgroup text read: the
	// processes of a service share theirs, and splitting the text cost
	// as much as reading it (500 holders at 100k descriptors).
	textMu sync.Mutex
	byText map[string]*core.Context
}

// Where the runtimes keep what names a container, below Root.
const (
	// dockerd: containers/<id>/config.v2.json, whose "Name" is "/web"
	dockerState = "var/lib/docker/containers"
	// containers/storage (podman, rootful): overlay-containers/containers.json,
	// an array of {"id", "names"}
	podmanState = "var/lib/containers/storage/overlay-containers/containers.json"
	// containerd: a task's OCI bundle, io.containerd.runtime.v2.task/<namespace>/<id>/config.json
	containerdState = "run/containerd/io.containerd.runtime.v2.task"
	// cri-o: overlay-containers/<id>/userdata/config.json (an OCI bundle)
	crioState = "run/containers/storage/overlay-containers"
)

// Bounds on what is read of a runtime's state: a container's own file
// is small (its configuration, environment and labels), the list of
// every container can be long.
const (
	maxStateFile    = 4 << 20
	maxPodmanList   = 64 << 20
	maxContainerdNS = 64 // namespaces under containerd's task directory looked through
)

// context is a process's context from the text of its cgroup file, made
// once per distinct text and shared (read-only) by the processes that
// have the same.
func (c *Contexts) context(cgroup []byte) *core.Context {
	c.textMu.Lock()
	ctx, ok := c.byText[string(cgroup)]
	c.textMu.Unlock()
	if ok {
		return ctx
	}
	ctx = c.parse(cgroup)
	c.textMu.Lock()
	if c.byText == nil {
		c.byText = map[string]*core.Context{}
	}
	c.byText[string(cgroup)] = ctx
	c.textMu.Unlock()
	return ctx
}

// parse makes a context from cgroup text held to gosof's own keys.
func (c *Contexts) parse(cgroup []byte) *core.Context {
	lines, ok := splitCgroup(cgroup, c.selfKeys())
	if !ok {
		return nil
	}
	ctx := &core.Context{Container: containerOf(lines)}
	ctx.Unit, ctx.UserUnit = unitsOf(systemdPath(lines))
	if ctx.Container != "" {
		ctx.ContainerName = c.containerName(ctx.Container)
	}
	return ctx
}

// selfKeys are the keys of gosof's own cgroup file, the hierarchies
// every process of the host lists (nil when it cannot be read).
func (c *Contexts) selfKeys() []string {
	c.selfOnce.Do(func() {
		if b, err := readFile(c.FS.Path("self", "cgroup")); err == nil {
			if lines, ok := splitCgroup(b, nil); ok {
				c.self = cgroupKeys(lines)
			}
		}
	})
	return c.self
}

// containerName is the name the runtime's state gives container id
// ("docker://<id>"), "" when it gives none; looked up once per container.
func (c *Contexts) containerName(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if name, ok := c.names[id]; ok {
		return name
	}
	if c.names == nil {
		c.names = map[string]string{}
	}
	name := c.lookupName(id)
	c.names[id] = name
	return name
}

func (c *Contexts) lookupName(container string) string {
	rt, id, _ := strings.Cut(container, "://")
	if !isContainerHex(id) {
		return "" // lxc: the id is its name; and no path is made of anything else
	}
	root := c.Root
	if root == "" {
		root = "/"
	}
	switch rt {
	case "docker":
		return dockerName(readState(filepath.Join(root, dockerState, id, "config.v2.json"), maxStateFile))
	case "podman":
		if c.podman == nil {
			c.podman = podmanNames(readState(filepath.Join(root, podmanState), maxPodmanList))
		}
		return c.podman[id]
	case "containerd":
		dir := filepath.Join(root, containerdState)
		nss, _ := readDirNames(dir, maxContainerdNS)
		for _, ns := range nss {
			if b := readState(filepath.Join(dir, ns, id, "config.json"), maxStateFile); b != nil {
				return ociName(b)
			}
		}
	case "cri-o":
		return ociName(readState(filepath.Join(root, crioState, id, "userdata", "config.json"), maxStateFile))
	}
	return ""
}

// readState reads a runtime's state file: a regular file, at most limit
// bytes; nil when it cannot be.
func readState(path string, limit int64) []byte {
	b, err := sysfile.ReadRegularAs(path, limit, "a container runtime's state file")
	if err != nil {
		return nil
	}
	return b
}

// dockerName reads a container's name from dockerd's config.v2.json.
func dockerName(b []byte) string {
	var v struct{ Name string }
	if b == nil || json.Unmarshal(b, &v) != nil {
		return ""
	}
	return strings.TrimPrefix(v.Name, "/")
}

// podmanNames reads containers/storage's containers.json: each
// container's first name by id.
func podmanNames(b []byte) map[string]string {
	var v []struct {
		ID    string   `json:"id"`
		Names []string `json:"names"`
	}
	m := map[string]string{}
	if b == nil || json.Unmarshal(b, &v) != nil {
		return m
	}
	for _, c := range v {
		if len(c.Names) > 0 {
			m[c.ID] = c.Names[0]
		}
	}
	return m
}

// ociName names a container from its OCI bundle's annotations, as
// Kubernetes shows it, "namespace/pod/container" (containerd's CRI
// plugin: io.kubernetes.cri.*; cri-o: io.kubernetes.pod.*,
// io.kubernetes.container.name), else nerdctl's name.
func ociName(b []byte) string {
	var v struct {
		Annotations map[string]string `json:"annotations"`
	}
	if b == nil || json.Unmarshal(b, &v) != nil {
		return ""
	}
	a := v.Annotations
	for _, k := range [][3]string{
		{"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.container-name"},
		{"io.kubernetes.pod.namespace", "io.kubernetes.pod.name", "io.kubernetes.container.name"},
	} {
		if c := a[k[2]]; c != "" {
			parts := []string{c}
			if p := a[k[1]]; p != "" {
				parts = append([]string{p}, parts...)
				if ns := a[k[0]]; ns != "" {
					parts = append([]string{ns}, parts...)
				}
			}
			return strings.Join(parts, "/")
		}
	}
	return a["nerdctl/name"]
}

// readDirNames lists at most n names in dir.
func readDirNames(dir string, n int) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(n)
}
