package preload

import (
	"strings"
	"testing"
)

func TestScansEveryProcess(t *testing.T) {
	for in, want := range map[string]bool{
		"":                              true,
		"ls":                            true,
		"ls --json":                     true,
		"--json ls":                     true,
		"who 8080":                      true,
		"8080":                          true,
		"tcp/80":                        true,
		":443":                          true,
		"kill 8080 --dry-run":           true,
		"close 8080 --state close-wait": true,
		"why 8080":                      true,
		"metrics":                       true,
		"-A who 53":                     true,
		"who --pid 1 8080":              false,
		"who --pid=1 8080":              false,
		"--pid 1":                       false,
		"ls --proc-fd":                  false,
		"ls --proc-fd=true":             false,
		"ls --replay dir":               false,
		"--version":                     false,
		"-v":                            false,
		"who --help":                    false,
		"help who":                      false,
		"fds 1234":                      false,
		"man":                           false,
		"completion bash":               false,
		"exporter":                      false,
		"debug capture dir":             false,
		"who -- --proc-fd":              true,
		"bogus":                         false,
	} {
		if got := scansEveryProcess(strings.Fields(in)); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}
