package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrossBuildRunsUnderQEMU cross-compiles gosof for a little-endian and a
// big-endian architecture and runs each under qemu-user: the release archives
// carry binaries for machines CI does not have, and this is the cheapest proof
// that they start, parse flags and know what they were built for.
//
// Only --version and --help are run here; sparc_linux_test.go compares a
// big-endian (SPARC) build's sockets with this build's, which works because
// gosof reads /proc/net in the kernel's byte order (/sys/kernel/cpu_byteorder)
// even under qemu-user.
func TestCrossBuildRunsUnderQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: cross-compiles two binaries")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command in PATH to cross-compile with: %v", err)
	}
	for _, tc := range []struct {
		goarch string
		qemu   []string // first one found in PATH is used
	}{
		{"arm64", []string{"qemu-aarch64-static", "qemu-aarch64"}},
		{"s390x", []string{"qemu-s390x-static", "qemu-s390x"}}, // big-endian
	} {
		t.Run(tc.goarch, func(t *testing.T) {
			qemu := ""
			for _, name := range tc.qemu {
				if p, err := exec.LookPath(name); err == nil {
					qemu = p
					break
				}
			}
			if qemu == "" {
				t.Skipf("none of %s in PATH (Debian: apt-get install qemu-user-static)", strings.Join(tc.qemu, ", "))
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			bin := filepath.Join(t.TempDir(), "gosof")
			const version = "crosstest"
			build := exec.CommandContext(ctx, gobin, "build", "-trimpath",
				"-ldflags", "-X main.version="+version, "-o", bin, ".")
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tc.goarch, "GOFLAGS=")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("GOARCH=%s go build: %v\n%s", tc.goarch, err, out)
			}

			for _, c := range []struct {
				arg  string
				want []string
			}{
				{"--version", []string{"gosof " + version + " ", "linux/" + tc.goarch + ")"}},
				{"--help", []string{"who holds this port", "USAGE:", "--help"}},
			} {
				var stdout, stderr bytes.Buffer
				cmd := exec.CommandContext(ctx, qemu, bin, c.arg)
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%s %s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(qemu), tc.goarch, c.arg, err, &stdout, &stderr)
				}
				for _, w := range c.want {
					if !strings.Contains(stdout.String(), w) {
						t.Errorf("%s %s %s: stdout lacks %q:\n%s", filepath.Base(qemu), tc.goarch, c.arg, w, &stdout)
					}
				}
			}
		})
	}
}
