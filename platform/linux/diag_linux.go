package linux

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/internal/gcpolicy"
	"github.com/gosof/gosof/internal/hostorder"
	"github.com/gosof/gosof/internal/sysfile"
)

// diagRecvBuf is the receive buffer of a dump. The kernel fills at most about
// 32 KiB per read (netlink_dump caps its skb there); twice that never
// truncates a message.
const diagRecvBuf = 64 << 10

// diagTimeout bounds each read, so a kernel that never ends a dump cannot
// hang gosof.
var diagTimeout = unix.Timeval{Sec: 10}

var diagSeq uint32 // atomic

// diagConn is a NETLINK_SOCK_DIAG socket.
type diagConn struct {
	fd   int
	bufs [][]byte  // dump's (readAhead)
	many *recvMany // recvBatch's
}

// openDiag opens a NETLINK_SOCK_DIAG socket. Its error wraps the errno, so
// callers can tell "netlink refused" (EPERM, EACCES, EPROTONOSUPPORT,
// EAFNOSUPPORT) from the rest.
func openDiag() (*diagConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_NETLINK, NETLINK_SOCK_DIAG): %w", err)
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &diagTimeout); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("NETLINK_SOCK_DIAG: SO_RCVTIMEO: %w", err)
	}
	return &diagConn{fd: fd}, nil
}

func (c *diagConn) Close() error { return unix.Close(c.fd) }

// nameDevices names each interface of t with SIOCGIFNAME on the
// sock_diag socket: the ioctl answers for the network namespace the
// socket was made in, which is the one whose sockets were dumped (an
// index means nothing in another). One call per interface, not per
// socket. An interface gone since the dump keeps no name (its index is
// shown).
func (c *diagConn) nameDevices(t *devTable) {
	for idx, d := range t.m {
		ifr, err := unix.NewIfreq("")
		if err != nil {
			return
		}
		ifr.SetUint32(idx)
		if unix.IoctlIfreq(c.fd, unix.SIOCGIFNAME, ifr) == nil {
			d.Name = ifr.Name()
		}
	}
}

// hasDevice reports whether the namespace c was made in has an interface
// named d or, d a number, with that index: SIOCGIFINDEX and SIOCGIFNAME
// answer for the socket's own namespace (dev_ioctl on sock_net), as
// nameDevices has it. Only ENODEV says no.
func (c *diagConn) hasDevice(d string) bool {
	ifr, err := unix.NewIfreq(d)
	if err != nil || unix.IoctlIfreq(c.fd, unix.SIOCGIFINDEX, ifr) != unix.ENODEV {
		return true
	}
	idx, err := strconv.ParseUint(d, 10, 32)
	if err != nil {
		return false
	}
	ifr.SetUint32(uint32(idx))
	return unix.IoctlIfreq(c.fd, unix.SIOCGIFNAME, ifr) != unix.ENODEV
}

func (c *diagConn) send(req []byte) error {
	for {
		err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		if err != unix.EINTR {
			return err
		}
	}
}

// recvMany is what recvBatch reads into: a buffer per datagram, and the
// recvmmsg(2) headers that point at them (typed pointers, which the
// garbage collector sees and keeps).
type recvMany struct {
	buf  []byte
	iov  []unix.Iovec
	msgs []mmsghdr
}

// mmsghdr is the kernel's struct mmsghdr (include/linux/socket.h): a
// msghdr and the length received into it, padded to the msghdr's
// alignment as Go pads it. x/sys has it as unix.Mmsghdr only since after
// the v0.6.0 the SPARC (gccgo) build uses.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// recvSlot is the room recvBatch gives one datagram: an answer to one
// request (a socket's inet_diag_msg with its tcp_info, or an
// acknowledgement) takes well under 1 KiB. A longer one is an error.
const recvSlot = 4 << 10

