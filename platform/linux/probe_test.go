package linux

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosof/gosof/core"
)

func TestParseUnprivStart(t *testing.T) {
	if n, err := parseUnprivStart([]byte("1024\n")); n != 1024 || err != nil {
		t.Errorf("1024: %d, %v", n, err)
	}
	for _, bad := range []string{"", "x", "-1", "70000"} {
		if _, err := parseUnprivStart([]byte(bad)); !errors.Is(err, core.ErrParse) {
			t.Errorf("%q: err = %v, want ErrParse", bad, err)
		}
	}
}

func TestMayBind(t *testing.T) {
	const bind = 1 << capNetBindService
	for _, tc := range []struct {
		port  uint16
		start int
		caps  uint64
		ok    bool
	}{
		{8080, 1024, 0, true},
		{80, 1024, 0, false},
		{80, 1024, bind, true},
		{80, 0, 0, true}, // ip_unprivileged_port_start=0: every port is free to bind
		{1023, 1024, ^uint64(bind), false},
		{1024, 1024, 0, true},
	} {
		ok, why := mayBind(tc.port, tc.start, tc.caps)
		if ok != tc.ok || ok != (why == "") || (!ok && !strings.Contains(why, "CAP_NET_BIND_SERVICE")) {
			t.Errorf("mayBind(%d, %d, %#x) = %v, %q; want %v", tc.port, tc.start, tc.caps, ok, why, tc.ok)
		}
	}
}

func TestFDKind(t *testing.T) {
	for _, tc := range []struct {
		link   string
		mode   uint32
		statOK bool
		want   core.FDKind
	}{
		{"socket:[123]", sIFSOCK, true, core.FDSocket},
		{"pipe:[55]", sIFIFO, true, core.FDPipe},
		{"anon_inode:[eventfd]", 0o600, true, core.FDAnon},
		{"anon_inode:inotify", 0, false, core.FDAnon},
		{"/dev/null", sIFCHR | 0o666, true, core.FDChar},
		{"/dev/sda", sIFBLK | 0o660, true, core.FDBlock},
		{"/tmp", sIFDIR | 0o777, true, core.FDDir},
		{"/etc/passwd", sIFREG | 0o644, true, core.FDFile},
		{"/run/fifo", sIFIFO | 0o600, true, core.FDFIFO},
		{"/gone (deleted)", 0, false, core.FDUnknown},
	} {
		if got := fdKind(tc.link, tc.mode, tc.statOK); got != tc.want {
			t.Errorf("fdKind(%q, %#o, %v) = %s, want %s", tc.link, tc.mode, tc.statOK, got, tc.want)
		}
	}
}

func TestCstrAndSockType(t *testing.T) {
	if got := cstr("cubic\x00\x00\x00"); got != "cubic" {
		t.Errorf("cstr = %q", got)
	}
	if sockTypeName(1) != core.Stream || sockTypeName(2) != core.Dgram || sockTypeName(5) != core.SeqPacket || sockTypeName(99) != core.TypeUnknown {
		t.Error("sockTypeName")
	}
}
