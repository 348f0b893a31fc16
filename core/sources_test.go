package core

import (
	"errors"
	"testing"
	"time"
)

type slowSource struct {
	socks []Socket
	delay time.Duration
	err   error
}

func (s slowSource) Sockets(*Filter) ([]Socket, error) {
	time.Sleep(s.delay)
	return s.socks, s.err
}

// Sources read concurrently still return the sockets in source order, and
// the first failing source's error.
func TestSourcesOrderAndFirstError(t *testing.T) {
	var ss Sources
	for i := 0; i < 9; i++ {
		ss = append(ss, slowSource{socks: []Socket{{Inode: uint64(2 * i)}, {Inode: uint64(2*i + 1)}}, delay: time.Duration(9-i) * time.Millisecond})
	}
	got, err := ss.Sockets(&Filter{})
	if err != nil || len(got) != 18 {
		t.Fatalf("%d sockets, %v", len(got), err)
	}
	for i := range got {
		if got[i].Inode != uint64(i) {
			t.Fatalf("socket %d has inode %d: out of source order", i, got[i].Inode)
		}
	}
	first, second := errors.New("first"), errors.New("second")
	ss[3] = slowSource{delay: 20 * time.Millisecond, err: first}
	ss[6] = slowSource{err: second}
	if _, err := ss.Sockets(&Filter{}); err != first {
		t.Fatalf("error %v, want the first failing source's", err)
	}
}