// recvBatch reads the datagrams waiting, up to n, in one recvmmsg(2)
// (MSG_WAITFORONE: it waits, up to SO_RCVTIMEO, for the first only) and
// calls fn with each in turn: one system call for the answers to a batch
// of requests, where recvfrom takes one each.
func (c *diagConn) recvBatch(n int, fn func(b []byte) error) error {
	m := c.many
	if m == nil || len(m.msgs) < n {
		m = &recvMany{buf: make([]byte, n*recvSlot), iov: make([]unix.Iovec, n), msgs: make([]mmsghdr, n)}
		for i := range m.msgs {
			m.iov[i].Base = &m.buf[i*recvSlot]
			m.iov[i].SetLen(recvSlot)
			m.msgs[i].hdr.Iov = &m.iov[i]
			m.msgs[i].hdr.SetIovlen(1)
		}
		c.many = m
	}
	for {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(c.fd), uintptr(unsafe.Pointer(&m.msgs[0])), uintptr(n),
			unix.MSG_WAITFORONE|unix.MSG_TRUNC, 0, 0)
		if e == unix.EINTR { // SO_RCVTIMEO disables SA_RESTART
			continue
		}
		if e != 0 {
			return recvError("recvmmsg", e, 0, 0)
		}
		for i := 0; i < int(r); i++ {
			l := int(m.msgs[i].len) // MSG_TRUNC: the datagram's real length
			if err := recvError("recvmmsg", nil, l, recvSlot); err != nil {
				return err
			}
			if err := fn(m.buf[i*recvSlot : i*recvSlot+l]); err != nil {
				return err
			}
		}
		return nil
	}
}

// recvInto reads one datagram into buf.
func (c *diagConn) recvInto(buf []byte) ([]byte, error) {
	for {
		// MSG_TRUNC makes recvfrom return the datagram's real length, so
		// a truncated read is caught rather than parsed.
		n, _, err := unix.Recvfrom(c.fd, buf, unix.MSG_TRUNC)
		if err == unix.EINTR { // SO_RCVTIMEO disables SA_RESTART
			continue
		}
		if err := recvError("recvfrom", err, n, len(buf)); err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// recvError is what a read of the sock_diag socket (call: recvfrom or
// recvmmsg) that failed with err, or that gave a datagram of n bytes for
// room, means; nil when the datagram is whole.
func recvError(call string, err error, n, room int) error {
	switch {
	case err == unix.EAGAIN:
		return errors.New("NETLINK_SOCK_DIAG: no answer from the kernel within 10s")
	case err != nil:
		return fmt.Errorf("NETLINK_SOCK_DIAG: %s: %w", call, err)
	case n > room:
		return fmt.Errorf("NETLINK_SOCK_DIAG: a %d-byte message overflowed the %d-byte buffer", n, room)
	}
	return nil
}

// dump sends one dump request and decodes the answer into out. The
// answer is read ahead (readAhead) while it is decoded: the kernel walks
// its tables and fills each datagram inside recvfrom, so on a second
// core that walk and the decoding of the datagram before overlap.
func (c *diagConn) dump(d *diagDecoder, req []byte, out *sockChunks) error {
	d.slab, d.keys = out.slabs()
	defer func() { out.eps, out.keys = d.slab, d.keys }()
	if err := c.send(req); err != nil {
		return fmt.Errorf("NETLINK_SOCK_DIAG: sendto: %w", err)
	}
	least := inetMsgMin
	if d.unix {
		least = unixMsgMin
	}
	r := c.readAhead()
	defer r.stop()
	for {
		got := <-r.full
		if got.err != nil {
			return got.err
		}
		var done bool
		cur := out.room(len(got.b)/least + 1)
		cur, done, err := d.decode(got.b, cur)
		out.set(cur)
		r.free <- got.b[:cap(got.b)]
		if err != nil || done {
			return err
		}
	}
}

// readAheadBufs is how many datagrams a dump holds at once: one being
// decoded, the next being read, and one more read ahead.
const readAheadBufs = 3

// aheadReader reads a dump's datagrams on a goroutine of its own, into
// buffers the decoder hands back through free.
type aheadReader struct {
	full   chan datagram // read, in order; never blocks the reader
	free   chan []byte   // buffers to read into
	quit   chan struct{}
	exited chan struct{}
}

type datagram struct {
	b   []byte
	err error
}

// readAhead starts reading the answer to the request just sent. The
// reader stops by itself after the datagram that ends the dump (or one
// it cannot read); stop makes it stop sooner, and returns once it has,
// so the socket is free for the next request.
func (c *diagConn) readAhead() *aheadReader {
	if c.bufs == nil {
		c.bufs = make([][]byte, readAheadBufs)
		for i := range c.bufs {
			c.bufs[i] = make([]byte, diagRecvBuf)
		}
	}
	r := &aheadReader{
		full: make(chan datagram, readAheadBufs), free: make(chan []byte, readAheadBufs),
		quit: make(chan struct{}), exited: make(chan struct{}),
	}
	for _, b := range c.bufs {
		r.free <- b
	}
	go func() {
		defer close(r.exited)
		for {
			var buf []byte
			select {
			case <-r.quit:
				return
			case buf = <-r.free:
			}
			b, err := c.recvInto(buf)
			r.full <- datagram{b, err}
			if err != nil || endsDump(b) {
				return
			}
		}
	}()
	return r
}

func (r *aheadReader) stop() {
	close(r.quit)
	<-r.exited
}

// endsDump reports whether b, one datagram of a dump, holds the message
// that ends it (NLMSG_DONE, or NLMSG_ERROR other than an ACK), or is
// malformed: either way nothing after it belongs to this dump. The
// decoder judges the same messages again (diagDecoder.decode).
func endsDump(b []byte) bool {
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return true
		}
		n := hostorder.Native.Uint32(b[0:])
		if n < nlmsgHdrLen || uint64(n) > uint64(len(b)) {
			return true
		}
		switch hostorder.Native.Uint16(b[4:]) {
		case nlmsgDone:
			return true
		case nlmsgError:
			if n < nlmsgHdrLen+4 || hostorder.Native.Uint32(b[nlmsgHdrLen:]) != 0 {
				return true
			}
		}
		next := align4(int(n))
		if next >= len(b) {
			return false
		}
		b = b[next:]
	}
	return false
}

