package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// outgoingFlag lets kill and close act on outgoing connections that
// matched only by their source port (see core.SplitOutgoing).
func outgoingFlag(verb string) cli.Flag {
	return &cli.BoolFlag{Name: "outgoing", Usage: "also " + verb + " outgoing connections whose source port is PORT (spared by default: they do not hold the port, they only connect from it)"}
}

// terseUnseen is who -t's answer when matched sockets have holders it
// could not see: a script doing `kill $(gosof who -t P)` must not take an
// empty list for "nothing holds P". With no PID printed it is an error
// (exit 2); with some, a warning that the list may be incomplete.
func (s *session) terseUnseen(res *core.Result) error {
	unknown, pids := 0, 0
	for i := range res.Sockets {
		sock := &res.Sockets[i]
		if core.UnknownHolder(sock, res.Unseen) {
			unknown++
		}
		if sock.HasOwners() { // an unverified creator is never printed
			pids++
		}
	}
	if unknown == 0 {
		return nil
	}
	if pids == 0 {
		return errors.New(showNoProcess(unknown) + " (above): no PID printed")
	}
	s.notes = append(s.notes, showNoProcess(unknown)+"; the PIDs above may be incomplete")
	return nil
}
