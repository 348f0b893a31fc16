package core

import "encoding/binary"

// sockKey is the prefix of a socket's sort key in plain integers:
// protocol rank, then local and remote address (width class, 128 bits),
// port. Comparing two sockets through netip.Addr.Compare, port and path
// one field at a time, for every comparison, is slow where thousands of
// sockets share their local end (a busy port's TIME_WAITs). For sockets
// with no zone and no path (every TCP and UDP socket but link-local ones),
// the integers order them exactly as compareSockets does up to the
// remote port; the rest (unix sockets, zones) are compared by
// compareSockets itself.
// Compared in the order h0, lhi, llo, h1, rhi, rlo, h2; the small keys sit
// together at the end so a key is 40 bytes, not 64 (a key per socket is
// on the peak heap).
type sockKey struct {
	lhi, llo uint64
	rhi, rlo uint64
	h1       uint32 // local port<<8 | remote: 0 none, else 1 + width class
	h2       uint16 // remote port
	h0       uint8  // protocol rank<<2 | local width class
	simple   bool
}

// widthClass orders addresses as netip.Addr.Compare does first: by
// BitLen (0 for the zero Addr, 32, 128).
func widthClass(bits int) uint8 {
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
	rank := protoRank(s.Proto) + 1
	if rank < 0 || rank > 63 {
		k.simple = false // no room in h0: compareSockets decides
	}
	k.h0 = uint8(rank)<<2 | widthClass(s.Local.Addr.BitLen())
	a := s.Local.Addr.As16()
	k.lhi, k.llo = binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	k.h1 = uint32(s.Local.Port) << 8
	if r := s.Remote; r != nil {
		k.simple = k.simple && r.Path == "" && r.Addr.Zone() == ""
		k.h1 |= 1 + uint32(widthClass(r.Addr.BitLen()))
		a := r.Addr.As16()
		k.rhi, k.rlo = binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
		k.h2 = r.Port
	}
	return k
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// v4Key is sockKey in 16 bytes, for a host whose simple sockets all have
// IPv4 (or no) addresses: hi packs the rank and local width class (as h0),
// the local address (llo's low half: lhi is 0 and llo's high half follows
// from the class), the local port and the remote flag (h1); lo the
// remote address and port (rlo's low half, h2). Same order, less than
// half the peak heap of the keys, and fewer compares.
type v4Key struct {
	hi, lo uint64
}

// v4Able reports whether k fits a v4Key: its local address is IPv4 or
// none (width class 0 or 1), and so is its remote one, if any (flag 0:
// none, 1 + class). An IPv6 address, even ::1 with its high bits zero,
// never does: two of them could differ only in the bits a v4Key drops.
func (k *sockKey) v4Able() bool {
	return k.h0&3 <= 1 && k.h1&0xff <= 2
}

func (k *sockKey) v4() v4Key {
	return v4Key{
		hi: uint64(k.h0)<<56 | (k.llo&0xffffffff)<<24 | uint64(k.h1),
		lo: (k.rlo&0xffffffff)<<32 | uint64(k.h2)<<16,
	}
}

// byKey sorts indices into socks in the contract's order, the index as
// the last key (so the sort is stable). Either keys or, when every simple
// socket fits one, v4 (with simple marking which) holds the keys.
type byKey struct {
	socks  []Socket
	keys   []sockKey
	v4     []v4Key
	simple []bool
	idx    []int32
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
	if s.v4 != nil {
		if s.simple[a] && s.simple[b] {
			ka, kb := &s.v4[a], &s.v4[b]
			switch {
			case ka.hi != kb.hi:
				return ka.hi < kb.hi
			case ka.lo != kb.lo:
				return ka.lo < kb.lo
			}
			return s.lessTail(a, b)
		}
		return s.lessFull(a, b)
	}
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
		return s.lessTail(a, b)
	}
	return s.lessFull(a, b)
}

// lessTail decides between two sockets whose keys are equal: by
// compareTail, then the index.
func (s *byKey) lessTail(a, b int32) bool {
	if c := compareTail(&s.socks[a], &s.socks[b]); c != 0 {
		return c < 0
	}
	return a < b
}

