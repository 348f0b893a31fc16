package core

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SockOptions are a socket's options as the kernel reports them (Linux:
// getsockopt on a duplicate of the holder's descriptor; Solaris: the fdinfo
// misc items). A nil pointer or empty string is an option the platform did
// not tell.
type SockOptions struct {
	ReuseAddr  *bool   // SO_REUSEADDR
	ReusePort  *bool   // SO_REUSEPORT
	KeepAlive  *bool   // SO_KEEPALIVE
	Linger     *Linger // SO_LINGER
	SndBuf     *int    // SO_SNDBUF, bytes
	RcvBuf     *int    // SO_RCVBUF, bytes
	Type       SockType
	NoDelay    *bool  // TCP_NODELAY
	V6Only     *bool  // IPV6_V6ONLY (inet6 sockets)
	Congestion string // TCP_CONGESTION, e.g. "cubic"
	TCPInfo    *TCPInfo
}

// Linger is SO_LINGER's struct linger.
type Linger struct {
	On      bool // l_onoff
	Seconds int  // l_linger
}

// TCPInfo is the part of TCP_INFO gosof shows.
type TCPInfo struct {
	RTT, RTTVar  time.Duration // tcpi_rtt, tcpi_rttvar
	Retransmits  uint8         // tcpi_retransmits: unrecovered timeouts now
	TotalRetrans uint32        // tcpi_total_retrans: over the socket's life
}

// LingerAbort reports SO_LINGER {1, 0}: close() sends RST and discards
// unsent data instead of closing gracefully.
func (o *SockOptions) LingerAbort() bool {
	return o != nil && o.Linger != nil && o.Linger.On && o.Linger.Seconds == 0
}

// OptionReader reads socket options through the descriptors processes hold
// them by, never changing them.
type OptionReader interface {
	// Options returns the options of the sockets process pid holds as
	// fds, by descriptor; a descriptor closed meanwhile is left out. The
	// error is for the whole process and wraps ErrPermission, ErrGone or
	// errors.ErrUnsupported, its message saying why.
	Options(pid int, fds []int) (map[int]*SockOptions, error)
}

// OptionsMissing says for how many processes options could not be read,
// and why (the first reason met).
type OptionsMissing struct {
	Processes int
	Reason    string
}

// AttachOptions sets Owner.Options on the owners of socks through r, at
// most limit sockets (0: no limit), and says what it could not read. A
// process that exited meanwhile is not counted.
func AttachOptions(r OptionReader, socks []Socket, limit int) OptionsMissing {
	var miss OptionsMissing
	if r == nil {
		return OptionsMissing{Reason: "this platform cannot read socket options"}
	}
	type ref struct{ sock, owner int }
	byPID := map[int][]ref{}
	n := 0
	for i := range socks {
		if limit > 0 && n >= limit {
			break
		}
		counted := false
		for j, o := range socks[i].Owners {
			if o.FD < 0 {
				continue
			}
			byPID[o.PID] = append(byPID[o.PID], ref{i, j})
			counted = true
		}
		if counted {
			n++
		}
	}
	pids := make([]int, 0, len(byPID))
	for pid := range byPID {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	for _, pid := range pids {
		refs := byPID[pid]
		fds := make([]int, 0, len(refs))
		for _, rf := range refs {
			fds = append(fds, socks[rf.sock].Owners[rf.owner].FD)
		}
		sort.Ints(fds)
		opts, err := r.Options(pid, uniqInts(fds))
		if err != nil {
			if !errors.Is(err, ErrGone) {
				miss.Processes++
				if miss.Reason == "" {
					miss.Reason = err.Error()
				}
			}
			continue
		}
		for _, rf := range refs {
			o := &socks[rf.sock].Owners[rf.owner]
			o.Options = opts[o.FD]
		}
	}
	return miss
}

// String says once what could not be read, for stderr.
func (m OptionsMissing) String() string {
	if m.Processes == 0 {
		return ""
	}
	return "socket options of " + Plural(m.Processes, "process") + " could not be read: " + m.Reason
}

// FormatOptions prints options compactly for a table cell: the boolean
// options that are on, then linger, buffers, congestion control and TCP
// info, comma-separated; "-" when nothing is known.
func FormatOptions(o *SockOptions) string {
	if o == nil {
		return "-"
	}
	var f []string
	on := func(b *bool, name string) {
		if b != nil && *b {
			f = append(f, name)
		}
	}
	on(o.ReuseAddr, "reuseaddr")
	on(o.ReusePort, "reuseport")
	on(o.KeepAlive, "keepalive")
	on(o.NoDelay, "nodelay")
	on(o.V6Only, "v6only")
	if o.Linger != nil && o.Linger.On {
		f = append(f, "linger="+strconv.Itoa(o.Linger.Seconds)+"s")
	}
	if o.SndBuf != nil {
		f = append(f, "sndbuf="+strconv.Itoa(*o.SndBuf))
	}
	if o.RcvBuf != nil {
		f = append(f, "rcvbuf="+strconv.Itoa(*o.RcvBuf))
	}
	if o.Congestion != "" {
		f = append(f, "cc="+Escape(o.Congestion))
	}
	if t := o.TCPInfo; t != nil && (t.RTT > 0 || t.TotalRetrans > 0) { // a listener has neither
		f = append(f, "rtt="+optRTT(t.RTT), "retrans="+strconv.Itoa(int(t.Retransmits))+"/"+strconv.FormatUint(uint64(t.TotalRetrans), 10))
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, ",")
}

func optRTT(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', -1, 64) + "ms"
}
