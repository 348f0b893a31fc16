// Package metrics turns what gosof sees into Prometheus metric families:
// host-wide socket counts, the listeners of each port (TCP, SCTP, UDP)
// with their accept queues, the connections on listening ports by state
// and process, how long their oldest CLOSE_WAIT has been idle, and what
// could not be seen.
//
// The families are plain values (Desc, Family, Series), not
// client_golang's: gosof writes them as the text exposition itself
// (WriteText), so that the gosof binary carries no Prometheus library and
// a gccgo build (SPARC) has metrics too; gosof-exporter hands the same
// families to client_golang. The package knows nothing of platforms: a
// Gather function lists the sockets.
package metrics

import (
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gosof/gosof/core"
)

// DefaultMaxSeries is --max-series's default: the per-port series one
// scrape may hold.
const DefaultMaxSeries = 5000

// Gather lists every socket of the host with its owners. It is called once
// per scrape, or once for several scrapes that arrive together.
type Gather func() (*core.Result, error)

// Options configure a Collector.
type Options struct {
	Gather Gather
	// MaxSeries bounds the per-port series (gosof_listeners,
	// gosof_listen_queue, gosof_listen_backlog, gosof_port_connections,
	// gosof_close_wait_oldest_idle_seconds) of one scrape; 0 is no bound.
	MaxSeries int
	// NetNS adds the netns, netns_name and container labels to the
	// per-port families (--all-netns): the same port in two namespaces is
	// two listeners.
	NetNS bool
	// OnError is told every failed gather (the exporter logs it); may be nil.
	OnError func(error)
	// Now is the clock for gosof_scrape_duration_seconds; nil is time.Now.
	Now func() time.Time
	// Build is what gosof_build_info says of the program that scrapes.
	Build Build
}

// Build is the program's version, as gosof_build_info labels it: the
// version and revision its build stamped, and the toolchain that
// compiled it. The platform is the running one's.
type Build struct {
	Version, Revision, GoVersion string
}

// Desc describes a family: its name, help text and label names. Every
// gosof family is a gauge.
type Desc struct {
	Name, Help string
	Labels     []string
}

// Family is one family's series of one scrape.
type Family struct {
	Desc   *Desc
	Series []Series
}

// Series is one series: its label values, in the order of Desc.Labels,
// and its value.
type Series struct {
	Labels []string
	Value  float64
}

// Collector gathers afresh on every Scrape; Scrapes that overlap share
// one gather, so a storm of scrapes reads /proc once, not once per scrape.
type Collector struct {
	opt   Options
	group singleflight.Group
	// joined, when set (tests), is called by each Scrape once it waits
	// for the gather it shares.
	joined func()

	sockets, listeners, listenQueue, listenBacklog, portConns *Desc
	closeWaitIdle                                             *Desc
	unseen, hidden, unread, duration, scrapeError, dropped    *Desc
	buildInfo                                                 *Desc
}

