package release

import (
	"fmt"
	"strconv"

	"github.com/gosof/gosof/core"
)

// OutgoingLines says, one line per spared socket (at most planRows, the
// rest counted), which process holds it and why it was spared.
func OutgoingLines(spared []core.Socket, verb string) []string {
	var lines []string
	for i := range spared {
		if i == planRows && len(spared) > planRows+1 {
			lines = append(lines, fmt.Sprintf("spared %d more outgoing connections: %s", len(spared)-i, stateCounts(spared[i:])))
			break
		}
		s := &spared[i]
		who := "no process gosof can see"
		if s.HasOwners() {
			who = ownerList(s.Owners)
		}
		lines = append(lines, fmt.Sprintf("spared %s: %s is an outgoing connection; %s is only its source port (nothing listens on or is bound to it); add --outgoing to %s it",
			who, socketLine(s), strconv.Itoa(int(s.Local.Port)), verb))
	}
	return lines
}

// ownerList names the distinct processes among owners.
func ownerList(owners []core.Owner) string {
	seen := map[int]bool{}
	l := ""
	for _, o := range owners {
		if seen[o.PID] {
			continue
		}
		seen[o.PID] = true
		if l != "" {
			l += ", "
		}
		l += core.OwnerLabel(o)
	}
	return l
}

// UnknownNote is the one line that says which matched sockets have an
// unknown holder (core.UnknownHolder) and what the command cannot do
// about it. How to see it is the command's one note on stderr
// (core.Unseen.Message), not said again here.
func UnknownNote(socks []core.Socket, u core.Unseen, cannot string) string {
	if len(socks) == 0 {
		return ""
	}
	verb := "shows"
	if len(socks) > 1 {
		verb = "show"
	}
	return fmt.Sprintf("holder unknown: %s (%s) %s no process, but %s, so a process gosof could not see may hold %s; %s",
		core.Plural(len(socks), "matched socket"), stateCounts(socks), verb, u.What(), core.ByCount(len(socks), "it", "them"), cannot)
}
