//go:build !gccgo

// Package metrics turns what gosof sees into Prometheus metrics: host-wide
// socket counts, connections per listening port and process, accept queues,
// and what could not be seen. It is a prometheus.Collector over a gather
// function, so it knows nothing of platforms; cmd/gosof hands it a resolve.
//
// gccgo cannot build client_golang, so the package (and the commands that
// use it) are left out of a gccgo build.
package metrics

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gosof/gosof/core"
)

// Gather lists every socket of the host with its owners. It is called once
// per scrape, or once for several scrapes that arrive together.
type Gather func() (*core.Result, error)

// Options configure a Collector.
type Options struct {
	Gather Gather
	// MaxSeries bounds the per-port series (gosof_port_connections,
	// gosof_listen_queue, gosof_listen_backlog) of one scrape; 0 is no bound.
	MaxSeries int
	// NetNS adds the netns and container labels to the per-port families
	// (--all-netns): the same port in two namespaces is two listeners.
	NetNS bool
	// OnError is told every failed gather (the exporter logs it); may be nil.
	OnError func(error)
	// Now is the clock for gosof_scrape_duration_seconds; nil is time.Now.
	Now func() time.Time
}

// Collector is a prometheus.Collector whose every Collect gathers afresh;
// Collects that overlap share one gather, so a storm of scrapes reads /proc
// once, not once per scrape.
type Collector struct {
	opt     Options
	flight  flight
	dropped int64 // series dropped by the cap since start; atomic

	sockets, portConns, listenQueue, listenBacklog     *prometheus.Desc
	unseen, hidden, duration, scrapeError, droppedDesc *prometheus.Desc
}

// New returns a Collector; opt.Gather must be set.
func New(opt Options) *Collector {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	var ns []string
	if opt.NetNS {
		ns = []string{"netns", "container"}
	}
	labels := func(l ...string) []string { return append(l, ns...) }
	return &Collector{
		opt: opt,
		sockets: prometheus.NewDesc("gosof_sockets",
			"Sockets on this host by protocol and state.", []string{"proto", "state"}, nil),
		portConns: prometheus.NewDesc("gosof_port_connections",
			"Connections whose local port is a listening port, by state and holding process names (\"\" when no process holds them).",
			labels("proto", "port", "state", "process"), nil),
		listenQueue: prometheus.NewDesc("gosof_listen_queue",
			"Connections waiting for accept() on a TCP listener.",
			labels("proto", "addr", "port", "process"), nil),
		listenBacklog: prometheus.NewDesc("gosof_listen_backlog",
			"The accept queue's limit of a TCP listener (listen(2) backlog, capped by net.core.somaxconn).",
			labels("proto", "addr", "port", "process"), nil),
		unseen: prometheus.NewDesc("gosof_unseen_processes",
			"Processes whose descriptors could not be read, so their sockets show no process.", nil, nil),
		hidden: prometheus.NewDesc("gosof_unseen_hidden",
			"1 when some processes cannot even be listed (/proc hides other users' processes, hidepid; or gosof runs in a child pid namespace), so gosof_unseen_processes cannot count them.", nil, nil),
		duration: prometheus.NewDesc("gosof_scrape_duration_seconds",
			"How long gathering the sockets and their processes took.", nil, nil),
		scrapeError: prometheus.NewDesc("gosof_scrape_error",
			"1 if the last gather failed (the socket families are then absent), else 0.", nil, nil),
		droppedDesc: prometheus.NewDesc("gosof_series_dropped_total",
			"Per-port series left out because of the series cap (--max-series).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.sockets, c.portConns, c.listenQueue, c.listenBacklog,
		c.unseen, c.hidden, c.duration, c.scrapeError, c.droppedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.flight.do(c.gather) {
		ch <- m
	}
}

// gather runs one gather and builds every metric of it.
func (c *Collector) gather() []prometheus.Metric {
	start := c.opt.Now()
	res, err := c.opt.Gather()
	var ms []prometheus.Metric
	failed := 0.0
	if err != nil {
		failed = 1
		if c.opt.OnError != nil {
			c.opt.OnError(err)
		}
	} else {
		var dropped int
		ms, dropped = c.build(res)
		atomic.AddInt64(&c.dropped, int64(dropped))
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ms = append(ms, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v))
	}
	gauge(c.duration, c.opt.Now().Sub(start).Seconds())
	gauge(c.scrapeError, failed)
	ms = append(ms, prometheus.MustNewConstMetric(c.droppedDesc, prometheus.CounterValue,
		float64(atomic.LoadInt64(&c.dropped))))
	return ms
}

type (
	sockKey struct {
		proto core.Proto
		state core.State
	}
	// portKey is a listening port: the same port in another namespace is
	// another port.
	portKey struct {
		netns uint64
		proto core.Proto
		port  uint16
	}
	connKey struct {
		netns, container string
		proto            core.Proto
		port             uint16
		state            core.State
		process          string
	}
	listenKey struct {
		netns, container string
		proto            core.Proto
		addr             string
		port             uint16
		process          string
	}
	queue struct{ len, limit uint64 }
)

// group is series kept or dropped together by the cap: a listener's queue
// and backlog go as a pair.
type group struct {
	listener bool
	rank     uint64 // connections, or connections waiting for accept()
	key      string // the labels, for a stable order among equal ranks
	metrics  []prometheus.Metric
}

// build turns one gather into metrics, and says how many per-port series
// the cap left out.
func (c *Collector) build(res *core.Result) ([]prometheus.Metric, int) {
	socks := res.Sockets
	counts := map[sockKey]int{}
	listening := map[portKey]bool{}
	for i := range socks {
		s := &socks[i]
		counts[sockKey{s.Proto, s.State}]++
		if s.State == core.Listen && hasPorts(s) {
			listening[portKey{s.NetNS, s.Proto, s.Local.Port}] = true
		}
	}
	conns := map[connKey]int{}
	queues := map[listenKey]queue{}
	for i := range socks {
		s := &socks[i]
		if !hasPorts(s) || !listening[portKey{s.NetNS, s.Proto, s.Local.Port}] {
			continue
		}
		netns, container := c.namespace(s)
		if s.State != core.Listen {
			conns[connKey{netns, container, s.Proto, s.Local.Port, s.State, processNames(s)}]++
			continue
		}
		// Linux sock_diag gives a TCP listener's accept queue and its limit
		// (idiag_rqueue, idiag_wqueue); a limit of 0 means the platform did
		// not tell (/proc/net, Solaris), so the listener has no queue series.
		if s.Proto != core.TCP || s.SendQ == 0 {
			continue
		}
		// SO_REUSEPORT listeners of one program on one address add up.
		k := listenKey{netns, container, s.Proto, s.Local.Addr.String(), s.Local.Port, processNames(s)}
		q := queues[k]
		q.len += s.RecvQ
		q.limit += s.SendQ
		queues[k] = q
	}

	var ms []prometheus.Metric
	for k, n := range counts {
		ms = append(ms, prometheus.MustNewConstMetric(c.sockets, prometheus.GaugeValue, float64(n), string(k.proto), string(k.state)))
	}
	groups := make([]group, 0, len(conns)+len(queues))
	for k, n := range conns {
		l := c.labels(string(k.proto), strconv.Itoa(int(k.port)), string(k.state), k.process, k.netns, k.container)
		groups = append(groups, group{rank: uint64(n), key: strings.Join(l, "\x00"), metrics: []prometheus.Metric{
			prometheus.MustNewConstMetric(c.portConns, prometheus.GaugeValue, float64(n), l...)}})
	}
	for k, q := range queues {
		l := c.labels(string(k.proto), k.addr, strconv.Itoa(int(k.port)), k.process, k.netns, k.container)
		groups = append(groups, group{listener: true, rank: q.len, key: strings.Join(l, "\x00"), metrics: []prometheus.Metric{
			prometheus.MustNewConstMetric(c.listenQueue, prometheus.GaugeValue, float64(q.len), l...),
			prometheus.MustNewConstMetric(c.listenBacklog, prometheus.GaugeValue, float64(q.limit), l...)}})
	}
	kept, dropped := capSeries(groups, c.opt.MaxSeries)
	for _, g := range kept {
		ms = append(ms, g.metrics...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ms = append(ms, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v))
	}
	gauge(c.unseen, float64(res.Unseen.Denied))
	hidden := 0.0
	if res.Unseen.Hidden != "" {
		hidden = 1
	}
	gauge(c.hidden, hidden)
	return ms, dropped
}

// capSeries keeps at most limit series (0: all): listeners first, fullest
// queue first, then the ports and states with the most connections; it
// returns what it kept and how many series it dropped.
func capSeries(groups []group, limit int) ([]group, int) {
	if limit <= 0 {
		return groups, 0
	}
	total := 0
	for _, g := range groups {
		total += len(g.metrics)
	}
	if total <= limit {
		return groups, 0
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := &groups[i], &groups[j]
		switch {
		case a.listener != b.listener:
			return a.listener
		case a.rank != b.rank:
			return a.rank > b.rank
		}
		return a.key < b.key
	})
	n := 0
	for i, g := range groups {
		if n+len(g.metrics) > limit {
			return groups[:i], total - n
		}
		n += len(g.metrics)
	}
	return groups, 0
}

