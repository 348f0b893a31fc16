//go:build linux

package linux

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/gosof/gosof/core"
)

// CommandLine is a process's arguments one by one, spaces, empty
// arguments and bytes that are not UTF-8 kept; a pid that does not exist
// is gone.
func TestCommandLine(t *testing.T) {
	l := &FDs{FS: DefaultFS()}
	got, err := l.CommandLine(os.Getpid())
	if err != nil || !slices.Equal(got, os.Args) {
		t.Fatalf("CommandLine(self) = %q, %v; want %q", got, err, os.Args)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat to hold a chosen argv")
	}
	// cat reads stdin first, then would open the other arguments
	args := []string{cat, "-", "two words", "", "\xff\xfe\u202e", "tab\there"}
	cmd := &exec.Cmd{Path: cat, Args: args}
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	// Start returns once the child is in execve, which sets the new
	// argv's place in memory a moment later: until then it reads empty.
	for i := 0; i < 100; i++ {
		if got, err = l.CommandLine(cmd.Process.Pid); err != nil || len(got) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || !slices.Equal(got, args) {
		t.Fatalf("CommandLine(cat) = %q, %v; want %q", got, err, args)
	}
	if _, err := l.CommandLine(1 << 30); !errors.Is(err, core.ErrGone) {
		t.Fatalf("CommandLine(no such pid): %v, want ErrGone", err)
	}
}
