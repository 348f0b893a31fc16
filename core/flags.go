package core

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// FilterFlags are the filter flags and PORT arguments as the user typed
// them; ParseFilter reads them all, once.
type FilterFlags struct {
	// Ports are the positional arguments: PORTs (8080, 8000-8080, http,
	// tcp:80, 53/udp, 127.0.0.1:8080) and PATHs (/run/app.sock, @name,
	// /run/, ./app.sock: IsPathArg).
	Ports  []string
	Side   string   // --side; "" is local
	Protos []string // --proto, each value a name or a comma list
	V4, V6 bool     // -4, -6
	States []string // --state, likewise
	Listen bool     // -l/--listen
	PIDs   []string // --pid, likewise
	Users  []string // -u/--user: names or uids, likewise
	// Local and Remote (--local, --remote): addresses, prefixes or
	// hosts, each with an optional port.
	Local, Remote []string
	Commands      []string // -c/--command: prefixes or /regexps/
	Devs          []string // --dev: interface names or indexes
	Units         []string // --unit: systemd units
	Idle          string   // --idle DURATION; "" when not given
	// OnePort is set by a command that takes one port (why): what it
	// says of a PORT that names more, such as "why explains one port".
	// A range, a list or a service of several port numbers is refused
	// with it, and no message offers one.
	OnePort string
	// Services reads /etc/services when a PORT is a name; nil reads the
	// system's file (ReadServices).
	Services func() Services
	// Hosts reads /etc/hosts when --local or --remote names a host; nil
	// reads the system's file (ReadHosts).
	Hosts func() Hosts
}

