package render

import "strings"

// The keys of the objects gosof writes most (sockets, their ends and
// owners, socket options), as indices into tables of the text that
// starts each member at one depth: `,\n    "proto": ` indented, `,"proto":`
// compact. With the table a member starts with one copy of a constant
// size, which the compiler makes without a call, where writing the
// comma, the indent and the key one by one took three calls to memmove
// (the most of the time spent on a socket that is not its values).
const (
	kProto = iota
	kFamily
	kType
	kState
	kLocal
	kRemote
	kInode
	kUID
	kNetNS
	kNetNSName
	kContainer
	kRecvQ
	kSendQ
	kTimer
	kExpiresMS
	kIdleMS
	kAgeMS
	kPeerInode
	kOwners
	kPeerOwners
	kPath
	kPathBytes
	kAddr
	kPort
	kPID
	kComm
	kCommBytes
	kFD
	kTID
	kUser
	kCreator
	kCreatorUnverified
	kCmdline
	kCmdlineBytes
	kOptions
	kReuseAddr
	kReusePort
	kKeepAlive
	kLinger
	kOn
	kSeconds
	kSndBuf
	kRcvBuf
	kNoDelay
	kV6Only
	kCongestion
	kTCPInfo
	kRTTUS
	kRTTVarUS
	kRetransmits
	kTotalRetrans
	kZone
	kDev
	kIfIndex
	kUnit
	kUserUnit
	kContainerName
	nKeys
)

var keyNames = [nKeys]string{
	kProto: "proto", kFamily: "family", kType: "type", kState: "state", kLocal: "local", kRemote: "remote",
	kInode: "inode", kUID: "uid", kNetNS: "netns", kNetNSName: "netns_name", kContainer: "container",
	kRecvQ: "recv_q", kSendQ: "send_q", kTimer: "timer", kExpiresMS: "expires_ms", kIdleMS: "idle_ms", kAgeMS: "age_ms", kPeerInode: "peer_inode",
	kOwners: "owners", kPeerOwners: "peer_owners", kPath: "path", kPathBytes: "path_bytes", kAddr: "addr", kPort: "port",
	kPID: "pid", kComm: "comm", kCommBytes: "comm_bytes", kFD: "fd", kTID: "tid", kUser: "user", kCreator: "creator",
	kCreatorUnverified: "creator_unverified",
	kCmdline:           "cmdline", kCmdlineBytes: "cmdline_bytes", kOptions: "options",
	kReuseAddr: "reuse_addr", kReusePort: "reuse_port", kKeepAlive: "keepalive", kLinger: "linger", kOn: "on", kSeconds: "seconds",
	kSndBuf: "sndbuf", kRcvBuf: "rcvbuf", kNoDelay: "nodelay", kV6Only: "v6only", kCongestion: "congestion",
	kTCPInfo: "tcp_info", kRTTUS: "rtt_us", kRTTVarUS: "rttvar_us", kRetransmits: "retransmits", kTotalRetrans: "total_retrans",
	kZone: "zone", kDev: "dev", kIfIndex: "ifindex",
	kUnit: "unit", kUserUnit: "user_unit", kContainerName: "container_name",
}

// tokens is the text that starts or ends the members of an object or
// array at one depth.
type tokens struct {
	key  [2][nKeys]token // [0][k] before an object's first member k, [1][k] before another
	elem [2]token        // before an array's first element, and before another
	// close an object or array with members at this depth
	endObject, endArray token
	depth               int
}

// tokenSize is the size of the block a token is copied in: it holds the
// start of any member down to depth 6 (",\n", 12 spaces, `"cmdline_bytes": `).
const tokenSize = 32

// token is a piece of text in a block of tokenSize bytes: copied whole
// into a buffer with room for the block, then cut to n. Where the buffer
// has less room it is appended as it is; a text longer than the block
// (nesting deeper than gosof writes) is in long.
type token struct {
	n    int
	text [tokenSize]byte
	long []byte
}

// makeToken makes the token of the pieces' text, end to end.
func makeToken(pieces ...string) token {
	var t token
	for _, p := range pieces {
		t.n += len(p)
	}
	if t.n > tokenSize {
		t.long = []byte(strings.Join(pieces, ""))
		return t
	}
	i := 0
	for _, p := range pieces {
		i += copy(t.text[i:], p)
	}
	return t
}

// appendToken appends t's text: its block copied whole where the buffer
// has room for it, else one append (of the block's text, or the long
// one). One append, not one per case: appendToken is inlined at each of
// the encoder's 71 keys, and a second was 15 KB of the binary.
func appendToken(b []byte, t *token) []byte {
	n := len(b)
	if cap(b)-n >= tokenSize && t.long == nil {
		putBlock(b[n:n+tokenSize], t)
		return b[:n+t.n]
	}
	src := t.long
	if src == nil {
		src = t.text[:t.n]
	}
	return append(b, src...)
}

// tokens returns the tokens of depth n, made the first time they are
// asked for.
func (e *JSON) tokens(n int) *tokens {
	if n < len(e.toks) && e.toks[n] != nil {
		return e.toks[n]
	}
	return e.makeTokens(n)
}

func (e *JSON) makeTokens(n int) *tokens {
	for len(e.toks) <= n {
		e.toks = append(e.toks, nil)
	}
	t := e.toks[n]
	if t == nil {
		t = &tokens{depth: n}
		first, next := e.seps(n)
		for k, name := range keyNames {
			t.key[0][k] = makeToken(first, `"`, name, e.colon())
			t.key[1][k] = makeToken(next, `"`, name, e.colon())
		}
		t.elem[0], t.elem[1] = makeToken(first), makeToken(next)
		if n > 0 {
			end, _ := e.seps(n - 1) // a newline alone at depth 0
			t.endObject, t.endArray = makeToken(end, "}"), makeToken(end, "]")
		}
		e.toks[n] = t
	}
	return t
}

// fields writes the members of one object with the output held by the
// caller: b = f.first(b, kProto); b = appendString(b, ...); b = f.key(b,
// kFamily)...; b = f.end(b).
type fields struct {
	t         *tokens
	one, more *[nKeys]token
}

// fields starts writing members into the object open.
func (e *JSON) fields() fields {
	t := e.tokens(len(e.open))
	f := fields{t: t, one: &t.key[0], more: &t.key[1]}
	if !e.empty {
		f.one = f.more
	}
	return f
}

// object opens an object in b whose members are at depth n.
func (e *JSON) object(b []byte, n int) ([]byte, fields) { return openObject(b, e.tokens(n)) }

// openObject opens an object in b whose members are at t's depth.
func openObject(b []byte, t *tokens) ([]byte, fields) {
	return append(b, '{'), fields{t: t, one: &t.key[0], more: &t.key[1]}
}

// first appends what starts k, the object's first member.
func (f *fields) first(b []byte, k int) []byte { return appendToken(b, &f.one[k]) }

// key appends what starts the member k after another.
func (f *fields) key(b []byte, k int) []byte { return appendToken(b, &f.more[k]) }

// end closes the object, which has members.
func (f *fields) end(b []byte) []byte { return appendToken(b, &f.t.endObject) }
