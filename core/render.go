package core

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// TableOptions tune the table renderer.
type TableOptions struct {
	NoHeader bool
	NetNS    bool // add a NETNS column (several namespaces are shown)
	Options  bool // add an OPTIONS column (socket options per owner)
	Peer     bool // add a PEER column: the processes at the other end (--peer)
	Cmdline  bool // add a COMMAND LINE column, last: it is the long one
}

// WriteTable prints sockets as an aligned table, one row per (socket, owner);
// a socket no process holds gets one row with "-" for the process columns.
// Text from other processes is escaped.
func WriteTable(w io.Writer, socks []Socket, opt TableOptions) error {
	if err := writeTableFast(w, socks, opt); err != errTableFallback {
		return err
	}
	return writeTableTab(w, socks, opt)
}

// writeTableTab is WriteTable through text/tabwriter: what the table is
// defined as, used when a cell holds a tab or a line break.
func writeTableTab(w io.Writer, socks []Socket, opt TableOptions) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if !opt.NoHeader {
		if opt.NetNS {
			fmt.Fprint(tw, "NETNS\t")
		}
		fmt.Fprint(tw, "PROTO\tSTATE\tLOCAL\tREMOTE\tRECV-Q\tSEND-Q\tPID/COMMAND\tUSER\tFD")
		if opt.Options {
			fmt.Fprint(tw, "\tOPTIONS")
		}
		if opt.Peer {
			fmt.Fprint(tw, "\tPEER")
		}
		if opt.Cmdline {
			fmt.Fprint(tw, "\tCOMMAND LINE")
		}
		fmt.Fprintln(tw)
	}
	for i := range socks {
		s := &socks[i]
		var pre string
		if opt.NetNS {
			pre = NetNSLabel(s) + "\t"
		}
		row := fmt.Sprintf("%s%s\t%s\t%s\t%s\t%d\t%d\t", pre, ProtoLabel(s), s.State,
			FormatLocal(s), FormatRemote(s), s.RecvQ, s.SendQ)
		if len(s.Owners) == 0 {
			fmt.Fprintf(tw, "%s-\t-\t-", row)
			if opt.Options {
				fmt.Fprint(tw, "\t-")
			}
			if opt.Peer {
				fmt.Fprint(tw, "\t"+peerLabel(s))
			}
			if opt.Cmdline {
				fmt.Fprint(tw, "\t-")
			}
			fmt.Fprintln(tw)
			continue
		}
		for _, o := range s.Owners {
			fmt.Fprintf(tw, "%s%s\t%s\t%s", row, OwnerLabel(o), OwnerUser(o), Dash(o.FD >= 0, strconv.Itoa(o.FD)))
			if opt.Options {
				fmt.Fprint(tw, "\t"+FormatOptions(o.Options))
			}
			if opt.Peer {
				fmt.Fprint(tw, "\t"+peerLabel(s))
			}
			if opt.Cmdline {
				cl := ""
				if o.Proc != nil {
					cl = Escape(o.Proc.Cmdline)
				}
				fmt.Fprint(tw, "\t"+Dash(true, cl))
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}

// peerLabel is the PEER column: the distinct processes at the other end,
// "-" when it is not on this host or not known.
func peerLabel(s *Socket) string {
	var labels []string
	seen := map[int]bool{}
	for _, o := range s.PeerOwners {
		if !seen[o.PID] {
			seen[o.PID] = true
			labels = append(labels, OwnerLabel(o))
		}
	}
	return Dash(true, strings.Join(labels, ","))
}

// Dash is s, or "-" when there is none (!ok or empty).
func Dash(ok bool, s string) string {
	if !ok || s == "" {
		return "-"
	}
	return s
}

// NetNSLabel names a socket's network namespace for the table: its
// container (runtime and a 12-digit id, as docker ps shows it), else its
// /run/netns name, else its inode.
func NetNSLabel(s *Socket) string {
	if s.Container() != "" {
		rt, id, _ := strings.Cut(s.Container(), "://")
		return rt + ":" + id[:minInt(12, len(id))]
	}
	if s.NetNSName() != "" {
		return Escape(s.NetNSName())
	}
	return Dash(s.NetNS != 0, strconv.FormatUint(s.NetNS, 10))
}

// ProtoLabel is the protocol as netstat prints it: tcp, tcp6, udp6, unix...
func ProtoLabel(s *Socket) string {
	if s.Family == Inet6 {
		return string(s.Proto) + "6"
	}
	return string(s.Proto)
}

// OwnerLabel is "pid/command", escaped; "(creator)" marks a Solaris
// creation-process owner that may no longer hold the socket, "(creator,
// unverified)" one not proven to be that process.
func OwnerLabel(o Owner) string {
	comm := "?"
	if o.Proc != nil && o.Proc.Comm != "" {
		comm = Escape(o.Proc.Comm)
	}
	l := strconv.Itoa(o.PID) + "/" + comm
	if o.TID != 0 {
		l += "(thread " + strconv.Itoa(o.TID) + ")"
	}
	if o.Creator {
		l += creatorMark(o)
	}
	return l
}

// creatorMark is how the table marks a creator owner.
func creatorMark(o Owner) string {
	if o.Unverified {
		return "(creator, unverified)"
	}
	return "(creator)"
}

// OwnerUser is the owner's user name, escaped; "-" when unknown.
func OwnerUser(o Owner) string {
	if o.Proc == nil || o.Proc.User == "" {
		return "-"
	}
	return Escape(o.Proc.User)
}

// FormatEndpoint prints addr:port with IPv6 in brackets ("[::1]:8080"), and
// a unix path escaped ("-" when unnamed).
func FormatEndpoint(fam Family, e *Endpoint) string {
	if fam == Local {
		return Dash(true, Escape(e.Path))
	}
	if !e.Addr.IsValid() {
		return "*:" + strconv.Itoa(int(e.Port))
	}
	return netip.AddrPortFrom(e.Addr, e.Port).String()
}

// FormatLocal prints the socket's local end.
func FormatLocal(s *Socket) string { return FormatEndpoint(s.Family, &s.Local) }

// FormatRemote prints the socket's remote end, "*" when not connected.
func FormatRemote(s *Socket) string {
	if s.Remote == nil {
		if s.Family == Local {
			return "-"
		}
		return "*"
	}
	if s.Family == Local && s.Remote.Path == "" && s.PeerInode != 0 {
		return "peer:" + strconv.FormatUint(s.PeerInode, 10)
	}
	return FormatEndpoint(s.Family, s.Remote)
}

// WriteTerse prints the distinct owner PIDs, ascending, one per line (lsof -t).
func WriteTerse(w io.Writer, socks []Socket) error {
	var b strings.Builder
	for _, pid := range OwnerPIDs(socks) {
		b.WriteString(strconv.Itoa(pid))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// OwnerPIDs returns the distinct PIDs holding any of socks, ascending;
// never an unverified creator's (Owner.Unverified).
func OwnerPIDs(socks []Socket) []int {
	var pids []int
	for i := range socks {
		for _, o := range socks[i].Owners {
			if !o.Unverified {
				pids = append(pids, o.PID)
			}
		}
	}
	sort.Ints(pids)
	return uniqInts(pids)
}

// JSON shapes, as docs/contract.md fixes them.
type (
	JSONSocket struct {
		Proto  Proto         `json:"proto"`
		Family Family        `json:"family"`
		Type   SockType      `json:"type,omitempty"`
		State  State         `json:"state"`
		Local  JSONEndpoint  `json:"local"`
		Remote *JSONEndpoint `json:"remote"`
		Inode  uint64        `json:"inode"`
		UID    *int64        `json:"uid"`
		NetNS  *uint64       `json:"netns"`
		// NetNSName and Container label the namespace (--all-netns).
		NetNSName string `json:"netns_name,omitempty"`
		Container string `json:"container,omitempty"`
		RecvQ     uint64 `json:"recv_q"`
		SendQ     uint64 `json:"send_q"`
		Timer     Timer  `json:"timer,omitempty"`
		// ExpiresMS is how long the pending timer has left, in milliseconds.
		ExpiresMS *int64      `json:"expires_ms,omitempty"`
		PeerInode uint64      `json:"peer_inode,omitempty"`
		Owners    []JSONOwner `json:"owners"`
		// PeerOwners hold the other end of a local connection (--peer).
		PeerOwners []JSONOwner `json:"peer_owners,omitempty"`
	}
	JSONEndpoint struct {
		Addr *string `json:"addr,omitempty"`
		Port *uint16 `json:"port,omitempty"`
		Path *string `json:"path,omitempty"`
		// PathBytes is the path's exact bytes (base64) when they are not
		// valid UTF-8, and Path then shows U+FFFD for each bad byte.
		PathBytes []byte `json:"path_bytes,omitempty"`
	}
	JSONOwner struct {
		PID  int     `json:"pid"`
		Comm *string `json:"comm"`
		// CommBytes is Comm's exact bytes when they are not valid UTF-8.
		CommBytes []byte `json:"comm_bytes,omitempty"`
		FD        *int   `json:"fd"`
		// TID is set when fd is in one thread's own descriptor table.
		TID     int     `json:"tid,omitempty"`
		UID     *int64  `json:"uid"`
		User    *string `json:"user"`
		Creator bool    `json:"creator,omitempty"`
		// CreatorUnverified: a creator not proven to be the process that
		// created the socket (Owner.Unverified).
		CreatorUnverified bool `json:"creator_unverified,omitempty"`
		// Cmdline appears only when asked for (--cmdline) and readable.
		Cmdline *string `json:"cmdline,omitempty"`
		// CmdlineBytes is Cmdline's exact bytes when they are not valid UTF-8.
		CmdlineBytes []byte `json:"cmdline_bytes,omitempty"`
		// Options appear only when asked for (--options) and readable.
		Options *JSONOptions `json:"options,omitempty"`
	}
)

// JSONSockets converts sockets to the contract's JSON objects; other
// renderers (why, fds) embed them.
func JSONSockets(socks []Socket) []JSONSocket {
	out := make([]JSONSocket, 0, len(socks))
	for i := range socks {
		out = append(out, ToJSONSocket(&socks[i]))
	}
	return out
}

// ToJSONSocket converts one socket to the contract's JSON object.
func ToJSONSocket(s *Socket) JSONSocket {
	j := JSONSocket{
		Proto: s.Proto, Family: s.Family, Type: s.Type, State: s.State,
		Local: ToJSONEndpoint(s.Family, &s.Local), Inode: s.Inode,
		RecvQ: s.RecvQ, SendQ: s.SendQ, Timer: s.Timer, PeerInode: s.PeerInode,
		NetNSName: s.NetNSName(), Container: s.Container(),
		Owners: make([]JSONOwner, 0, len(s.Owners)),
	}
	if s.Remote != nil {
		r := ToJSONEndpoint(s.Family, s.Remote)
		j.Remote = &r
	}
	if s.UID >= 0 {
		j.UID = int64Ptr(s.UID)
	}
	if s.NetNS != 0 {
		j.NetNS = uint64Ptr(s.NetNS)
	}
	if s.Timer != TimerNone {
		j.ExpiresMS = int64Ptr(s.Expires.Milliseconds())
	}
	j.Owners = appendJSONOwners(j.Owners, s.Owners)
	if len(s.PeerOwners) > 0 {
		j.PeerOwners = appendJSONOwners(nil, s.PeerOwners)
	}
	return j
}

func appendJSONOwners(out []JSONOwner, owners []Owner) []JSONOwner {
	for _, o := range owners {
		jo := JSONOwner{PID: o.PID, TID: o.TID, Creator: o.Creator, CreatorUnverified: o.Unverified, Options: ToJSONOptions(o.Options)}
		if o.FD >= 0 {
			jo.FD = intPtr(o.FD)
		}
		if p := o.Proc; p != nil {
			jo.Comm, jo.CommBytes = stringPtr(p.Comm), RawBytes(p.Comm)
			if p.Cmdline != "" {
				jo.Cmdline, jo.CmdlineBytes = stringPtr(p.Cmdline), RawBytes(p.Cmdline)
			}
			if p.UID >= 0 {
				jo.UID = int64Ptr(p.UID)
				jo.User = stringPtr(p.User)
			}
		}
		out = append(out, jo)
	}
	return out
}

// ToJSONEndpoint is the contract's JSON form of an endpoint of a socket of family fam.
func ToJSONEndpoint(fam Family, e *Endpoint) JSONEndpoint {
	if fam == Local {
		return JSONEndpoint{Path: stringPtr(e.Path), PathBytes: RawBytes(e.Path)}
	}
	a := "*"
	if e.Addr.IsValid() {
		a = e.Addr.String()
	}
	return JSONEndpoint{Addr: &a, Port: uint16Ptr(e.Port)}
}

// Pointers to copies, for the JSON shapes' optional fields (one per type:
// no type parameters in the SPARC build's gccgo).
func stringPtr(v string) *string { return &v }
func intPtr(v int) *int          { return &v }
func int64Ptr(v int64) *int64    { return &v }
func uint64Ptr(v uint64) *uint64 { return &v }
func uint16Ptr(v uint16) *uint16 { return &v }

// WriteJSON prints sockets as the contract's JSON array ([] when empty).
//
// It encodes one socket at a time, so the output of a large table never
// sits in memory twice; the bytes are those EncodeJSON would write for the
// whole array.
func WriteJSON(w io.Writer, socks []Socket) error {
	return writeJSONFast(w, socks)
}

// writeJSONMarshal is WriteJSON through encoding/json, which defines its
// bytes: the tests hold writeJSONFast to it.
func writeJSONMarshal(w io.Writer, socks []Socket) error {
	if len(socks) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[\n")
	var buf bytes.Buffer
	for i := range socks {
		buf.Reset()
		b, err := json.Marshal(ToJSONSocket(&socks[i]))
		if err != nil {
			return err
		}
		b = jsonSafe(b)
		if err := json.Indent(&buf, b, "  ", "  "); err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(buf.Bytes())
		if i < len(socks)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// EncodeJSON writes v indented, with a trailing newline.
func EncodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(buf.Bytes()))
	return err
}
