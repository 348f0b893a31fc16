package testhelper

import "testing"

// FixedPortLo and FixedPortHi bound the ports a test may bind by number on
// the host's loopback, where the port must be named (a socket bound to a
// port it named keeps it, SOCK_BINDPORT_LOCK; a UDP server below the
// ephemeral range): below that range (32768-60999 by default,
// net.ipv4.ip_local_port_range), where no connection of the host holds
// one as its local end. Every other test binds port 0 and reads back the
// port the kernel picked.
const FixedPortLo, FixedPortHi = 29660, 29699

// UnheldPort is the port of that range no test binds: for a test that
// asks about a port nothing on the host holds. Any port of the ephemeral
// range may be some connection's local end.
const UnheldPort = FixedPortHi

// FixedPort calls bind with each port of FixedPortLo-FixedPortHi but
// UnheldPort in turn (another test, of this run or another, may hold
// some) and returns the first it took. The test fails if it took none.
func FixedPort(t testing.TB, bind func(port int) error) int {
	t.Helper()
	var err error
	for p := FixedPortLo; p < UnheldPort; p++ {
		if err = bind(p); err == nil {
			return p
		}
	}
	t.Fatalf("no port of %d-%d could be bound: %v", FixedPortLo, UnheldPort-1, err)
	return 0
}
