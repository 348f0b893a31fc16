package diagnose

import (
	"io"
	"strconv"

	"github.com/gosof/gosof/core"
)

// JSON shapes of `why --json`; docs/why.md documents every field.
type (
	JSONWhy struct {
		Port        uint16          `json:"port"`
		InUse       bool            `json:"in_use"`
		Listeners   []JSONListener  `json:"listeners"`
		Connections []JSONConnGroup `json:"connections"`
		Peers       []JSONPeer      `json:"peers"`
		CloseWait   *JSONCloseWait  `json:"close_wait"`
		TimeWait    *JSONTimerNote  `json:"time_wait"`
		FinWait2    *JSONTimerNote  `json:"orphaned_fin_wait2"`
		Probe       JSONProbe       `json:"probe"`
		// OtherProbes are the probes of the port's other protocols: probe
		// is TCP's (or UDP's on a UDP-only port), and a port TCP and UDP
		// both use has UDP's here.
		OtherProbes []JSONProbe   `json:"other_probes"`
		Warnings    []JSONWarning `json:"warnings"`
		// Unseen counts processes whose descriptors could not be read.
		Unseen int `json:"unseen_processes"`
		// UnseenNote is the one line saying what could not be seen and how
		// to see it (denied processes, a /proc with hidepid); "" if nothing.
		UnseenNote     string            `json:"unseen_note,omitempty"`
		OptionsMissing string            `json:"options_missing,omitempty"`
		Sockets        []core.JSONSocket `json:"sockets"`
	}
	JSONListener struct {
		Proto       core.Proto       `json:"proto"`
		Family      core.Family      `json:"family"`
		Addr        string           `json:"addr"`
		Port        uint16           `json:"port"`
		Scope       string           `json:"scope"`
		Stack       string           `json:"stack"`
		ReuseAddr   *bool            `json:"reuse_addr"`
		ReusePort   *bool            `json:"reuse_port"`
		AcceptQueue *uint64          `json:"accept_queue"`
		Backlog     *uint64          `json:"backlog"`
		Owners      []core.JSONOwner `json:"owners"`
	}
	JSONConnGroup struct {
		Proto core.Proto `json:"proto"`
		State core.State `json:"state"`
		// Outgoing: these connections only use the port as their source port.
		Outgoing bool             `json:"outgoing,omitempty"`
		Count    int              `json:"count"`
		RecvQ    uint64           `json:"recv_q"`
		SendQ    uint64           `json:"send_q"`
		Owners   []core.JSONOwner `json:"owners"`
	}
	JSONPeer struct {
		Addr  string `json:"addr"`
		Count int    `json:"count"`
	}
	JSONProcCount struct {
		core.JSONOwner
		Count int `json:"count"`
	}
	JSONCloseWait struct {
		Count     int             `json:"count"`
		Processes []JSONProcCount `json:"processes"`
		Unowned   int             `json:"unowned"`
		Release   []string        `json:"release"`
	}
	JSONTimerNote struct {
		Count          int    `json:"count"`
		MinRemainingMS *int64 `json:"min_remaining_ms"`
		MaxRemainingMS *int64 `json:"max_remaining_ms"`
	}
	JSONProbe struct {
		Proto    core.Proto    `json:"proto"`
		Ran      bool          `json:"ran"`
		Skipped  *string       `json:"skipped"`
		Verdict  Verdict       `json:"verdict"`
		Message  string        `json:"message"`
		Attempts []JSONAttempt `json:"attempts"`
	}
	JSONAttempt struct {
		Addr      string            `json:"addr"`
		Port      uint16            `json:"port"`
		ReuseAddr bool              `json:"reuse_addr"`
		OK        bool              `json:"ok"`
		InUse     bool              `json:"in_use"`
		Error     *string           `json:"error"`
		Blockers  []core.JSONSocket `json:"blockers"`
	}
	JSONWarning struct {
		Kind    string          `json:"kind"`
		Count   int             `json:"count"`
		Owner   *core.JSONOwner `json:"owner"`
		Message string          `json:"message"`
	}
)

