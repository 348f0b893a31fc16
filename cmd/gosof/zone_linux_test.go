package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// linkNS starts a helper in a network namespace of its own holding a veth
// pair, gosof-ctx-v0 (with the link-local address fe80::1, no duplicate
// address detection so it can be bound at once) and peer (up, with its
// own link-local address). The pair goes away with the namespace.
func linkNS(t *testing.T, peer string) *testhelper.Proc {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces and interfaces")
	}
	h := testhelper.Start(t, testhelper.NewNetNS())
	netns := fmt.Sprintf("--net=/proc/%d/ns/net", h.PID)
	for _, args := range [][]string{
		{"ip", "link", "add", "gosof-ctx-v0", "type", "veth", "peer", "name", peer},
		{"ip", "addr", "add", "fe80::1/64", "dev", "gosof-ctx-v0", "nodad"},
		{"ip", "link", "set", "gosof-ctx-v0", "up"},
		{"ip", "link", "set", peer, "up"},
	} {
		if out, err := exec.Command("nsenter", append([]string{netns}, args...)...).CombinedOutput(); err != nil {
			t.Skipf("%v: %v: %s", args, err, out) // no veth in this kernel
		}
	}
	return h
}

// ifIndex is the index of interface name in helper h's namespace.
func ifIndex(t *testing.T, h *testhelper.Proc, name string) int {
	t.Helper()
	// "3: gosof-ctx-v0@gosof-ctx-v1: <BROADCAST,...": ip's own index
	b, err := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/ns/net", h.PID), "ip", "-o", "link", "show", "dev", name).Output()
	if err != nil {
		t.Fatalf("ifindex of %q: %v", name, err)
	}
	idx, _, _ := strings.Cut(string(b), ":")
	n, err := strconv.Atoi(idx)
	if err != nil {
		t.Fatalf("ifindex of %q: %q: %v", name, b, err)
	}
	return n
}

