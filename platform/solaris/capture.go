package solaris

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/sysfile"
)

// HostInfo is DIR/host.json of a capture: what the capturing host was, and
// the byte order of every binary file in the capture.
type HostInfo struct {
	OS        string `json:"os"`      // uname -s: SunOS
	Release   string `json:"release"` // uname -r / -v, e.g. "5.11 omnios-r151050"
	Arch      string `json:"arch"`    // amd64, sparcv9
	ByteOrder string `json:"byteorder"`
	// Rows are the row sizes the kernel reported (tcp, tcp6, udp,
	// udp6), for a human reading the capture: the decoder takes them
	// from the MIB bytes.
	Rows map[string]int `json:"rows,omitempty"`
	// Unreadable counts the processes whose fdinfo the capture could not
	// read (not root): their sockets have no owners on replay.
	Unreadable int `json:"unreadable_processes,omitempty"`
	// HZ is the kernel's clock rate (sysconf(_SC_CLK_TCK)): the unit of a
	// row's creation time, which proving a creator needs (creator.go). A
	// capture without it proves no creator.
	HZ int64 `json:"hz,omitempty"`
	// LBolt is the kernel's lbolt (clock ticks since boot, times(2)) and
	// Time the wall-clock time (RFC 3339), both when the capture was
	// taken: with HZ they date the rows' creation times for a human
	// (Time - (LBolt - CreationTime)/HZ); gosof's proof does not use them.
	LBolt int64  `json:"lbolt,omitempty"`
	Time  string `json:"time,omitempty"`
}

// ParseHostInfo reads host.json.
func ParseHostInfo(b []byte) (HostInfo, binary.ByteOrder, error) {
	var h HostInfo
	if err := json.Unmarshal(b, &h); err != nil {
		return h, nil, parseErr("host.json: %v", err)
	}
	bo, err := ParseByteOrder(h.ByteOrder)
	if err != nil {
		return h, nil, fmt.Errorf("host.json: %w", err)
	}
	if h.HZ < 0 || h.HZ > 1e9 {
		return h, nil, parseErr("host.json: hz %d is not a clock rate", h.HZ)
	}
	if h.Unreadable < 0 {
		return h, nil, parseErr("host.json: unreadable_processes %d is not a count", h.Unreadable)
	}
	if h.LBolt < 0 {
		return h, nil, parseErr("host.json: lbolt %d is not a count of clock ticks", h.LBolt)
	}
	// "time" absent is a capture that did not say; present, it must be a
	// time (an empty one too: an empty value is not a silent default).
	var t struct {
		Time *string `json:"time"`
	}
	if err := json.Unmarshal(b, &t); err == nil && t.Time != nil {
		if _, err := time.Parse(time.RFC3339Nano, *t.Time); err != nil {
			return h, nil, parseErr("host.json: time %q is not an RFC 3339 time", *t.Time)
		}
	}
	return h, bo, nil
}

// maxGroups bounds the groups of a capture: a MIB reply has a few dozen
// (one per table), and 12 bytes of zeros would each make an empty one.
const maxGroups = 1 << 16

// ParseCapture reads DIR/mib2: for each group, its opthdr as three 32-bit
// integers (level, name, len) in the capturing host's byte order, then len
// data bytes; the end of the file ends it.
func ParseCapture(b []byte, bo binary.ByteOrder) ([]Group, error) {
	return ReadCapture(bytes.NewReader(b), int64(len(b)), bo)
}

// ReadCapture reads a DIR/mib2 of size bytes from r, group by group: what
// it holds is what the groups weigh, never a copy of the whole file, so a
// file of padding or a group that claims more than is left fails early.
func ReadCapture(r io.Reader, size int64, bo binary.ByteOrder) ([]Group, error) {
	var groups []Group
	var h [opthdrSize]byte
	for off := int64(0); ; {
		n, err := io.ReadFull(r, h[:])
		switch {
		case err == io.EOF:
			return groups, nil
		case err == io.ErrUnexpectedEOF:
			return nil, parseErr("mib2 capture: %d stray bytes at offset %d, want a 12-byte opthdr", n, off)
		case err != nil:
			return nil, fmt.Errorf("mib2 capture at offset %d: %w", off, err)
		}
		level, name, dlen := bo.Uint32(h[0:]), bo.Uint32(h[4:]), bo.Uint32(h[8:])
		left := size - off - opthdrSize
		if int64(dlen) > left {
			return nil, parseErr("mib2 capture: group level %d name %d at offset %d claims %d bytes, %d left",
				level, name, off, dlen, left)
		}
		if len(groups) == maxGroups {
			return nil, parseErr("mib2 capture: more than %d groups at offset %d (padding?)", maxGroups, off)
		}
		data := make([]byte, dlen)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, parseErr("mib2 capture: group level %d name %d at offset %d: %d bytes cut short (%v)", level, name, off, dlen, err)
		}
		groups = append(groups, Group{Level: level, Name: name, Data: data})
		off += opthdrSize + int64(dlen)
	}
}