// lessFull decides between two sockets one of which has no key: by
// compareSockets, then the index.
func (s *byKey) lessFull(a, b int32) bool {
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
	s := &byKey{socks: socks, idx: make([]int32, len(socks))}
	for i := range s.idx {
		s.idx[i] = int32(i)
	}
	// Each key is made once as a v4Key while every simple socket fits
	// one; from the first that does not, all are made as sockKeys.
	s.v4, s.simple = make([]v4Key, len(socks)), make([]bool, len(socks))
	for i := range socks {
		k := makeSockKey(&socks[i])
		if k.simple && !k.v4Able() {
			s.v4, s.simple = nil, nil
			s.keys = make([]sockKey, len(socks))
			for j := range socks {
				s.keys[j] = makeSockKey(&socks[j])
			}
			break
		}
		s.v4[i], s.simple[i] = k.v4(), k.simple
	}
	if s.v4 != nil && allTrue(s.simple) && len(socks) > radixMin {
		s.radixV4()
		return s.idx
	}
	s.mergeSort(s.idx, make([]int32, len(socks)))
	return s.idx
}

// radixMin is how many sockets make a radix sort pay for its passes.
const radixMin = 256

// radixWide is how many sockets make 16-bit digits pay (radixV4).
const radixWide = 1 << 16

func allTrue(b []bool) bool {
	for _, v := range b {
		if !v {
			return false
		}
	}
	return true
}

// radixV4 sorts idx by the v4 keys, every one of them simple: a stable
// least-significant-digit radix sort, lo's digits then hi's, skipping
// the digits every key shares (a busy port's sockets share their whole
// local end), so a sort of thousands of connections is a few passes over
// their indices, not a merge sort's comparisons. Sockets whose keys are
// equal are then put in lessTail's order (the index last, as the stable
// passes left them).
//
// The digits are 8 bits below radixWide sockets, 16 from there: a 16-bit
// pass clears and sums 65,536 counts, 256 KB of fresh memory (64 page
// faults, 9.7% of the faults of `who PORT` on the 10k world), which pays
// only when the sockets are as many as the counts.
func (s *byKey) radixV4() {
	n := len(s.idx)
	tmp := make([]int32, n)
	// The digits every key shares, found in one pass over the keys in
	// their order in memory: a digit pass that would find them all equal
	// is not made (it read the keys through the permuted indices).
	var diffHi, diffLo uint64
	for i := range s.v4 {
		diffHi |= s.v4[i].hi ^ s.v4[0].hi
		diffLo |= s.v4[i].lo ^ s.v4[0].lo
	}
	var small [1 << 8]int32
	bits, count := uint(8), small[:]
	if n >= radixWide {
		bits, count = 16, make([]int32, 1<<16)
	}
	mask, perWord := uint64(len(count)-1), int(64/bits)
	for pass := 0; pass < 2*perWord; pass++ {
		shift := uint(pass%perWord) * bits
		diff := diffLo
		if pass >= perWord {
			diff = diffHi
		}
		if (diff>>shift)&mask == 0 {
			continue
		}
		digit := func(i int32) uint32 {
			k := &s.v4[i]
			if pass < perWord {
				return uint32((k.lo >> shift) & mask)
			}
			return uint32((k.hi >> shift) & mask)
		}
		for i := range count {
			count[i] = 0
		}
		for _, i := range s.idx {
			count[digit(i)]++
		}
		var sum int32
		for d := range count {
			c := count[d]
			count[d] = sum
			sum += c
		}
		for _, i := range s.idx {
			d := digit(i)
			tmp[count[d]] = i
			count[d]++
		}
		s.idx, tmp = tmp, s.idx
	}
	// Runs of equal keys: by the tail, then the index, merge sorted (less
	// on equal keys is lessTail). A run can be most of the host: every
	// unnamed unix socket has the same key, and an insertion sort of the
	// 20,000 of a desktop took half a second.
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && s.v4[s.idx[hi]] == s.v4[s.idx[lo]] {
			hi++
		}
		if hi-lo > 1 {
			s.mergeSort(s.idx[lo:hi], tmp[:hi-lo])
		}
		lo = hi
	}
}
