package main

import (
	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// outgoingFlag lets kill and close act on outgoing connections that
// matched only by their source port (see core.SplitOutgoing).
func outgoingFlag(verb string) cli.Flag {
	return &cli.BoolFlag{Name: "outgoing", Usage: "also " + verb + " outgoing connections whose source port is PORT (spared by default: they do not hold the port, they only connect from it)"}
}

// spareOutgoing takes the outgoing connections out of res unless
// --outgoing was given, and returns them.
func spareOutgoing(c *cli.Context, b *backend, res *core.Result, f *core.Filter) ([]core.Socket, error) {
	if c.Bool("outgoing") {
		return nil, nil
	}
	servers := func(ports []core.PortRange) ([]core.Socket, error) {
		r := &core.Resolver{Sockets: b.sockets} // no owners: only whether a server socket exists
		res, err := r.Resolve(core.ServerFilter(ports))
		if err != nil {
			return nil, err
		}
		return res.Sockets, nil
	}
	return core.SplitOutgoing(res, f, servers)
}
