package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gosof/gosof/core"
)

// The definitions the renderers are held to: what text/tabwriter and
// encoding/json make of the same cells and values. Tests only.

// tabTable is the socket table through text/tabwriter (minwidth 0,
// padding 2, spaces): the cells the columns make, tab-separated, one row
// a line, a wide rune two columns (widthAsRunes). A cell that would need the table's own escaping (raw text from
// another process) makes tabwriter's layout, and the test, differ.
func tabTable(w io.Writer, socks []core.Socket, opt Options) error {
	var out strings.Builder
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	var cols []*column
	for i := range columns {
		if c := &columns[i]; c.show == nil || c.show(&opt, socks) {
			cols = append(cols, c)
		}
	}
	var cells []string
	if !opt.NoHeader {
		for _, c := range cols {
			cells = append(cells, c.header)
		}
		fmt.Fprintln(tw, widthAsRunes(strings.Join(cells, "\t")))
	}
	row := func(s *core.Socket, o *core.Owner) {
		cells = cells[:0]
		for _, c := range cols {
			cells = append(cells, string(c.cell(nil, s, o)))
		}
		fmt.Fprintln(tw, widthAsRunes(strings.Join(cells, "\t")))
	}
	for i := range socks {
		s := &socks[i]
		if len(s.Owners) == 0 {
			row(s, nil)
		}
		for j := range s.Owners {
			row(s, &s.Owners[j])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, runesAsWidth(out.String()))
	return err
}

// widthMark follows each rune that takes two columns (core.RuneWidth)
// in what tabwriter is given: tabwriter counts runes, where the table
// counts columns; runesAsWidth takes the marks out of what it makes.
// (No test cell holds a rune of no width.)
const widthMark = "\uE000"

func widthAsRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
		if core.RuneWidth(r) == 2 {
			b.WriteString(widthMark)
		}
	}
	return b.String()
}

func runesAsWidth(s string) string { return strings.ReplaceAll(s, widthMark, "") }

// tabRows is rows through text/tabwriter: cells tab-separated, one row a
// line, a wide rune two columns (widthAsRunes).
func tabRows(rows [][]string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, widthAsRunes(strings.Join(r, "\t")))
	}
	tw.Flush()
	return runesAsWidth(b.String())
}

// The JSON shapes of docs/contract.md as structs for encoding/json.
type (
	jSocket struct {
		Proto      core.Proto    `json:"proto"`
		Family     core.Family   `json:"family"`
		Type       core.SockType `json:"type,omitempty"`
		State      core.State    `json:"state"`
		Local      jEndpoint     `json:"local"`
		Remote     *jEndpoint    `json:"remote"`
		Inode      uint64        `json:"inode"`
		UID        *int64        `json:"uid"`
		NetNS      *uint64       `json:"netns"`
		NetNSName  string        `json:"netns_name,omitempty"`
		Container  string        `json:"container,omitempty"`
		Dev        string        `json:"dev,omitempty"`
		IfIndex    *uint32       `json:"ifindex,omitempty"`
		RecvQ      uint64        `json:"recv_q"`
		SendQ      uint64        `json:"send_q"`
		Timer      core.Timer    `json:"timer,omitempty"`
		ExpiresMS  *int64        `json:"expires_ms,omitempty"`
		IdleMS     *int64        `json:"idle_ms,omitempty"`
		AgeMS      *int64        `json:"age_ms,omitempty"`
		PeerInode  uint64        `json:"peer_inode,omitempty"`
		Owners     []jOwner      `json:"owners"`
		PeerOwners []jOwner      `json:"peer_owners,omitempty"`
	}
	jEndpoint struct {
		Addr      *string `json:"addr,omitempty"`
		Port      *uint16 `json:"port,omitempty"`
		Zone      *string `json:"zone,omitempty"`
		Path      *string `json:"path,omitempty"`
		PathBytes []byte  `json:"path_bytes,omitempty"`
	}
	jOwner struct {
		PID           int       `json:"pid"`
		Comm          *string   `json:"comm"`
		CommBytes     []byte    `json:"comm_bytes,omitempty"`
		FD            *int      `json:"fd"`
		TID           int       `json:"tid,omitempty"`
		UID           *int64    `json:"uid"`
		User          *string   `json:"user"`
		Creator       bool      `json:"creator,omitempty"`
		Cmdline       []string  `json:"cmdline,omitempty"`
		CmdlineBytes  [][]byte  `json:"cmdline_bytes,omitempty"`
		Unit          string    `json:"unit,omitempty"`
		UserUnit      string    `json:"user_unit,omitempty"`
		Container     string    `json:"container,omitempty"`
		ContainerName string    `json:"container_name,omitempty"`
		Options       *jOptions `json:"options,omitempty"`
	}
	jOptions struct {
		ReuseAddr  *bool         `json:"reuse_addr,omitempty"`
		ReusePort  *bool         `json:"reuse_port,omitempty"`
		KeepAlive  *bool         `json:"keepalive,omitempty"`
		Linger     *jLinger      `json:"linger,omitempty"`
		SndBuf     *int          `json:"sndbuf,omitempty"`
		RcvBuf     *int          `json:"rcvbuf,omitempty"`
		Type       core.SockType `json:"type,omitempty"`
		NoDelay    *bool         `json:"nodelay,omitempty"`
		V6Only     *bool         `json:"v6only,omitempty"`
		Congestion string        `json:"congestion,omitempty"`
		TCPInfo    *jTCPInfo     `json:"tcp_info,omitempty"`
	}
	jLinger struct {
		On      bool `json:"on"`
		Seconds int  `json:"seconds"`
	}
	jTCPInfo struct {
		RTTUS        int64  `json:"rtt_us"`
		RTTVarUS     int64  `json:"rttvar_us"`
		Retransmits  uint8  `json:"retransmits"`
		TotalRetrans uint32 `json:"total_retrans"`
	}
	jProcFDs struct {
		PID            int      `json:"pid"`
		Comm           *string  `json:"comm"`
		CommBytes      []byte   `json:"comm_bytes,omitempty"`
		Cmdline        []string `json:"cmdline,omitempty"`
		CmdlineBytes   [][]byte `json:"cmdline_bytes,omitempty"`
		UID            *int64   `json:"uid"`
		User           *string  `json:"user"`
		Error          *string  `json:"error"`
		OptionsMissing *string  `json:"options_missing"`
		FDs            []jFD    `json:"fds"`
	}
	jFD struct {
		FD        int         `json:"fd"`
		Type      core.FDKind `json:"type"`
		Path      string      `json:"path"`
		PathBytes []byte      `json:"path_bytes,omitempty"`
		Inode     uint64      `json:"inode"`
		ProtoName string      `json:"proto_name,omitempty"`
		Listed    *bool       `json:"listed,omitempty"`
		Absent    string      `json:"absent,omitempty"`
		AbsPort   uint16      `json:"absent_port,omitempty"`
		AbsNetNS  uint64      `json:"absent_netns,omitempty"`
		Socket    *jSocket    `json:"socket,omitempty"`
		Options   *jOptions   `json:"options,omitempty"`
	}
)