// The smallest message of a dump, header included, bounds how many
// sockets one read can hold.
const (
	inetMsgMin = nlmsgHdrLen + inetMsgLen
	unixMsgMin = nlmsgHdrLen + unixMsgLen
)

// sockChunks holds the sockets of a dump as it is decoded, in chunks that
// never grow: appending to one slice copied every socket already decoded
// each time it doubled, and held the old and the new array at once. join
// copies them once into a slice of the right size.
type sockChunks struct {
	full [][]core.Socket // chunks that are done
	cur  []core.Socket   // the chunk being filled
	n    int             // sockets in full
	// hint, when set, is how many sockets the dump will likely hold:
	// the first chunk is that large, and when it was right join has
	// nothing to copy.
	hint int
	// devs are the interfaces the sockets are bound to.
	devs devTable
	// eps and keys are the slabs the decoders put Remote endpoints and
	// keys in, handed from one dump to the next (slabs).
	eps  []core.Endpoint
	keys []DiagKey
}

// slabs returns the slabs the next dump's endpoints and keys go in: the
// last dump's, so that each dump does not start slabs of its own, or,
// for the first dump of a listing with a size hint, slabs with room for
// that many sockets: a busy port's connections then fill one of each,
// not hundreds of small ones. Room the dumps do not use is memory never
// written, which costs nothing resident when it comes fresh from the
// kernel (a listing runs without the collector: gcpolicy).
func (c *sockChunks) slabs() ([]core.Endpoint, []DiagKey) {
	if c.eps == nil && c.hint > 0 {
		c.eps, c.keys = hugeEndpoints(c.hint), make([]DiagKey, 0, c.hint)
	}
	return c.eps, c.keys
}

// Chunks start small (most dumps are) and double up to chunkMax sockets.
const chunkMin, chunkMax = 64, 4096

// len is how many sockets are held.
func (c *sockChunks) len() int { return c.n + len(c.cur) }

