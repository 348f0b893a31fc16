package linux

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/diagnose"
	"github.com/gosof/gosof/platform"
)

// FindNamespaces discovers the network namespaces in use; a variable so
// that a test can count the discoveries (at most one per run).
var FindNamespaces = Namespaces

// Open is the live Linux backend: sock_diag (or /proc/net) in the
// namespaces opt names, owners from /proc (or the BPF descriptor
// iterator), pidfd signals and SOCK_DESTROY/pidfd_getfd closes, options
// through pidfd_getfd, and the bind probe inside the namespace a
// diagnosis asks for, taken from the namespaces found here rather than
// looked for again.
func Open(opt platform.Options) (*platform.Backend, error) {
	fs := DefaultFS()
	if err := notThreads(fs, opt.PIDs); err != nil {
		return nil, err
	}
	spaces, err := namespacesToRead(fs, opt)
	if err != nil {
		return nil, err
	}
	srcs := make([]*Sockets, len(spaces))
	for i := range spaces {
		srcs[i] = &Sockets{FS: fs, ProcNetOnly: opt.ProcNet, NS: spaces[i], Lenient: opt.AllNetNS, ProcFD: opt.ProcFD}
	}
	var sockets core.SocketSource = srcs[0]
	if len(srcs) > 1 {
		ss := make(core.Sources, len(srcs))
		for i, s := range srcs {
			ss[i] = s
		}
		sockets = ss
	}
	signaller := &Signaller{FS: fs}
	fds := &FDs{FS: fs}
	owners := &Owners{FS: fs, ProcFD: opt.ProcFD}
	// A /proc of another pid namespace names other processes than the
	// ones gosof would signal: kill and close refuse (CannotAct), and a
	// listing says so.
	foreignProc := ProcIsOurs(fs)
	b := &platform.Backend{
		Sockets:   sockets,
		Owners:    owners,
		Prescan:   owners.Prescan,
		Signaller: signaller,
		// SOCK_DESTROY must go through a sock_diag socket of the socket's own namespace.
		Closer:        &Closer{Destroyer: NetNSDestroyer(srcs), Signaller: signaller},
		ParentOf:      ParentOf(fs),
		Options:       SockOpts{},
		FDs:           fds,
		FDSockets:     sockets,
		Cmdline:       fds.CommandLine,
		SocketKind:    fds.SocketKind,
		Context:       (&Contexts{FS: fs, Root: "/"}).Of,
		FDsDeniedHint: deniedHint,
		Prober:        func(netns uint64) diagnose.BindProber { return prober(fs, opt, spaces, netns) },
		PIDs:          func() ([]int, error) { return platform.ProcPIDs(fs.Proc) },
		OwnersHow: func() (string, error) {
			st, err := owners.CheckIter()
			if err != nil {
				return "", err
			}
			return st.String(), nil
		},
		EphemeralLow: func() (uint16, error) { return ephemeralLow(fs) },
		UnixFiles:    func() bool { return !procNetIn(srcs) }, // UNIX_DIAG_VFS; /proc/net/unix has no such column
		Unlisted:     unlisted(fs),
		Unread:       func(p core.Proto) string { return unreadIn(srcs, p) },
		ProcNetRead:  func() bool { return procNetIn(srcs) },
		Devices:      func(devs []string) error { return devicesIn(srcs, devs) },
		Notes: func() []string {
			var notes []string
			for _, s := range srcs {
				notes = append(notes, s.Notes()...)
			}
			notes = append(notes, remarkNotes(srcs)...)
			if st := owners.IterStatus(); st.Failed {
				// said, never silently slower: a kernel that refuses the
				// program refuses it on every run
				notes = append(notes, st.String()+" ("+EnvProcFD+"=1 skips trying)")
			}
			return notes
		},
	}
	if foreignProc != nil {
		b.Signaller, b.Closer, b.CannotAct = nil, nil, foreignProc
	}
	if opt.NetNS != "" {
		ns := spaces[0]
		b.NetNSGone = func() error { return netnsGone(fs, ns, opt.NetNS) }
	}
	return b, nil
}

