package main

import (
	"strconv"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// TestCompletionCandidates: ports are servers' (TCP listeners, UDP bound
// below the ephemeral range), never the thousands of clients' UDP ends;
// `help <TAB>` offers commands; `fds <TAB>` and `--pid <TAB>` offer PIDs
// with their command, not file names.
func TestCompletionCandidates(t *testing.T) {
	h := testhelper.Start(t)
	_, tcp := listen(t, h, "inet", "127.0.0.1:0")
	server := h.Int("socket inet dgram")
	// below the ephemeral range (32768 and up by default)
	udp := strconv.Itoa(testhelper.FixedPort(t, func(p int) error {
		_, err := h.Try("bind %d 127.0.0.1:%d", server, p)
		return err
	}))
	client := h.Int("socket inet dgram")
	h.Do("bind %d 127.0.0.1:0", client) // the kernel picks from the ephemeral range
	clientPort, _ := strconv.Atoi(h.Do("name %d", client)[1])

	app := newApp(nil, nil, nil)
	has := func(cands []candidate, word string) bool {
		for _, c := range cands {
			if c.word == word {
				return true
			}
		}
		return false
	}
	for _, p := range []string{strconv.Itoa(tcp), udp} {
		if ports := complete(app, []string{"who", p}); !has(ports, p) {
			t.Errorf("who %s<TAB>: %v, want %s (a TCP listener, a UDP server)", p, ports, p)
		}
	}
	if ports := complete(app, []string{"kill", strconv.Itoa(clientPort)}); has(ports, strconv.Itoa(clientPort)) {
		t.Errorf("kill %d<TAB> offers a UDP client's ephemeral port", clientPort)
	}
	if ports := complete(app, []string{"who", ""}); len(ports) > maxPortCandidates {
		t.Errorf("who <TAB>: %d candidates, more than the cap %d", len(ports), maxPortCandidates)
	}
	if cmds := complete(app, []string{"help", "ki"}); !has(cmds, "kill") {
		t.Errorf("help ki<TAB>: %v, want kill", cmds)
	}
	pid := strconv.Itoa(h.PID)
	for _, words := range [][]string{{"fds", pid}, {"who", "--pid", pid}, {"ls", "--pid=" + pid}} {
		cands := complete(app, words)
		want := pid
		if words[1] == "--pid="+pid {
			want = "--pid=" + pid
		}
		found := false
		for _, c := range cands {
			found = found || c.word == want && c.desc == "gosof.test"
		}
		if !found {
			t.Errorf("%v<TAB>: %v, want %s with its command", words, cands, want)
		}
	}
}
