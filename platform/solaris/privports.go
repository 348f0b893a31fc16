package solaris

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Privileged ports. Binding a port below tcp's smallest_nonpriv_port, or
// one in its extra_priv_ports, needs PRIV_NET_PRIVADDR (tcp_bind.c:385-395);
// by default 1024 and 2049,4045 (tunables.h:150-151, NFS and lockd). Both
// are tunables (ipadm set-prop): gosof reads them as ipadm does, with the
// SIOCGETPROP ioctl through I_STR on an AF_INET socket (libipadm
// ipadm_prop.c i_ipadm_get_prop; libipadm.c:868-879), which needs no
// privilege (ip.c:1114, IPI_GET_CMD). The kernel formats the value as text:
// "%u" (tunables.c:190-212) or the ports joined by "," (tunables.c:464-533).

// Defaults of the kernel's tunables, used when they cannot be read.
const (
	defaultNonprivPort = 1024
	propValSize        = 256 // room for mpr_val: 1024 ports is far more than any list
)

var defaultExtraPriv = []uint16{2049, 4045}

// propRequest builds mod_ioc_prop_t for SIOCGETPROP: the current value
// (MOD_PROP_ACTIVE) of property name of protocol proto, with valsize bytes
// for the answer; its size is sizeof(mod_ioc_prop_t) + valsize - 1, which
// the kernel checks (ip_if.c getset_ioctl_checks).
func propRequest(name string, proto uint32, valsize int, bo binary.ByteOrder) ([]byte, error) {
	if len(name) >= zPropNameSize || valsize < 1 {
		return nil, fmt.Errorf("property %q: name too long or no room for the value", name)
	}
	b := make([]byte, zPropSize+valsize-1)
	bo.PutUint32(b[zPropVersion:], zModPropVersion)
	bo.PutUint32(b[zPropFlags:], zModPropActive)
	bo.PutUint32(b[zPropProto:], proto)
	copy(b[zPropName:], name)
	bo.PutUint32(b[zPropValsize:], uint32(valsize))
	return b, nil
}

// propValue is mpr_val of an answered request: NUL-terminated text.
func propValue(b []byte) string {
	if len(b) <= zPropVal {
		return ""
	}
	return cstring(b[zPropVal:])
}

// parsePort reads smallest_nonpriv_port's value.
func parsePort(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > 65536 {
		return 0, parseErr("smallest_nonpriv_port %q is not a port", s)
	}
	return int(n), nil
}

// parsePorts reads extra_priv_ports' value: ports joined by ",", "" for none.
func parsePorts(s string) ([]uint16, error) {
	if s == "" {
		return nil, nil
	}
	var ports []uint16
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(f, 10, 16)
		if err != nil || n == 0 {
			return nil, parseErr("extra_priv_ports %q: %q is not a port", s, f)
		}
		ports = append(ports, uint16(n))
	}
	return ports, nil
}

// PrivPorts is the kernel's rule for one protocol: below Smallest, or in
// Extra, binding needs PRIV_NET_PRIVADDR.
type PrivPorts struct {
	Smallest int
	Extra    []uint16
	// Assumed says why the defaults stand in for the kernel's values ("":
	// they were read).
	Assumed string
}

// Privileged reports whether binding port needs PRIV_NET_PRIVADDR.
func (p PrivPorts) Privileged(port uint16) bool {
	if int(port) < p.Smallest {
		return true
	}
	for _, e := range p.Extra {
		if e == port {
			return true
		}
	}
	return false
}

// Why says which rule makes port privileged.
func (p PrivPorts) Why(port uint16) string {
	w := fmt.Sprintf("below smallest_nonpriv_port %d", p.Smallest)
	if int(port) >= p.Smallest {
		w = "in extra_priv_ports " + joinPorts(p.Extra)
	}
	if p.Assumed != "" {
		w += " (the default; " + p.Assumed + ")"
	}
	return w
}

func joinPorts(ps []uint16) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}

// readPrivPorts reads proto's two tunables with get (one SIOCGETPROP
// each), falling back to the kernel's defaults, and saying so, when
// either cannot be read.
func readPrivPorts(proto uint32, get func(name string, proto uint32) (string, error)) PrivPorts {
	def := PrivPorts{Smallest: defaultNonprivPort, Extra: defaultExtraPriv}
	v, err := get("smallest_nonpriv_port", proto)
	if err != nil {
		def.Assumed = "SIOCGETPROP smallest_nonpriv_port: " + err.Error()
		return def
	}
	smallest, err := parsePort(v)
	if err != nil {
		def.Assumed = err.Error()
		return def
	}
	v, err = get("extra_priv_ports", proto)
	if err != nil {
		def.Assumed = "SIOCGETPROP extra_priv_ports: " + err.Error()
		return def
	}
	extra, err := parsePorts(v)
	if err != nil {
		def.Assumed = err.Error()
		return def
	}
	return PrivPorts{Smallest: smallest, Extra: extra}
}