// ParseFilter turns the flags into a Filter. Every filter flag narrows
// what the others match: --listen with --state is their intersection,
// and two flags that together can match nothing (--state established
// --listen, -4 -6, --proto unix with a PORT) are a usage error naming
// both, never an empty answer. Repeated values (--pid 7,7) count once.
func ParseFilter(ff FilterFlags) (*Filter, error) {
	f := &Filter{}
	services := ff.Services
	if services == nil {
		services = func() Services { return ReadServices("/etc/services") }
	}
	var svc Services
	read := false
	var byArg [][]PortRange // each PORT argument's ranges, for --proto (narrowPorts)
	args, err := portArgs(ff.Ports, ff.OnePort)
	if err != nil {
		return nil, err
	}
	for _, arg := range args {
		if IsPathArg(arg) {
			t, err := ParsePath(arg)
			if err != nil {
				return nil, err
			}
			f.Paths = append(f.Paths, t)
			continue
		}
		if !read && PortNeedsServices(arg) {
			svc, read = services(), true
		}
		rs, err := ParsePort(arg, svc, ff.OnePort)
		if err != nil {
			return nil, pathHint(arg, err)
		}
		if _, one := OnePort(rs); ff.OnePort != "" && !one {
			return nil, Usagef("%s; %q names %s", ff.OnePort, arg, describeRanges(rs))
		}
		byArg = append(byArg, rs)
	}
	if ff.Side != "" {
		if len(args) == 0 { // it changed nothing: every socket was listed
			return nil, Usagef("--side %s: it says which end a PORT or PATH is matched against, and none was given", ff.Side)
		}
		side, err := ParseSide(ff.Side)
		if err != nil {
			return nil, err
		}
		f.Side = side
	}
	for _, p := range SplitList(ff.Protos) {
		proto, err := ParseProto(p)
		if err != nil {
			return nil, err
		}
		if !hasProto(f.Protos, proto) {
			f.Protos = append(f.Protos, proto)
		}
	}
	if f.Ports, err = narrowPorts(byArg, f.Protos); err != nil {
		return nil, err
	}
	switch {
	case ff.V4 && ff.V6:
		return nil, Usagef("-4 and -6 together match nothing (a socket is one or the other): leave both out for both")
	case ff.V4:
		f.Families = []Family{Inet}
	case ff.V6:
		f.Families = []Family{Inet6}
	}
	for _, s := range SplitList(ff.States) {
		st, err := ParseState(s)
		if err != nil {
			return nil, err
		}
		if !hasState(f.States, st) {
			f.States = append(f.States, st)
		}
	}
	if ff.Listen {
		f.Listen = true
		listening := []State{Listen, Unconn}
		if len(f.States) == 0 {
			f.States = listening
		} else {
			var both []State
			for _, st := range f.States {
				if hasState(listening, st) {
					both = append(both, st)
				}
			}
			if len(both) == 0 {
				return nil, Usagef("--state %s and --listen match nothing together (--listen is LISTEN and UNCONN): drop one", strings.Join(SplitList(ff.States), ","))
			}
			f.States = both
		}
	}
	sort.Slice(f.States, func(i, j int) bool { return f.States[i] < f.States[j] })
	for _, s := range SplitList(ff.PIDs) {
		pid, err := ParsePID(s)
		if err != nil {
			return nil, Usagef("--pid: %s", err)
		}
		if !hasInt(f.PIDs, pid) {
			f.PIDs = append(f.PIDs, pid)
		}
	}
	for _, u := range splitNames(ff.Users) {
		uid, err := LookupUID(u)
		if err != nil {
			return nil, err
		}
		if !hasInt64(f.UIDs, uid) {
			f.UIDs = append(f.UIDs, uid)
		}
	}
	if len(f.UIDs) > 0 {
		f.users = strings.Join(splitNames(ff.Users), ",")
	}
	hosts := ff.Hosts
	if hosts == nil {
		var once Hosts
		hosts = func() Hosts {
			if once == nil {
				once = ReadHosts("/etc/hosts")
			}
			return once
		}
	}
	for _, side := range []struct {
		flag string
		vals []string
		to   *[]AddrMatch
	}{{"--local", ff.Local, &f.Local}, {"--remote", ff.Remote, &f.Remote}} {
		for _, v := range SplitList(side.vals) {
			ms, err := ParseAddrMatch(side.flag, v, hosts)
			if err != nil {
				return nil, err
			}
			*side.to = append(*side.to, ms...)
		}
	}
	for _, v := range commandItems(ff.Commands) {
		m, err := ParseCommandMatch(v)
		if err != nil {
			return nil, err
		}
		f.Commands = append(f.Commands, m)
	}
	for _, v := range SplitList(ff.Devs) {
		if err := checkDevName(v); err != nil {
			return nil, err
		}
		if !hasString(f.Devs, v) {
			f.Devs = append(f.Devs, v)
		}
	}
	for _, v := range SplitList(ff.Units) {
		if strings.ContainsAny(v, "/ \t\n") {
			return nil, Usagef("--unit %q: not a unit name (nginx.service, or nginx for it)", v)
		}
		if !hasString(f.Units, v) {
			f.Units = append(f.Units, v)
		}
	}
	if ff.Idle != "" {
		d, err := ParseIdle(ff.Idle)
		if err != nil {
			return nil, err
		}
		f.IdleOver = d
	}
	if err := f.canMatch(); err != nil {
		return nil, err
	}
	return f, nil
}