// TestZoneAndDevice: in a namespace the test makes, a TCP listener on a
// link-local address (bound with its scope), a connection to it, and a
// UDP socket bound to the other interface with SO_BINDTODEVICE, whose
// name holds an escape character. The table shows the zone inside the
// brackets and the device as ss does; JSON carries zone, dev and
// ifindex; names come from the sockets' own namespace (the indexes name
// other interfaces, or none, in gosof's); --dev and [ADDR%zone]:PORT
// filter on them.
func TestZoneAndDevice(t *testing.T) {
	peer := "gosof-ctx-\x1bZ"
	h := linkNS(t, peer)
	v0, v1 := ifIndex(t, h, "gosof-ctx-v0"), ifIndex(t, h, peer)
	ns := strconv.Itoa(h.PID)
	lfd := h.Int("socket inet6 stream")
	h.Do("bind %d [fe80::1%%gosof-ctx-v0]:27501", lfd)
	h.Do("listen %d", lfd)
	cfd := h.Int("socket inet6 stream")
	h.Do("connect %d [fe80::1%%gosof-ctx-v0]:27501", cfd)
	h.Do("accept %d", lfd)
	ufd := h.Int("socket inet dgram")
	h.Do("setsockopt %d bindtodevice %s", ufd, hex.EncodeToString([]byte(peer)))
	h.Do("bind %d 0.0.0.0:27502", ufd)

	out, errOut, code := gosof(t, "who", "--netns", ns, "-l", "27501")
	if code != 0 || !strings.Contains(out, " [fe80::1%gosof-ctx-v0]:27501 ") {
		t.Errorf("who -l 27501: exit %d, want the listener as [fe80::1%%gosof-ctx-v0]:27501:\n%s%s", code, out, errOut)
	}
	out, errOut, code = gosof(t, "ls", "--netns", ns, "--dev", peer)
	if want := ` 0.0.0.0%gosof-ctx-\x1bZ:27502 `; code != 0 || !strings.Contains(out, want) || strings.Count(out, "\n") != 2 {
		t.Errorf("ls --dev %q: exit %d, want one row with %s, escaped:\n%s%s", peer, code, want, out, errOut)
	}
	// the same by index
	if out2, _, _ := gosof(t, "ls", "--netns", ns, "--dev", strconv.Itoa(v1)); out2 != out {
		t.Errorf("ls --dev %d:\n%s\nwant what --dev NAME printed:\n%s", v1, out2, out)
	}

	var socks []struct {
		jsock
		Dev     *string `json:"dev"`
		IfIndex *int    `json:"ifindex"`
	}
	out, errOut, code = gosof(t, "ls", "--netns", ns, "--json", "--proto", "tcp,udp")
	if code != 0 {
		t.Fatalf("ls --json: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &socks); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, s := range socks {
		dev, idx := "", 0
		if s.Dev != nil {
			dev = *s.Dev
		}
		if s.IfIndex != nil {
			idx = *s.IfIndex
		}
		key := fmt.Sprintf("%s %s %d", s.Proto, s.State, s.Local.Port)
		switch {
		case s.Proto == "udp" && s.Local.Port == 27502:
			seen["udp"] = true
			if dev != peer || idx != v1 || s.Local.Addr != "0.0.0.0" || s.Local.Zone != "" {
				t.Errorf("%s: dev %q ifindex %d local %+v, want dev %q ifindex %d and no zone", key, dev, idx, s.Local, peer, v1)
			}
		case s.Proto == "tcp":
			seen[s.State] = true
			if dev != "gosof-ctx-v0" || idx != v0 || s.Local.Addr != "fe80::1" || s.Local.Zone != "gosof-ctx-v0" {
				t.Errorf("%s: dev %q ifindex %d local %+v, want addr fe80::1 with zone and dev gosof-ctx-v0, ifindex %d", key, dev, idx, s.Local, v0)
			}
			if s.Remote != nil && (s.Remote.Addr != "fe80::1" || s.Remote.Zone != "gosof-ctx-v0") {
				t.Errorf("%s: remote %+v, want fe80::1 with zone gosof-ctx-v0", key, *s.Remote)
			}
		}
	}
	if !seen["udp"] || !seen["LISTEN"] || !seen["ESTABLISHED"] {
		t.Errorf("ls --json lacks the test's sockets (seen %v):\n%s", seen, out)
	}

	// [ADDR%zone]:PORT names the listener on that interface only
	if _, _, code := gosof(t, "who", "--netns", ns, "-l", "[fe80::1%gosof-ctx-v0]:27501"); code != 0 {
		t.Errorf("who [fe80::1%%gosof-ctx-v0]:27501: exit %d, want 0", code)
	}
	if out, _, code := gosof(t, "who", "--netns", ns, "-l", "[fe80::1%lo]:27501"); code != 1 {
		t.Errorf("who [fe80::1%%lo]:27501: exit %d, want 1 (another interface):\n%s", code, out)
	}
	// /proc/net tells no device: --dev there is refused, not empty
	if _, errOut, code := gosof(t, "ls", "--netns", ns, "--proc-net", "--dev", "gosof-ctx-v0"); code != 2 || !strings.Contains(errOut, "--proc-net") {
		t.Errorf("ls --proc-net --dev: exit %d, want 2 naming --proc-net: %s", code, errOut)
	}
	if _, errOut, code := gosof(t, "ls", "--proto", "unix", "--dev", "lo"); code != 2 {
		t.Errorf("ls --proto unix --dev lo: exit %d, want 2: %s", code, errOut)
	}
	if _, errOut, code := gosof(t, "ls", "--dev", "a/b"); code != 2 {
		t.Errorf("ls --dev a/b: exit %d, want 2: %s", code, errOut)
	}
	// an empty answer says --dev emptied it
	if _, errOut, code := gosof(t, "who", "--netns", ns, "--dev", "lo", "27502"); code != 1 || !strings.Contains(errOut, "--dev lo") {
		t.Errorf("who --dev lo 27502: exit %d, want 1 naming --dev: %s", code, errOut)
	}
}

// TestDevMustExist: a --dev that names no interface where the sockets are
// read is bad input, as a malformed port is: one line naming it, exit 2
// (it was "no match: nothing left after --dev", exit 1), in a list too,
// by name or index, and before kill plans anything. -A takes a device one
// namespace has (here the test's own, where a listener is bound to it);
// --netns reads that namespace's interfaces, not gosof's.
func TestDevMustExist(t *testing.T) {
	h := linkNS(t, "gosof-ctx-v9")
	lfd := h.Int("socket inet6 stream")
	h.Do("bind %d [fe80::1%%gosof-ctx-v0]:0", lfd)
	h.Do("listen %d", lfd)
	ns, pid := strconv.Itoa(h.PID), strconv.Itoa(h.PID)
	for _, args := range [][]string{
		{"ls", "--dev", "gosof-ctx-v0"}, // in the test's namespace only
		{"ls", "--dev", "lo,gosof-nodev"},
		{"ls", "--dev", "4000000000"},
		{"ls", "--netns", ns, "--dev", "gosof-nodev"},
		{"who", "-A", "--dev", "gosof-nodev", "1-65535"},
		{"kill", "-n", "--pid", pid, "--dev", "gosof-nodev", "1-65535"},
	} {
		out, errOut, code := gosof(t, args...)
		if code != exitError || !strings.Contains(errOut, "no such network interface") || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d; want 2, one line naming the device\n%s%s", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{
		{"ls", "-A", "-t", "--dev", "gosof-ctx-v0"},
		{"ls", "--netns", ns, "-t", "--dev", "gosof-ctx-v0"},
		{"ls", "--netns", ns, "-t", "--dev", strconv.Itoa(ifIndex(t, h, "gosof-ctx-v0"))},
	} {
		if out, errOut, code := gosof(t, args...); code != exitMatch || strings.TrimSpace(out) != pid {
			t.Errorf("%v: exit %d, %q; want the listener's holder %s\n%s", args, code, out, pid, errOut)
		}
	}
}
