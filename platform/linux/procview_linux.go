package linux

import (
	"fmt"
	"os"
	"strconv"
)

// ProcIsOurs checks that fs's /proc is mounted for gosof's own pid
// namespace: the pids it lists are the ones pidfd_open and kill(2) reach.
// `nsenter -m -t CONTAINER gosof` (the container's mounts, the host's pid
// namespace) gives gosof a /proc whose pid 7 is another process than its
// own pid 7; acting on it would signal a bystander. /proc/self names
// gosof there only if gosof is in that namespace or below it, and its
// NSpid line then lists one pid only if the namespace is gosof's own.
//
// The pids of such a /proc cannot be translated: the NSpid lines of a
// child namespace's /proc start at that namespace and never name the
// pids gosof's own namespace gives the same processes.
func ProcIsOurs(fs FS) error {
	self := os.Getpid()
	link, err := os.Readlink(fs.Path("self"))
	if err != nil {
		return fmt.Errorf("%s is not mounted for gosof's pid namespace (%s/self: %v), so its pids are not the ones gosof would signal; "+
			"run gosof in the pid namespace it was mounted for (nsenter --pid as well as --mount), or mount /proc for gosof's own", fs.Proc, fs.Proc, err)
	}
	if link != strconv.Itoa(self) {
		return fmt.Errorf("%s is mounted for another pid namespace than gosof's (it calls gosof %s, not %d), so its pids are not the ones gosof would signal; "+
			"run gosof in the pid namespace it was mounted for (nsenter --pid as well as --mount), or mount /proc for gosof's own", fs.Proc, link, self)
	}
	if b, err := readFile(fs.Path("self", "status")); err == nil {
		if ns, ok := parseNSpid(b); ok && (len(ns) != 1 || ns[0] != self) {
			return fmt.Errorf("%s is mounted for an ancestor of gosof's pid namespace (gosof's pids there: %v), so its pids are not the ones gosof would signal; "+
				"run gosof in the pid namespace it was mounted for, or mount /proc for gosof's own", fs.Proc, ns)
		}
	}
	return nil
}
