package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/golden"

	"github.com/google/go-cmp/cmp"
)

const solarisFixtures = "../../testdata/solaris"

// TestReplay runs 'gosof ls --replay' on the Solaris captures, on whatever
// OS the test runs on, and compares the JSON and table output with golden
// files: the end-to-end check that a Solaris socket prints as the
// contract says.
func TestReplay(t *testing.T) {
	for _, capture := range []string{"illumos-amd64", "illumos-sparc", "illumos-pre2019", "unknown-size", "solaris11-fdinfo", "solaris10-legacy"} {
		for _, form := range []struct{ name, flag string }{{"json", "--json"}, {"table", ""}} {
			t.Run(capture+"/"+form.name, func(t *testing.T) {
				args := []string{"ls", "--replay", filepath.Join(solarisFixtures, capture)}
				if form.flag != "" {
					args = append(args, form.flag)
				}
				stdout, stderr, code := gosofReplay(t, args...)
				if code != 0 {
					t.Fatalf("gosof %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
				}
				// Only a layout gosof does not know is worth a note, and then
				// once per kind, with the way to send a capture.
				switch {
				case capture == "unknown-size":
					// and the sockets no owner was found for have an
					// unknown holder, not none
					if strings.Count(stderr, "row sizes not recognised") != 1 || strings.Count(stderr, "EXPER_SOCK_INFO (level 262") != 1 ||
						!strings.Contains(stderr, "gosof debug capture DIR") || strings.Count(stderr, "nothing names the holder of 12 sockets") != 1 ||
						strings.Count(stderr, "\n") != 3 {
						t.Errorf("stderr %q: want one note on the row sizes, one on EXPER_SOCK_INFO and one on the unknown holders", stderr)
					}
				case capture == "solaris10-legacy":
					// No EXPER_SOCK_INFO, no fdinfo, no creator: no row's
					// holder can be known, said once.
					if !strings.Contains(stderr, "nothing names the holder of 3 sockets") || strings.Count(stderr, "\n") != 1 {
						t.Errorf("stderr %q: want one note on the unknown holders", stderr)
					}
				case capture == "solaris11-fdinfo":
					if stderr != holderNote {
						t.Errorf("stderr %q, want %q", stderr, holderNote)
					}
				case capture == "illumos-pre2019":
					// A capture of an older gosof: no clock rate, so no
					// creator is proven, said once.
					if !strings.Contains(stderr, "the creator named by 6 sockets could not be proven") || !strings.Contains(stderr, "clock rate, hz") ||
						strings.Count(stderr, "\n") != 1 {
						t.Errorf("stderr %q: want one note on the unproven creators", stderr)
					}
				case stderr != "":
					t.Errorf("stderr %q", stderr)
				}
				golden.Check(t, filepath.Join(solarisFixtures, capture+"."+form.name+".golden"), []byte(stdout))
			})
		}
	}
	// A capture without the lbolt of its host tells no socket's age: the
	// IDLE column is "-" throughout.
	t.Run("illumos-amd64/idle", func(t *testing.T) {
		stdout, stderr, code := gosofReplay(t, "ls", "--show-idle", "--replay", filepath.Join(solarisFixtures, "illumos-amd64"))
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		golden.Check(t, filepath.Join(solarisFixtures, "illumos-amd64.idle.golden"), []byte(stdout))
	})
	// The amd64 and SPARC captures hold the same sockets.
	a, _, _ := gosofReplay(t, "ls", "--replay", filepath.Join(solarisFixtures, "illumos-amd64"), "--json")
	b, _, _ := gosofReplay(t, "ls", "--replay", filepath.Join(solarisFixtures, "illumos-sparc"), "--json")
	if a == "" || a != b {
		t.Errorf("amd64 and SPARC captures print differently (-amd64 +sparc):\n%s", cmp.Diff(a, b))
	}
}

func TestReplayErrors(t *testing.T) {
	for _, args := range [][]string{
		{"ls", "--replay", filepath.Join(solarisFixtures, "no-such-capture")},
		{"ls", "--replay", filepath.Join(solarisFixtures, "bad")},
	} {
		_, stderr, code := gosofReplay(t, args...)
		if code != 2 || !strings.HasPrefix(stderr, "gosof: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want 2 and one line", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestReplayDevByIndex: Solaris and illumos tell a socket's interface by
// index alone, so a --dev name can match nothing in a capture: exit 2
// saying to give the index (it was "no match", exit 1). An index is taken.
func TestReplayDevByIndex(t *testing.T) {
	capture := filepath.Join(solarisFixtures, "illumos-amd64")
	for _, args := range [][]string{{"ls", "--dev", "net0"}, {"ls", "--dev", "2,net0"}, {"who", "--dev", "net0", "22"}} {
		args = append(args, "--replay", capture)
		out, stderr, code := gosofReplay(t, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, `--dev "net0": Solaris and illumos tell a socket's interface by its index alone: give the index`) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gosof %s: exit %d, stderr %q; want 2 and one line asking for the index", strings.Join(args, " "), code, stderr)
		}
	}
	if _, stderr, code := gosofReplay(t, "ls", "--dev", "2", "--replay", capture); code != 1 || !strings.Contains(stderr, "nothing left after --dev 2") {
		t.Errorf("gosof ls --dev 2 --replay: exit %d, stderr %q; want 1, the index taken", code, stderr)
	}
}

func gosofReplay(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestReplayRefusesLiveFlags: the flags that choose how this host is read
// (--proc-net, --proc-fd, --netns, --all-netns) mean nothing with a
// --replay capture; every command that takes --replay and one of them
// refuses the pair in one line, exit 2, naming the flag given.
func TestReplayRefusesLiveFlags(t *testing.T) {
	capture := filepath.Join(solarisFixtures, "illumos-amd64")
	operand := map[string][]string{"who": {"111"}, "why": {"111"}, "fds": {"400"}}
	tried := 0
	for _, c := range newApp(nil, nil, nil).Commands {
		if c.Hidden || findFlag(c.Flags, "replay") == nil {
			continue
		}
		for _, live := range [][]string{{"--proc-net"}, {"--proc-fd"}, {"--netns", "x"}, {"--all-netns"}} {
			if findFlag(c.Flags, live[0][2:]) == nil {
				continue
			}
			args := append(append([]string{c.Name, "--replay", capture}, live...), operand[c.Name]...)
			out, stderr, code := gosofReplay(t, args...)
			want := live[0] + " does not apply to a --replay capture"
			if code != 2 || out != "" || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("gosof %s: exit %d, stderr %q, stdout %d bytes; want 2 and one line %q",
					strings.Join(args, " "), code, stderr, len(out), want)
			}
			tried++
		}
		if c.Name == "who" {
			args := []string{"who", "--replay", capture, "--proc-net", "--proc-fd", "111"}
			if _, stderr, code := gosofReplay(t, args...); code != 2 || !strings.Contains(stderr, "--proc-net and --proc-fd do not apply") {
				t.Errorf("gosof %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
			}
		}
	}
	if tried < 10 {
		t.Errorf("only %d command and flag pairs tried: the commands lost --replay or their live flags?", tried)
	}
}
