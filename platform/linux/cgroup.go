package linux

import (
	"strings"
)

// The systemd unit and container of a process, from the text of its
// /proc/[pid]/cgroup: one line per cgroup hierarchy,
// "hierarchy-ID:controller-list:path" (cgroups(7)), the unified (v2)
// hierarchy as "0::path".

// cgroupLine is one hierarchy's line: key is "ID:controllers", path the
// process's cgroup in it.
type cgroupLine struct{ key, path string }

// splitCgroup splits cgroup text into its lines. A path holding a
// newline would end its line early and carry lines of its own after it
// (anyone with a delegated subtree names their own cgroups): the kernel
// refuses such a name (cgroup_mkdir, "do not accept '\n' to prevent
// making /proc/<pid>/cgroup unparsable"), but cgroup v1's rename let one
// through until it was given the same check. So the text is held to
// what the kernel prints: each hierarchy once, in the same order for
// every process of the host. When self, gosof's own lines' keys, is
// given, the text is taken only if its keys are exactly those; without
// it, only if no hierarchy repeats. ok is false for text that cannot be
// split unambiguously: it names no unit and no container.
func splitCgroup(text []byte, self []string) (lines []cgroupLine, ok bool) {
	s := strings.TrimSuffix(string(text), "\n")
	if s == "" {
		return nil, false
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		id, rest, ok1 := strings.Cut(l, ":")
		ctl, path, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || id == "" || strings.Trim(id, "0123456789") != "" || seen[id] || !strings.HasPrefix(path, "/") {
			return nil, false
		}
		seen[id] = true
		lines = append(lines, cgroupLine{id + ":" + ctl, path})
	}
	if self != nil {
		if len(self) != len(lines) {
			return nil, false
		}
		for i := range lines {
			if lines[i].key != self[i] {
				return nil, false
			}
		}
	}
	return lines, true
}

// cgroupKeys are the keys of lines, to hold other processes' text to
// (splitCgroup's self).
func cgroupKeys(lines []cgroupLine) []string {
	keys := make([]string, len(lines))
	for i, l := range lines {
		keys[i] = l.key
	}
	return keys
}

// systemdPath is the process's path in systemd's hierarchy: the
// name=systemd line of a host with cgroup v1 (legacy or hybrid), else
// the unified one; "" when there is neither. On a hybrid host systemd
// keeps the two alike; where only the unified one was moved (a cgroup
// made by hand), the name=systemd line stays at the root and the unified
// one is taken.
func systemdPath(lines []cgroupLine) string {
	v1, v2 := "", ""
	for _, l := range lines {
		switch {
		case strings.HasSuffix(l.key, ":name=systemd"):
			v1 = l.path
		case l.key == "0:":
			v2 = l.path
		}
	}
	if v1 != "" && v1 != "/" {
		return v1
	}
	return v2
}

// unitSuffixes are the kinds of systemd unit that hold processes.
var unitSuffixes = []string{".service", ".scope", ".socket", ".mount", ".swap"}

func isUnitName(e string) bool {
	for _, s := range unitSuffixes {
		if len(e) > len(s) && strings.HasSuffix(e, s) {
			return true
		}
	}
	return false
}

// unitsOf reads the units from a path of systemd's hierarchy, as systemd
// itself does (cg_path_get_unit): slices (*.slice) only group, the first
// component that names a unit is the process's unit
// (/system.slice/nginx.service: nginx.service; a container's scope,
// docker-<id>.scope; a login's session-3.scope). Under a user's own
// manager (user@1000.service) the next unit down is the user unit
// (/user.slice/user-1000.slice/user@1000.service/app.slice/app.service).
// Components that are neither (a cgroup made by hand, a cgroupfs
// driver's /docker/<id>) are passed over.
func unitsOf(path string) (unit, userUnit string) {
	for _, e := range strings.Split(path, "/") {
		if !isUnitName(e) {
			continue
		}
		if unit == "" {
			unit = e
			if !strings.HasPrefix(e, "user@") || !strings.HasSuffix(e, ".service") {
				return unit, ""
			}
			continue
		}
		return unit, e
	}
	return unit, ""
}
