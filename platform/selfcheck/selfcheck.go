// Package selfcheck is `gosof debug check`: it compares what gosof says
// about this host's TCP and UDP sockets with what the system's own tools
// say (Linux: ss -tanup; Solaris and illumos: netstat -an, netstat -anu
// where it exists, and pfiles for the processes gosof names), table by
// table, and lists every difference. It is the one place gosof runs other
// programs, and only for this debug command: gosof's own answers never
// depend on them.
//
// The parsers are pure functions over the tools' text (parse_*.go); the
// comparison is over gosof's resolved sockets and those parsed rows
// (compare.go); run.go runs the tools and saves their text beside a capture,
// so that the same comparison replays anywhere (--replay).
package selfcheck

import (
	"fmt"
	"net/netip"

	"github.com/gosof/gosof/core"
)

// Row is one socket as a tool prints it, in gosof's terms.
type Row struct {
	Proto  core.Proto // tcp or udp
	Family core.Family
	Local  netip.AddrPort
	Remote netip.AddrPort // the zero value when there is no peer
	State  core.State
	// Owners are the processes the tool names for the row (ss -p, netstat
	// -u); nil when it names none or cannot.
	Owners []Owner
	Line   string // the tool's line, for the report
}

// Owner is one process a tool names as holding a socket.
type Owner struct {
	PID  int
	FD   int // -1 when the tool does not say
	Comm string
}

// key is what two views of one socket have in common.
type key struct {
	proto         core.Proto
	family        core.Family
	local, remote netip.AddrPort
	state         core.State
}

func (r *Row) key() key {
	return key{r.Proto, r.Family, r.Local, r.Remote, r.State}
}

func (k key) String() string {
	remote := "-"
	if k.remote.IsValid() {
		remote = k.remote.String()
	}
	label := string(k.proto)
	if k.family == core.Inet6 {
		label += "6"
	}
	return fmt.Sprintf("%s %s %s %s", label, k.local, remote, k.state)
}

// socketKey is the key of a socket gosof listed; ok is false for what the
// tools are not asked about (unix, raw, udplite, sctp).
func socketKey(s *core.Socket) (key, bool) {
	if s.Proto != core.TCP && s.Proto != core.UDP {
		return key{}, false
	}
	k := key{proto: s.Proto, family: s.Family, state: s.State,
		local: netip.AddrPortFrom(s.Local.Addr, s.Local.Port)}
	if s.Remote != nil {
		k.remote = netip.AddrPortFrom(s.Remote.Addr, s.Remote.Port)
	}
	return k, true
}