// New returns a Collector; opt.Gather must be set. A negative MaxSeries is
// a usage error (--max-series).
func New(opt Options) (*Collector, error) {
	if opt.MaxSeries < 0 {
		return nil, core.Usagef("--max-series: %d is negative (0 is no limit)", opt.MaxSeries)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	labels := func(l ...string) []string {
		if opt.NetNS {
			l = append(l, "netns", "netns_name", "container")
		}
		return l
	}
	return &Collector{
		opt: opt,
		sockets: &Desc{"gosof_sockets",
			"Sockets on this host by protocol and state.", []string{"proto", "state"}},
		listeners: &Desc{"gosof_listeners",
			"Sockets waiting for peers on a port: TCP and SCTP listeners, UDP and UDP-Lite sockets bound to a port and not connected, by address, port and holding process names.",
			labels("proto", "addr", "port", "process")},
		listenQueue: &Desc{"gosof_listen_queue",
			"Connections waiting for accept() on a TCP listener.",
			labels("proto", "addr", "port", "process")},
		listenBacklog: &Desc{"gosof_listen_backlog",
			"The accept queue's limit of a TCP listener (listen(2) backlog, capped by net.core.somaxconn).",
			labels("proto", "addr", "port", "process")},
		portConns: &Desc{"gosof_port_connections",
			"Connections whose local port is a listening port, by state and holding process names (\"\" when no process holds them).",
			labels("proto", "port", "state", "process")},
		closeWaitIdle: &Desc{"gosof_close_wait_oldest_idle_seconds",
			"How long the oldest CLOSE_WAIT connection on a listening port has been idle (nothing sent, received or acknowledged since: its peer's FIN, for a leaked one), by holding process names; absent where the platform does not tell idle times (Solaris, illumos, /proc/net).",
			labels("proto", "port", "process")},
		unseen: &Desc{"gosof_unseen_processes",
			"Processes whose descriptors could not be read, so their sockets show no process.", nil},
		hidden: &Desc{"gosof_unseen_hidden",
			"1 when some sockets' holders are unknown in a way gosof_unseen_processes cannot count: /proc hides other users' processes (hidepid=invisible); gosof runs in a child pid namespace, which does not list the processes outside it; Solaris, illumos: a holder nothing names, a creator not proven, a capture without process files.", nil},
		unread: &Desc{"gosof_table_unread",
			"1 for each protocol whose socket table this gather lacked (Solaris, illumos: the kernel's reply, or a capture, had none; Linux -A: a network namespace that could not be read), so that none of its sockets there are counted.", []string{"proto"}},
		duration: &Desc{"gosof_scrape_duration_seconds",
			"How long gathering the sockets and their processes took.", nil},
		scrapeError: &Desc{"gosof_scrape_error",
			"1 if this gather failed (the socket families are then absent), else 0.", nil},
		dropped: &Desc{"gosof_series_dropped",
			"Per-port series this scrape left out because of the series cap (--max-series).", nil},
		buildInfo: &Desc{"gosof_build_info",
			"Always 1: the version and revision gosof was built from, its Go toolchain and platform.",
			[]string{"version", "revision", "goversion", "goos", "goarch"}},
	}, nil
}

// Descs are the descriptions of every family a Scrape may return.
func (c *Collector) Descs() []*Desc {
	return []*Desc{c.sockets, c.listeners, c.listenQueue, c.listenBacklog, c.portConns, c.closeWaitIdle,
		c.unseen, c.hidden, c.unread, c.duration, c.scrapeError, c.dropped, c.buildInfo}
}

// scrapeResult is what a shared gather hands every Scrape that waited
// for it.
type scrapeResult struct {
	fams []Family
	err  error
}

// Scrape gathers once (or takes the result of the gather under way) and
// returns every family, sorted by name, series sorted by labels; families
// without series are left out. A failed gather is a family too
// (gosof_scrape_error 1, without the socket families), and its error is
// returned beside. The families are shared: callers must not change them.
func (c *Collector) Scrape() ([]Family, error) {
	ch := c.group.DoChan("", func() (interface{}, error) {
		fams, err := c.scrape()
		return scrapeResult{fams, err}, nil
	})
	if c.joined != nil {
		c.joined()
	}
	r := (<-ch).Val.(scrapeResult)
	return r.fams, r.err
}

// scrape runs one gather and builds every family of it.
func (c *Collector) scrape() ([]Family, error) {
	start := c.opt.Now()
	res, err := c.opt.Gather()
	var fams []Family
	failed := 0.0
	if err != nil {
		failed = 1
		if c.opt.OnError != nil {
			c.opt.OnError(err)
		}
	} else {
		var dropped int
		fams, dropped = c.build(res)
		// Per scrape, not since start: 'gosof metrics' is a new process
		// each run, and the count must say what this run left out.
		fams = append(fams, single(c.dropped, float64(dropped)))
	}
	b := c.opt.Build
	fams = append(fams,
		single(c.duration, c.opt.Now().Sub(start).Seconds()),
		single(c.scrapeError, failed),
		Family{Desc: c.buildInfo, Series: []Series{{
			Labels: []string{b.Version, b.Revision, b.GoVersion, runtime.GOOS, runtime.GOARCH}, Value: 1}}})
	return sortFamilies(fams), err
}

func single(d *Desc, v float64) Family { return Family{Desc: d, Series: []Series{{Value: v}}} }

// nsLabels are a socket's namespace label values (NetNS only).
type nsLabels struct{ netns, name, container string }

type (
	sockKey struct {
		proto core.Proto
		state core.State
	}
	// portKey is a listening port: the same port in another namespace is
	// another port, and a UDP port is not the TCP port of that number.
	portKey struct {
		netns uint64
		proto core.Proto
		port  uint16
	}
	connKey struct {
		ns      nsLabels
		proto   core.Proto
		port    uint16
		state   core.State
		process string
	}
	listenKey struct {
		ns      nsLabels
		proto   core.Proto
		addr    string
		port    uint16
		process string
	}
	// listener is what the sockets of one listenKey add up to.
	listener struct {
		sockets    int
		hasQueue   bool
		len, limit uint64
	}
)

// group is series kept or dropped together by the cap: a connection
// count and its oldest idle time, a listener's queue and backlog.
type group struct {
	tier   int    // capSeries's order: tierListener, tierQueue, tierConns
	rank   uint64 // connections, or connections waiting for accept()
	key    string // the labels, for a stable order among equal ranks
	series []famSeries
}

// The cap's tiers, kept in this order (capSeries).
const (
	tierListener = iota // gosof_listeners: the service
	tierQueue           // its gosof_listen_queue and gosof_listen_backlog
	tierConns           // gosof_port_connections (and its oldest CLOSE_WAIT)
)

type famSeries struct {
	desc *Desc
	s    Series
}

// build turns one gather into families, and says how many per-port series
// the cap left out.
func (c *Collector) build(res *core.Result) ([]Family, int) {
	socks := res.Sockets
	counts := map[sockKey]int{}
	listening := map[portKey]bool{}
	for i := range socks {
		s := &socks[i]
		counts[sockKey{s.Proto, s.State}]++
		if waits(s) {
			listening[portKey{s.NetNS, s.Proto, s.Local.Port}] = true
		}
	}
	conns := map[connKey]int{}
	// the oldest idle time of the CLOSE_WAITs of each connKey (state
	// CLOSE_WAIT) that has a measured one
	oldest := map[connKey]time.Duration{}
	listeners := map[listenKey]listener{}
	for i := range socks {
		s := &socks[i]
		if !hasPorts(s) || !listening[portKey{s.NetNS, s.Proto, s.Local.Port}] {
			continue
		}
		ns := c.namespace(s)
		if !waits(s) {
			if s.Remote == nil || isUDP(s.Proto) && s.State != core.Established {
				// no peer, no connection: a socket only bound to the port
				// (TCP CLOSE beside a SO_REUSEPORT listener), an
				// unconnected UDP one
				continue
			}
			k := connKey{ns, s.Proto, s.Local.Port, s.State, processNames(s)}
			conns[k]++
			if d, ok := s.Idle.Exact(); ok && s.State == core.CloseWait {
				if old, seen := oldest[k]; !seen || d > old {
					oldest[k] = d
				}
			}
			continue
		}
		// SO_REUSEPORT sockets of one program on one address add up. An
		// IPv6 link-local address carries its zone, an interface name; a
		// socket bound to a device (SO_BINDTODEVICE, a VRF) has it after
		// the address, as the table writes it: one port's services on two
		// interfaces are two listeners, not one group of two.
		addr := s.Local.Addr.String()
		if d := core.ShownDevice(s); d != nil {
			addr += "%" + d.Zone()
		}
		k := listenKey{ns, s.Proto, core.Escape(addr), s.Local.Port, processNames(s)}
		l := listeners[k]
		l.sockets++
		// Linux sock_diag gives a TCP listener's accept queue and its limit
		// (idiag_rqueue, idiag_wqueue), 0 a real limit (listen(fd, 0));
		// where the platform does not tell (/proc/net, Solaris), the
		// listener has no queue series.
		if q, limit, ok := s.ListenQueue(); ok && s.Proto == core.TCP {
			l.hasQueue = true
			l.len += q
			l.limit += limit
		}
		listeners[k] = l
	}

	fams := []Family{{Desc: c.sockets}}
	for k, n := range counts {
		fams[0].Series = append(fams[0].Series, Series{[]string{string(k.proto), string(k.state)}, float64(n)})
	}
	groups := make([]group, 0, len(conns)+len(listeners))
	for k, n := range conns {
		l := c.labels(k.ns, string(k.proto), strconv.Itoa(int(k.port)), string(k.state), k.process)
		g := group{tier: tierConns, rank: uint64(n), key: strings.Join(l, "\x00"),
			series: []famSeries{{c.portConns, Series{l, float64(n)}}}}
		if d, ok := oldest[k]; ok { // kept or dropped with its count
			g.series = append(g.series, famSeries{c.closeWaitIdle,
				Series{c.labels(k.ns, string(k.proto), strconv.Itoa(int(k.port)), k.process), d.Seconds()}})
		}
		groups = append(groups, g)
	}
	for k, v := range listeners {
		l := c.labels(k.ns, string(k.proto), k.addr, strconv.Itoa(int(k.port)), k.process)
		g := group{tier: tierListener, rank: v.len, key: strings.Join(l, "\x00"),
			series: []famSeries{{c.listeners, Series{l, float64(v.sockets)}}}}
		groups = append(groups, g)
		if v.hasQueue {
			g.tier, g.series = tierQueue, []famSeries{{c.listenQueue, Series{l, float64(v.len)}},
				{c.listenBacklog, Series{l, float64(v.limit)}}}
			groups = append(groups, g)
		}
	}
	kept, dropped := capSeries(groups, c.opt.MaxSeries)
	perPort := map[*Desc]int{}
	for _, g := range kept {
		for _, fs := range g.series {
			i, ok := perPort[fs.desc]
			if !ok {
				i = len(fams)
				perPort[fs.desc] = i
				fams = append(fams, Family{Desc: fs.desc})
			}
			fams[i].Series = append(fams[i].Series, fs.s)
		}
	}
	hidden := 0.0
	if res.Unseen.Hidden != "" {
		hidden = 1
	}
	fams = append(fams, single(c.unseen, float64(res.Unseen.Denied)), single(c.hidden, hidden))
	if len(res.Unread) > 0 {
		f := Family{Desc: c.unread}
		for _, p := range res.Unread {
			f.Series = append(f.Series, Series{Labels: []string{string(p)}, Value: 1})
		}
		fams = append(fams, f)
	}
	return fams, dropped
}

// capSeries keeps at most limit series (0: all), in tiers: every
// listener's gosof_listeners first (the services: a dropped one would
// read as a service gone), then their queues and backlogs, each pair
// together, then the ports and states with the most connections; within
// a tier, the fullest queue or the most connections first. In that
// order, each group that still fits is kept: one too big for what is
// left is dropped whole, and smaller ones after it may still fit, so a
// cap of 1 or 2 is never a cap of 0, and no port's connections are kept
// while one of its listeners is dropped (one series: when it does not
// fit, nothing after it does). It returns what it kept and how many
// series it dropped.
func capSeries(groups []group, limit int) ([]group, int) {
	if limit <= 0 {
		return groups, 0
	}
	total := 0
	for _, g := range groups {
		total += len(g.series)
	}
	if total <= limit {
		return groups, 0
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := &groups[i], &groups[j]
		switch {
		case a.tier != b.tier:
			return a.tier < b.tier
		case a.rank != b.rank:
			return a.rank > b.rank
		}
		return a.key < b.key
	})
	kept, n := groups[:0], 0
	for _, g := range groups {
		if n+len(g.series) <= limit {
			kept = append(kept, g)
			n += len(g.series)
		}
	}
	return kept, total - n
}