func toJSocket(s *core.Socket) jSocket {
	j := jSocket{
		Proto: s.Proto, Family: s.Family, Type: s.Type, State: s.State,
		Local: toJEndpoint(s.Family, &s.Local), Inode: s.Inode,
		RecvQ: s.RecvQ, SendQ: s.SendQ, Timer: s.Timer, PeerInode: s.PeerInode,
		NetNSName: s.NetNSName(), Container: s.Container(),
		Owners: toJOwners(s.Owners),
	}
	if s.Remote != nil {
		r := toJEndpoint(s.Family, s.Remote)
		j.Remote = &r
	}
	if s.UID >= 0 {
		j.UID = ptr(s.UID)
	}
	if s.Dev != nil {
		j.Dev, j.IfIndex = s.Dev.Name, ptr(s.Dev.Index)
	}
	if s.NetNS != 0 {
		j.NetNS = ptr(s.NetNS)
	}
	if s.Timer != core.TimerNone {
		j.ExpiresMS = ptr(s.Expires.Milliseconds())
	}
	if d, ok := s.Idle.Exact(); ok {
		j.IdleMS = ptr(d.Milliseconds())
	}
	if d, ok := s.Idle.Age(); ok {
		j.AgeMS = ptr(d.Milliseconds())
	}
	if len(s.PeerOwners) > 0 {
		j.PeerOwners = toJOwners(s.PeerOwners)
	}
	return j
}

func toJOwners(owners []core.Owner) []jOwner {
	out := []jOwner{}
	for _, o := range owners {
		jo := jOwner{PID: o.PID, TID: o.TID, Creator: o.Creator, Options: toJOptions(o.Options)}
		if o.FD >= 0 {
			jo.FD = ptr(o.FD)
		}
		if p := o.Proc; p != nil {
			jo.Comm, jo.CommBytes = ptr(p.Comm), rawBytes(p.Comm)
			if strings.Join(p.Cmdline, "") != "" || len(p.Cmdline) > 1 {
				jo.Cmdline, jo.CmdlineBytes = p.Cmdline, rawBytesAll(p.Cmdline)
			}
			if p.UID >= 0 {
				jo.UID, jo.User = ptr(p.UID), ptr(p.User)
			}
			if c := p.Context; c != nil {
				jo.Unit, jo.UserUnit, jo.Container, jo.ContainerName = c.Unit, c.UserUnit, c.Container, c.ContainerName
			}
		}
		out = append(out, jo)
	}
	return out
}

