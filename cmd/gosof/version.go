package main

import (
	"fmt"
	"runtime"
)

// Stamped by build.sh with -ldflags "-X main.version=... -X main.commit=... -X main.date=...";
// gccgo takes no -ldflags, so for it build.sh sets them in an init function
// added through -overlay, with toolchain.
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
	// toolchain names the compiler: runtime.Version() under gc ("go1.26.8");
	// gccgo's runtime says only "unknown" there, so its name leads.
	toolchain = defaultToolchain()
)

func defaultToolchain() string {
	if runtime.Compiler == "gc" {
		return runtime.Version()
	}
	return runtime.Compiler + " " + runtime.Version()
}

func versionString() string {
	return fmt.Sprintf("%s (commit %s, built %s, %s, %s/%s)",
		version, commit, date, toolchain, runtime.GOOS, runtime.GOARCH)
}
