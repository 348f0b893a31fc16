package core

import "net/netip"

// An outgoing connection is not a holder of its local port. A client's
// kernel-chosen (or self-bound) source port is whatever was free when it
// connected; `gosof kill 44140` must not kill a browser whose source port
// happens to be 44140. The rule (docs/kill-close.md):
//
// A connected TCP, UDP, UDP-Lite or SCTP socket that matched PORT by its
// local port only (not also by its remote port under --side remote/any) is
// outgoing when its namespace has no server socket on that local port and
// protocol that could own it: no LISTEN socket, no unconnected (UNCONN)
// datagram socket, and no bound TCP socket that is not connected (CLOSE),
// on its local address or on the wildcard address of its family. A
// listener on 127.0.0.2:E cannot have accepted a connection whose local
// end is 127.0.0.1:E. Orphans (TIME_WAIT, and sockets no process holds)
// are never counted as outgoing: nothing tells them from what a dead
// server left behind. kill and close spare outgoing connections unless
// --outgoing includes them; who lists them, and why labels them.

// ServesPort reports whether s waits for peers on its local port, or holds
// it bound without a peer.
func ServesPort(s *Socket) bool {
	switch s.Proto {
	case TCP, SCTP:
		return s.State == Listen || (s.State == Close && s.Remote == nil)
	case UDP, UDPLite:
		return s.State == Unconn || s.Remote == nil
	}
	return false
}

// BoundOnly reports whether s is a TCP socket in CLOSE that holds its
// port: bound (by bind(), a listener shut down, a connection that failed)
// and neither listening nor connected. Nothing but its holder closing the
// descriptor releases the port: shutdown() fails with ENOTCONN on it
// (Linux inet_shutdown, illumos tcp_shutdown), and it has no connection
// for SOCK_DESTROY to reset. why shows such sockets apart from the
// connections, and close leaves them to kill.
func BoundOnly(s *Socket) bool { return s.Proto == TCP && s.State == Close }

// OutgoingCandidate reports whether s could be an outgoing connection
// picked up by its source port: a connected inet socket of a protocol with
// ports, matched by f on its local port and not also on its remote port.
func OutgoingCandidate(s *Socket, f *Filter) bool {
	if !s.Proto.HasPorts() {
		return false
	}
	if s.Family != Inet && s.Family != Inet6 || s.Remote == nil || s.Remote.Port == 0 || ServesPort(s) {
		return false
	}
	// An orphan (no process, no file: TIME_WAIT, a closed FIN_WAIT2) may
	// as well be what a dead server left; it protects no process either way.
	if s.State == TimeWait || (!s.HasOwners() && s.Inode == 0) {
		return false
	}
	if f.Side == SideRemote || len(f.Ports) == 0 {
		return false
	}
	local, remote := false, false
	for _, r := range f.Ports {
		local = local || r.Contains(s.Local.Port)
		remote = remote || r.Contains(s.Remote.Port)
	}
	return local && !(f.Side == SideAny && remote)
}

type servedKey struct {
	netns uint64
	proto Proto
	port  uint16
}

// servedAddr is a server socket's local address, and whether it is an
// IPv6-only socket (Socket.IPv6Only).
type servedAddr struct {
	addr   netip.Addr
	v6only bool
}

// ServedPorts records the server sockets (ServesPort) by namespace,
// protocol and port, with the local address of each.
type ServedPorts map[servedKey][]servedAddr

// Add records s if it serves its port.
func (m ServedPorts) Add(s *Socket) {
	if ServesPort(s) {
		k := servedKey{s.NetNS, s.Proto, s.Local.Port}
		m[k] = append(m[k], servedAddr{s.Local.Addr, s.IPv6Only()})
	}
}

// Has reports whether a server socket in s's namespace could own s's
// local end: one on its port and protocol, bound to its local address or
// to a wildcard address (serves).
func (m ServedPorts) Has(s *Socket) bool {
	for _, a := range m[servedKey{s.NetNS, s.Proto, s.Local.Port}] {
		if serves(a, s.Local.Addr) {
			return true
		}
	}
	return false
}

// serves reports whether server socket a can have a connection
// (accepted, or a datagram socket bound beside it) whose local address is
// local. A server bound to one address serves that address only:
// 127.0.0.2:E never accepted a connection whose local end is 127.0.0.1:E;
// an IPv4-mapped IPv6 address is its IPv4 address. A wildcard (0.0.0.0,
// ::) serves every address: :: also IPv4 clients (a dual-stack listener
// accepts them as IPv4-mapped IPv6 sockets), and Solaris lists a
// dual-stack listener's IPv4 connections among its IPv4 sockets, so
// neither wildcard is held to its own family; but an IPv6-only :: socket
// takes no IPv4 peer at all. An address the platform did not give
// (invalid) serves everything: nothing can be told apart.
func serves(a servedAddr, local netip.Addr) bool {
	if a.v6only && local.Unmap().Is4() {
		return false
	}
	if !a.addr.IsValid() || !local.IsValid() || a.addr.Unmap().IsUnspecified() {
		return true
	}
	return a.addr.Unmap().WithZone("") == local.Unmap().WithZone("")
}

// ServerLister lists the server sockets (LISTEN, UNCONN, bound but not
// connected) on ports, in every namespace the command reads, owners or not.
type ServerLister func(ports []PortRange) ([]Socket, error)

// ServerFilter is the filter a ServerLister resolves: the ports on the
// local side, every protocol with ports, only the states a server socket
// can be in.
func ServerFilter(ports []PortRange) *Filter {
	return &Filter{Ports: ports, Side: SideLocal, States: []State{Listen, Unconn, Close},
		Protos: []Proto{TCP, UDP, UDPLite, SCTP}}
}

// SplitOutgoing takes the outgoing connections out of res.Sockets (see the
// rule above) and returns them. The sockets already resolved usually settle
// it; when one could be outgoing and its port's servers were filtered out
// (--state established), servers is asked for them once.
func SplitOutgoing(res *Result, f *Filter, servers ServerLister) ([]Socket, error) {
	served := ServedPorts{}
	var cand []int
	for i := range res.Sockets {
		s := &res.Sockets[i]
		if ServesPort(s) {
			served.Add(s)
		} else if OutgoingCandidate(s, f) {
			cand = append(cand, i)
		}
	}
	var ask []PortRange
	for _, i := range cand {
		s := &res.Sockets[i]
		if !served.Has(s) {
			ask = append(ask, PortRange{Lo: s.Local.Port, Hi: s.Local.Port})
		}
	}
	if len(ask) == 0 {
		return nil, nil
	}
	if servers != nil {
		more, err := servers(ask)
		if err != nil {
			return nil, err
		}
		for i := range more {
			served.Add(&more[i])
		}
	}
	isOut := map[int]bool{}
	var out []Socket
	for _, i := range cand {
		s := &res.Sockets[i]
		if !served.Has(s) {
			isOut[i] = true
			out = append(out, *s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	kept := make([]Socket, 0, len(res.Sockets)-len(out))
	for i := range res.Sockets {
		if !isOut[i] {
			kept = append(kept, res.Sockets[i])
		}
	}
	res.Sockets = kept
	return out, nil
}
