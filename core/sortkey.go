package core

import (
	"encoding/binary"
	"sort"
)

// sockKey is the prefix of a socket's sort key in plain integers:
// protocol rank, then local and remote address (width class, 128 bits),
// port. Comparing two sockets through netip.Addr.Compare, port and path
// one field at a time, for every comparison, was 14.5% of `gosof who` on
// 50,000 TIME_WAIT sockets, which all share the local end. For sockets
// with no zone and no path (every TCP and UDP socket but link-local ones),
// the integers order them exactly as compareSockets does up to the
// remote port; the rest (unix sockets, zones) are compared by
// compareSockets itself.
type sockKey struct {
	h0       uint64 // protocol rank<<8 | local width class
	lhi, llo uint64
	h1       uint64 // local port<<8 | remote: 0 none, else 1 + width class
	rhi, rlo uint64
	h2       uint64 // remote port
	simple   bool
}

// widthClass orders addresses as netip.Addr.Compare does first: by
// BitLen (0 for the zero Addr, 32, 128).
func widthClass(bits int) uint64 {
	switch bits {
	case 32:
		return 1
	case 128:
		return 2
	}
	return 0
}

func makeSockKey(s *Socket) sockKey {
	k := sockKey{simple: s.Local.Path == "" && s.Local.Addr.Zone() == ""}
	k.h0 = uint64(protoRank(s.Proto)+1)<<8 | widthClass(s.Local.Addr.BitLen())
	a := s.Local.Addr.As16()
	k.lhi, k.llo = binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	k.h1 = uint64(s.Local.Port) << 8
	if r := s.Remote; r != nil {
		k.simple = k.simple && r.Path == "" && r.Addr.Zone() == ""
		k.h1 |= 1 + widthClass(r.Addr.BitLen())
		a := r.Addr.As16()
		k.rhi, k.rlo = binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
		k.h2 = uint64(r.Port)
	}
	return k
}

// compareKeys compares the integer prefixes: 0 when they are equal.
func compareKeys(a, b *sockKey) int {
	switch {
	case a.h0 != b.h0:
		return cmpU64(a.h0, b.h0)
	case a.lhi != b.lhi:
		return cmpU64(a.lhi, b.lhi)
	case a.llo != b.llo:
		return cmpU64(a.llo, b.llo)
	case a.h1 != b.h1:
		return cmpU64(a.h1, b.h1)
	case a.rhi != b.rhi:
		return cmpU64(a.rhi, b.rhi)
	case a.rlo != b.rlo:
		return cmpU64(a.rlo, b.rlo)
	case a.h2 != b.h2:
		return cmpU64(a.h2, b.h2)
	}
	return 0
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// byKey sorts indices into socks in the contract's order, the index as
// the last key (so the sort is stable).
type byKey struct {
	socks []Socket
	keys  []sockKey
	idx   []int32
}

func (s *byKey) Len() int      { return len(s.idx) }
func (s *byKey) Swap(i, j int) { s.idx[i], s.idx[j] = s.idx[j], s.idx[i] }
func (s *byKey) Less(i, j int) bool {
	a, b := s.idx[i], s.idx[j]
	ka, kb := &s.keys[a], &s.keys[b]
	var c int
	if ka.simple && kb.simple {
		if c = compareKeys(ka, kb); c == 0 {
			// same ends, no paths: the keys after them
			c = compareTail(&s.socks[a], &s.socks[b])
		}
	} else {
		c = compareSockets(&s.socks[a], &s.socks[b])
	}
	if c != 0 {
		return c < 0
	}
	return a < b
}

// compareTail is compareSockets after the endpoints.
func compareTail(a, b *Socket) int {
	switch {
	case a.Family != b.Family:
		if a.Family < b.Family {
			return -1
		}
		return 1
	case a.Inode != b.Inode:
		return cmpU64(a.Inode, b.Inode)
	case a.State != b.State:
		if a.State < b.State {
			return -1
		}
		return 1
	}
	return 0
}

// sortIndex returns the indices of socks in the contract's order.
func sortIndex(socks []Socket) []int32 {
	s := &byKey{socks: socks, keys: make([]sockKey, len(socks)), idx: make([]int32, len(socks))}
	for i := range socks {
		s.keys[i] = makeSockKey(&socks[i])
		s.idx[i] = int32(i)
	}
	sort.Sort(s)
	return s.idx
}
