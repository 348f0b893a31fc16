package core

import "net/netip"

// AttachPeers fills PeerOwners, for each connected socket whose other end
// is also in socks (a loopback or other local address in the same network
// namespace, a connected unix socket), with the owners of that other end.
// A unix connection not yet accepted has the listener it waits on as its
// peer. Owners must be attached and described already; each socket gets
// its own copy, so filtering owners later does not touch the peer's.
func AttachPeers(socks []Socket) {
	type key struct {
		proto         Proto
		netns         uint64
		local, remote netip.Addr
		lport, rport  uint16
	}
	inet := make(map[key]int)
	byInode := make(map[uint64]int)
	listeners := make(map[string]int)
	for i := range socks {
		s := &socks[i]
		switch {
		case s.Proto == Unix:
			if s.Inode != 0 {
				byInode[s.Inode] = i
			}
			if s.State == Listen && s.Local.Path != "" {
				listeners[s.Local.Path] = i
			}
		case s.Remote != nil:
			inet[key{s.Proto, s.NetNS, plainAddr(s.Local.Addr), plainAddr(s.Remote.Addr), s.Local.Port, s.Remote.Port}] = i
		}
	}
	for i := range socks {
		s := &socks[i]
		if s.Remote == nil {
			continue
		}
		j, ok := -1, false
		switch {
		case s.Proto == Unix && s.PeerInode != 0:
			j, ok = byInode[s.PeerInode]
		case s.Proto == Unix && s.Remote.Path != "":
			j, ok = listeners[s.Remote.Path] // not accepted yet
		case s.Proto != Unix:
			j, ok = inet[key{s.Proto, s.NetNS, plainAddr(s.Remote.Addr), plainAddr(s.Local.Addr), s.Remote.Port, s.Local.Port}]
		}
		if ok && j != i && len(socks[j].Owners) > 0 {
			s.PeerOwners = append([]Owner(nil), socks[j].Owners...)
		}
	}
}

// plainAddr is a as both ends of a local connection know it: unmapped,
// and without the zone, which each end names by its own interface (two
// ends of a veth pair in one namespace: fe80::1%v0 and fe80::1%v1).
func plainAddr(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// ResolvePeers is Resolve for sockets with their PeerOwners: the other ends
// of local connections are looked for among every socket on f's ports and
// PATHs, whichever side and whoever holds them, and f's own side and owner
// filters (--pid, --user, -c, --unit) then keep what Resolve would have
// kept.
func (r *Resolver) ResolvePeers(f *Filter) (*Result, error) {
	if err := r.canTellUnits(f); err != nil {
		return nil, err
	}
	wide := *f
	if wide.HasTargets() {
		wide.Side = SideAny
	}
	wide.PIDs, wide.UIDs, wide.Commands, wide.Units = nil, nil, nil, nil
	rr := *r
	rr.Peers = true
	// f is the note's filter: the sockets --idle left out for an unknown
	// idle time are counted as f keeps them, and resolve reads the
	// owners' units for f's --unit below.
	res, err := rr.resolve(&wide, f)
	if err != nil {
		return nil, err
	}
	kept := res.Sockets[:0]
	for i := range res.Sockets {
		if f.MatchSocket(&res.Sockets[i]) {
			kept = append(kept, res.Sockets[i])
		}
	}
	if f.HasOwnerFilter() {
		kept, res.Undecided = filterOwners(kept, f, res.Unseen, r.AllHolders)
	}
	res.Sockets = kept
	return res, nil
}
