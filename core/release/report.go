package release

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gosof/gosof/core"
)

// planRows bounds how many sockets a text plan or report lists one by one;
// the rest are counted by state (a server can hold thousands of CLOSE_WAITs).
const planRows = 20

// socketLine is one socket on one line: "tcp 127.0.0.1:30116 -> 127.0.0.1:51422 ESTABLISHED".
func socketLine(s *core.Socket) string {
	l := core.ProtoLabel(s) + " " + core.FormatLocal(s)
	if s.Remote != nil {
		l += " -> " + core.FormatRemote(s)
	}
	return l + " " + string(s.State)
}

// orphanAdvice says what releases orphaned sockets: close --abort for
// TCP; nothing but waiting for the rest (close acts on TCP only).
func orphanAdvice(socks []core.Socket) string {
	tcp, other := 0, 0
	for i := range socks {
		if socks[i].Proto == core.TCP {
			tcp++
		} else {
			other++
		}
	}
	switch {
	case other == 0:
		return "see 'gosof close --abort'"
	case tcp == 0:
		return "'gosof close' acts on TCP only; the kernel drops them by itself"
	}
	return "for the TCP ones see 'gosof close --abort' ('gosof close' acts on TCP only)"
}

func fdList(owners []core.Owner) string {
	var fds []string
	for _, o := range owners {
		if o.FD >= 0 {
			fds = append(fds, strconv.Itoa(o.FD))
		}
	}
	if len(fds) == 0 {
		return ""
	}
	return " (fd " + strings.Join(fds, ",") + ")"
}

func procUser(p *core.Process) string {
	if p == nil || p.User == "" {
		return "-"
	}
	return core.Escape(p.User)
}

func procLabel(p *core.Process) string {
	return core.OwnerLabel(core.Owner{PID: p.PID, Proc: p})
}

// headline says what the plan sends to how many processes.
func (p *KillPlan) headline() string {
	sig := core.SignalName(p.Signal)
	n := strconv.Itoa(p.Processes()) + " processes"
	if p.Processes() == 1 {
		n = "1 process"
	}
	switch {
	case p.Processes() == 0:
		return "nothing to signal"
	case p.Signal == 9:
		return fmt.Sprintf("send KILL to %s", n)
	case p.NoEscalate:
		return fmt.Sprintf("send %s to %s and wait up to %s; no KILL (--no-escalate)", sig, n, roundWait(p.Timeout))
	}
	return fmt.Sprintf("send %s to %s, then KILL to any still running after %s", sig, n, roundWait(p.Timeout))
}

