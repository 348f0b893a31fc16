package selfcheck

import (
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
)

// Input is what the system's tools said, parsed.
type Input struct {
	// Tool names the listing compared with ("ss -tanup", "netstat -an").
	Tool string
	// Before and After are its rows read just before and just after
	// gosof's own read: a socket that appears or goes in between is
	// "changed while checking", not a difference. A replay has one
	// listing: both are the same.
	Before, After []Row
	// OwnerTool names where Owners come from ("ss -tanup", "netstat
	// -anu"); "" when no tool named owners.
	OwnerTool string
	Owners    []Row
	// Pfiles is pfiles' view of the processes gosof names; nil when it
	// was not run.
	Pfiles map[int]*Pfiles
	// Missing says which tools could not be run, and why: said, and
	// the rest of the check stands.
	Missing []string
	// Unmade says which comparisons the saved output should have
	// allowed but could not (a listing missing or empty): said, and the
	// check does not pass (Report.Agrees).
	Unmade []string
	// PfilesEmpty: pfiles' saved output is empty, which is right only
	// when gosof named no process holding a descriptor.
	PfilesEmpty bool
	// ListsTwins: the tool lists a dual-stack IPv6 socket's IPv4 view as
	// a row of its own (netstat does, as the kernel's tables hold it;
	// gosof prints the socket once, as inet6 ::).
	ListsTwins bool
}

// Table is the agreement on one protocol's rows.
type Table struct {
	Name    string // "TCP", "UDP"
	Agree   int    // rows both list (a dual-stack socket's IPv4 view counted as agreeing)
	Total   int    // rows either lists, but for those that changed while checking
	Changed int    // rows that appeared, went or changed state while checking
}

// Tally is a count of what agreed among what was compared.
type Tally struct {
	Agree, Total int
	Unchecked    int // could not be compared (process gone, not readable)
}

// Report is the result of a check.
type Report struct {
	Input  *Input
	Tables []Table
	// Owners: sockets whose holders agree with OwnerTool's; Procs:
	// processes whose descriptors agree with pfiles.
	Owners, Procs *Tally
	// Creators counts owners gosof knows only as creators (Solaris):
	// the tools do not name creators, so they are not compared.
	Creators int
	Diffs    []string
	// Unmade: comparisons that could not be made (Input.Unmade, and
	// pfiles' when its output is empty though gosof names holders).
	Unmade []string
}

// Agrees reports whether everything that should have been compared was,
// and nothing differed: a comparison not made is not agreement.
func (r *Report) Agrees() bool { return len(r.Diffs) == 0 && len(r.Unmade) == 0 }

// Compare compares gosof's sockets with what the tools said.
func Compare(ours []core.Socket, in *Input) *Report {
	rep := &Report{Input: in, Unmade: append([]string(nil), in.Unmade...)}
	byKey := map[key][]*core.Socket{}
	var keys []key
	for i := range ours {
		k, ok := socketKey(&ours[i])
		if !ok {
			continue
		}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], &ours[i])
	}
	before, after := countRows(in.Before), countRows(in.After)
	tuples := map[key]bool{} // what the tool saw, state aside
	for _, m := range []map[key]int{before, after} {
		for k := range m {
			tuples[k.tuple()] = true
		}
	}
	ourTuples := map[key]bool{}
	v6Any := map[key]bool{} // gosof's inet6 :: sockets, by proto, port, state
	for _, k := range keys {
		ourTuples[k.tuple()] = true
		if k.family == core.Inet6 && k.local.Addr() == netip.IPv6Unspecified() && !k.remote.IsValid() {
			v6Any[key{proto: k.proto, local: netip.AddrPortFrom(netip.Addr{}, k.local.Port()), state: k.state}] = true
		}
	}
	tables := map[core.Proto]*Table{core.TCP: {Name: "TCP"}, core.UDP: {Name: "UDP"}}
	agreed := map[key]int{}

	for _, k := range keys {
		t := tables[k.proto]
		o, b, a := len(byKey[k]), before[k], after[k]
		seen := maxInt(b, a)
		switch {
		case o <= seen:
			t.Agree += o
			t.Total += o
			agreed[k] = o
		case b != a || tuples[k.tuple()]:
			// Appeared, or changed state, while the tools and gosof read.
			t.Agree += seen
			t.Total += seen
			t.Changed += o - seen
			agreed[k] = seen
		default:
			t.Agree += seen
			t.Total += o
			agreed[k] = seen
			rep.Diffs = append(rep.Diffs, fmt.Sprintf("only in gosof: %s%s", k, times(o-seen)))
		}
	}
	// What the tool saw that gosof did not.
	var toolKeys []key
	for k := range before {
		toolKeys = append(toolKeys, k)
	}
	for k := range after {
		if before[k] == 0 {
			toolKeys = append(toolKeys, k)
		}
	}
	sort.Slice(toolKeys, func(i, j int) bool { return toolKeys[i].String() < toolKeys[j].String() })
	lines := rowLines(in.Before, in.After)
	for _, k := range toolKeys {
		t := tables[k.proto]
		b, a := before[k], after[k]
		extra := minInt(b, a) - len(byKey[k]) // in both listings, beyond gosof's
		transient := maxInt(b, a) - len(byKey[k]) - maxInt(extra, 0)
		if transient > 0 && len(byKey[k]) < maxInt(b, a) {
			t.Changed += transient
		}
		if extra <= 0 {
			continue
		}
		if in.ListsTwins && k.ipv4View() && v6Any[key{proto: k.proto, local: netip.AddrPortFrom(netip.Addr{}, k.local.Port()), state: k.state}] {
			// netstat lists a dual-stack socket in both tables; gosof
			// prints it once, as inet6 ::.
			t.Agree += extra
			t.Total += extra
			continue
		}
		if ourTuples[k.tuple()] {
			t.Changed += extra // gosof saw it in another state
			continue
		}
		t.Total += extra
		rep.Diffs = append(rep.Diffs, fmt.Sprintf("only in %s: %s%s  (%q)", in.Tool, k, times(extra), lines[k]))
	}
	rep.Tables = []Table{*tables[core.TCP], *tables[core.UDP]}
	rep.compareOwners(byKey, agreed)
	rep.comparePfiles(ours)
	return rep
}