// netnsGone is Backend.NetNSGone for ns, the namespace --netns spec
// named, pinned when it was found (FindNamespace). The name or the
// process it was found by, when either still refers to it, answers at
// once (any process in it keeps it, a reused PID too); else every
// process is asked (FindNamespaces: 350 us at each scrape with 66
// processes, BenchmarkNetNSGone, against 5 us).
func netnsGone(fs FS, ns *Namespace, spec string) error {
	if ns.Self {
		return nil
	}
	var refs []string
	if ns.Name != "" {
		for _, d := range netnsDirs {
			refs = append(refs, filepath.Join(d, ns.Name))
		}
	}
	if ns.PID > 0 {
		refs = append(refs, fs.Path(strconv.Itoa(ns.PID), "ns", "net"))
	}
	for _, r := range refs {
		if ino, err := nsInodeOf(r); err == nil && ino == ns.Inode {
			return nil
		}
	}
	all, err := FindNamespaces(fs)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.Inode == ns.Inode && a.Unreadable == "" {
			return nil
		}
	}
	return fmt.Errorf("--netns %s: the network namespace it named at the start (%s) is gone: no process is in it any more, and no name under /run/netns",
		core.Escape(spec), ns.Label())
}

// notThreads refuses a pid asked about (--pid, fds PID) that is a thread
// of another process: /proc/TID answers as a process would, but its
// descriptors are the process's (or the thread's own table), its sockets
// are the process's, and a pidfd cannot be opened on it (pidfd_open,
// before PIDFD_THREAD): kill reported such a holder "already gone".
func notThreads(fs FS, pids []int) error {
	for _, pid := range pids {
		b, err := readFile(fs.Path(strconv.Itoa(pid), "status"))
		if err != nil {
			continue // gone, or not visible: the scan reports it
		}
		if tgid, ok := parseStatusTgid(b); ok && tgid != int64(pid) {
			return core.Usagef("%d is a thread of process %d, not a process: give its process's pid (%d); "+
				"a thread's sockets are its process's", pid, tgid, tgid)
		}
	}
	return nil
}

// namespacesToRead is the network namespaces to read sockets from:
// gosof's own by default (nil), plus those of the processes asked about
// (--pid, fds PID) that live in another; the one --netns names; or every
// one in use.
func namespacesToRead(fs FS, opt platform.Options) ([]*Namespace, error) {
	if !opt.AllNetNS && opt.NetNS == "" {
		return withPIDNamespaces(fs, opt.PIDs)
	}
	all, err := FindNamespaces(fs)
	if err != nil {
		return nil, err
	}
	if opt.NetNS != "" {
		ns, err := FindNamespace(fs, all, opt.NetNS)
		if err != nil {
			return nil, err
		}
		return []*Namespace{&ns}, nil
	}
	spaces := make([]*Namespace, len(all))
	for i := range all {
		spaces[i] = &all[i]
	}
	return spaces, nil
}

// withPIDNamespaces is gosof's own namespace, and the namespaces of pids
// that are not gosof's own: `ls --pid P` and `fds P` for a process in a
// container find its sockets where they are. A process whose namespace
// cannot be read is left to the owner scan to report.
func withPIDNamespaces(fs FS, pids []int) ([]*Namespace, error) {
	spaces := []*Namespace{nil}
	if len(pids) == 0 {
		return spaces, nil
	}
	self, err := NetNSInode(fs, "self")
	if err != nil {
		return spaces, nil
	}
	foreign := map[uint64]bool{}
	for _, pid := range pids {
		if ino, err := NetNSInode(fs, strconv.Itoa(pid)); err == nil && ino != self {
			foreign[ino] = true
		}
	}
	if len(foreign) == 0 {
		return spaces, nil
	}
	all, err := FindNamespaces(fs)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if !all[i].Self && foreign[all[i].Inode] {
			spaces = append(spaces, &all[i])
		}
	}
	return spaces, nil
}

// prober probes inside the namespace whose sockets are diagnosed: the one
// --netns names, or (--all-netns) the namespace with inode netns among
// those read. nil, when that namespace is not among them, makes why say
// the probe was not available.
func prober(fs FS, opt platform.Options, spaces []*Namespace, netns uint64) diagnose.BindProber {
	switch {
	case opt.NetNS != "":
		return &Prober{FS: fs, NS: spaces[0]}
	case !opt.AllNetNS || netns == 0:
		return &Prober{FS: fs}
	}
	for _, ns := range spaces {
		if ns.Inode == netns {
			return &Prober{FS: fs, NS: ns}
		}
	}
	return nil
}

// ephemeralLow is the low end of net.ipv4.ip_local_port_range, which IPv6
// uses too.
func ephemeralLow(fs FS) (uint16, error) {
	b, err := readFile(fs.Path("sys", "net", "ipv4", "ip_local_port_range"))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 0, fmt.Errorf("ip_local_port_range %q: %w", b, core.ErrParse)
	}
	n, err := strconv.ParseUint(f[0], 10, 16)
	if err != nil {
		return 0, fmt.Errorf("ip_local_port_range %q: %w", b, core.ErrParse)
	}
	return uint16(n), nil
}
