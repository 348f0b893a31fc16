package core

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Left is what remains on the ports after kill or close acted.
type Left struct {
	Ports   []PortRange
	Side    Side
	Sockets []Socket // every socket still on the ports, any state, any owner
	Unseen  Unseen
	// ReuseAddr is whether the listener on the ports had SO_REUSEADDR
	// before kill or close acted; nil if unknown. A TIME_WAIT socket keeps
	// its listener's setting, and Linux lets a new server bind over it only
	// if both set SO_REUSEADDR.
	ReuseAddr *bool
}

// LeftFilter is f without its state and owner filters: the question after
// acting is whether the port is free, whatever else holds it.
func LeftFilter(f *Filter) *Filter {
	return &Filter{Ports: f.Ports, Side: f.Side, Protos: f.Protos, Families: f.Families}
}

// Look resolves the ports of f again. Sockets we acted on can take a
// round trip to leave the table (a LAST_ACK waits for the peer's ACK), so
// while any of pending is still there it looks again, for up to wait.
func Look(r *Resolver, f *Filter, pending []Socket, wait time.Duration) (*Left, error) {
	lf := LeftFilter(f)
	deadline := time.Now().Add(wait)
	pause := 10 * time.Millisecond
	for {
		res, err := r.Resolve(lf)
		if err != nil {
			return nil, err
		}
		still := false
		for i := range pending {
			for j := range res.Sockets {
				if relSameSocket(&res.Sockets[j], &pending[i]) {
					still = true
				}
			}
		}
		if !still || !time.Now().Add(pause).Before(deadline) {
			return &Left{Ports: f.Ports, Side: f.Side, Sockets: res.Sockets, Unseen: res.Unseen}, nil
		}
		time.Sleep(pause)
		if pause *= 2; pause > 200*time.Millisecond {
			pause = 200 * time.Millisecond
		}
	}
}

// onPort keeps the sockets whose port on side falls in r.
func relOnPort(socks []Socket, r PortRange, side Side) []Socket {
	f := Filter{Ports: []PortRange{r}, Side: side}
	var out []Socket
	for i := range socks {
		if f.MatchPort(&socks[i]) {
			out = append(out, socks[i])
		}
	}
	return out
}

// LeftLines says, port by port, what is left: "port 30116: free", or who
// still holds it, or which orphaned sockets remain and when they go.
func LeftLines(l *Left) []string {
	var lines []string
	for _, r := range l.Ports {
		name := "port " + r.String()
		if r.Lo != r.Hi {
			name = "ports " + r.String()
		}
		if l.Side != SideLocal {
			name += " (side " + l.Side.String() + ")"
		}
		socks := relOnPort(l.Sockets, r, l.Side)
		if len(socks) == 0 {
			if l.Side == SideLocal {
				lines = append(lines, name+": free")
			} else {
				lines = append(lines, name+": no sockets left")
			}
			continue
		}
		for _, g := range relLeftGroups(socks, l.Side == SideLocal, l.ReuseAddr) {
			lines = append(lines, name+": "+g)
		}
	}
	return lines
}

// leftGroups describes the held sockets owner by owner, then the
// orphans state by state.
func relLeftGroups(socks []Socket, local bool, reuseAddr *bool) []string {
	var out []string
	held := map[string][]Socket{}
	var holders []string
	orphans := map[State][]Socket{}
	for _, s := range socks {
		if !s.HasOwners() {
			orphans[s.State] = append(orphans[s.State], s)
			continue
		}
		var labels []string
		for _, o := range s.Owners {
			labels = append(labels, OwnerLabel(o))
		}
		sort.Strings(labels)
		key := strings.Join(uniqStrings(labels), ", ")
		if _, ok := held[key]; !ok {
			holders = append(holders, key)
		}
		held[key] = append(held[key], s)
	}
	for _, h := range holders {
		out = append(out, fmt.Sprintf("%s held by %s", relStateCounts(held[h]), h))
	}
	listening := false
	for i := range socks {
		if socks[i].State == Listen {
			listening = true
		}
	}
	for _, st := range AllStates {
		g := orphans[st]
		if len(g) == 0 {
			continue
		}
		line := fmt.Sprintf("%s in %s, no process holds %s", relPlural(len(g), "socket"), st, relThem(len(g)))
		var longest time.Duration
		for i := range g {
			if g[i].Timer != TimerNone {
				if g[i].Expires > longest {
					longest = g[i].Expires
				}
			}
		}
		switch {
		case longest > 0:
			line += ", gone within " + relSeconds(longest)
		case st == TimeWait:
			line += ", gone within 60s"
		default:
			line += ", the kernel drops " + relThem(len(g)) + " after its timeouts"
		}
		if st == TimeWait && local && !listening {
			switch {
			case reuseAddr == nil:
				line += "; a server using SO_REUSEADDR can bind now if the one that left them used it too"
			case *reuseAddr:
				line += "; a server using SO_REUSEADDR can bind now"
			default:
				line += "; the server that left them did not set SO_REUSEADDR, so no new server can bind their address until then"
			}
		}
		out = append(out, line)
	}
	return out
}

// WriteLeft prints LeftLines, one per line.
func WriteLeft(w io.Writer, l *Left) error {
	var b strings.Builder
	for _, line := range LeftLines(l) {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func relPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func relThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// relSeconds prints a remaining time in whole seconds, rounded up: "gone
// within 42s" must not promise less than the kernel's timer.
func relSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(relRoundUp(d)/time.Second), 10) + "s"
}

func relRoundUp(d time.Duration) time.Duration {
	return ((d + time.Second - 1) / time.Second) * time.Second
}