// tuple is k without its state: the same socket seen a moment apart.
func (k key) tuple() key { k.state = ""; return k }

// ipv4View reports a row a dual-stack IPv6 socket's IPv4 view can be: an
// IPv4 wildcard with no peer, a TCP listener (or closed) or a UDP socket
// (tcp_stats.c, udp_stats.c:231-233 list it in both tables).
func (k key) ipv4View() bool {
	return k.family == core.Inet && k.local.Addr().IsUnspecified() && !k.remote.IsValid() &&
		(k.proto == core.UDP || k.state == core.Listen || k.state == core.Close)
}

func countRows(rows []Row) map[key]int {
	m := map[key]int{}
	for i := range rows {
		m[rows[i].key()]++
	}
	return m
}

func rowLines(lists ...[]Row) map[key]string {
	m := map[key]string{}
	for _, rows := range lists {
		for i := range rows {
			if _, ok := m[rows[i].key()]; !ok {
				m[rows[i].key()] = strings.TrimSpace(rows[i].Line)
			}
		}
	}
	return m
}

func times(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (%d times)", n)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// holders is gosof's processes holding the sockets of one key: pids, and
// "pid/fd" where the descriptor is known; creators are counted apart.
func (r *Report) holders(socks []*core.Socket) (pids map[int]bool, fds map[string]bool) {
	pids, fds = map[int]bool{}, map[string]bool{}
	for _, s := range socks {
		for _, o := range s.Owners {
			if o.Creator {
				r.Creators++
				continue
			}
			pids[o.PID] = true
			if o.FD >= 0 {
				fds[strconv.Itoa(o.PID)+"/"+strconv.Itoa(o.FD)] = true
			}
		}
	}
	return pids, fds
}

// compareOwners compares, for each socket both list, the processes gosof
// says hold it with those the owner tool names (ss -p: pid and fd;
// netstat -u: pid, one line per process).
func (r *Report) compareOwners(byKey map[key][]*core.Socket, agreed map[key]int) {
	in := r.Input
	if in.OwnerTool == "" {
		for _, socks := range byKey {
			r.holders(socks) // counts the creators
		}
		return
	}
	toolPIDs, toolFDs := map[key]map[int]bool{}, map[key]map[string]bool{}
	for i := range in.Owners {
		k := in.Owners[i].key()
		if toolPIDs[k] == nil {
			toolPIDs[k], toolFDs[k] = map[int]bool{}, map[string]bool{}
		}
		for _, o := range in.Owners[i].Owners {
			toolPIDs[k][o.PID] = true
			if o.FD >= 0 {
				toolFDs[k][strconv.Itoa(o.PID)+"/"+strconv.Itoa(o.FD)] = true
			}
		}
	}
	r.Owners = &Tally{}
	var keys []key
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		pids, fds := r.holders(byKey[k])
		tp, ok := toolPIDs[k]
		if agreed[k] == 0 || !ok || agreed[k] != len(byKey[k]) {
			continue // not both listed (counted above), or in part only
		}
		if len(pids) == 0 && len(tp) == 0 {
			continue
		}
		r.Owners.Total++
		same := sameSet(pids, tp)
		if same && len(toolFDs[k]) > 0 && len(fds) > 0 {
			same = sameStrSet(fds, toolFDs[k])
		}
		if same {
			r.Owners.Agree++
			continue
		}
		r.Diffs = append(r.Diffs, fmt.Sprintf("owners of %s: gosof %s; %s %s", k, ownerText(pids, fds), in.OwnerTool, ownerText(tp, toolFDs[k])))
	}
}

