package selfcaps

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// statusCapEff is the CapEff line of /proc/self/status, the oracle.
func statusCapEff(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("CapEff %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatal("no CapEff line in /proc/self/status")
	return 0
}

const envChild = "GOSOF_TEST_SELFCAPS_CHILD"

// TestChild prints what the child sees; it does nothing unless
// TestEffective started it.
func TestChild(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("run by TestEffective")
	}
	c, ok := Effective()
	fmt.Printf("%x %v %x %v\n", c, ok, statusCapEff(t), Has(unix.CAP_SYS_PTRACE))
}

// TestEffective: the set is the kernel's CapEff for this process, and for
// a child that setpriv started without CAP_SYS_PTRACE, whose set lacks it.
func TestEffective(t *testing.T) {
	c, ok := Effective()
	if want := statusCapEff(t); !ok || c != want {
		t.Fatalf("Effective() = %#x, %v; /proc/self/status says %#x", c, ok, want)
	}
	for n := 0; n < 64; n++ {
		if Has(n) != (c&(1<<uint(n)) != 0) {
			t.Errorf("Has(%d) = %v with the set %#x", n, Has(n), c)
		}
	}
	if !Has() {
		t.Error("Has() of nothing is false")
	}
	if c&(1<<unix.CAP_SYS_PTRACE) == 0 {
		t.Skip("no CAP_SYS_PTRACE to drop: run as root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	cmd := exec.Command(setpriv, "--inh-caps=-sys_ptrace", "--bounding-set=-sys_ptrace", "--", os.Args[0], "-test.run=^TestChild$", "-test.v")
	cmd.Env = append(os.Environ(), envChild+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got, want uint64
	var gotOK, ptrace bool
	for _, line := range strings.Split(string(out), "\n") {
		if n, _ := fmt.Sscanf(line, "%x %v %x %v", &got, &gotOK, &want, &ptrace); n == 4 {
			break
		}
	}
	if !gotOK || got != want || want == 0 {
		t.Fatalf("child: Effective() = %#x, %v; its /proc/self/status says %#x (output %q)", got, gotOK, want, out)
	}
	if ptrace || got&(1<<unix.CAP_SYS_PTRACE) != 0 {
		t.Fatalf("child without CAP_SYS_PTRACE: Effective() = %#x, Has(CAP_SYS_PTRACE) = %v", got, ptrace)
	}
}
