// Package preload starts loading gosof's BPF descriptor iterator
// (internal/fditer) while Go is still initialising the rest of gosof:
// the client_golang, protobuf, TLS and CLI packages take ~2 ms before
// main runs, about what finding the kernel's layout and loading the
// program take, so a scan that waited for both now waits for neither.
// main imports it for its init alone; it is initialised early because it
// depends on little (x/sys and the iterator).
//
// It reads the command line before the CLI parses it, and so can only
// guess: a wrong guess costs ~2 ms of CPU on the other core and no
// result, and the real parse decides everything. It guesses "scans
// every process" only for the commands that do (ls, who, kill, close,
// why, metrics, and a bare port or none, which are ls and who), never
// with --proc-fd, --pid (a scan of those processes only, through /proc),
// --replay, or help and version flags.
package preload

import "strings"

// scansEveryProcess is that guess, from the arguments after the program
// name.
func scansEveryProcess(args []string) bool {
	word := ""
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			for _, no := range []string{"--proc-fd", "--pid", "--replay", "-h", "--help", "--version", "-v"} {
				if a == no || strings.HasPrefix(a, no+"=") {
					return false
				}
			}
			continue
		}
		if word == "" {
			word = a
		}
	}
	switch word {
	case "", "ls", "who", "kill", "close", "why", "metrics":
		return true
	}
	// a port: 8080, tcp/80, :80, 80,443
	c := word[0]
	return c >= '0' && c <= '9' || c == ':' || strings.HasPrefix(word, "tcp/") || strings.HasPrefix(word, "udp/")
}
