// Command gosof tells who holds a port, in what state, and how to release it.
package main

import (
	"os"

	// for its init: it starts loading the BPF descriptor iterator while
	// the other packages initialise (Linux)
	_ "github.com/gosof/gosof/cmd/gosof/internal/preload"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
