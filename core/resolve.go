package core

import (
	"errors"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Resolver joins a platform's sockets with the processes that hold them.
type Resolver struct {
	Sockets SocketSource
	Owners  OwnerSource // nil: report sockets without owners
	// Prescan, when not nil, starts the owner scan before the sockets are
	// known, so that it runs while Sockets lists them instead of after;
	// pids is the scope, as for OwnerSource.AttachOwners.
	Prescan func(pids []int) OwnerPrescan
	// UserName turns a uid into a name; nil uses /etc/passwd (LookupUser).
	UserName func(uid int64) string
	// Peers asks for each connection's PeerOwners (AttachPeers), found
	// among the sockets the listing read.
	Peers bool
	// Context tells a process's systemd unit and container; nil where
	// the platform cannot. It is read, one read per owner process, when
	// WithContext is set (--context, JSON) or the filter has --unit.
	Context     func(pid int) (*Context, error)
	WithContext bool
	// AllHolders scans every process for owners even with --pid, and
	// keeps every holder of a socket one of whose holders the owner
	// filters match, those they match first: close, whose shutdown acts
	// on the socket and so on every holder, names them all (a second
	// []Owner in every Socket would cost each 24 bytes). kill, which
	// signals processes, does not ask.
	AllHolders bool
}

// Result is what Resolve found.
type Result struct {
	Sockets []Socket
	Unseen  Unseen
	// IdleUnknown counts the sockets --idle left out only because their
	// idle time is not known (Filter.IdleUnknown), to be said once: those
	// every other filter keeps, the owner filters included (or cannot
	// decide, their holder unseen: not known to be outside them).
	IdleUnknown int
	// Unread are the protocols whose table the socket source's read
	// lacked (platform.Backend.UnreadProtos), where the caller filled it
	// in (metrics): none of their sockets are in Sockets.
	Unread []Proto
	// Undecided are the sockets the owner filters (--pid, --user, -c,
	// --unit) could not decide: they match every other filter but show no
	// owner because their holder could not be seen (UnknownHolder), so
	// they are not proven to be outside the filter either. They are not
	// in Sockets; a listing says so with the remedy and never "no match",
	// kill and close count them as holders unknown (exit 3).
	Undecided []Socket
}

// OwnerPrescan is a scan under way. Attach waits for it and does what
// AttachOwners does; Cancel stops it when its result is not needed.
type OwnerPrescan interface {
	Attach(socks []Socket) (Unseen, error)
	Cancel()
}

// Resolve lists the sockets matching f, each with every process holding it,
// in the contract's order.
func (r *Resolver) Resolve(f *Filter) (*Result, error) { return r.resolve(f, f) }

// resolve is Resolve, with Result.IdleUnknown counted for note: f itself,
// or, for ResolvePeers, the narrower filter it resolves a wider f for.
func (r *Resolver) resolve(f, note *Filter) (*Result, error) {
	// With --pid no other process's descriptors can change the result, so
	// the owner scan is scoped to f.PIDs; each resolve passes its own
	// filter's (kill resolves again without --pid to say what is left, and
	// must see every holder).
	if err := r.canTellUnits(f); err != nil {
		return nil, err
	}
	var pre OwnerPrescan
	scope := f.PIDs
	if r.AllHolders {
		scope = nil
	}
	if r.Prescan != nil && r.Owners != nil {
		pre = r.Prescan(scope)
	}
	all, err := r.Sockets.Sockets(f)
	if err != nil {
		if pre != nil {
			pre.Cancel()
		}
		return nil, err
	}
	f.LearnPaths(all)
	// The sockets f matches go first in all. With owner filters in note,
	// those --idle left out for an idle time not known go right after
	// them: whether the note counts one depends on its holders, so they
	// are given owners with the matched ones, in the same scan (scoped to
	// --pid's processes, as ever). Moved in place, not copied out: no
	// allocation, and without --idle one branch never taken.
	owned := note.IdleOver > 0 && note.HasOwnerFilter()
	m, n := 0, 0 // matched, idle unknown
	for i := range all {
		switch s := &all[i]; {
		case f.MatchSocket(s):
			if owned && n > 0 { // the first unknown one moves to the end of theirs
				t := *s
				all[m+n] = all[m]
				all[m] = t
			} else {
				all[m] = *s
			}
			m++
		case note.IdleUnknown(s):
			if owned {
				all[m+n] = *s
			}
			n++
		}
	}
	socks, unknown := all[:m], all[m:m]
	if owned {
		unknown = all[m : m+n]
	}
	held := all[:m+len(unknown)]
	// The order of sockets does not depend on their owners: sort them
	// now, while a prescan still runs on the other cores.
	sortSockets(socks)
	res := &Result{IdleUnknown: n}
	if pre != nil && len(held) == 0 {
		pre.Cancel()
	}
	if r.Owners != nil && len(held) > 0 {
		var unseen Unseen
		if pre != nil {
			unseen, err = pre.Attach(held)
		} else {
			unseen, err = r.Owners.AttachOwners(held, scope)
		}
		if err != nil {
			return nil, err
		}
		res.Unseen = unseen
		unparsed, err := r.describe(held, r.WithContext || len(f.Units) > 0 || len(note.Units) > 0)
		res.Unseen.Unparsed += unparsed
		if err != nil {
			return nil, err
		}
		if r.Peers {
			AttachPeers(socks)
		}
	}
	sortOwners(socks) // first: filterOwners keeps the order, of Owners and of Unmatched
	var und []Socket  // undecided: those f matched, then those --idle left out
	if f.HasOwnerFilter() {
		socks, und = filterOwners(socks, f, res.Unseen, r.AllHolders) // keeps the order
	}
	if owned {
		kept, left := filterOwners(unknown, note, res.Unseen, false)
		res.IdleUnknown = len(kept)
		und = append(und, left...)
	}
	if len(und) > 0 && scope != nil {
		if und, err = r.rescanUndecided(und, &res.Unseen); err != nil { // one scan for both
			return nil, err
		}
	}
	// rescanUndecided keeps the order, and MatchIdle tells the two apart.
	// One --idle left out whose holder still could not be seen counts in
	// its note: it is not known to be outside the owner filters, and no
	// other note says it.
	k := 0
	for k < len(und) && f.MatchIdle(&und[k]) {
		k++
	}
	res.Undecided, res.IdleUnknown = und[:k], res.IdleUnknown+len(und)-k
	res.Sockets = socks
	return res, nil
}

// rescanUndecided looks for the holders of the sockets that a scan scoped
// to --pid left undecided (a process in the scope could not be seen) among
// every process: one that a process outside --pid holds is outside the
// filter, as an unscoped resolve (close, AllHolders) decides; only those
// that no process gosof can see holds stay undecided. `who P --pid N`
// answered "cannot tell" where `close --pid N P` answered no match.
func (r *Resolver) rescanUndecided(und []Socket, u *Unseen) ([]Socket, error) {
	all, err := r.Owners.AttachOwners(und, nil)
	if err != nil {
		return nil, err
	}
	out := und[:0]
	for i := range und {
		if UnknownHolder(&und[i], all) {
			out = append(out, und[i])
		}
	}
	if len(out) > 0 && all.Any() {
		*u = all // what decided them: the whole scan's unseen
	}
	return out, nil
}

// canTellUnits refuses --unit where the platform tells no units, rather
// than answer that nothing runs in one.
func (r *Resolver) canTellUnits(f *Filter) error {
	if len(f.Units) > 0 && (r.Context == nil || r.Owners == nil) {
		return Usagef("--unit: this platform does not tell which systemd unit a process runs in (Linux does)")
	}
	return nil
}

// Describe fills each owner's Proc (a process read afresh) and drops the
// owners that exited, as Resolve does after its scan.
func (r *Resolver) Describe(socks []Socket) error {
	if r.Owners == nil {
		return nil
	}
	_, err := r.describe(socks, r.WithContext)
	return err
}

// describe fills Owner.Proc once per process, with its Context when ctx
// is set, and drops owners that exited since the scan: they no longer
// hold anything. A process whose files cannot be parsed is shown as "?"
// and counted (unparsed), not fatal.
func (r *Resolver) describe(socks []Socket, ctx bool) (unparsed int, err error) {
	name := r.UserName
	if name == nil {
		name = LookupUser
	}
	read := r.Owners.Process
	if ctx && r.Context != nil {
		read = r.withContext
	}
	procs := map[int]*Process{}
	fetched := r.fetchProcesses(socks, read)
	for i := range socks {
		s := &socks[i]
		kept := s.Owners[:0]
		for _, o := range s.Owners {
			p, seen := procs[o.PID]
			if !seen {
				var err error
				if f, ok := fetched[o.PID]; ok {
					p, err = f.p, f.err
				} else {
					p, err = read(o.PID)
				}
				switch {
				case errors.Is(err, ErrGone):
					p = nil
				case errors.Is(err, ErrPermission):
					p = &Process{PID: o.PID, Comm: "?", UID: -1}
				case errors.Is(err, ErrParse):
					p = &Process{PID: o.PID, Comm: "?", UID: -1}
					unparsed++
				case err != nil:
					return unparsed, err // it names the process
				}
				if p != nil && p.User == "" && p.UID >= 0 {
					p.User = name(p.UID)
				}
				procs[o.PID] = p
			}
			if p == nil {
				continue
			}
			o.Proc = p
			kept = append(kept, o)
		}
		s.Owners = kept
	}
	return unparsed, nil
}

type fetchedProcess struct {
	p   *Process
	err error
}

// describeParallel is how many distinct processes make describe read
// them concurrently: `gosof ls` at 100,000 descriptors read 500 processes'
// stat and status one after another, on one core, after the scan.
const describeParallel = 64

// withContext reads a process and its context: one read more per
// process, made by the same worker. A context that cannot be read (the
// process exited in between) is left nil.
func (r *Resolver) withContext(pid int) (*Process, error) {
	p, err := r.Owners.Process(pid)
	if err == nil && p != nil {
		p.Context, _ = r.Context(pid)
	}
	return p, err
}

// fetchProcesses reads the processes holding socks with read,
// concurrently when there are many; nil when there are few (describe
// reads them itself).
func (r *Resolver) fetchProcesses(socks []Socket, read func(pid int) (*Process, error)) map[int]fetchedProcess {
	var pids []int
	seen := map[int]bool{}
	for i := range socks {
		for _, o := range socks[i].Owners {
			if !seen[o.PID] {
				seen[o.PID] = true
				pids = append(pids, o.PID)
			}
		}
	}
	if len(pids) < describeParallel {
		return nil
	}
	res := make([]fetchedProcess, len(pids))
	var next int64 = -1
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= len(pids) {
					return
				}
				res[i].p, res[i].err = read(pids[i])
			}
		}()
	}
	wg.Wait()
	out := make(map[int]fetchedProcess, len(pids))
	for i, pid := range pids {
		out[pid] = res[i]
	}
	return out
}

