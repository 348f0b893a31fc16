package bindprobe

import "golang.org/x/sys/unix"

// soReusePort is SO_REUSEPORT (Linux 3.9), whose number differs by
// architecture (15; 0x200 on MIPS and SPARC): golang.org/x/sys/unix has
// it for each, the syscall package not for amd64, 386 or arm.
const soReusePort = unix.SO_REUSEPORT
