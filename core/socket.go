// Package core holds gosof's data model (sockets, endpoints, owners,
// processes), the filters, the resolver that joins a platform's sockets with
// the processes that hold them, and the renderers. It imports no platform
// package: a backend implements the small interfaces declared in source.go.
package core

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Proto is a transport protocol as the contract names it.
type Proto string

const (
	TCP     Proto = "tcp"
	UDP     Proto = "udp"
	UDPLite Proto = "udplite"
	Raw     Proto = "raw"
	Unix    Proto = "unix"
	SCTP    Proto = "sctp"
)

// HasPorts reports whether sockets of protocol p have ports: TCP, UDP,
// UDP-Lite and SCTP. A raw socket's "port" in the table is the IP
// protocol it was opened for (1 for ICMP, as ss prints it), and a unix
// socket has a path: a PORT never matches either, and p:PORT is refused.
func (p Proto) HasPorts() bool {
	switch p {
	case TCP, UDP, UDPLite, SCTP:
		return true
	}
	return false
}

// Name is the protocol as sentences name it: "TCP", "UDP", "UDP-Lite",
// "SCTP" ("RAW", "UNIX").
func (p Proto) Name() string {
	if p == UDPLite {
		return "UDP-Lite"
	}
	return strings.ToUpper(string(p))
}

// Protos lists every protocol gosof knows, in the contract's sort order.
var Protos = []Proto{TCP, UDP, UDPLite, Raw, Unix, SCTP}

// Family is an address family; String gives the contract's name. A byte,
// not a string, as are SockType and Timer: three bytes of a Socket where
// three strings took 48 (a host's sockets are held at once). Their values
// are in the order of their names, so comparing two sorts as the names do.
type Family uint8

const (
	FamilyUnknown Family = iota // ""
	Inet                        // "inet"
	Inet6                       // "inet6"
	Local                       // "unix"
)

var familyNames = [...]string{"", "inet", "inet6", "unix"}

func (f Family) String() string { return enumName(familyNames[:], uint8(f)) }

// MarshalText gives the contract's name, for encoding/json.
func (f Family) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText takes the contract's name.
func (f *Family) UnmarshalText(b []byte) error {
	i, err := enumParse(familyNames[:], "family", b)
	*f = Family(i)
	return err
}

// State is a socket state, spelled as docs/contract.md spells it.
type State string

// TCP states (RFC 793 names, as netstat prints them).
const (
	Listen      State = "LISTEN"
	SynSent     State = "SYN_SENT"
	SynRecv     State = "SYN_RECV"
	Established State = "ESTABLISHED"
	FinWait1    State = "FIN_WAIT1"
	FinWait2    State = "FIN_WAIT2"
	CloseWait   State = "CLOSE_WAIT"
	Closing     State = "CLOSING"
	LastAck     State = "LAST_ACK"
	TimeWait    State = "TIME_WAIT"
	Close       State = "CLOSE"
)

// Datagram and unix states.
const (
	Unconn    State = "UNCONN"    // UDP/raw with no peer, unix socket not connected
	Connected State = "CONNECTED" // unix socket with a peer
)

// TCPStates lists the TCP states in the order a connection passes through them.
var TCPStates = []State{Listen, SynSent, SynRecv, Established, FinWait1, FinWait2,
	CloseWait, Closing, LastAck, TimeWait, Close}

// AllStates is every state a socket can be reported in.
var AllStates = append(append([]State{}, TCPStates...), Unconn, Connected)

// SockType is the socket type (SOCK_STREAM...), mostly of interest for unix
// sockets, where ss prints u_str, u_dgr, u_seq.
type SockType uint8

const (
	TypeUnknown SockType = iota // ""
	Dgram                       // "dgram"
	RawType                     // "raw"
	SeqPacket                   // "seqpacket"
	Stream                      // "stream"
)

var sockTypeNames = [...]string{"", "dgram", "raw", "seqpacket", "stream"}

func (t SockType) String() string { return enumName(sockTypeNames[:], uint8(t)) }