// filterOwners keeps the owners that pass --pid/--user and the sockets that
// keep one. A socket with no known owner passes --user (never --pid) on the
// uid the kernel reports for it, so an unprivileged user still finds their own.
// Any other socket whose holder could not be seen (UnknownHolder) is
// undecided: returned apart, never taken for one outside the filter.
// With all, the owners left out stay after those kept.
func filterOwners(socks []Socket, f *Filter, u Unseen, all bool) (out, undecided []Socket) {
	out = socks[:0]
	for _, s := range socks {
		if len(s.Owners) == 0 {
			if f.keepsUnowned(&s) {
				out = append(out, s)
			} else if UnknownHolder(&s, u) {
				undecided = append(undecided, s)
			}
			continue
		}
		var kept, others []Owner
		for i := range s.Owners {
			if f.MatchOwner(&s.Owners[i]) {
				kept = append(kept, s.Owners[i])
			} else if all {
				others = append(others, s.Owners[i])
			}
		}
		if len(kept) > 0 {
			s.Owners = append(kept, others...)
			out = append(out, s)
		}
	}
	return out, undecided
}

// keepsUnowned reports whether the owner filters keep s, which shows no
// owner: only --user alone does, on the uid the kernel reports for it.
func (f *Filter) keepsUnowned(s *Socket) bool {
	return len(f.PIDs) == 0 && len(f.Commands) == 0 && len(f.Units) == 0 && s.UID >= 0 && hasInt64(f.UIDs, s.UID)
}

