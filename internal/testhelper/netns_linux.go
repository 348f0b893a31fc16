package testhelper

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// BindNewNetNS does what `ip netns add` does after creating the file at
// path: it bind-mounts a new network namespace, one no process is in, on
// it. The calling thread goes back to its namespace afterwards; if it
// cannot, it stays locked and the runtime ends it with its goroutine.
func BindNewNetNS(path string) error {
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(orig)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		merr := unix.Mount("/proc/thread-self/ns/net", path, "", unix.MS_BIND, "")
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		runtime.UnlockOSThread()
		errc <- merr
	}()
	return <-errc
}
