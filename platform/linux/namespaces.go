package linux

import (
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
	// Unreadable says why the namespace cannot be read at all: a file under
	// /run/netns that is not (or no longer) a namespace, as one is for a
	// moment while `ip netns add` or `ip netns del` runs. Its Sockets list
	// nothing and say so in a note.
	Unreadable string
	// unseen: Unreadable stands for namespaces that hold sockets gosof
	// could not read (unidentified), not a file that is no namespace;
	// several: for more than one, or for a number gosof cannot tell.
	unseen, several bool

	pin *os.File // keeps the namespace alive and reachable (see Pin)
}

// Pin opens the namespace once and points Path at the open descriptor, so
// that it stays reachable after its last process exits (kill checks the
// port again afterwards) and its PID cannot be recycled under us.
func (ns *Namespace) Pin() error {
	if ns.Self || ns.pin != nil || ns.Path == "" || ns.Unreadable != "" {
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

// DestroyAll implements Destroyer: the sockets of each namespace go to
// its source together.
func (d NetNSDestroyer) DestroyAll(socks []*core.Socket, f *core.Filter) []error {
	if len(d) == 1 {
		return d[0].DestroyAll(socks, f)
	}
	errs := make([]error, len(socks))
	done := make([]bool, len(socks))
	for _, src := range d {
		var mine []*core.Socket
		var at []int
		ns := src.netns() // the host's: a stat of /proc/self/ns/net
		for i, s := range socks {
			if !done[i] && ns == s.NetNS {
				mine, at = append(mine, s), append(at, i)
				done[i] = true
			}
		}
		if len(mine) > 0 {
			for k, err := range src.DestroyAll(mine, f) {
				errs[at[k]] = err
			}
		}
	}
	for i, s := range socks {
		if !done[i] {
			errs[i] = fmt.Errorf("no socket source for network namespace %d", s.NetNS)
		}
	}
	return errs
}

// ContainerID finds the container a process runs in from the text of its
// /proc/[pid]/cgroup, as "runtime://id" (docker, containerd, cri-o, podman,
// lxc), or "" when the path shows none or the text cannot be split into
// its hierarchies' paths unambiguously (splitCgroup).
func ContainerID(cgroup []byte) string {
	lines, ok := splitCgroup(cgroup, nil)
	if !ok {
		return ""
	}
	return containerOf(lines)
}

// containerOf is the container the cgroup paths of a process show. It
// reads the last path component that carries a container id, since
// runtimes nest their scopes (kubepods slices hold cri-containerd scopes).
func containerOf(lines []cgroupLine) string {
	found := ""
	for _, l := range lines {
		if id := containerInPath(l.path); id != "" {
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