// ToJSONWhy converts a diagnosis to its JSON form.
func ToJSONWhy(d *Why) JSONWhy {
	j := JSONWhy{
		Port: d.Port, InUse: d.InUse(),
		Listeners:      []JSONListener{},
		Connections:    []JSONConnGroup{},
		Peers:          []JSONPeer{},
		Warnings:       []JSONWarning{},
		Unseen:         d.Unseen.Denied,
		UnseenNote:     d.Unseen.Message(),
		OptionsMissing: d.Missing.String(),
		Sockets:        core.JSONSockets(d.Sockets),
	}
	for _, l := range d.Listeners {
		s := l.Socket
		jl := JSONListener{Proto: s.Proto, Family: s.Family, Addr: *core.ToJSONEndpoint(s.Family, &s.Local).Addr,
			Port: s.Local.Port, Scope: l.Scope, Stack: l.Stack, ReuseAddr: l.ReuseAddr, ReusePort: l.ReusePort,
			Owners: jsonOwners(s.Owners)}
		if s.Proto == core.TCP && s.State == core.Listen {
			jl.AcceptQueue = uint64Ptr(l.AcceptQueue)
			if l.Backlog > 0 {
				jl.Backlog = uint64Ptr(l.Backlog)
			}
		}
		j.Listeners = append(j.Listeners, jl)
	}
	for _, g := range d.Conns {
		j.Connections = append(j.Connections, JSONConnGroup{Proto: g.Proto, State: g.State, Outgoing: g.Outgoing, Count: g.Count,
			RecvQ: g.RecvQ, SendQ: g.SendQ, Owners: jsonOwners(g.Owners)})
	}
	for _, p := range d.Peers {
		j.Peers = append(j.Peers, JSONPeer{Addr: p.Addr.String(), Count: p.Count})
	}
	if cw := d.CloseWait; cw != nil {
		jc := &JSONCloseWait{Count: cw.Count, Unowned: cw.Unowned, Processes: []JSONProcCount{},
			Release: []string{"gosof close " + strconv.Itoa(int(d.Port)) + " --state close-wait"}}
		for _, pc := range cw.Procs {
			jc.Processes = append(jc.Processes, JSONProcCount{JSONOwner: jsonOwners([]core.Owner{pc.Owner})[0], Count: pc.Count})
			jc.Release = append(jc.Release, "restart "+core.OwnerLabel(pc.Owner))
		}
		j.CloseWait = jc
	}
	j.TimeWait = jsonTimer(d.TimeWait)
	j.FinWait2 = jsonTimer(d.FinWait2)
	if r := d.Probe; r != nil {
		j.Probe = jsonProbe(r)
	}
	j.OtherProbes = []JSONProbe{}
	for _, r := range d.probes() {
		if r != d.Probe {
			j.OtherProbes = append(j.OtherProbes, jsonProbe(r))
		}
	}
	for _, w := range d.Warnings {
		jw := JSONWarning{Kind: w.Kind, Count: w.Count, Message: w.Message}
		if w.Owner != nil {
			jw.Owner = &jsonOwners([]core.Owner{*w.Owner})[0]
		}
		j.Warnings = append(j.Warnings, jw)
	}
	return j
}

// WriteWhyJSON prints the diagnosis as one JSON object.
func WriteWhyJSON(w io.Writer, d *Why) error { return core.EncodeJSON(w, ToJSONWhy(d)) }

func jsonOwners(owners []core.Owner) []core.JSONOwner {
	s := core.JSONSockets([]core.Socket{{Owners: owners}})
	return s[0].Owners
}

func jsonTimer(n *TimerNote) *JSONTimerNote {
	if n == nil {
		return nil
	}
	j := &JSONTimerNote{Count: n.Count}
	if n.Known {
		j.MinRemainingMS, j.MaxRemainingMS = int64Ptr(n.MinLeft.Milliseconds()), int64Ptr(n.MaxLeft.Milliseconds())
	}
	return j
}

func jsonProbe(r *ProbeReport) JSONProbe {
	proto := r.Proto
	if proto == "" {
		proto = core.TCP
	}
	jp := JSONProbe{Proto: proto, Ran: r.Skipped == "", Verdict: r.Verdict, Message: r.Message(), Attempts: []JSONAttempt{}}
	if r.Skipped != "" {
		jp.Skipped = stringPtr(r.Skipped)
	}
	for _, a := range r.Attempts {
		ja := JSONAttempt{Addr: a.Addr.String(), Port: r.Port, ReuseAddr: a.ReuseAddr, OK: a.OK, InUse: a.InUse}
		if a.Err != "" {
			ja.Error = stringPtr(a.Err)
		}
		var bs []core.Socket
		for _, b := range a.Blockers {
			bs = append(bs, *b)
		}
		ja.Blockers = core.JSONSockets(bs)
		jp.Attempts = append(jp.Attempts, ja)
	}
	return jp
}

func uint64Ptr(v uint64) *uint64 { return &v }
func int64Ptr(v int64) *int64    { return &v }
func stringPtr(v string) *string { return &v }
