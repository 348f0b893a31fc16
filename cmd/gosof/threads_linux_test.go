package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestThreadHeldSocket: a listener only a thread's own descriptor table
// holds (unshare(CLONE_FILES)) is owned by the process, with the thread
// shown, through netlink and /proc/net alike; who -t prints the pid.
func TestThreadHeldSocket(t *testing.T) {
	h := testhelper.Start(t)
	f := h.Do("thread-listen 127.0.0.1:0")
	tid, fd, port := f[0], f[1], f[2]
	for _, mode := range [][]string{nil, {"--proc-net"}} {
		out, errOut, code := gosof(t, append([]string{"who", "-t", port}, mode...)...)
		if code != 0 || out != strconv.Itoa(h.PID)+"\n" {
			t.Errorf("who -t %s %v: exit %d, %q (%s); want %d", port, mode, code, out, errOut, h.PID)
		}
		out, errOut, code = gosof(t, append([]string{"who", "--json", port}, mode...)...)
		var socks []struct {
			State  string `json:"state"`
			Owners []struct {
				PID int `json:"pid"`
				FD  int `json:"fd"`
				TID int `json:"tid"`
			} `json:"owners"`
		}
		if err := json.Unmarshal([]byte(out), &socks); err != nil || code != 0 {
			t.Fatalf("who --json %s %v: exit %d, %v: %s%s", port, mode, code, err, out, errOut)
		}
		got := fmt.Sprintf("%+v", socks)
		want := fmt.Sprintf("[{State:LISTEN Owners:[{PID:%d FD:%s TID:%s}]}]", h.PID, fd, tid)
		if got != want {
			t.Errorf("who --json %s %v: %s, want %s", port, mode, got, want)
		}
		out, _, _ = gosof(t, append([]string{"who", port}, mode...)...)
		if label := fmt.Sprintf("%d/gosof.test(thread %s)", h.PID, tid); !strings.Contains(out, label) {
			t.Errorf("who %s %v: no %q in\n%s", port, mode, label, out)
		}
	}
}
