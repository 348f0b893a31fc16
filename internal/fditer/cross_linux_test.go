package fditer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gosof/gosof/internal/hostorder"
)

// TestBigEndianUnderQEMU runs this package's tests as a big-endian
// (s390x) binary under qemu-user: the program's register nibbles and the
// BTF reader have a big-endian path that a little-endian host never takes
// (TestInsnRegisters, TestLayoutFromBTF, TestProgramGolden, which
// assembles both byte orders on any host but reads the golden file
// there too). The tests that load the program
// skip themselves there: the kernel is little-endian and its BTF is
// refused, as it must be.
func TestBigEndianUnderQEMU(t *testing.T) {
	if testing.Short() || hostorder.BigEndian || os.Getenv("GOARCH") != "" {
		t.Skip("cross-compiles the package's tests for s390x; not in -short mode or on a big-endian host")
	}
	qemu, err := exec.LookPath("qemu-s390x-static")
	if err != nil {
		t.Skip("no qemu-s390x-static (Debian: apt-get install qemu-user-static)")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH: ", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "fditer.test")
	build := exec.CommandContext(ctx, gobin, "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=s390x", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for s390x: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, qemu, bin, "-test.v", "-test.run", "^(TestInsnRegisters|TestLayoutFromBTF|TestLayoutRefused|TestProgramGolden|TestVerifierSays|TestSeccompFiltered|TestFDIterRecords)$")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("s390x tests under qemu: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestInsnRegisters", "--- PASS: TestLayoutFromBTF", "--- PASS: TestLayoutRefused",
		"--- PASS: TestProgramGolden", "--- PASS: TestVerifierSays", "--- PASS: TestSeccompFiltered", "--- SKIP: TestFDIterRecords"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("s390x run lacks %q:\n%s", want, out)
		}
	}
}
