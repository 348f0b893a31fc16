package core

import "testing"

// TestServedPortsAddress: a server socket serves its own address and,
// bound to a wildcard, every address; never another specific address.
func TestServedPortsAddress(t *testing.T) {
	client := func(fam Family, local string) *Socket {
		return &Socket{Proto: TCP, Family: fam, State: Established, Local: ep(local, 5000), Remote: epp("127.0.0.1", 80), Inode: 7}
	}
	server := func(fam Family, addr string, st State, proto Proto) *Socket {
		return &Socket{Proto: proto, Family: fam, State: st, Local: ep(addr, 5000), Inode: 8}
	}
	v6only := func(s *Socket) *Socket { s.V6Only = true; return s }
	withV6Only := func(s *Socket, on bool) *Socket {
		s.Owners = []Owner{{PID: 9, FD: 3, Options: &SockOptions{V6Only: &on}}}
		return s
	}
	optV6only := func(s *Socket) *Socket { return withV6Only(s, true) }
	optV6off := func(s *Socket) *Socket { return withV6Only(s, false) }
	for _, tc := range []struct {
		name   string
		server *Socket
		client *Socket
		want   bool
	}{
		{"same address", server(Inet, "127.0.0.1", Listen, TCP), client(Inet, "127.0.0.1"), true},
		{"another address", server(Inet, "127.0.0.2", Listen, TCP), client(Inet, "127.0.0.1"), false},
		{"v4 wildcard", server(Inet, "0.0.0.0", Listen, TCP), client(Inet, "10.1.2.3"), true},
		{"v6 wildcard, v6 client", server(Inet6, "::", Listen, TCP), client(Inet6, "::1"), true},
		{"v6 wildcard, v4-mapped client", server(Inet6, "::", Listen, TCP), client(Inet6, "::ffff:127.0.0.1"), true},
		{"v6 wildcard, v4 client (Solaris lists them so)", server(Inet6, "::", Listen, TCP), client(Inet, "127.0.0.1"), true},
		{"v4-mapped server, v4 client", server(Inet6, "::ffff:127.0.0.1", Listen, TCP), client(Inet, "127.0.0.1"), true},
		{"v4-mapped server, other v4-mapped client", server(Inet6, "::ffff:127.0.0.2", Listen, TCP), client(Inet6, "::ffff:127.0.0.1"), false},
		{"v6 address, another", server(Inet6, "::1", Listen, TCP), client(Inet6, "fe80::1"), false},
		{"v6-only wildcard, v4 client", v6only(server(Inet6, "::", Listen, TCP)), client(Inet, "127.0.0.1"), false},
		{"v6-only wildcard, v4-mapped client", v6only(server(Inet6, "::", Listen, TCP)), client(Inet6, "::ffff:127.0.0.1"), false},
		{"v6-only wildcard, v6 client", v6only(server(Inet6, "::", Listen, TCP)), client(Inet6, "::1"), true},
		{"v6-only by its options", optV6only(server(Inet6, "::", Listen, TCP)), client(Inet, "127.0.0.1"), false},
		{"v6 options off", optV6off(server(Inet6, "::", Listen, TCP)), client(Inet, "127.0.0.1"), true},
		{"bound not connected", server(Inet, "127.0.0.1", Close, TCP), client(Inet, "127.0.0.1"), true},
		{"bound elsewhere", server(Inet, "127.0.0.3", Close, TCP), client(Inet, "127.0.0.1"), false},
		{"other protocol", server(Inet, "0.0.0.0", Unconn, UDP), client(Inet, "127.0.0.1"), false},
	} {
		m := ServedPorts{}
		m.Add(tc.server)
		if got := m.Has(tc.client); got != tc.want {
			t.Errorf("%s: Has = %v, want %v", tc.name, got, tc.want)
		}
		// SplitOutgoing decides the same way.
		res := &Result{Sockets: []Socket{*tc.server, *tc.client}}
		out, err := SplitOutgoing(res, &Filter{Ports: []PortRange{{Lo: 5000, Hi: 5000}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if spared := len(out) == 1; spared == tc.want {
			t.Errorf("%s: SplitOutgoing spared %d, want the client spared: %v", tc.name, len(out), !tc.want)
		}
	}
}
