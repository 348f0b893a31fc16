package diagnose

import (
	"fmt"
	"testing"

	"github.com/gosof/gosof/core"
)

func TestByNetNS(t *testing.T) {
	sock := func(ns uint64, port uint16) core.Socket {
		return core.Socket{Proto: core.TCP, NetNS: ns, Local: core.Endpoint{Port: port}}
	}
	socks := []core.Socket{sock(7, 1), sock(9, 2), sock(7, 3), sock(8, 4)}
	show := func(gs []NetNSGroup) string {
		s := ""
		for _, g := range gs {
			s += fmt.Sprintf("%d:", g.NetNS)
			for _, x := range g.Sockets {
				s += fmt.Sprintf(" %d", x.Local.Port)
			}
			s += ";"
		}
		return s
	}
	tests := []struct {
		socks []core.Socket
		split bool
		want  string
	}{
		{socks, true, "7: 1 3;9: 2;8: 4;"}, // in the order the namespaces come
		{socks, false, "7: 1 2 3 4;"},
		{nil, true, "0:;"}, // a free port is still one diagnosis
	}
	for _, tc := range tests {
		if got := show(ByNetNS(tc.socks, tc.split)); got != tc.want {
			t.Errorf("ByNetNS(split %v) = %q, want %q", tc.split, got, tc.want)
		}
	}
}

func TestProbesWithoutProber(t *testing.T) {
	rs := Probes(ProbeSource{Skipped: "--no-probe was given"}, 8080, NetNSGroup{Sockets: []core.Socket{{Proto: core.UDP}}}, "")
	if len(rs) != 1 || rs[0].Proto != core.TCP || rs[0].Port != 8080 || rs[0].Skipped != "--no-probe was given" || rs[0].Verdict != VerdictNotProbed {
		t.Errorf("Probes without a prober = %+v, want one TCP report that says why", rs)
	}
}
