//go:build linux

package linux

import (
	"testing"

	"github.com/gosof/gosof/core"
)

// fillChunks adds n sockets with inodes from..from+n-1 the way dump does:
// room for a read's worth, then what the decoder appended.
func fillChunks(c *sockChunks, from, n, perRead int) {
	for n > 0 {
		k := perRead
		if k > n {
			k = n
		}
		cur := c.room(k)
		for i := 0; i < k; i++ {
			cur = append(cur, core.Socket{Inode: uint64(from)})
			from++
		}
		c.set(cur)
		n -= k
	}
}

func TestSockChunksJoinTruncate(t *testing.T) {
	var c sockChunks
	fillChunks(&c, 0, 10000, 300)
	fillChunks(&c, 10000, 777, 100)
	c.truncate(10000) // the second dump failed half-way
	fillChunks(&c, 10000, 5000, 1000)
	if c.len() != 15000 {
		t.Fatalf("len %d, want 15000", c.len())
	}
	socks := c.join(64)
	if len(socks) != 15000 || cap(socks) < 15064 {
		t.Fatalf("join: len %d cap %d, want 15000 and room for 64 more", len(socks), cap(socks))
	}
	for i := range socks {
		if socks[i].Inode != uint64(i) {
			t.Fatalf("socks[%d].Inode = %d: order or content lost", i, socks[i].Inode)
		}
	}
	var small sockChunks
	fillChunks(&small, 0, 3, 3)
	small.truncate(0)
	if got := small.join(0); len(got) != 0 {
		t.Fatalf("after truncate(0): %d sockets", len(got))
	}
}

// A chunk is never grown by append: each read gets room for every message
// it can hold, so the decoder's append never reallocates.
func TestSockChunksRoomNeverGrows(t *testing.T) {
	var c sockChunks
	for i := 0; i < 200; i++ {
		cur := c.room(inetRoom)
		before := &cur[:cap(cur)][cap(cur)-1]
		for j := 0; j < inetRoom; j++ {
			cur = append(cur, core.Socket{})
		}
		if &cur[:cap(cur)][cap(cur)-1] != before {
			t.Fatalf("read %d: the chunk was reallocated", i)
		}
		c.set(cur)
	}
}

const inetRoom = diagRecvBuf/inetMsgMin + 1