func toJEndpoint(fam core.Family, e *core.Endpoint) jEndpoint {
	if fam == core.Local {
		shown := strings.ReplaceAll(e.Path, "\x00", "@")
		j := jEndpoint{Path: ptr(shown), PathBytes: rawBytes(e.Path)}
		if shown != e.Path {
			j.PathBytes = []byte(e.Path)
		}
		return j
	}
	a := "*"
	if e.Addr.IsValid() {
		a = e.Addr.WithZone("").String()
	}
	j := jEndpoint{Addr: &a, Port: ptr(e.Port)}
	if z := e.Addr.Zone(); z != "" {
		j.Zone = &z
	}
	return j
}

func toJOptions(o *core.SockOptions) *jOptions {
	if o == nil {
		return nil
	}
	j := &jOptions{ReuseAddr: o.ReuseAddr, ReusePort: o.ReusePort, KeepAlive: o.KeepAlive,
		SndBuf: o.SndBuf, RcvBuf: o.RcvBuf, Type: o.Type, NoDelay: o.NoDelay, V6Only: o.V6Only,
		Congestion: o.Congestion}
	if o.Linger != nil {
		j.Linger = &jLinger{On: o.Linger.On, Seconds: o.Linger.Seconds}
	}
	if t := o.TCPInfo; t != nil {
		j.TCPInfo = &jTCPInfo{RTTUS: t.RTT.Microseconds(), RTTVarUS: t.RTTVar.Microseconds(),
			Retransmits: t.Retransmits, TotalRetrans: t.TotalRetrans}
	}
	return j
}

func toJProcFDs(procs []core.ProcFDs) []jProcFDs {
	out := []jProcFDs{}
	for _, pf := range procs {
		j := jProcFDs{PID: pf.PID, FDs: []jFD{}}
		if strings.Join(pf.Cmdline, "") != "" || len(pf.Cmdline) > 1 {
			j.Cmdline, j.CmdlineBytes = pf.Cmdline, rawBytesAll(pf.Cmdline)
		}
		if p := pf.Proc; p != nil {
			j.Comm, j.CommBytes = ptr(p.Comm), rawBytes(p.Comm)
			if p.UID >= 0 {
				j.UID, j.User = ptr(p.UID), ptr(p.User)
			}
		}
		if pf.Err != nil {
			j.Error = ptr(pf.Err.Error())
		}
		if pf.Missing != "" {
			j.OptionsMissing = ptr(pf.Missing)
		}
		for _, fd := range pf.FDs {
			jf := jFD{FD: fd.FD, Type: fd.Kind, Path: fd.Path, PathBytes: rawBytes(fd.Path), Inode: fd.Inode, Options: toJOptions(fd.Options)}
			if fd.Proto != "" {
				jf.ProtoName, jf.Listed = fd.Proto, ptr(!fd.Unlisted)
				jf.Absent, jf.AbsPort, jf.AbsNetNS = fd.Absent, fd.AbsentPort, fd.AbsentNetNS
			}
			if fd.Socket != nil {
				s := *fd.Socket
				s.Owners = nil
				js := toJSocket(&s)
				jf.Socket = &js
			}
			j.FDs = append(j.FDs, jf)
		}
		out = append(out, j)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// rawBytes is the lossless form of s: nil (omitted) when s is valid UTF-8.
func rawBytes(s string) []byte {
	if utf8.ValidString(s) {
		return nil
	}
	return []byte(s)
}

// rawBytesAll is the lossless form of a list: every one's bytes when one
// is not valid UTF-8, else nil.
func rawBytesAll(ss []string) [][]byte {
	var out [][]byte
	bad := false
	for _, s := range ss {
		out = append(out, []byte(s))
		bad = bad || !utf8.ValidString(s)
	}
	if !bad {
		return nil
	}
	return out
}

// marshalIndent is v as json.MarshalIndent(v, "", "  ") writes it, with
// a newline, then jsonSafe.
func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return jsonSafe(buf.Bytes()), nil
}

// marshalLines is each of vs as json.Marshal writes it, then jsonSafe,
// one a line.
func marshalLines[T any](vs []T) ([]byte, error) {
	var out []byte
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(append(out, jsonSafe(b)...), '\n')
	}
	return out, nil
}

// jsonSafe rewrites JSON that encoding/json produced so that no character
// that misleads a terminal or a reader passes raw: DEL, C1 controls, bidi
// controls, zero-width and other format characters, and every other rune
// unicode.IsPrint rejects become \uXXXX escapes (a surrogate pair beyond
// U+FFFF). It is how docs/contract.md defines the escaping, on top of
// encoding/json's.
func jsonSafe(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && r != 0x7f && unicode.IsPrint(r) || r == utf8.RuneError && n == 3 {
			out = append(out, b[i:i+n]...) // printable, or U+FFFD itself
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = appendU(appendU(out, r1), r2)
		} else {
			out = appendU(out, r)
		}
		i += n
	}
	return out
}