// sortFamilies orders families by name and each family's series by label
// values (labels in the order of their names), and leaves out families without series: the order a registry
// gathers in, so that two scrapes of the same sockets print the same text.
func sortFamilies(fams []Family) []Family {
	out := fams[:0]
	for _, f := range fams {
		if len(f.Series) == 0 {
			continue
		}
		order := sortedLabels(f.Desc.Labels)
		sort.Slice(f.Series, func(i, j int) bool {
			a, b := f.Series[i].Labels, f.Series[j].Labels
			for _, k := range order {
				if a[k] != b[k] {
					return a[k] < b[k]
				}
			}
			return false
		})
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Desc.Name < out[j].Desc.Name })
	return out
}

// hasPorts reports whether s is an inet socket of a protocol with ports
// gosof labels: TCP, SCTP, UDP, UDP-Lite.
func hasPorts(s *core.Socket) bool {
	return s.Family != core.Local && s.Proto.HasPorts()
}

// waits reports whether s waits for peers on its port: a TCP or SCTP
// listener, or a UDP socket bound to a port and not connected (a UDP
// service). Only such ports become label values: clients' ephemeral
// ports would be a new series per connection.
func waits(s *core.Socket) bool {
	if !hasPorts(s) || s.Local.Port == 0 {
		return false
	}
	if isUDP(s.Proto) {
		return s.State == core.Unconn && s.Remote == nil
	}
	return s.State == core.Listen
}

