package core

import (
	"bytes"
	"encoding/json"
	"io"
)

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
		jo := JSONOwner{PID: o.PID, TID: o.TID, Creator: o.Creator, Options: ToJSONOptions(o.Options)}
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