// WriteCapture writes groups in the DIR/mib2 format.
func WriteCapture(w io.Writer, groups []Group, bo binary.ByteOrder) error {
	var buf bytes.Buffer
	for _, g := range groups {
		var h [opthdrSize]byte
		bo.PutUint32(h[0:], g.Level)
		bo.PutUint32(h[4:], g.Name)
		bo.PutUint32(h[8:], uint32(len(g.Data)))
		buf.Write(h[:])
		buf.Write(g.Data)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeCapture writes what 'gosof debug capture' saves: one MIB reply as
// the kernel sent it (every level and name, EXPER_SOCK_INFO included),
// host.json with the row sizes, and byte-for-byte copies of the /proc
// files the owner join reads: the fdinfo of every socket and TLI
// endpoint (a character device on a transport device, or whose inode and
// major an EXPER_SOCK_INFO entry names) of every process it can read,
// and the psinfo and usage of those processes and of the rows' creators. The MIB
// is written before it is decoded: a reply gosof cannot parse is exactly
// what the capture is for.
// Processes it could not read are counted in host.json and said on warn.
func (b *Backend) writeCapture(dir string, host HostInfo, warn io.Writer) error {
	groups, err := b.mib()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var mib bytes.Buffer
	if err := WriteCapture(&mib, groups, b.order); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "mib2"), mib.Bytes(), 0o644); err != nil {
		return err
	}
	want := map[int]bool{}
	streams := map[[2]uint64]bool{} // {inode, major} of TLI endpoints
	m, decodeErr := DecodeMIB(groups, b.order)
	if decodeErr == nil {
		host.Rows = m.Sizes
		for _, rows := range [][]Row{m.TCP, m.TCP6, m.UDP, m.UDP6} {
			for _, r := range rows {
				if r.CreationProcess > 0 {
					want[int(r.CreationProcess)] = true
				}
				if r.Info != nil && r.Info.Stream() {
					streams[[2]uint64{r.Info.Inode, uint64(r.Info.Major())}] = true
				}
			}
		}
	}
	pids, err := b.PIDs()
	if err != nil {
		return err
	}
	for _, pid := range pids {
		p := strconv.Itoa(pid)
		fds, err := b.FDs(pid)
		if sysfile.Sentinel(err) == core.ErrPermission {
			host.Unreadable++
		}
		for _, fd := range fds {
			raw, err := b.readProc(p, "fdinfo", strconv.Itoa(fd))
			if errors.Is(err, core.ErrPermission) {
				host.Unreadable++
				break
			}
			if err != nil {
				continue
			}
			// Keep sockets, TLI endpoints, and anything we cannot even parse.
			if d, err := ParseFdinfo(raw, b.order); err == nil && !d.IsSocket() &&
				!d.IsTLI() && !(d.IsChar() && streams[[2]uint64{d.Ino, uint64(d.Rmajor)}]) {
				continue
			}
			if err := writeFile(filepath.Join(dir, "proc", p, "fdinfo", strconv.Itoa(fd)), raw); err != nil {
				return err
			}
			want[pid] = true
		}
		if !want[pid] {
			continue
		}
		for _, name := range []string{"psinfo", "usage"} { // usage: a creator's fork time
			if raw, err := b.readProc(p, name); err == nil {
				if err := writeFile(filepath.Join(dir, "proc", p, name), raw); err != nil {
					return err
				}
			}
		}
	}
	host.ByteOrder = orderName(b.order)
	host.HZ = b.HZ
	hj, err := json.MarshalIndent(host, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "host.json"), append(hj, '\n'), 0o644); err != nil {
		return err
	}
	if decodeErr != nil {
		return fmt.Errorf("captured to %s, but gosof cannot decode this MIB reply (please send the capture): %w", dir, decodeErr)
	}
	if host.Unreadable > 0 {
		fmt.Fprintf(warn, "gosof: %d processes could not be read, so their sockets will have no owners on replay: %s\n", host.Unreadable, ownerHint)
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