// room returns the current chunk with room for need more sockets, starting
// a new one if it has not.
func (c *sockChunks) room(need int) []core.Socket {
	if cap(c.cur)-len(c.cur) >= need {
		return c.cur
	}
	size := chunkMin
	if cap(c.cur) == 0 && c.hint > size {
		size = c.hint
	}
	if cap(c.cur) > 0 {
		size = 2 * cap(c.cur)
		if size > chunkMax {
			size = chunkMax
		}
	}
	if size < need {
		size = need
	}
	if len(c.cur) > 0 {
		c.full = append(c.full, c.cur)
		c.n += len(c.cur)
	}
	c.cur = hugeSockets(size)
	return c.cur
}

// Huge pages: the first chunk of sockets and the slab of remote ends,
// sized for the host's sockets, are megabytes of fresh memory, a page
// fault every 4 KB (on a VM, 2,221 faults were 9% of `who PORT` on 50,000
// TIME_WAIT sockets), or one every 2 MB in huge pages. The kernel is
// asked (MADV_HUGEPAGE, where transparent huge pages are in "madvise"
// mode) to back the slice's whole 2 MB pages with huge pages. A hint: the
// kernel may ignore it, and nothing else changes.
//
// Where the command runs without the collector (gcpolicy.CollectorOff: a
// listing, a scrape), the slice is made with 2 MB more room than asked,
// never touched, so that it starts on a 2 MB boundary and its first 2 MB
// are a huge page too: memory fresh from the kernel is not resident
// until written. Where the collector runs (close, kill, watch), memory is
// reused, and the runtime zeroes a reused slice whole, the room past the
// sockets too (close on the close-100k world peaked at 46.6 MiB so,
// against 36.8 MiB): the slice is made as asked there, and huge pages
// start 2 MB past its first boundary, which only a dump that big
// reaches. A huge page is resident whole from its first write, so a dump
// smaller than the hint (a port's 5,000 sockets of 55,000: 8.2 MiB at
// its peak with 4 KB pages, 11.3 without the collector) holds up to 2 MB
// more per slice.
const hugePage = 2 << 20

// hugeSockets returns an empty slice with room for n sockets.
func hugeSockets(n int) []core.Socket {
	const least = 2 * hugePage
	size := unsafe.Sizeof(core.Socket{})
	if uintptr(n)*size < least {
		return make([]core.Socket, 0, n)
	}
	full := make([]core.Socket, 0, n+hugeRoom(size))
	skip := hugePlace(unsafe.Pointer(&full[:1][0]), size, n, cap(full) > n)
	return full[skip : skip : skip+n]
}

// hugeEndpoints is hugeSockets for endpoints.
func hugeEndpoints(n int) []core.Endpoint {
	const least = hugePage
	size := unsafe.Sizeof(core.Endpoint{})
	if uintptr(n)*size < least {
		return make([]core.Endpoint, 0, n)
	}
	full := make([]core.Endpoint, 0, n+hugeRoom(size))
	skip := hugePlace(unsafe.Pointer(&full[:1][0]), size, n, cap(full) > n)
	return full[skip : skip : skip+n]
}

// hugeRoom is how many elements of size more than asked a slice is made
// with, for hugePlace to start it on a 2 MB boundary: 2 MB of them with
// the collector off, none with it on.
func hugeRoom(size uintptr) int {
	if !gcpolicy.CollectorOff() {
		return 0
	}
	return int(hugePage/size) + 1
}

// hugePlace asks for huge pages for the slice of n elements of size that
// starts at p, and returns how many elements to skip from p: with room
// (hugeRoom's), to start at most one element past a 2 MB boundary and
// from that boundary on; without, none, from 2 MB past its first.
func hugePlace(p unsafe.Pointer, size uintptr, n int, room bool) int {
	if !room {
		hugeFrom(p, uintptr(n)*size, 1)
		return 0
	}
	skip := hugeSkip(p, size)
	hugeFrom(p, uintptr(skip+n)*size, 0) // from the boundary skip reaches past
	return skip
}

// hugeSkip returns how many elements of size to skip from p, the start of
// an array with hugePage bytes more room than it needs, for the rest to
// start at most one element past a 2 MB boundary.
func hugeSkip(p unsafe.Pointer, size uintptr) int {
	start := uintptr(p)
	bound := (start + hugePage - 1) &^ (hugePage - 1)
	return int((bound - start + size - 1) / size)
}

