package core

// AcceptQueueOf is the TCP listener among socks in whose accept queue s
// waits, nil when s does not wait in one. A connection the handshake
// completed but no accept() took yet is a full socket with no file, so
// no inode and no process (inet_diag: sock_i_ino of a socket with no
// struct socket); it is established, or in CLOSE_WAIT when the peer
// closed meanwhile, and its local end is on a listener's address and
// port. It is no orphan: it leaves when accepted, or when its listener
// closes (as when the listener's holder exits), not after the kernel's
// timeouts. A socket whose holder the platform cannot tell
// (HolderUnknown: no inode there for any socket) is never taken for one.
// why (core/diagnose) and kill's and close's reports (core/release) ask
// this one question.
func AcceptQueueOf(s *Socket, socks []Socket) *Socket {
	if s.Proto != TCP || s.Inode != 0 || len(s.Owners) > 0 || s.HolderUnknown || s.State != Established && s.State != CloseWait {
		return nil
	}
	var other *Socket // a listener of the other family (:: takes IPv4 too)
	for i := range socks {
		ls := &socks[i]
		if ls.Proto != TCP || ls.State != Listen || ls.NetNS != s.NetNS || ls.Local.Port != s.Local.Port {
			continue
		}
		a := ls.Local.Addr.Unmap()
		if !a.IsValid() || a.IsUnspecified() || a.WithZone("") == s.Local.Addr.Unmap().WithZone("") {
			if ls.Family == s.Family {
				return ls
			}
			if other == nil {
				other = ls
			}
		}
	}
	return other
}

// Listeners are the TCP listeners among socks, the only sockets
// AcceptQueueOf can answer with. Ask it against them when asking about
// many sockets: against every socket on a port it walks the whole port
// once per connection, and a port can hold thousands.
func Listeners(socks []Socket) []Socket {
	var out []Socket
	for i := range socks {
		if socks[i].Proto == TCP && socks[i].State == Listen {
			out = append(out, socks[i])
		}
	}
	return out
}

// ListenerLine names a listener as kill's, close's and why's sentences
// do: "tcp 127.0.0.1:8080".
func ListenerLine(l *Socket) string { return ProtoLabel(l) + " " + FormatLocal(l) }

// AcceptQueueFull reports whether a listener's accept queue is full: the
// kernel drops (TCP) or refuses (unix: EAGAIN, or blocks) the next
// connection only once more are waiting than its backlog
// (sk_acceptq_is_full and unix_recvq_full compare with >, in
// include/net/sock.h and net/unix/af_unix.c), so listen(fd, 1) queues 2.
func AcceptQueueFull(queue, backlog uint64) bool { return queue > backlog }
