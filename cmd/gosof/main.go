// Command gosof tells who holds a port, in what state, and how to release it.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