// hugeFrom asks for huge pages for the 2 MB pages of the n bytes at p,
// from the after-th 2 MB boundary (0: the first) within them.
func hugeFrom(p unsafe.Pointer, n uintptr, after uintptr) {
	start := uintptr(p)
	lo := (start+hugePage-1)&^(hugePage-1) + after*hugePage
	hi := (start + n) &^ (hugePage - 1)
	if hi > lo {
		_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, lo-start)), hi-lo), unix.MADV_HUGEPAGE)
	}
}

// set records the current chunk after sockets were appended to it.
func (c *sockChunks) set(cur []core.Socket) { c.cur = cur }

// truncate drops the sockets past the first n (a dump that failed half-way).
func (c *sockChunks) truncate(n int) {
	for c.n > n {
		c.cur = c.full[len(c.full)-1]
		c.full = c.full[:len(c.full)-1]
		c.n -= len(c.cur)
	}
	if len(c.cur) > n-c.n {
		c.cur = c.cur[:n-c.n]
	}
}

// join returns every socket in one slice, with room for extra more.
func (c *sockChunks) join(extra int) []core.Socket {
	if len(c.full) == 0 && cap(c.cur)-len(c.cur) >= extra {
		return c.cur
	}
	out := make([]core.Socket, 0, c.len()+extra)
	for _, ch := range c.full {
		out = append(out, ch...)
	}
	out = append(out, c.cur...)
	*c = sockChunks{}
	return out
}

// inetDump lists the sockets of one protocol and family.
func (c *diagConn) inetDump(f *core.Filter, t procTable, netns uint64, out *sockChunks) error {
	states := stateMask(f, t.proto)
	if states == 0 {
		return nil
	}
	seq := atomic.AddUint32(&diagSeq, 1)
	ext := inetExt(f.WantsIdle(), t.ipproto)
	req := inetDumpRequest(seq, t.af, t.ipproto, states, portBytecode(f), ext)
	d := diagDecoder{seq: seq, proto: t.proto, family: t.family, netns: netns, devs: &out.devs, idle: ext != 0}
	n := out.len()
	if err := c.dump(&d, req, out); err != nil {
		out.truncate(n)
		return t.dumpErr(err)
	}
	return nil
}

// tcpBothType is the type of the request tcpBothDump sends, and
// tcpBothAnswer that of the messages it takes as sockets; tests change
// them to see the fallback work when the kernel refuses the request or
// answers with what gosof cannot parse.
var tcpBothType, tcpBothAnswer uint16 = tcpDiagGetSock, tcpDiagGetSock

// tcpBothDump lists the TCP sockets of both families with one request
// (tcpBothDumpRequest). ok is false when that failed, with nothing added
// to out: the caller then dumps each family by itself, and reports that
// dump's error if it fails too.
func (c *diagConn) tcpBothDump(f *core.Filter, netns uint64, out *sockChunks) (ok bool) {
	states := stateMask(f, core.TCP)
	if states == 0 {
		return true
	}
	seq := atomic.AddUint32(&diagSeq, 1)
	ext := inetExt(f.WantsIdle(), ipprotoTCP)
	req := tcpBothDumpRequest(seq, states, portBytecode(f), ext)
	hostorder.Native.PutUint16(req[4:], tcpBothType) // nlmsg_type
	d := diagDecoder{seq: seq, proto: core.TCP, netns: netns, msgType: tcpBothAnswer, devs: &out.devs, idle: ext != 0}
	n := out.len()
	if err := c.dump(&d, req, out); err != nil {
		out.truncate(n)
		return false
	}
	return true
}

// unixDump lists the unix sockets; their peers' names are for the caller
// to fill in (resolveUnixPeers) once they are in one slice, with pending:
// the connections not yet accepted and the listeners they wait on.
func (c *diagConn) unixDump(f *core.Filter, t procTable, netns uint64, out *sockChunks) (pending map[uint64]uint64, err error) {
	states := stateMask(f, core.Unix)
	if states == 0 {
		return nil, nil
	}
	seq := atomic.AddUint32(&diagSeq, 1)
	d := diagDecoder{seq: seq, unix: true, netns: netns}
	n := out.len()
	if err := c.dump(&d, unixDumpRequest(seq, states), out); err != nil {
		out.truncate(n)
		return nil, t.dumpErr(err)
	}
	return d.pending, nil
}

