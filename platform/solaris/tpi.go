package solaris

import (
	"encoding/binary"
	"fmt"
)

// TPI primitives and flags (sys/tihdr.h, sys/tpicommon.h). Every field of
// these messages is a t_scalar_t (int32) in the host's byte order.
const (
	tSVR4OptmgmtReq = 9    // T_SVR4_OPTMGMT_REQ
	tErrorAck       = 18   // T_ERROR_ACK
	tOptmgmtAck     = 22   // T_OPTMGMT_ACK
	tSuccess        = 0x20 // T_SUCCESS
	tCurrent        = 0x80 // T_CURRENT: current values, new (non-legacy) layouts

	optmgmtSize = 16 // struct T_optmgmt_req / T_optmgmt_ack
	opthdrSize  = 12 // struct opthdr {level, name, len} (t_uscalar_t)
	errorAckLen = 16 // struct T_error_ack
)

// Opthdr is the header of one group of the MIB reply: which table (Level,
// Name) and how many data bytes follow (Len). Level = Name = Len = 0 ends
// the reply.
type Opthdr struct {
	Level, Name, Len uint32
}

// End reports whether h is the end-of-reply marker.
func (h Opthdr) End() bool { return h.Level == 0 && h.Name == 0 && h.Len == 0 }

// TLIError is a T_ERROR_ACK: the stream refused the request.
type TLIError struct {
	Prim    int32 // ERROR_prim: the primitive in error
	TLIErr  int32 // TLI_error (TSYSERR = 8 means see UnixErr)
	UnixErr int32 // UNIX_error: an errno value
}

func (e *TLIError) Error() string {
	return fmt.Sprintf("T_ERROR_ACK for primitive %d: TLI error %d, errno %d", e.Prim, e.TLIErr, e.UnixErr)
}

// OptmgmtReq builds the control part netstat sends to ask every module on
// the stream for its MIB: T_optmgmt_req{T_SVR4_OPTMGMT_REQ, OPT_length 12,
// OPT_offset 16, T_CURRENT} followed by opthdr{level, 0, 1}.
func OptmgmtReq(level uint32, bo binary.ByteOrder) []byte {
	b := make([]byte, optmgmtSize+opthdrSize)
	bo.PutUint32(b[0:], tSVR4OptmgmtReq)
	bo.PutUint32(b[4:], opthdrSize)
	bo.PutUint32(b[8:], optmgmtSize)
	bo.PutUint32(b[12:], tCurrent)
	bo.PutUint32(b[16:], level)
	bo.PutUint32(b[20:], 0)
	bo.PutUint32(b[24:], 1)
	return b
}

// ParseCtl reads the control part of one message of the MIB reply: a
// T_OPTMGMT_ACK with T_SUCCESS and its opthdr (which may be the end
// marker), or a T_ERROR_ACK, returned as a *TLIError.
func ParseCtl(ctl []byte, bo binary.ByteOrder) (Opthdr, error) {
	f := fields{ctl, bo}
	if !f.has(0, 4) {
		return Opthdr{}, parseErr("MIB reply: control part of %d bytes has no primitive", len(ctl))
	}
	switch prim := f.i32(0); prim {
	case tErrorAck:
		if !f.has(0, errorAckLen) {
			return Opthdr{}, parseErr("MIB reply: T_ERROR_ACK of %d bytes, want %d", len(ctl), errorAckLen)
		}
		return Opthdr{}, &TLIError{Prim: f.i32(4), TLIErr: f.i32(8), UnixErr: f.i32(12)}
	case tOptmgmtAck:
		if !f.has(0, optmgmtSize) {
			return Opthdr{}, parseErr("MIB reply: T_OPTMGMT_ACK of %d bytes, want at least %d", len(ctl), optmgmtSize)
		}
		optLen, optOff, flags := f.i32(4), f.i32(8), f.i32(12)
		if flags != tSuccess {
			return Opthdr{}, parseErr("MIB reply: T_OPTMGMT_ACK flags %#x, want T_SUCCESS", flags)
		}
		if optLen < opthdrSize || optOff < optmgmtSize || !f.has(int(optOff), opthdrSize) {
			return Opthdr{}, parseErr("MIB reply: opthdr at %d (%d bytes) outside a %d-byte control part", optOff, optLen, len(ctl))
		}
		o := int(optOff)
		return Opthdr{Level: f.u32(o), Name: f.u32(o + 4), Len: f.u32(o + 8)}, nil
	default:
		return Opthdr{}, parseErr("MIB reply: unexpected TPI primitive %d", prim)
	}
}

// Group is one table of the MIB reply.
type Group struct {
	Level, Name uint32
	Data        []byte
}

// maxGroup bounds one table: the kernel builds them in memory, and a
// corrupt length must not make us allocate gigabytes.
const maxGroup = 1 << 30

// messages is the stream the reply is read from: getmsg(2) for the
// control part, then for the data part. The live reader is in
// mib_solaris.go; tests use a fake one.
type messages interface {
	// Ctl reads the next control part.
	Ctl() ([]byte, error)
	// Data reads up to n (>= 1) bytes of the current data part.
	Data(n int) ([]byte, error)
}

// readReply reads groups until the end marker. It does not rely on
// getmsg's MORECTL/MOREDATA (x/sys/unix discards them): the end is known
// from the content, and each data part is read until opthdr.len bytes
// arrived. A group with len 0 still has a zero-length data part on the
// stream, which is read (with a 1-byte buffer) so that it does not stay
// stuck in front of the next control part.
func readReply(m messages, bo binary.ByteOrder) ([]Group, error) {
	var groups []Group
	for {
		ctl, err := m.Ctl()
		if err != nil {
			return nil, fmt.Errorf("MIB reply: getmsg control part: %w", err)
		}
		h, err := ParseCtl(ctl, bo)
		if err != nil {
			return nil, err
		}
		if h.End() {
			return groups, nil
		}
		if h.Len > maxGroup {
			return nil, parseErr("MIB reply: group level %d name %d claims %d bytes", h.Level, h.Name, h.Len)
		}
		data := make([]byte, 0, h.Len)
		for {
			want := int(h.Len) - len(data)
			chunk, err := m.Data(atLeastOne(want))
			if err != nil {
				return nil, fmt.Errorf("MIB reply: getmsg data part of level %d name %d: %w", h.Level, h.Name, err)
			}
			if len(chunk) > want {
				return nil, parseErr("MIB reply: level %d name %d sent %d bytes more than its len %d", h.Level, h.Name, len(chunk)-want, h.Len)
			}
			data = append(data, chunk...)
			if len(data) == int(h.Len) {
				break
			}
			if len(chunk) == 0 {
				return nil, parseErr("MIB reply: level %d name %d ended after %d of %d bytes", h.Level, h.Name, len(data), h.Len)
			}
		}
		groups = append(groups, Group{Level: h.Level, Name: h.Name, Data: data})
	}
}

// atLeastOne is n, or 1 when n is smaller: getmsg's data buffer must never be
// empty (see ../shared/SOLARIS.md, the traps in Getmsg).
func atLeastOne(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
