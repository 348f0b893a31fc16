package core

import "encoding/binary"

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

// less is Less on two indices, with the integer keys compared inline:
// sort.Sort's calls through an interface were a third of sorting 50,000
// TIME_WAIT sockets.
func (s *byKey) less(a, b int32) bool {
	ka, kb := &s.keys[a], &s.keys[b]
	if ka.simple && kb.simple {
		switch {
		case ka.h0 != kb.h0:
			return ka.h0 < kb.h0
		case ka.lhi != kb.lhi:
			return ka.lhi < kb.lhi
		case ka.llo != kb.llo:
			return ka.llo < kb.llo
		case ka.h1 != kb.h1:
			return ka.h1 < kb.h1
		case ka.rhi != kb.rhi:
			return ka.rhi < kb.rhi
		case ka.rlo != kb.rlo:
			return ka.rlo < kb.rlo
		case ka.h2 != kb.h2:
			return ka.h2 < kb.h2
		}
		if c := compareTail(&s.socks[a], &s.socks[b]); c != 0 {
			return c < 0
		}
		return a < b
	}
	if c := compareSockets(&s.socks[a], &s.socks[b]); c != 0 {
		return c < 0
	}
	return a < b
}

// mergeSort sorts idx by less, using tmp (as long as idx) as scratch.
// The order is total (the index is the last key), so any correct sort
// gives the same result; a merge sort has no bad case.
func (s *byKey) mergeSort(idx, tmp []int32) {
	if len(idx) <= 12 {
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && s.less(idx[j], idx[j-1]); j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		return
	}
	mid := len(idx) / 2
	s.mergeSort(idx[:mid], tmp[:mid])
	s.mergeSort(idx[mid:], tmp[mid:])
	if !s.less(idx[mid], idx[mid-1]) {
		return // already in order
	}
	copy(tmp, idx)
	i, j, k := 0, mid, 0
	for i < mid && j < len(idx) {
		if s.less(tmp[j], tmp[i]) {
			idx[k] = tmp[j]
			j++
		} else {
			idx[k] = tmp[i]
			i++
		}
		k++
	}
	k += copy(idx[k:], tmp[i:mid])
	copy(idx[k:], tmp[j:])
}

// sortIndex returns the indices of socks in the contract's order.
func sortIndex(socks []Socket) []int32 {
	s := &byKey{socks: socks, keys: make([]sockKey, len(socks)), idx: make([]int32, len(socks))}
	for i := range socks {
		s.keys[i] = makeSockKey(&socks[i])
		s.idx[i] = int32(i)
	}
	s.mergeSort(s.idx, make([]int32, len(socks)))
	return s.idx
}