// hasPorts reports whether s is an inet socket with ports (TCP, SCTP):
// only their listening ports become label values.
func hasPorts(s *core.Socket) bool {
	return (s.Proto == core.TCP || s.Proto == core.SCTP) && s.Family != core.Local
}

// namespace is s's netns and container label values, "" without NetNS.
func (c *Collector) namespace(s *core.Socket) (netns, container string) {
	if !c.opt.NetNS {
		return "", ""
	}
	if s.NetNS != 0 {
		netns = strconv.FormatUint(s.NetNS, 10)
	}
	return netns, core.Escape(s.Container())
}

// labels appends the namespace labels when the Collector has them.
func (c *Collector) labels(l ...string) []string {
	if c.opt.NetNS {
		return l
	}
	return l[:len(l)-2]
}

// processNames is the label for the processes holding s: their command
// names, escaped (a process may name itself anything), distinct, sorted and
// joined with ","; "" when no process is known to hold it.
func processNames(s *core.Socket) string {
	var names []string
	for _, o := range s.Owners {
		if o.Proc == nil {
			continue
		}
		n := core.Escape(o.Proc.Comm)
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

// flight lets overlapping callers share one run of a function: the first
// runs it, those that arrive meanwhile wait for it and take its result,
// and the next caller after it finished runs it again.
type flight struct {
	mu     sync.Mutex
	cur    *call
	joined int // callers waiting for cur (tests watch it)
}

type call struct {
	done chan struct{}
	ms   []prometheus.Metric
}

func (f *flight) do(fn func() []prometheus.Metric) []prometheus.Metric {
	f.mu.Lock()
	if c := f.cur; c != nil {
		f.joined++
		f.mu.Unlock()
		<-c.done
		f.mu.Lock()
		f.joined--
		f.mu.Unlock()
		return c.ms
	}
	c := &call{done: make(chan struct{})}
	f.cur = c
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.cur = nil
		f.mu.Unlock()
		close(c.done)
	}()
	c.ms = fn()
	return c.ms
}
