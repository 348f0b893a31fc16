package linux

import (
	"net/netip"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gosof/gosof/core"
)

// eqAddr lets cmp compare netip.Addr (unexported fields) with ==.
var eqAddr = cmpopts.EquateComparable(netip.Addr{})

func ep(addr string, port uint16) core.Endpoint {
	return core.Endpoint{Addr: netip.MustParseAddr(addr), Port: port}
}

func epp(addr string, port uint16) *core.Endpoint {
	e := ep(addr, port)
	return &e
}