// MarshalText gives the contract's name, for encoding/json.
func (t SockType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText takes the contract's name.
func (t *SockType) UnmarshalText(b []byte) error {
	i, err := enumParse(sockTypeNames[:], "socket type", b)
	*t = SockType(i)
	return err
}

// Endpoint is one end of a socket: an address and port for inet sockets, a
// path for unix sockets (abstract names start with '@', unnamed ones are "").
type Endpoint struct {
	Addr netip.Addr
	Port uint16
	Path string
}

// Socket is one kernel socket as a platform reports it, and the processes
// that hold it once the resolver has joined them.
type Socket struct {
	Proto  Proto
	Family Family
	Type   SockType
	// Timer is the kernel's pending timer on the socket (retransmit,
	// keepalive, TIME_WAIT...), and Expires how long until it fires. Zero
	// when the platform does not tell.
	Timer Timer
	// V6Only is IPV6_V6ONLY as the table reports it for an inet6 socket
	// that listens or is not connected (Linux sock_diag
	// INET_DIAG_SKV6ONLY); false when off or not told. IPv6Only also
	// reads the owners' socket options.
	V6Only bool
	// BacklogKnown says RecvQ and SendQ of a LISTEN socket are its
	// accept queue and its backlog, as Linux sock_diag tells them
	// (ListenQueue); false where the platform does not give the backlog.
	BacklogKnown bool
	// HolderUnknown: the platform cannot tell whether a process holds
	// this socket, which shows no owner (Solaris rows the kernel names
	// no holder of, that no descriptor or creation record matched): no
	// owner means "not known", never "none" (UnknownHolder).
	HolderUnknown bool
	State         State
	Local         Endpoint
	Remote        *Endpoint // nil when not connected

	Inode uint64 // 0 when the platform has none
	UID   int64  // socket owner uid as the kernel reports it; -1 if unknown
	NetNS uint64 // network namespace inode (Linux); 0 if unknown
	// NSLabel names the namespace the socket was read from (--netns,
	// --all-netns), one value shared by all its sockets; nil for none. A
	// pointer, not two strings: 24 bytes less in every socket.
	NSLabel *NSLabel

	RecvQ, SendQ uint64

	Expires time.Duration // see Timer

	// Idle is how long the socket has been idle (core/idle.go: TCP
	// sockets past their handshake), when the source was asked for it
	// (Filter.WantsIdle) and could tell; the zero Idle is unknown.
	Idle Idle

	// PeerInode is the inode of a connected unix socket's peer (Linux).
	PeerInode uint64
	// File is the file a unix socket is bound to, the socket node its
	// name made (Linux UNIX_DIAG_VFS; a connection a listener accepted
	// carries the listener's); zero when none, or where the platform does
	// not tell. A PATH matches by it too (PathTarget).
	File FileID

	// Dev is the network interface the socket is bound to, nil for none
	// (SetDevice). One Device is shared by the sockets of one interface.
	Dev *Device

	// Key lets a platform recognise its own socket again (Solaris matches
	// fdinfo socket names against MIB rows); core never reads it.
	Key any

	Owners []Owner
	// PeerOwners are the owners of the socket at the other end, when it is
	// on this host and was listed too (see AttachPeers); nil otherwise.
	PeerOwners []Owner
}

// Timer names the kernel timer pending on a TCP socket.
type Timer uint8

const (
	TimerNone      Timer = iota // ""
	TimerKeepalive              // "keepalive": keepalive probe
	TimerRetrans                // "on": retransmission (ss calls it "on")
	TimerProbe                  // "persist": zero window probe
	TimerTimeWait               // "timewait": TIME_WAIT expiry
)

var timerNames = [...]string{"", "keepalive", "on", "persist", "timewait"}

func (t Timer) String() string { return enumName(timerNames[:], uint8(t)) }

// MarshalText gives the contract's name, for encoding/json.
func (t Timer) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText takes the contract's name.
func (t *Timer) UnmarshalText(b []byte) error {
	i, err := enumParse(timerNames[:], "timer", b)
	*t = Timer(i)
	return err
}

// enumName is the name of v, one of names' indices; a value no name has
// (none is ever made) reads as its number. Not generic: gccgo 12 (the
// SPARC build) has no type parameters.
func enumName(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return "?" + strconv.Itoa(int(v))
}

// enumParse is the index of the name b.
func enumParse(names []string, what string, b []byte) (uint8, error) {
	for i, n := range names {
		if n == string(b) {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q: %w", what, b, ErrParse)
}

// Owner is one process holding a socket, through one descriptor.
type Owner struct {
	PID int
	FD  int // -1 where the platform tells the pid but not the descriptor
	// TID is the thread whose own descriptor table holds FD (Linux: it
	// called unshare(CLONE_FILES), or the main thread exited); 0 when FD
	// is in the process's table.
	TID int
	// Creator marks an owner known only as the process that created the
	// socket (Solaris CreationProcess), not necessarily one that holds it now.
	Creator bool
	// Unverified marks a Creator not proven to be the process that created
	// the socket: its pid may have been reused since (the platform could
	// not show that it still runs, is no zombie and started before the
	// socket was made). It is listed, "(creator, unverified)", but it does
	// not count as a holder (HasOwners): -t never prints it and kill and
	// close never act on it.
	Unverified bool
	Proc       *Process // filled by the resolver; nil if the process vanished
	// Options are the socket's options as read through this descriptor;
	// nil unless asked for (AttachOptions) and readable.
	Options *SockOptions
}

// Known reports whether o is a process known to hold the socket and read
// by the resolver: kill signals it, watch and the metrics count it; not an
// unverified creator (Unverified), nor one that exited (Proc nil).
func (o *Owner) Known() bool { return o.Proc != nil && !o.Unverified }

// Process describes a process that holds a socket.
type Process struct {
	PID  int
	Comm string // short command name, raw: escape before printing
	UID  int64  // effective uid, as ps and lsof show it (Linux: /proc/PID/status Uid, second field; Solaris: psinfo pr_euid); -1 if unknown
	User string // user name for UID, or the number when it has none
	// Start identifies this incarnation of PID (Linux: /proc/[pid]/stat
	// starttime in clock ticks; Solaris: psinfo pr_start in nanoseconds), so
	// a recycled PID is never mistaken for it.
	Start uint64
	// Cmdline is the command line, its arguments one by one (Solaris:
	// pr_psargs as one, see Processes' CommandLine); only read when asked
	// (--cmdline). Raw: escape before printing.
	Cmdline []string
	// Context is the systemd unit and container the process runs in;
	// nil when not asked for (Resolver.WithContext) or not readable.
	Context *Context
}

// Device is a network interface a socket is bound to: by SO_BINDTODEVICE
// (a DHCP client, a VRF member), or by an IPv6 link-local address, which
// is only meaningful on one interface (its zone). Linux tells it as
// inet_diag_sockid.idiag_if; Solaris and illumos as tcp6ConnIfIndex and
// udp6IfIndex, for IPv6 sockets only.
type Device struct {
	Index uint32
	// Name is the interface's name in the socket's own network
	// namespace; "" when the platform could not name it (gone since, or
	// a platform that tells only the index). Raw: escape before printing
	// (an interface name may hold any byte but '/', ':' and spaces).
	Name string
}

// Zone is d as an IPv6 address's zone: its name, else its index.
func (d *Device) Zone() string {
	if d.Name != "" {
		return d.Name
	}
	return strconv.FormatUint(uint64(d.Index), 10)
}

// SetDevice records that s is bound to d, and gives each of its ends that
// is an IPv6 link-local address d's zone ([fe80::1%eth0]): such an
// address names a host only together with the interface it is reached
// on, which for a socket is the one it is bound to (Linux requires a
// link-local bind to name it, and an accepted connection from a
// link-local peer is bound to the interface it came in on). Platforms
// call it, so that the table, JSON and the address filters see the same
// zone.
func SetDevice(s *Socket, d *Device) {
	s.Dev = d
	if d == nil || s.Family != Inet6 {
		return
	}
	s.Local.Addr = zoned(s.Local.Addr, d)
	if s.Remote != nil {
		s.Remote.Addr = zoned(s.Remote.Addr, d)
	}
}

func zoned(a netip.Addr, d *Device) netip.Addr {
	if !a.Is6() || a.Is4In6() || !(a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast()) {
		return a
	}
	return a.WithZone(d.Zone())
}

// NSLabel labels a network namespace: Name is its name under /run/netns,
// Container the container ("docker://id"...) its processes run in; ""
// if none.
type NSLabel struct {
	Name      string
	Container string
}

// NetNSName is the name of s's namespace under /run/netns, "" if none.
func (s *Socket) NetNSName() string {
	if s.NSLabel == nil {
		return ""
	}
	return s.NSLabel.Name
}

// Container is the container s's namespace belongs to, "" if none.
func (s *Socket) Container() string {
	if s.NSLabel == nil {
		return ""
	}
	return s.NSLabel.Container
}

// HasOwners reports whether any process is known to hold s: an owner
// other than an unverified creator (Owner.Unverified).
func (s *Socket) HasOwners() bool {
	for i := range s.Owners {
		if !s.Owners[i].Unverified {
			return true
		}
	}
	return false
}

// OnlyUnverified reports whether s shows owners but every one is an
// unverified creator: who holds it is unknown (UnknownHolder).
func (s *Socket) OnlyUnverified() bool { return len(s.Owners) > 0 && !s.HasOwners() }

// ListenQueue is a listening socket's accept queue (connections waiting
// for accept()) and backlog (the most it may hold), where the platform
// tells the backlog (BacklogKnown): a backlog of 0 (listen(fd, 0)) is a
// real limit, not "unknown".
func (s *Socket) ListenQueue() (queue, backlog uint64, ok bool) {
	if s.State != Listen || !s.BacklogKnown {
		return 0, 0, false
	}
	return s.RecvQ, s.SendQ, true
}

// IPv6Only reports whether s is an inet6 socket with IPV6_V6ONLY set, as
// the table or any owner's socket options (--options) tell it: a "::"
// socket that takes no IPv4 peers and keeps no IPv4 address bound. False
// when unknown, the dual-stack default of most systems.
func (s *Socket) IPv6Only() bool {
	if s.Family != Inet6 {
		return false
	}
	if s.V6Only {
		return true
	}
	for _, o := range s.Owners {
		if o.Options != nil && o.Options.V6Only != nil && *o.Options.V6Only {
			return true
		}
	}
	return false
}