// dumpErr names the table in a dump's error, and turns a kernel errno into a
// unix.Errno so callers can errors.Is it.
func (t procTable) dumpErr(err error) error {
	var de *dumpError
	if errors.As(err, &de) {
		err = unix.Errno(de.Errno)
	}
	return fmt.Errorf("NETLINK_SOCK_DIAG dump of %s: %w", t.name, err)
}

// destroyBatch is how many sockets DestroyAll asks for, then resets, in
// one sendto each: the kernel reads every message of a datagram in turn
// (netlink_rcv_skb) and queues one answer per request, which wait in the
// socket's receive buffer (net.core.rmem_default, 212,992 bytes) until
// read. An answer over the buffer is dropped (recvmmsg then fails with
// ENOBUFS, and the sockets not answered get that error, none reset
// unproven); on kernel 6.18, 160 lookups with tcp_info fit and 200 did
// not, so 32 leave room for a smaller buffer.
const destroyBatch = 32

// DestroyAll makes the kernel reset each of socks, which live in s's
// namespace (SOCK_DESTROY, as `ss -K` does), with one error per socket: a
// TCP peer sees ECONNRESET, the holder's next call fails with
// ECONNABORTED. A socket is found by its exact id: addresses, ports and,
// when it came from Sockets through netlink, the kernel's cookie in its
// Key (so a new socket that reused the ports is never hit). TCP, UDP and
// UDP-Lite only.
//
// An error wraps the errno: EPERM (also core.ErrPermission) when the
// caller lacks CAP_NET_ADMIN, EOPNOTSUPP when the kernel was built without
// CONFIG_INET_DIAG_DESTROY, ENOENT when the socket is already gone.
//
// With f's --state or --idle (core.Filter.ProvedAtAct), a TCP socket is
// first asked for by the same id and cookie (SOCK_DIAG_BY_FAMILY without
// NLM_F_DUMP: the kernel's tcp_diag_find_one_icsk, older
// inet_diag_find_one_icsk, finds it as SOCK_DESTROY does), with its
// tcp_info for --idle, and left alone when its state and idle time no
// longer pass f (core.Filter.StillMatches). The lookups of a batch go to
// the kernel in one datagram, their answers come back in one recvmmsg,
// and the resets of those that still pass go the same way: proving the
// state at the act costs about what the resets alone cost when sent one
// by one (5,000 CLOSE_WAITs, --state close-wait --abort:
// docs/kill-close.md), and a socket is reset within a batch's round trip
// of its state being read.
func (s *Sockets) DestroyAll(socks []*core.Socket, f *core.Filter) []error {
	errs := make([]error, len(socks))
	s.destroy.mu.Lock()
	defer s.destroy.mu.Unlock()
	// one decoder and one set of buffers for every batch: the decoder's
	// chunks serve many sockets, and with the collector off for a short
	// run (gcpolicy) every allocation stays in the peak RSS
	r := &destroyRun{s: s, f: f, d: diagDecoder{proto: core.TCP, idle: f != nil && f.IdleOver > 0}}
	for lo := 0; lo < len(socks); lo += destroyBatch {
		hi := lo + destroyBatch
		if hi > len(socks) {
			hi = len(socks)
		}
		r.batch(socks[lo:hi], errs[lo:hi])
	}
	return errs
}

// destroyRun is what DestroyAll reuses from batch to batch.
type destroyRun struct {
	s    *Sockets
	f    *core.Filter
	d    diagDecoder
	now  []core.Socket
	reqs [][]byte // each socket's SOCK_DESTROY request
	out  []byte   // the datagram being sent
	// waiting marks the sockets whose answer is still to come; the
	// answer to socket i's request has sequence number first+i
	waiting []bool
	first   uint32
}

