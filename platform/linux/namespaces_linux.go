package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// netnsDirs are where `ip netns add` bind-mounts named namespaces.
var netnsDirs = []string{"/run/netns", "/var/run/netns"}

// Namespaces finds every network namespace in use: the distinct inodes of
// /proc/*/ns/net plus the bind mounts under /run/netns and /var/run/netns.
// gosof's own namespace comes first, the rest by inode.
func Namespaces(fs FS) ([]Namespace, error) {
	self, err := nsInodeOf(fs.Path("self", "ns", "net"))
	if err != nil {
		return nil, fmt.Errorf("own network namespace: %w", err)
	}
	byIno := map[uint64]*Namespace{self: {Inode: self, Path: fs.Path("self", "ns", "net"), PID: os.Getpid(), Self: true}}
	procfd, err := unix.Open(fs.Proc, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", fs.Proc, err)
	}
	defer unix.Close(procfd)
	pids, err := listPIDs(procfd)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", fs.Proc, err)
	}
	link := make([]byte, 64)
	var refused []int
	for _, pid := range pids {
		path := append(strconv.AppendInt(nil, int64(pid), 10), "/ns/net\x00"...)
		n, e := readlinkat(procfd, &path[0], link)
		if e == unix.EACCES || e == unix.EPERM {
			refused = append(refused, int(pid)) // not ours to see (unidentified)
		}
		if n <= 0 {
			continue // exited, or not ours to see
		}
		ino, ok := nsInode(link[:n])
		if !ok {
			continue
		}
		if _, seen := byIno[ino]; !seen {
			byIno[ino] = &Namespace{Inode: ino, Path: fs.Path(strconv.Itoa(int(pid)), "ns", "net"), PID: int(pid)}
		}
	}
	var broken, unseen []Namespace
	var dirs []os.FileInfo
	for _, dir := range netnsDirs {
		// /var/run is a symlink to /run on most systems: one directory,
		// read once, or a file that is not a namespace is noted twice.
		fi, err := os.Stat(dir)
		if err != nil || sameDir(dirs, fi) {
			continue
		}
		dirs = append(dirs, fi)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrPermission) {
			// the names are there, not ours to read: not "none" (FindNamespace)
			unseen = append(unseen, Namespace{unseen: true, several: true, Path: dir,
				Unreadable: "the network namespaces named under " + dir + " (" + err.Error() + "; run as root to see them)"})
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			ino, err := nsInodeOf(p)
			if err != nil {
				continue // a stale file whose mount is gone
			}
			if !isNsfs(p) {
				// `ip netns add` creates the file, then bind-mounts the
				// namespace on it; `ip netns del` unmounts, then removes it
				broken = append(broken, Namespace{Name: e.Name(), Path: p,
					Unreadable: p + " is not a network namespace (being created or deleted?)"})
				continue
			}
			ns := byIno[ino]
			if ns == nil {
				ns = &Namespace{Inode: ino}
				byIno[ino] = ns
			}
			if ns.Name == "" {
				ns.Name, ns.Path = e.Name(), p
			}
		}
	}
	var out []Namespace
	ctx := &Contexts{FS: fs} // the container decision a process's context takes too
	for _, ns := range byIno {
		if err := ns.Pin(); err != nil {
			continue // its last process exited while we looked
		}
		if !ns.Self && ns.PID > 0 {
			if b, err := readFile(fs.Path(strconv.Itoa(ns.PID), "cgroup")); err == nil {
				if lines, ok := splitCgroup(b, ctx.selfKeys()); ok {
					ns.Container = containerOf(lines)
				}
			}
		}
		out = append(out, *ns)
	}
	named := make(map[string]bool, len(out))
	for _, ns := range out {
		named[ns.Name] = true
	}
	for _, b := range broken {
		if !named[b.Name] {
			out = append(out, b)
		}
	}
	if ns := unidentified(fs, byIno, refused); ns != nil {
		unseen = append(unseen, *ns)
	}
	if u := (&Owners{FS: fs}).unseen(0); u.Hidden != "" {
		// processes gosof cannot even list (hidepid, a child pid
		// namespace), as the owner scan says: their namespaces too
		unseen = append(unseen, Namespace{unseen: true, several: true,
			Unreadable: "the network namespaces only processes gosof cannot list are in (" + u.Hidden + "; " + u.Hint + ")"})
	}
	out = append(out, unseen...)
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		switch {
		case a.Self != b.Self:
			return a.Self
		case (a.Unreadable != "") != (b.Unreadable != ""):
			return a.Unreadable == ""
		case a.Unreadable != "":
			return a.Name < b.Name
		}
		return a.Inode < b.Inode
	})
	return out, nil
}

// unidentified is the entry for the namespaces that only processes whose
// /proc/PID/ns/net gosof may not read (another user's, as non-root) are
// in, nil when there are none: -A cannot name or join them, and they are
// not "nothing there". /proc/PID/net is readable all the same, and each
// namespace has its own /proc/net entries (proc_net.c: created per
// struct net, each with an inode number of its own), so the inode of
// /proc/PID/net/dev tells such a process's namespace from those found.
func unidentified(fs FS, found map[uint64]*Namespace, refused []int) *Namespace {
	seen, n, m := map[uint64]bool{}, 0, 0
	for _, ns := range found {
		if ns.PID > 0 && len(refused) > 0 {
			seen[procNetIno(fs, ns.PID)] = true
		}
		if ns.PID == 0 {
			m++ // named, no process seen in it
		}
	}
	for _, pid := range refused {
		if ino := procNetIno(fs, pid); ino != 0 && !seen[ino] {
			seen[ino], n = true, n+1
		}
	}
	if n == 0 {
		return nil
	}
	among := ""
	if m > 0 {
		// a named namespace gosof saw no process in may be one of these:
		// their processes' namespaces cannot be told from it. Said for
		// one and for several ("the 1 named one ... may be among them"
		// of one namespace).
		named := core.ByCount(m, "the named one", "the "+strconv.Itoa(m)+" named ones") + " gosof saw no process in"
		if n == 1 {
			among = "; it may be " + core.ByCount(m, "", "one of ") + named
		} else {
			among = "; " + named + " may be among them"
		}
	}
	return &Namespace{unseen: true, several: n > 1, Unreadable: core.Plural(n, "network namespace") +
		" holding only processes gosof may not inspect (their /proc/PID/ns/net is refused" + among + "; " + deniedHint() + ")"}
}