// sortOwners sorts each socket's owners by pid and fd.
func sortOwners(socks []Socket) {
	for i := range socks {
		if len(socks[i].Owners) > 1 {
			o := socks[i].Owners
			sort.Slice(o, func(i, j int) bool {
				if o[i].PID != o[j].PID {
					return o[i].PID < o[j].PID
				}
				return o[i].FD < o[j].FD
			})
		}
	}
}

// sortSockets puts sockets in the contract's stable order: proto, local
// address, local port, remote address, remote port; then inode (owners are
// sorted apart, by sortOwners).
//
// A Socket is some 270 bytes, and a stable sort of 20,000 of them moved
// and copied them by value for every comparison. So it sorts indices,
// with the index as the last key (the same order as a stable sort), and
// then moves each socket once.
func sortSockets(socks []Socket) {
	if len(socks) < 2 {
		return
	}
	permute(socks, sortIndex(socks))
}

// permute rearranges socks in place so that socks[i] becomes the old
// socks[idx[i]], following each cycle once; idx is consumed.
func permute(socks []Socket, idx []int32) {
	for i := range idx {
		if int(idx[i]) == i {
			continue
		}
		tmp := socks[i]
		j := i
		for {
			k := int(idx[j])
			idx[j] = int32(j)
			if k == i {
				socks[j] = tmp
				break
			}
			socks[j] = socks[k]
			j = k
		}
	}
}

// compareSockets returns at the first key that differs: evaluating every key first would
// compute every key of every comparison.
func compareSockets(a, b *Socket) int {
	if a.Proto != b.Proto {
		if c := compareInts(protoRank(a.Proto), protoRank(b.Proto)); c != 0 {
			return c
		}
	}
	if c := CompareEndpoint(&a.Local, &b.Local); c != 0 {
		return c
	}
	if c := CompareEndpoint(a.Remote, b.Remote); c != 0 {
		return c
	}
	if c := compareStrings(a.Family.String(), b.Family.String()); c != 0 {
		return c
	}
	if a.Inode != b.Inode {
		if a.Inode < b.Inode {
			return -1
		}
		return 1
	}
	return compareStrings(string(a.State), string(b.State))
}

// protoRank is p's index in Protos, -1 if it is not there.
func protoRank(p Proto) int {
	for i, x := range Protos {
		if x == p {
			return i
		}
	}
	return -1
}

// CompareEndpoint orders endpoints as the contract orders sockets: nil
// first, then by address, port and path.
func CompareEndpoint(a, b *Endpoint) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	if c := compareInts(int(a.Port), int(b.Port)); c != 0 {
		return c
	}
	return compareStrings(a.Path, b.Path)
}