// batch looks up (for f: ProvedAtAct) and resets socks, setting errs;
// s.destroy.mu is held.
func (r *destroyRun) batch(socks []*core.Socket, errs []error) {
	r.reqs = r.reqs[:0]
	for i, sock := range socks {
		req, err := destroyRequest(0, sock)
		r.reqs, errs[i] = append(r.reqs, req), err
	}
	if r.f.ProvedAtAct() {
		r.exchange(sockDiagByFamily, socks, errs)
	}
	r.exchange(sockDestroy, socks, errs)
}

// exchange sends, in one datagram, a request of type typ for each of
// socks still to be acted on (the lookup, SOCK_DIAG_BY_FAMILY, for a TCP
// one; SOCK_DESTROY for one the lookup left no error for), through the
// sock_diag socket s keeps (opened on first use), and reads until each
// has its answer, which answer turns into the socket's error in errs. An
// answer with another sequence number is skipped. When the netlink
// socket fails, it is dropped (the next exchange opens another) and
// every socket not answered yet gets the failure.
func (r *destroyRun) exchange(typ uint16, socks []*core.Socket, errs []error) {
	lookup := typ == sockDiagByFamily
	n := len(socks)
	r.first = atomic.AddUint32(&diagSeq, uint32(n)) - uint32(n) + 1 // a block of its own
	r.out = r.out[:0]
	r.waiting = append(r.waiting[:0], make([]bool, n)...)
	left := 0
	for i, req := range r.reqs {
		if req == nil || errs[i] != nil || lookup && socks[i].Proto != core.TCP {
			continue
		}
		at := len(r.out)
		r.out = append(r.out, req...)
		b := r.out[at:]
		flags := uint16(nlmFRequest | nlmFAck)
		if lookup {
			flags = nlmFRequest // the answer is the socket, or NLMSG_ERROR
			if r.d.idle {
				b[nlmsgHdrLen+2] = inetExtInfo // idiag_ext
			}
		}
		putNlmsghdr(b, uint32(len(b)), typ, flags, r.first+uint32(i))
		r.waiting[i] = true
		left++
	}
	if left == 0 {
		return
	}
	c := r.s.destroy.c
	var err error
	if c == nil {
		c, err = r.s.openDiag()
		r.s.destroy.c = c
	}
	if err == nil {
		if err = c.send(r.out); err != nil {
			err = fmt.Errorf("sendto: %w", err)
		}
	}
	for err == nil && left > 0 {
		err = c.recvBatch(left, func(b []byte) error {
			return nlMessages(b, func(seq uint32, m []byte) {
				if i := int(seq - r.first); seq-r.first < uint32(n) && r.waiting[i] {
					r.waiting[i] = false
					left--
					errs[i] = r.answer(lookup, socks[i], seq, m)
				}
			})
		})
	}
	if err != nil {
		r.s.destroy.drop()
		what := "SOCK_DESTROY"
		if lookup {
			what = "SOCK_DIAG_BY_FAMILY"
		}
		for i, w := range r.waiting {
			if w {
				errs[i] = fmt.Errorf("%s %s: %w", what, describe(socks[i]), err)
			}
		}
	}
}

// answer is what m, the kernel's answer (sequence number seq) to the
// lookup of sock or to its reset, means for it: nil when it is reset,
// or, for the lookup, when it still passes f.
func (r *destroyRun) answer(lookup bool, sock *core.Socket, seq uint32, m []byte) error {
	if !lookup {
		if err := ackError(m); err != nil {
			return destroyErr("SOCK_DESTROY", sock, err)
		}
		return nil
	}
	var err error
	r.d.seq = seq
	r.now, _, err = r.d.decode(m, r.now[:0])
	if err == nil && len(r.now) != 1 {
		err = fmt.Errorf("%d sockets in the answer: %w", len(r.now), core.ErrParse)
	}
	if err != nil {
		return destroyErr("SOCK_DIAG_BY_FAMILY", sock, err)
	}
	return r.f.StillMatches(r.now[0].State, r.now[0].Idle)
}

