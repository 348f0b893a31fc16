package solaris

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPropRequest(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		b, err := propRequest("extra_priv_ports", zModProtoTCP, 256, bo)
		if err != nil {
			t.Fatal(err)
		}
		// sizeof(mod_ioc_prop_t) + valsize - 1: what the kernel checks.
		if len(b) != zPropSize+255 || bo.Uint32(b[zPropVersion:]) != 1 || bo.Uint32(b[zPropFlags:]) != 1 ||
			bo.Uint32(b[zPropProto:]) != 8 || cstring(b[zPropName:zPropName+zPropNameSize]) != "extra_priv_ports" ||
			bo.Uint32(b[zPropValsize:]) != 256 || b[zPropIfname] != 0 {
			t.Errorf("%v: request % x", bo, b[:zPropVal])
		}
		copy(b[zPropVal:], "2049,4045\x00")
		if v := propValue(b); v != "2049,4045" {
			t.Errorf("value %q", v)
		}
	}
	if _, err := propRequest(strings.Repeat("x", 64), zModProtoTCP, 256, binary.LittleEndian); err == nil {
		t.Error("a name longer than MAXPROPNAMELEN-1 was accepted")
	}
	if cmd := int32(zSIOCGETPROP); uint32(cmd) != 0xc00070bc { // _IOWRN('p', 188, 0)
		t.Errorf("SIOCGETPROP %#x", uint32(cmd))
	}
}

// TestPrivPorts: 2049 and 4045 are privileged by default although above
// 1024 (the probe used to take every port from 1024 up as free to bind);
// a tuned list is read from the kernel; unreadable tunables fall back to
// the defaults and say so.
func TestPrivPorts(t *testing.T) {
	props := func(m map[string]string) func(string, uint32) (string, error) {
		return func(name string, proto uint32) (string, error) {
			if proto != zModProtoTCP {
				t.Errorf("proto %d", proto)
			}
			v, ok := m[name]
			if !ok {
				return "", errors.New("ENOENT")
			}
			return v, nil
		}
	}
	for _, tc := range []struct {
		name    string
		props   map[string]string
		priv    []uint16
		free    []uint16
		assumed string
	}{
		{"defaults", map[string]string{"smallest_nonpriv_port": "1024", "extra_priv_ports": "2049,4045"},
			[]uint16{22, 1023, 2049, 4045}, []uint16{1024, 2048, 4046, 8080}, ""},
		{"tuned", map[string]string{"smallest_nonpriv_port": "2000", "extra_priv_ports": "8443"},
			[]uint16{1024, 1999, 8443}, []uint16{2000, 2049, 4045}, ""},
		{"no extra ports", map[string]string{"smallest_nonpriv_port": "1024", "extra_priv_ports": ""},
			[]uint16{80}, []uint16{2049}, ""},
		{"unreadable", map[string]string{}, []uint16{80, 2049, 4045}, []uint16{1024}, "SIOCGETPROP smallest_nonpriv_port: ENOENT"},
		{"garbage", map[string]string{"smallest_nonpriv_port": "1024", "extra_priv_ports": "2049,x"}, []uint16{2049}, []uint16{1024}, `"x" is not a port`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pp := readPrivPorts(zModProtoTCP, props(tc.props))
			if !strings.Contains(pp.Assumed, tc.assumed) || (tc.assumed == "") != (pp.Assumed == "") {
				t.Errorf("Assumed %q, want %q", pp.Assumed, tc.assumed)
			}
			var priv, free []uint16
			for _, p := range append(append([]uint16{}, tc.priv...), tc.free...) {
				if pp.Privileged(p) {
					priv = append(priv, p)
				} else {
					free = append(free, p)
				}
			}
			if !cmp.Equal(tc.priv, priv) || !cmp.Equal(tc.free, free) {
				t.Errorf("privileged %v, free %v; want %v, %v", priv, free, tc.priv, tc.free)
			}
		})
	}
	pp := PrivPorts{Smallest: 1024, Extra: []uint16{2049, 4045}}
	if w := pp.Why(2049); w != "in extra_priv_ports 2049,4045" {
		t.Errorf("Why(2049) = %q", w)
	}
}