// procNetIno is the inode of pid's /proc/PID/net/dev, 0 if it has none
// (it exited): the same for every process of one network namespace.
func procNetIno(fs FS, pid int) uint64 {
	ino, _ := nsInodeOf(fs.Path(strconv.Itoa(pid), "net", "dev"))
	return ino
}

// maxPID is the largest pid Linux hands out (PID_MAX_LIMIT); namespace
// inodes are far larger, so one number can name either unambiguously.
const maxPID = 1 << 22

// FindNamespace resolves --netns among all, the namespaces Namespaces
// found: a name under /run/netns, a namespace inode, or a PID (that
// process's namespace).
func FindNamespace(fs FS, all []Namespace, spec string) (Namespace, error) {
	if n, err := strconv.ParseUint(spec, 10, 64); err == nil {
		if n > maxPID {
			for _, ns := range all {
				if ns.Inode == n {
					return ns, nil
				}
			}
			return Namespace{}, core.Usagef("--netns %s: no network namespace with that inode is in use", spec)
		}
		// A PID is decimal, leading zeros too: /proc knows "10", not "010".
		pid := strconv.FormatUint(n, 10)
		if n == 0 {
			return Namespace{}, core.Usagef("--netns %s: not a process id", spec)
		}
		ino, err := nsInodeOf(fs.Path(pid, "ns", "net"))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return Namespace{}, core.Usagef("--netns %s: %s", spec, missingProcess(fs, int(n)))
			}
			return Namespace{}, fmt.Errorf("--netns %s: cannot read that process's namespace: %w", spec, err)
		}
		for _, ns := range all {
			if ns.Inode == ino {
				ns.PID = int(n)
				return ns, nil
			}
		}
		ns := Namespace{Inode: ino, Path: fs.Path(pid, "ns", "net"), PID: int(n)}
		return ns, ns.Pin()
	}
	if strings.ContainsRune(spec, '/') {
		return Namespace{}, core.Usagef("--netns %q: want a name under /run/netns, a namespace inode or a PID", spec)
	}
	for _, ns := range all {
		if ns.Name == spec && ns.Unreadable != "" {
			// named on purpose: an error, not an empty answer (-A skips it with a note)
			return Namespace{}, core.Usagef("--netns %s: %s", core.Escape(spec), ns.Unreadable)
		}
		if ns.Name == spec {
			return ns, nil
		}
	}
	for _, ns := range all {
		if ns.unseen && ns.Path != "" {
			return Namespace{}, fmt.Errorf("--netns %s: cannot tell whether it names one: %s", core.Escape(spec), ns.Unreadable)
		}
	}
	return Namespace{}, core.Usagef("--netns %q: no such name under /run/netns", spec)
}

// sameDir reports whether fi is one of dirs (os.SameFile: device and inode).
func sameDir(dirs []os.FileInfo, fi os.FileInfo) bool {
	for _, d := range dirs {
		if os.SameFile(d, fi) {
			return true
		}
	}
	return false
}

// isNsfs reports whether path is a namespace file (on nsfs), not a plain
// file that only waits for, or has lost, its bind mount.
func isNsfs(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}

// NetNSInode is the inode of the network namespace of process pid ("self"
// for gosof's own).
func NetNSInode(fs FS, pid string) (uint64, error) {
	return nsInodeOf(fs.Path(pid, "ns", "net"))
}

// nsInodeOf is the namespace inode a /proc/PID/ns/net link or an nsfs bind
// mount refers to. Through os.Stat, not unix.Stat: the SPARC build (gccgo)
// runs under qemu-sparc64 in CI, where x/sys's raw fstatat64 comes back in
// another layout than the kernel's 64-bit SPARC struct stat64 (which x/sys
// follows): an inode of 0x812400000001 for 4026531833, the file's mode in
// its high half. gccgo's os.Stat goes through the C library, right there
// too; with gc it is the same fstatat as unix.Stat.
func nsInodeOf(path string) (uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("%s: stat has no inode", path)
	}
	return uint64(st.Ino), nil
}

// InNamespace runs fn on an OS thread that has joined the network namespace
// at path. Sockets fn creates stay in that namespace. The thread is put back
// afterwards; if that fails, it is never reused (its goroutine ends locked,
// which makes the Go runtime terminate the thread). Joining needs
// CAP_SYS_ADMIN; without it the error wraps core.ErrPermission.
func InNamespace(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("own network namespace: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open %s: %w", path, err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			if sysfile.Sentinel(err) == core.ErrPermission {
				err = core.Wrap2(fmt.Sprintf("%v (%v: %s)", err, core.ErrPermission, joinHint()), err, core.ErrPermission)
			}
			errc <- fmt.Errorf("setns %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- core.JoinErrors(ferr, fmt.Errorf("return to own network namespace: %w", err))
			return // the thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