// WriteKillPlan prints the plan: each process with the matched sockets it
// holds and what will be done to it, then the sockets kill cannot release.
func WriteKillPlan(w io.Writer, p *KillPlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan: %s\n", p.headline())
	if len(p.Items) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PID\tCOMMAND\tUSER\tACTION\tSOCKETS")
		for i := range p.Items {
			it := &p.Items[i]
			action := core.SignalName(p.Signal)
			switch {
			case it.Protected != "":
				action = "never (" + it.Protected + ")"
			case it.pinErr != nil:
				action = "none (" + string(fateOf(it.pinErr)) + ")"
			}
			comm := "?"
			if it.Proc.Comm != "" {
				comm = core.Escape(it.Proc.Comm)
			}
			lead := fmt.Sprintf("%d\t%s\t%s\t%s\t", it.Proc.PID, comm, procUser(it.Proc), action)
			for j := range it.Sockets {
				if j == planRows/2 && len(it.Sockets) > planRows {
					fmt.Fprintf(tw, "\t\t\t\t... and %d more: %s\n", len(it.Sockets)-j, stateCounts(it.Sockets[j:]))
					break
				}
				s := &it.Sockets[j]
				fmt.Fprintf(tw, "%s%s%s\n", lead, socketLine(s), fdList(s.Owners))
				lead = "\t\t\t\t"
			}
		}
		tw.Flush()
	}
	for i := range p.Items {
		if it := &p.Items[i]; it.pinErr != nil && fateOf(it.pinErr) != AlreadyGone {
			fmt.Fprintf(&b, "%s: %s\n", procLabel(it.Proc), core.Escape(it.pinErr.Error()))
		}
	}
	for _, l := range OutgoingLines(p.Spared, "kill") {
		b.WriteString(l + "\n")
	}
	if n := len(p.Orphans); n > 0 {
		fmt.Fprintf(&b, "no process holds %s (%s): kill cannot release %s; %s\n",
			core.Plural(n, "matched socket"), stateCounts(p.Orphans), them(n), orphanAdvice(p.Orphans))
	}
	if l := UnknownNote(p.Unknown, p.Unseen, "kill cannot signal a holder it cannot see"); l != "" {
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteKillReport prints what became of each process, then what is left.
func WriteKillReport(w io.Writer, p *KillPlan, r *KillReport, l *Left) error {
	var b strings.Builder
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		fmt.Fprintf(&b, "%s: %s\n", procLabel(o.Proc), o.describe(p))
	}
	if l != nil {
		for _, line := range LeftLines(l) {
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// headline says what the plan does to how many sockets.
func (p *ClosePlan) headline() string {
	sh, ab := 0, 0
	for i := range p.Items {
		switch p.Items[i].Method {
		case Shutdown:
			sh++
		case Abort:
			ab++
		}
	}
	var parts []string
	if sh > 0 {
		parts = append(parts, fmt.Sprintf("shut down %s through a duplicate of the holder's descriptor (the holder keeps running, the peer gets a FIN)", core.Plural(sh, "socket")))
	}
	if ab > 0 {
		parts = append(parts, fmt.Sprintf("abort %s (the kernel resets the connection, both ends see the reset)", core.Plural(ab, "socket")))
	}
	if len(parts) == 0 {
		return "nothing to close"
	}
	return strings.Join(parts, "; ")
}

// WriteClosePlan prints each matched socket with its holder and what close
// will do with it, then the listeners it refuses to touch.
func WriteClosePlan(w io.Writer, p *ClosePlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan: %s\n", p.headline())
	if len(p.Items) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PROTO\tSTATE\tLOCAL\tREMOTE\tPID/COMMAND\tFD\tACTION")
		for i := range p.Items {
			if i == planRows/2 && len(p.Items) > planRows {
				rest := make([]core.Socket, 0, len(p.Items)-i)
				for _, it := range p.Items[i:] {
					rest = append(rest, it.Socket)
				}
				fmt.Fprintf(tw, "... and %d more: %s\n", len(rest), stateCounts(rest))
				break
			}
			it := &p.Items[i]
			s := &it.Socket
			who, fd := core.Dash(true, holderLabels(s, p.Unseen)), "-"
			if j := shutdownOwner(s); j >= 0 {
				who, fd = core.OwnerLabel(s.Owners[j]), strconv.Itoa(s.Owners[j].FD)
			} else if s.HasOwners() {
				who = core.OwnerLabel(s.Owners[0])
			}
			action := string(it.Method)
			if action == "" {
				action = "none: " + it.Skip
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", core.ProtoLabel(s), s.State, core.FormatLocal(s), core.FormatRemote(s), who, fd, action)
		}
		tw.Flush()
	}
	for _, l := range OutgoingLines(p.Spared, "close") {
		b.WriteString(l + "\n")
	}
	if n := len(p.Listeners); n > 0 {
		fmt.Fprintf(&b, "left alone: %s (closing a listener silently breaks its server; add --listen to close %s):\n",
			core.Plural(n, "LISTEN socket"), them(n))
		for i := range p.Listeners {
			s := &p.Listeners[i]
			who := holderLabels(s, p.Unseen)
			if who == "" {
				who = "no process"
			}
			fmt.Fprintf(&b, "  %s held by %s\n", socketLine(s), who)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCloseReport prints what became of each socket (counted by outcome
// when there are many), then what is left on the ports.
func WriteCloseReport(w io.Writer, r *CloseReport, l *Left) error {
	var b strings.Builder
	if len(r.Outcomes) <= planRows {
		for i := range r.Outcomes {
			o := &r.Outcomes[i]
			fmt.Fprintf(&b, "%s: %s\n", socketLine(&o.Socket), o.describe())
		}
	} else {
		// Group by what was said; the first socket of each group stands for it.
		var order []string
		groups := map[string][]*CloseOutcome{}
		for i := range r.Outcomes {
			o := &r.Outcomes[i]
			key := string(o.Fate)
			if o.Err != nil {
				key += ": " + o.Err.Error()
			} else if o.Fate == SocketSkipped {
				key += ": " + o.Skip
			} else if o.Fate == SocketLeft {
				key += string(o.State)
			}
			if _, ok := groups[key]; !ok {
				order = append(order, key)
			}
			groups[key] = append(groups[key], o)
		}
		for _, k := range order {
			g := groups[k]
			fmt.Fprintf(&b, "%s, e.g. %s: %s\n", core.Plural(len(g), "socket"), socketLine(&g[0].Socket), g[0].describe())
		}
	}
	if l != nil {
		for _, line := range LeftLines(l) {
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// JSON shapes of kill and close (--json): one object, the sockets inside
// it in the contract's socket shape.
type (
	JSONKill struct {
		Signal     string            `json:"signal"`
		TimeoutMS  int64             `json:"timeout_ms"`
		Escalate   bool              `json:"escalate"`
		DryRun     bool              `json:"dry_run"`
		Changed    bool              `json:"changed"` // a signal was delivered (Ansible's "changed")
		Processes  []JSONKillPID     `json:"processes"`
		Orphans    []core.JSONSocket `json:"orphans"`         // matched sockets no process holds
		Spared     []core.JSONSocket `json:"spared_outgoing"` // outgoing connections left alone (no --outgoing)
		Unknown    []core.JSONSocket `json:"unknown_holder"`  // matched sockets whose holder could not be seen
		Left       []core.JSONSocket `json:"left"`            // null on a dry run
		LeftReport []string          `json:"left_report"`
	}
	JSONKillPID struct {
		PID       int               `json:"pid"`
		Comm      string            `json:"comm"`
		CommBytes []byte            `json:"comm_bytes,omitempty"` // Comm's bytes when not valid UTF-8
		UID       *int64            `json:"uid"`
		User      *string           `json:"user"`
		Protected string            `json:"protected,omitempty"` // why it is never signalled
		Sockets   []core.JSONSocket `json:"sockets"`
		// Outcome is one of exited, killed, "still alive", "not permitted",
		// "already gone", "not signalled", failed; empty on a dry run.
		Outcome  string   `json:"outcome,omitempty"`
		Signals  []string `json:"signals,omitempty"` // delivered, in order
		WaitedMS *int64   `json:"waited_ms,omitempty"`
		Error    string   `json:"error,omitempty"`
	}
	JSONClose struct {
		DryRun     bool              `json:"dry_run"`
		Changed    bool              `json:"changed"` // a socket was shut down or reset
		Sockets    []JSONCloseSocket `json:"sockets"`
		Refused    []core.JSONSocket `json:"refused_listeners"`
		Spared     []core.JSONSocket `json:"spared_outgoing"` // outgoing connections left alone (no --outgoing)
		Left       []core.JSONSocket `json:"left"`
		LeftReport []string          `json:"left_report"`
	}
	JSONCloseSocket struct {
		core.JSONSocket
		Method   Method     `json:"method"` // "shutdown", "abort", or "" when left alone
		Skip     string     `json:"skip,omitempty"`
		Outcome  string     `json:"outcome,omitempty"` // closed, "still there", "already gone", "not permitted", failed, "left alone"
		StateNow core.State `json:"state_now,omitempty"`
		// Bind is the bind probe's verdict on a shut-down listener's port,
		// as why's probe words it: free, reuseaddr_only, blocked.
		Bind  string `json:"bind,omitempty"`
		Error string `json:"error,omitempty"`
	}
)

// WriteKillJSON prints the plan, and the outcome and what is left when r
// and l are not nil.
func WriteKillJSON(w io.Writer, p *KillPlan, r *KillReport, l *Left) error {
	j := JSONKill{
		Signal: core.SignalName(p.Signal), TimeoutMS: p.Timeout.Milliseconds(),
		Escalate: !p.NoEscalate && p.Signal != 9, DryRun: r == nil, Changed: killChanged(r),
		Processes: []JSONKillPID{}, Orphans: core.JSONSockets(p.Orphans), Spared: core.JSONSockets(p.Spared),
		Unknown: core.JSONSockets(p.Unknown),
	}
	for i := range p.Items {
		it := &p.Items[i]
		jp := JSONKillPID{PID: it.Proc.PID, Comm: it.Proc.Comm, CommBytes: core.RawBytes(it.Proc.Comm), Protected: it.Protected, Sockets: core.JSONSockets(it.Sockets)}
		if it.Proc.UID >= 0 {
			jp.UID, jp.User = int64Ptr(it.Proc.UID), stringPtr(it.Proc.User)
		}
		if r != nil {
			o := &r.Outcomes[i]
			jp.Outcome = string(o.Fate)
			for _, s := range o.Sent {
				jp.Signals = append(jp.Signals, core.SignalName(s))
			}
			if len(o.Sent) > 0 {
				jp.WaitedMS = int64Ptr(o.Waited.Milliseconds())
			}
			if o.Err != nil {
				jp.Error = o.Err.Error()
			}
		}
		j.Processes = append(j.Processes, jp)
	}
	if l != nil {
		j.Left, j.LeftReport = core.JSONSockets(l.Sockets), LeftLines(l)
	}
	return core.EncodeJSON(w, j)
}

// WriteCloseJSON prints the plan, and the outcome and what is left when r
// and l are not nil.
func WriteCloseJSON(w io.Writer, p *ClosePlan, r *CloseReport, l *Left) error {
	j := JSONClose{DryRun: r == nil, Changed: closeChanged(r), Sockets: []JSONCloseSocket{}, Refused: core.JSONSockets(p.Listeners), Spared: core.JSONSockets(p.Spared)}
	for i := range p.Items {
		it := &p.Items[i]
		js := JSONCloseSocket{JSONSocket: core.JSONSockets([]core.Socket{it.Socket})[0], Method: it.Method, Skip: it.Skip}
		if r != nil {
			o := &r.Outcomes[i]
			js.Outcome, js.StateNow, js.Bind = string(o.Fate), o.State, string(o.Probe)
			if o.Err != nil {
				js.Error = o.Err.Error()
			}
		}
		j.Sockets = append(j.Sockets, js)
	}
	if l != nil {
		j.Left, j.LeftReport = core.JSONSockets(l.Sockets), LeftLines(l)
	}
	return core.EncodeJSON(w, j)
}

func int64Ptr(v int64) *int64    { return &v }
func stringPtr(v string) *string { return &v }