// diagHolder keeps the sock_diag socket Destroy sends through, opened on
// first use: closing 5,000 sockets opened (in the socket's namespace) and
// closed 5,000 netlink sockets. A reused socket may still hold the answer
// to an earlier request that failed half-way; ack skips answers with
// another sequence number, and an error drops the socket.
type diagHolder struct {
	mu sync.Mutex
	c  *diagConn
}

func (h *diagHolder) drop() {
	if h.c != nil {
		h.c.Close()
		h.c = nil
	}
}

// CloseDestroyer closes the sock_diag socket Destroy kept open, if any.
func (s *Sockets) CloseDestroyer() {
	s.destroy.mu.Lock()
	s.destroy.drop()
	s.destroy.mu.Unlock()
}

// destroyErr names the request the kernel answered with err (req:
// SOCK_DESTROY, or the SOCK_DIAG_BY_FAMILY lookup before it) and says
// what its errno means.
func destroyErr(req string, sock *core.Socket, err error) error {
	what := req + " " + describe(sock)
	var de *dumpError
	if !errors.As(err, &de) {
		return fmt.Errorf("%s: %w", what, err)
	}
	errno := unix.Errno(de.Errno)
	switch {
	case sysfile.Sentinel(errno) == core.ErrPermission:
		return core.Wrap2(fmt.Sprintf("%s: %v: needs CAP_NET_ADMIN (%v)", what, core.ErrPermission, errno), core.ErrPermission, errno)
	case errno == unix.EOPNOTSUPP:
		return fmt.Errorf("%s: the kernel cannot destroy sockets (built without CONFIG_INET_DIAG_DESTROY): %w", what, errno)
	case errno == unix.ENOENT:
		return fmt.Errorf("%s: no such socket, already gone: %w", what, errno)
	}
	return fmt.Errorf("%s: %w", what, errno)
}

func describe(s *core.Socket) string {
	r := "*"
	if s.Remote != nil {
		r = fmt.Sprintf("%s:%d", s.Remote.Addr, s.Remote.Port)
	}
	return fmt.Sprintf("%s %s:%d -> %s", s.Proto, s.Local.Addr, s.Local.Port, r)
}

// netlinkRefused reports whether err from openDiag means this process may
// not, or cannot, use NETLINK_SOCK_DIAG at all.
func netlinkRefused(err error) bool {
	for _, e := range []error{unix.EPERM, unix.EACCES, unix.EPROTONOSUPPORT, unix.EAFNOSUPPORT, unix.ESOCKTNOSUPPORT, unix.EINVAL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return errors.Is(err, os.ErrPermission)
}

// sizeHint guesses how many sockets a dump of the namespace returns at
// most, from /proc/net/sockstat: every socket in use ("sockets: used",
// unix and netlink ones included), and TCP's TIME_WAITs ("tw"), which
// are not counted there; 0 when it cannot tell. The sockets then fit the
// first chunk and are never copied. When the kernel filters (a port),
// most of that chunk is never written, and pages never written are never
// resident. Past hintMax sockets, chunks again.
func (s *Sockets) sizeHint(f *core.Filter) int {
	if s.foreign() {
		return 0
	}
	b, err := readFile(s.FS.Path("net", "sockstat"))
	if err != nil {
		return 0
	}
	used, tw := sockstatField(b, "sockets:", "used"), sockstatField(b, "TCP:", "tw")
	if used < 0 || tw < 0 {
		return 0
	}
	if f != nil && f.Held {
		tw = 0 // the kernel leaves them out (stateMask)
	}
	n := used + tw + diagRecvBuf/unixMsgMin // and room for the last read
	if n > hintMax {
		return 0
	}
	return n
}

// hintMax bounds the first chunk: 256Ki sockets.
const hintMax = 256 << 10

// sockstatField is the number after name on sockstat's line that starts
// with line; -1 when there is none.
func sockstatField(b []byte, line, name string) int {
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != line {
			continue
		}
		for i := 1; i+1 < len(f); i += 2 {
			if f[i] == name {
				if n, err := strconv.Atoi(f[i+1]); err == nil && n >= 0 && n < 1<<24 {
					return n
				}
			}
		}
	}
	return -1
}
