package linux

import (
	"strconv"

	"github.com/gosof/gosof/core"
)

// Of implements the backend's Context: pid's unit and container, from
// one read of /proc/[pid]/cgroup into a pooled buffer (a longer file is
// read whole). nil, with no error, when the text cannot be split
// unambiguously (a cgroup named with a newline).
func (c *Contexts) Of(pid int) (*core.Context, error) {
	bp := procBufs.Get().(*[4096]byte)
	defer procBufs.Put(bp)
	path := c.FS.Path(strconv.Itoa(pid), "cgroup")
	b, err := readSmall(path, bp[:])
	if err == nil && len(b) == len(bp) {
		b, err = readFile(path)
	}
	if err != nil {
		return nil, procErr(pid, err)
	}
	return c.context(b), nil
}
