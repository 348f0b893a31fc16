package core

import "strings"

// Context is where a process runs as the host's service manager and
// container runtime see it: the answer to "which service is this?" after
// "which PID?". Read from the process's cgroup (Linux) when asked for
// (--context, JSON, --unit); every name in it comes from other processes
// (unit and cgroup names, a runtime's state): escape before printing.
type Context struct {
	// Unit is the systemd unit the process runs in (nginx.service,
	// session-3.scope, docker-<id>.scope), "" when none.
	Unit string
	// UserUnit is the unit of a user's own systemd (the app.service
	// under user@1000.service), "" when none.
	UserUnit string
	// Container is the container ("docker://<id>"), as namespaces are
	// labelled (NSLabel.Container), "" when none.
	Container string
	// ContainerName is the container's name where the runtime's state
	// on this host says it ("web", "default/web-7d9f/nginx"), else "".
	ContainerName string
}

// ContextLabel is the CONTEXT cell of a process: its container (as
// ContainerLabel names it), else its unit (the user's unit, where there
// is one, names the service better than user@UID.service), else "-".
// Escaped.
func ContextLabel(p *Process) string {
	if p == nil || p.Context == nil {
		return "-"
	}
	c := p.Context
	switch {
	case c.Container != "":
		return ContainerLabel(c.Container, c.ContainerName)
	case c.UserUnit != "":
		return Escape(c.UserUnit)
	case c.Unit != "":
		return Escape(c.Unit)
	}
	return "-"
}

// ContainerLabel names a container for a table: its runtime and its name
// ("docker:web"), or, without a name, its id cut to 12 digits as docker
// ps shows it when it is a 64-digit one ("docker:0123456789ab"; an lxc
// container's id is its name). Escaped: a name comes from a cgroup path
// or a runtime's state, which other users may choose.
func ContainerLabel(id, name string) string {
	rt, id, _ := strings.Cut(id, "://")
	if name != "" {
		return Escape(rt + ":" + name)
	}
	if len(id) == 64 {
		id = id[:12]
	}
	return Escape(rt + ":" + id)
}

// MatchUnit reports whether a process in context c runs in unit name:
// its unit or its user unit, spelled in full (nginx.service) or, for a
// service, without the suffix as systemctl takes it (nginx).
func (c *Context) MatchUnit(name string) bool {
	if c == nil {
		return false
	}
	for _, u := range []string{c.Unit, c.UserUnit} {
		if u != "" && (u == name || u == name+".service") {
			return true
		}
	}
	return false
}
