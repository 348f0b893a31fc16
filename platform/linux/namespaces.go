package linux

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// Namespace is one network namespace in use on the host.
type Namespace struct {
	Inode     uint64
	Name      string // its name under /run/netns, "" if it has none
	Path      string // a file that refers to it: /run/netns/NAME or /proc/PID/ns/net
	PID       int    // a member process, 0 if none (a named namespace nobody is in)
	Container string // "docker://id"... from a member's cgroup, "" if none
	Self      bool   // gosof's own namespace

	pin *os.File // keeps the namespace alive and reachable (see Pin)
}

// Pin opens the namespace once and points Path at the open descriptor, so
// that it stays reachable after its last process exits (kill checks the
// port again afterwards) and its PID cannot be recycled under us.
func (ns *Namespace) Pin() error {
	if ns.Self || ns.pin != nil || ns.Path == "" {
		return nil
	}
	f, err := os.Open(ns.Path)
	if err != nil {
		return err
	}
	ns.pin = f
	ns.Path = "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	return nil
}

// Label names the namespace for messages: its /run/netns name, else its
// container, else its inode.
func (ns *Namespace) Label() string {
	switch {
	case ns.Name != "":
		return ns.Name
	case ns.Container != "":
		return ns.Container
	}
	return "net:[" + strconv.FormatUint(ns.Inode, 10) + "]"
}

// NetNSDestroyer sends SOCK_DESTROY through the source of the namespace a
// socket lives in (a netlink socket acts on its own namespace only).
type NetNSDestroyer []*Sockets

// Destroy implements Destroyer.
func (d NetNSDestroyer) Destroy(s *core.Socket) error {
	for _, src := range d {
		if len(d) == 1 || src.netns() == s.NetNS {
			return src.Destroy(s)
		}
	}
	return fmt.Errorf("no socket source for network namespace %d", s.NetNS)
}

// ContainerID finds the container a process runs in from the text of its
// /proc/[pid]/cgroup, as "runtime://id" (docker, containerd, cri-o, podman,
// lxc), or "" when the path shows none. It reads the last path component
// that carries a container id, since runtimes nest their scopes (kubepods
// slices hold cri-containerd scopes).
func ContainerID(cgroup []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cgroup))
	found := ""
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if id := containerInPath(parts[2]); id != "" {
			found = id
		}
	}
	return found
}

// Runtimes' scope prefixes (systemd cgroup driver) and the names gosof gives them.
var scopePrefixes = []struct{ prefix, runtime string }{
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
	{"containerd-", "containerd"},
}

func containerInPath(path string) string {
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		e := strings.TrimSuffix(elems[i], ".scope")
		for _, sp := range scopePrefixes {
			if id := strings.TrimPrefix(e, sp.prefix); len(id) < len(e) && isContainerHex(id) {
				return sp.runtime + "://" + id
			}
		}
		if strings.HasPrefix(e, "lxc.payload.") {
			return "lxc://" + strings.TrimPrefix(e, "lxc.payload.")
		}
		if isContainerHex(e) && i > 0 {
			switch parent := elems[i-1]; {
			case parent == "docker":
				return "docker://" + e
			case strings.HasPrefix(parent, "pod"): // cgroupfs driver: /kubepods/burstable/pod<uid>/<id>
				return "containerd://" + e
			}
		}
		if i > 0 && elems[i-1] == "lxc" && e != "" {
			return "lxc://" + e
		}
	}
	return ""
}

// isContainerHex matches the 64 hex digit ids docker, containerd, cri-o and
// podman give containers.
func isContainerHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// nsInode reads the inode out of a /proc/[pid]/ns/net link target of the
// form "net:[4026531840]".
func nsInode(link []byte) (uint64, bool) {
	const prefix = "net:["
	if len(link) < len(prefix)+2 || string(link[:len(prefix)]) != prefix {
		return 0, false
	}
	return socketInode(append([]byte("socket:["), link[len(prefix):]...))
}
