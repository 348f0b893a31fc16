package core

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

type fakeOptions struct {
	denied map[int]bool
	asked  map[int][]int
}

func (f *fakeOptions) Options(pid int, fds []int) (map[int]*SockOptions, error) {
	if f.asked == nil {
		f.asked = map[int][]int{}
	}
	f.asked[pid] = fds
	if f.denied[pid] {
		return nil, fmt.Errorf("pidfd_getfd %d: %w (needs ptrace)", pid, ErrPermission)
	}
	out := map[int]*SockOptions{}
	for _, fd := range fds {
		out[fd] = &SockOptions{SndBuf: &fd}
	}
	return out, nil
}

func TestAttachOptions(t *testing.T) {
	socks := []Socket{
		{Owners: []Owner{{PID: 1, FD: 3}, {PID: 2, FD: 4}}},
		{Owners: []Owner{{PID: 1, FD: 5}, {PID: 3, FD: -1}}},
		{}, // TIME_WAIT
	}
	r := &fakeOptions{denied: map[int]bool{2: true}}
	miss := AttachOptions(r, socks, 0)
	if miss.Processes != 1 || !strings.Contains(miss.String(), "1 process could not be read") || !strings.Contains(miss.Reason, "ptrace") {
		t.Errorf("missing: %+v %q", miss, miss.String())
	}
	if diff := cmp.Diff(map[int][]int{1: {3, 5}, 2: {4}}, r.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	if o := socks[0].Owners[0].Options; o == nil || *o.SndBuf != 3 {
		t.Errorf("pid 1 fd 3 options: %+v", o)
	}
	if socks[0].Owners[1].Options != nil || socks[1].Owners[1].Options != nil {
		t.Error("options set where none could be read")
	}
	if m := AttachOptions(nil, socks, 0); m.Reason == "" {
		t.Error("nil reader must say why options are missing")
	}
}

func TestFormatOptions(t *testing.T) {
	n := 4096
	o := &SockOptions{ReuseAddr: yes(), ReusePort: no(), KeepAlive: yes(), NoDelay: no(), Linger: &Linger{On: true},
		SndBuf: &n, Congestion: "cu\x1bbic", TCPInfo: &TCPInfo{RTT: 1500 * time.Microsecond, Retransmits: 1, TotalRetrans: 7}}
	want := `reuseaddr,keepalive,linger=0s,sndbuf=4096,cc=cu\x1bbic,rtt=1.5ms,retrans=1/7`
	if got := FormatOptions(o); got != want {
		t.Errorf("FormatOptions = %q, want %q", got, want)
	}
	if got := FormatOptions(nil); got != "-" {
		t.Errorf("nil: %q", got)
	}
}