// namespace is s's namespace label values, none without NetNS.
func (c *Collector) namespace(s *core.Socket) nsLabels {
	if !c.opt.NetNS {
		return nsLabels{}
	}
	var ns nsLabels
	if s.NetNS != 0 {
		ns.netns = strconv.FormatUint(s.NetNS, 10)
	}
	// A name under /run/netns is whatever its creator chose: escaped, as
	// a process name is.
	ns.name = core.Escape(s.NetNSName())
	ns.container = core.Escape(s.Container())
	return ns
}

// labels appends the namespace labels when the Collector has them.
func (c *Collector) labels(ns nsLabels, l ...string) []string {
	if c.opt.NetNS {
		return append(l, ns.netns, ns.name, ns.container)
	}
	return l
}

// processNames is the label for the processes holding s: their command
// names (processName), distinct, sorted and joined with ","; "" when no
// process is known to hold it. An unverified creator (Solaris) is not
// known to: its pid may be another program's now (Owner.Unverified).
func processNames(s *core.Socket) string {
	var names []string
	for _, o := range s.Owners {
		if !o.Known() {
			continue
		}
		n := processName(o.Proc.Comm)
		dup := false
		for _, m := range names {
			if m == n {
				dup = true
				break
			}
		}
		if !dup {
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// processName spells one command name so that the label reads one way
// only: escaped as core.Escape escapes it (a process may name itself
// anything), a "," as \x2c, which would read as two names joined; an
// empty name (prctl PR_SET_NAME "") as "?", as the tables show it
// (2379/?), since "" says no process holds the socket; and a name that is
// "?" itself as \x3f.
func processName(comm string) string {
	switch comm {
	case "":
		return "?"
	case "?":
		return `\x3f`
	}
	return strings.ReplaceAll(core.Escape(comm), ",", `\x2c`)
}

func isUDP(p core.Proto) bool { return p == core.UDP || p == core.UDPLite }