// portArgs splits PORT arguments that list several ("9090,9443"), or
// refuses them with one (FilterFlags.OnePort); a PATH is never split: a
// socket's name may hold a comma.
func portArgs(args []string, one string) ([]string, error) {
	var out []string
	for _, a := range args {
		if !strings.Contains(a, ",") || IsPathArg(a) {
			out = append(out, a)
			continue
		}
		if one != "" {
			return nil, Usagef("%s; %q is a list", one, a)
		}
		for _, p := range strings.Split(a, ",") {
			if strings.TrimSpace(p) == "" {
				return nil, Usagef("%q: empty item in the list of ports", a)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// pathHint adds to a PORT argument's error, when the argument looks
// like a file name ("run/app.sock", "app.sock"), how a PATH is written.
func pathHint(arg string, err error) error {
	var ue *UsageError
	if !errors.As(err, &ue) {
		return err
	}
	head, tail, slash := strings.Cut(arg, "/")
	_, e1 := ParseProto(head)
	_, e2 := ParseProto(tail)
	if slash && (isDigits(head) || e1 == nil || e2 == nil) {
		return err // 53/udp, tcp/8080: a port with a bad half
	}
	if !slash && !strings.HasSuffix(arg, ".sock") {
		return err
	}
	return Usagef("%s; a unix socket PATH starts with /, @, ./ or ../ (./%s)", ue.Msg, arg)
}

// protoStates are the states a socket of each protocol is reported in
// (docs/contract.md); SCTP's are the platform's, so any.
var protoStates = map[Proto][]State{
	TCP:     TCPStates,
	UDP:     {Unconn, Established},
	UDPLite: {Unconn, Established},
	Raw:     {Unconn, Established},
	Unix:    {Listen, Connected, Unconn},
}

// canMatch refuses a filter whose flags exclude each other: a protocol
// without ports or families asked for with them, states no asked-for
// protocol is ever in, a PATH with inet-only flags, --idle with sockets
// that have no idle time, a remote end of sockets that have none.
func (f *Filter) canMatch() error {
	if err := f.pathsCanMatch(); err != nil {
		return err
	}
	if err := f.canMatchIdle(); err != nil {
		return err
	}
	if err := f.familyCanMatch(); err != nil {
		return err
	}
	if err := f.remoteCanMatch(); err != nil {
		return err
	}
	// The protocols asked for: --proto's, else those the PORTs name when
	// every one names one (tcp:8080, 53/udp), so that "who tcp:8080
	// --state unconn" is refused as "--proto tcp --state unconn" is (a
	// PATH's flags are pathsCanMatch's).
	protos, every := f.NamedProtos()
	if !every || len(f.Protos) == 0 && len(f.Paths) > 0 {
		return nil
	}
	by := "--proto " + protoList(protos)
	if len(f.Protos) == 0 {
		by = "PORT " + describeRanges(f.Ports)
	}
	anyProto := func(ok func(Proto) bool) bool {
		for _, p := range protos {
			if ok(p) {
				return true
			}
		}
		return false
	}
	if len(f.Ports) > 0 && !anyProto(Proto.HasPorts) {
		return Usagef("--proto %s has no ports: a PORT matches nothing there", protoList(protos))
	}
	if len(f.Devs) > 0 && !anyProto(func(p Proto) bool { return p != Unix }) {
		return Usagef("--proto unix and --dev match nothing together (unix sockets are bound to no device)")
	}
	if (len(f.Local) > 0 || len(f.Remote) > 0) && !anyProto(func(p Proto) bool { return p != Unix }) {
		return Usagef("--proto unix and --local/--remote match nothing together (addresses are inet's)")
	}
	if len(f.Families) > 0 && !anyProto(func(p Proto) bool { return p != Unix }) {
		return Usagef("--proto unix and %s match nothing together (-4 and -6 are inet families)", familyFlag(f.Families))
	}
	if len(f.States) > 0 && !anyProto(func(p Proto) bool {
		in, known := protoStates[p]
		if !known {
			return true
		}
		for _, st := range f.States {
			if hasState(in, st) {
				return true
			}
		}
		return false
	}) {
		return Usagef("%s and %s match nothing together: %s sockets are never %s", by, f.statesFlag(), protoList(protos), stateList(f.States))
	}
	return nil
}

// familyCanMatch refuses -4 with addresses that are all IPv6 (--local
// ::1), or with a PORT on an IPv6 address ([::1]:8080, a target that
// must match on its own): an IPv4 socket has none. -6 with an IPv4
// address can match: a dual-stack socket's end is an IPv4-mapped
// address, which counts as the IPv4 address it maps (AddrMatch.Match,
// matchAddr).
func (f *Filter) familyCanMatch() error {
	if len(f.Families) != 1 || f.Families[0] != Inet {
		return nil
	}
	for _, r := range f.Ports {
		if r.Addr.IsValid() && !r.Addr.Unmap().Is4() {
			return Usagef("-4 and PORT %s match nothing together: an IPv4 socket has no IPv6 address", r)
		}
	}
	for _, side := range []struct {
		flag string
		ms   []AddrMatch
	}{{"--local", f.Local}, {"--remote", f.Remote}} {
		if len(side.ms) == 0 {
			continue
		}
		var v6 []string
		for _, m := range side.ms {
			if m.Prefix.Addr().Is4() {
				v6 = nil
				break
			}
			v6 = append(v6, m.String())
		}
		if v6 != nil {
			return Usagef("-4 and %s %s match nothing together: an IPv4 socket has no IPv6 address", side.flag, strings.Join(v6, ","))
		}
	}
	return nil
}

// remoteCanMatch refuses a remote end asked of sockets that have none: a
// listener, an unconnected UDP, raw or unix socket (Socket.Remote is nil
// in LISTEN and UNCONN, from every source). --remote, and a PORT or PATH
// matched on the remote side, then match nothing.
func (f *Filter) remoteCanMatch() error {
	for _, st := range f.States {
		if st != Listen && st != Unconn {
			return nil
		}
	}
	by := "--remote"
	switch {
	case len(f.States) == 0:
		return nil
	case len(f.Remote) == 0 && (f.Side != SideRemote || !f.HasTargets()):
		return nil
	case len(f.Remote) == 0:
		by = "--side remote"
	}
	return Usagef("%s and %s match nothing together: %s sockets have no remote end", f.statesFlag(), by, stateList(f.States))
}

// pathsCanMatch refuses flags that no unix socket can pass beside a
// PATH: every target given must be able to match something.
func (f *Filter) pathsCanMatch() error {
	if len(f.Paths) == 0 {
		return nil
	}
	switch {
	case len(f.Protos) > 0 && !hasProto(f.Protos, Unix):
		return Usagef("--proto %s and a PATH match nothing together (a PATH names unix sockets): add unix to --proto, or leave it out", protoList(f.Protos))
	case len(f.Families) > 0:
		return Usagef("%s and a PATH match nothing together (-4 and -6 are inet families; a PATH names unix sockets)", familyFlag(f.Families))
	case len(f.Local) > 0 || len(f.Remote) > 0:
		return Usagef("--local/--remote and a PATH match nothing together (addresses are inet's; a PATH names unix sockets)")
	case len(f.Devs) > 0:
		return Usagef("--dev and a PATH match nothing together (a unix socket is bound to no interface; a PATH names unix sockets)")
	case f.IdleOver > 0:
		return Usagef("--idle and a PATH match nothing together (only TCP connections have an idle time; a PATH names unix sockets)")
	}
	for _, st := range f.States {
		if hasState(protoStates[Unix], st) {
			return nil
		}
	}
	if len(f.States) > 0 {
		return Usagef("%s and a PATH match nothing together: unix sockets are LISTEN, CONNECTED or UNCONN", f.statesFlag())
	}
	return nil
}

// canMatchIdle refuses --idle with a protocol or state whose sockets have
// no idle time (core/idle.go): only TCP sockets past their handshake do.
func (f *Filter) canMatchIdle() error {
	if f.IdleOver <= 0 {
		return nil
	}
	if len(f.Protos) > 0 && !hasProto(f.Protos, TCP) {
		return Usagef("--proto %s and --idle match nothing together: only TCP sockets have an idle time", protoList(f.Protos))
	}
	tcpPort := len(f.Ports) == 0
	for _, r := range f.Ports {
		tcpPort = tcpPort || r.Proto == "" || r.Proto == TCP
	}
	if !tcpPort {
		return Usagef("PORT %s and --idle match nothing together: only TCP sockets have an idle time", describeRanges(f.Ports))
	}
	if len(f.States) == 0 {
		return nil
	}
	for _, st := range f.States {
		if HasIdleState(st) {
			return nil
		}
	}
	flag := f.statesFlag()
	return Usagef("%s and --idle match nothing together: %s sockets have no idle time (only connections past their handshake do)", flag, stateList(f.States))
}

func protoList(ps []Proto) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func stateList(sts []State) string {
	s := make([]string, len(sts))
	for i, st := range sts {
		s[i] = string(st)
	}
	return strings.Join(s, " or ")
}

// narrowPorts is the PORT arguments' ranges (one slice per argument)
// that --proto (protos) leaves in: a service name's protocols narrowed to
// those asked for, as tcp:domain narrows them (ParsePort), so "who domain
// --proto tcp" is 53/tcp. An argument none of whose ranges --proto
// leaves in ("udp/53 --proto tcp") could never match: refused, rather
// than print nothing.
func narrowPorts(byArg [][]PortRange, protos []Proto) ([]PortRange, error) {
	var out []PortRange
	for _, rs := range byArg {
		n := len(out)
		for _, r := range rs {
			if len(protos) == 0 || r.Proto == "" || hasProto(protos, r.Proto) {
				out = append(out, r)
			}
		}
		if len(out) == n && len(rs) > 0 {
			var left []Proto
			for _, r := range rs {
				if !hasProto(left, r.Proto) {
					left = append(left, r.Proto)
				}
			}
			only := protoList(left)
			return nil, Usagef("port %s is %s only, but --proto leaves %s out", describeRanges(rs), only, only)
		}
	}
	return out, nil
}

// SplitList reads a list flag: "--state a,b" and "--state a --state b"
// alike, each item trimmed ("close-wait, time-wait"): a state, protocol,
// PID, address, device or unit holds no space. Names another program
// made (--user, -c) keep theirs: splitNames.
func SplitList(vals []string) []string { return splitList(vals, true) }

// splitNames reads --user as typed: a name with an edge space is no
// other name (-u ' root' was root; getpwnam finds no " root"). Spaces
// beside a comma are the list's, not a name's: -u 'root, nobody' is two.
func splitNames(vals []string) []string { return splitList(vals, false) }

func splitList(vals []string, trim bool) []string {
	var out []string
	for _, v := range vals {
		for _, p := range listItems(v, trim) {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// listItems splits one value at its commas. With trim each item is
// trimmed; without, an item loses only the spaces beside a comma, the
// list's ("nginx, php" is nginx and php), and the value's own ends keep
// theirs: a name typed 'python3 ' keeps its space.
func listItems(v string, trim bool) []string {
	items := strings.Split(v, ",")
	for i, p := range items {
		if trim {
			items[i] = strings.TrimSpace(p)
		} else {
			items[i] = besideCommas(p, i, len(items))
		}
	}
	return items
}

// besideCommas is piece i of n of a value split at its commas, without
// the spaces that touch a comma.
func besideCommas(p string, i, n int) string {
	if i > 0 {
		p = strings.TrimLeft(p, " \t")
	}
	if i < n-1 {
		p = strings.TrimRight(p, " \t")
	}
	return p
}

// commandItems reads -c as splitNames reads a list, but a /REGEXP/ keeps
// its commas and spaces (/^php-fpm{1,2}/, /^p[y,z]thon/): an item that
// starts with / runs to the first one that ends with /. An item keeps
// the spaces at the value's ends: a command's name may hold them
// (PR_SET_NAME, or a file named so), and -c 'python3 ' matched every
// python3 as python3.
func commandItems(vals []string) []string {
	var out []string
	for _, v := range vals {
		pieces := strings.Split(v, ",")
		item, open := "", false
		for i, p := range pieces {
			if open {
				item += "," + p
			} else {
				item = besideCommas(p, i, 1+i) // its left side only
			}
			done := item // a regular expression's own spaces stay in item
			if i < len(pieces)-1 {
				done = besideCommas(item, 0, 2) // its right side
			}
			if open = strings.HasPrefix(done, "/") && (len(done) < 2 || !strings.HasSuffix(done, "/")); !open && done != "" {
				out = append(out, done)
			}
		}
		if open {
			out = append(out, item) // unclosed: ParseCommandMatch says so
		}
	}
	return out
}

// maxUID is the largest uid: uid_t is 32 bits unsigned, and its all-ones
// value is no uid (INVALID_UID in the kernel's include/linux/uidgid.h;
// illumos's MAXUID is lower still, 2147483647 in sys/param.h).
const maxUID = 1<<32 - 2

// LookupUID reads --user: a uid, or a name from /etc/passwd. A number
// past uid_t is refused rather than left to match nothing.
func LookupUID(s string) (int64, error) {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxUID {
			return 0, Usagef("--user: %q is not a uid (0 to %d)", s, int64(maxUID))
		}
		return n, nil
	}
	if uid, ok := SystemUsers().UID(s); ok {
		return uid, nil
	}
	return 0, Usagef("--user: unknown user %q: not in %s (give the uid of a user only LDAP or sssd knows)", s, PasswdPath)
}

// ReadServices reads a services file (/etc/services); nil when it is
// absent or unreadable, so that names then fail with a message saying so.
func ReadServices(path string) Services {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	s, err := ParseServices(f)
	if err != nil {
		return nil
	}
	return s
}

// userFlag is --user as the messages name it: with the names or uids
// given, or alone where the filter was built without them.
func (f *Filter) userFlag() string {
	if f.users == "" {
		return "--user"
	}
	return "--user " + f.users
}

// OwnerFlags names the owner filters given (--pid, --user, -c, --unit)
// as the user typed them, joined by " and ": what a socket whose holder
// could not be seen cannot be decided against (Result.Undecided). The
// text is raw, as Emptied's: whoever prints it escapes it.
func (f *Filter) OwnerFlags() string {
	var names []string
	for _, o := range f.ownerFlags() {
		names = append(names, o.flag)
	}
	return strings.Join(names, " and ")
}

// ownerFlag is one owner filter given: as typed, and as a filter of it
// alone.
type ownerFlag struct {
	flag string
	only Filter
}

// ownerFlags are the owner filters given, in the order --pid, --user,
// -c, --unit: the one list OwnerFlags names and Emptied applies.
func (f *Filter) ownerFlags() []ownerFlag {
	var fs []ownerFlag
	if len(f.PIDs) > 0 {
		fs = append(fs, ownerFlag{"--pid " + intList(f.PIDs), Filter{PIDs: f.PIDs}})
	}
	if len(f.UIDs) > 0 {
		fs = append(fs, ownerFlag{f.userFlag(), Filter{UIDs: f.UIDs}})
	}
	if len(f.Commands) > 0 {
		fs = append(fs, ownerFlag{"-c " + commandList(f.Commands), Filter{Commands: f.Commands}})
	}
	if len(f.Units) > 0 {
		fs = append(fs, ownerFlag{"--unit " + strings.Join(f.Units, ","), Filter{Units: f.Units}})
	}
	return fs
}

// Emptied says which filter flag left nothing: given the sockets (with
// owners) that the PORT arguments alone match, it applies the other
// filters one at a time, in the order --pid, --user, -c, --unit, --proto,
// -4/-6, --state/--listen, --idle, --local, --remote, --dev, and names
// the first after which nothing is left, with what was there before it.
// The owner filters come first: they say whose sockets are asked about,
// so what the others are blamed for is said of those alone (--pid B
// --idle 1h told of A's sockets too). Each owner flag keeps an owner as
// MatchOwner does and a socket with none as filterOwners does
// (keepsUnowned). "" when the PORTs alone match nothing (an empty answer
// needs no explaining) or nothing emptied it; flag is the flag named. The
// text is raw (command names as the processes set them): whoever prints
// it escapes it, once.
func (f *Filter) Emptied(targets []Socket) (why, flag string) {
	if len(targets) == 0 {
		return "", ""
	}
	left := targets
	g := *f
	g.IdleOver = 0 // --proto and --state are blamed for what they leave out, --idle for the rest
	type step struct {
		named bool
		flag  string
		keep  func(*Socket) bool
	}
	var steps []step
	for _, o := range f.ownerFlags() {
		one := o.only
		steps = append(steps, step{true, o.flag, func(s *Socket) bool {
			return anyOwner(s, one.MatchOwner) || f.keepsUnowned(s) && len(one.UIDs) > 0
		}})
	}
	steps = append(steps, []step{
		{len(f.Protos) > 0, "--proto " + protoList(f.Protos), func(s *Socket) bool { return g.WantsProto(s.Proto) }},
		{len(f.Families) > 0, familyFlag(f.Families), func(s *Socket) bool { return f.WantsFamily(s.Family) }},
		{len(f.States) > 0, f.statesFlag(), func(s *Socket) bool { return g.WantsState(s.State) }},
		{f.IdleOver > 0, "--idle " + FlagDuration(f.IdleOver), f.MatchIdle},
		{len(f.Local) > 0, "--local " + addrList(f.Local), func(s *Socket) bool { return anyAddr(f.Local, &s.Local) }},
		{len(f.Remote) > 0, "--remote " + addrList(f.Remote), func(s *Socket) bool { return s.Remote != nil && anyAddr(f.Remote, s.Remote) }},
		{len(f.Devs) > 0, "--dev " + strings.Join(f.Devs, ","), func(s *Socket) bool { return f.MatchDev(s) }},
	}...)
	for _, st := range steps {
		if !st.named {
			continue
		}
		var kept []Socket
		for i := range left {
			if st.keep(&left[i]) {
				kept = append(kept, left[i])
			}
		}
		if len(kept) == 0 {
			return fmt.Sprintf("nothing left after %s: before it, %s", st.flag, summary(left)), st.flag
		}
		left = kept
	}
	return "", ""
}

// checkDevName refuses a --dev value no interface can have: Linux's
// rules (dev_valid_name: at most IFNAMSIZ-1 bytes, no '/', ':' or
// white space, not "." or ".."); a number is an interface index.
func checkDevName(v string) error {
	bad := len(v) > 15 || v == "." || v == ".."
	for i := 0; i < len(v) && !bad; i++ {
		switch v[i] {
		case '/', ':', ' ', '\t', '\n', '\v', '\f', '\r':
			bad = true
		}
	}
	if bad {
		return Usagef("--dev %q: not an interface name (at most 15 bytes, no '/', ':' or spaces) or index", v)
	}
	return nil
}

func hasString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// statesFlag is the state filter as it was typed: --listen, or --state
// with the states.
func (f *Filter) statesFlag() string {
	if f.Listen && len(f.States) == 2 && hasState(f.States, Listen) && hasState(f.States, Unconn) {
		return "--listen"
	}
	names := make([]string, len(f.States))
	for i, st := range f.States {
		names[i] = StateArg(st)
	}
	return "--state " + strings.Join(names, ",")
}

func addrList(ms []AddrMatch) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ",")
}

func commandList(ms []CommandMatch) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ",")
}

func intList(l []int) string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// familyFlag is the flag that asked for fs: -4 or -6.
func familyFlag(fs []Family) string {
	if len(fs) > 0 && fs[0] == Inet6 {
		return "-6"
	}
	return "-4"
}

func anyOwner(s *Socket, ok func(*Owner) bool) bool {
	for i := range s.Owners {
		if ok(&s.Owners[i]) {
			return true
		}
	}
	return false
}

// summary counts socks by protocol and state, with their holders:
// "3 sockets (tcp LISTEN 1, tcp ESTABLISHED 2) held by 4242/nginx".
func summary(socks []Socket) string {
	type key struct {
		p  string
		st State
	}
	counts := map[key]int{}
	var order []key
	var holders []string
	seen := map[int]bool{}
	for i := range socks {
		p := string(socks[i].Proto)
		if socks[i].Family == Inet6 {
			p += "6"
		}
		k := key{p, socks[i].State}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
		for _, o := range socks[i].Owners {
			if !seen[o.PID] && len(holders) < 4 {
				seen[o.PID] = true
				holders = append(holders, strconv.Itoa(o.PID)+"/"+CommLabel(o.Proc))
			}
		}
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %s %d", k.p, k.st, counts[k]))
	}
	s := Plural(len(socks), "socket") + " (" + strings.Join(parts, ", ") + ")"
	if len(holders) > 0 {
		s += " held by " + strings.Join(holders, ", ")
	}
	return s
}