func sameSet(a, b map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func sameStrSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func ownerText(pids map[int]bool, fds map[string]bool) string {
	if len(fds) > 0 {
		var s []string
		for f := range fds {
			s = append(s, f)
		}
		sort.Strings(s)
		return "pid/fd " + strings.Join(s, ", ")
	}
	if len(pids) == 0 {
		return "none"
	}
	var s []string
	for p := range pids {
		s = append(s, strconv.Itoa(p))
	}
	sort.Strings(s)
	return "pid " + strings.Join(s, ", ")
}

// comparePfiles checks, process by process, that each descriptor gosof
// says holds a socket is one in pfiles' output, a socket or a TLI
// endpoint, named as the socket is (sockname and peername).
func (r *Report) comparePfiles(ours []core.Socket) {
	if r.Input.Pfiles == nil {
		return
	}
	type claim struct {
		fd int
		s  *core.Socket
	}
	claims := map[int][]claim{}
	for i := range ours {
		s := &ours[i]
		if _, ok := socketKey(s); !ok {
			continue
		}
		for _, o := range s.Owners {
			if !o.Creator && o.FD >= 0 {
				claims[o.PID] = append(claims[o.PID], claim{o.FD, s})
			}
		}
	}
	var pids []int
	for pid := range claims {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	if r.Input.PfilesEmpty && len(pids) > 0 {
		procs := "1 process"
		if len(pids) > 1 {
			procs = fmt.Sprintf("%d processes", len(pids))
		}
		r.Unmade = append(r.Unmade, fmt.Sprintf("descriptors with pfiles: tools/%s is empty, though gosof names %s holding sockets", pfilesOut, procs))
		return
	}
	r.Procs = &Tally{}
	for _, pid := range pids {
		p := r.Input.Pfiles[pid]
		if p == nil {
			r.Procs.Unchecked++ // gone, or pfiles could not grab it
			continue
		}
		r.Procs.Total++
		var bad []string
		for _, c := range claims[pid] {
			if why := pfilesDisagrees(p, c.fd, c.s); why != "" {
				bad = append(bad, why)
			}
		}
		if len(bad) == 0 {
			r.Procs.Agree++
			continue
		}
		sort.Strings(bad)
		r.Diffs = append(r.Diffs, fmt.Sprintf("process %d: %s", pid, strings.Join(bad, "; ")))
	}
}

// pfilesDisagrees says how pfiles' descriptor fd differs from socket s,
// "" when it does not.
func pfilesDisagrees(p *Pfiles, fd int, s *core.Socket) string {
	k, _ := socketKey(s)
	f, ok := p.FDs[fd]
	switch {
	case !ok:
		return fmt.Sprintf("fd %d (%s) is not open in pfiles", fd, k)
	case f.Kind != "S_IFSOCK" && f.Kind != "S_IFCHR":
		return fmt.Sprintf("fd %d (%s) is %s in pfiles", fd, k, f.Kind)
	case !sameEnd(f.Sockname, k.local):
		return fmt.Sprintf("fd %d (%s) is named %s in pfiles", fd, k, f.Sockname)
	case s.Proto == core.TCP && k.remote.IsValid() && !sameEnd(f.Peername, k.remote):
		return fmt.Sprintf("fd %d (%s) has peer %s in pfiles", fd, k, f.Peername)
	}
	return ""
}

// sameEnd compares an address pfiles printed with gosof's, v4-mapped
// addresses as their IPv4 form (an AF_INET6 socket's IPv4 connection is
// listed in the kernel's IPv4 table).
func sameEnd(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && a.Addr().Unmap() == b.Addr().Unmap()
}

// Write prints the report: one line per table, the owners' agreement,
// then every difference.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "%s: %d of %d rows agree with %s", t.Name, t.Agree, t.Total, r.Input.Tool)
		if t.Changed > 0 {
			fmt.Fprintf(&b, " (%d changed while checking)", t.Changed)
		}
		b.WriteString("\n")
	}
	if r.Owners != nil {
		fmt.Fprintf(&b, "owners: %d of %d sockets agree with %s\n", r.Owners.Agree, r.Owners.Total, r.Input.OwnerTool)
	}
	if r.Procs != nil {
		fmt.Fprintf(&b, "owners: %d of %d processes agree with pfiles", r.Procs.Agree, r.Procs.Total)
		if r.Procs.Unchecked > 0 {
			fmt.Fprintf(&b, " (%d not checked: gone, or pfiles could not grab them)", r.Procs.Unchecked)
		}
		b.WriteString("\n")
	}
	if r.Creators > 0 {
		fmt.Fprintf(&b, "creators: %d owners known only as the process that made the socket: no tool names them, not compared\n", r.Creators)
	}
	for _, m := range r.Input.Missing {
		fmt.Fprintf(&b, "not compared: %s\n", m)
	}
	for _, m := range r.Unmade {
		fmt.Fprintf(&b, "not compared: %s\n", core.Escape(m))
	}
	switch {
	case len(r.Diffs) == 0 && len(r.Unmade) == 0:
		b.WriteString("no differences\n")
	case len(r.Diffs) == 0:
		fmt.Fprintf(&b, "%s not made: no differences in what was compared\n", core.Plural(len(r.Unmade), "comparison"))
	default:
		fmt.Fprintf(&b, "%s:\n", core.Plural(len(r.Diffs), "difference"))
		for _, d := range r.Diffs {
			b.WriteString("  " + core.Escape(d) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
