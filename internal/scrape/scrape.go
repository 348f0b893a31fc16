// Package scrape is the gathering 'gosof metrics' and gosof-exporter
// share: a backend opened per scrape, the whole host resolved, and what
// could not be seen handed on as notes.
package scrape

import (
	"sync"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/platform"
	"github.com/gosof/gosof/platform/host"
)

// Source gathers every socket of the host (or of a --replay capture) with
// its owners; it is a metrics.Gather.
type Source struct {
	opt    platform.Options
	onNote func(string)

	mu   sync.Mutex
	next *platform.Backend // opened by Open, for the first Gather
	// pinned, with --netns, is the backend Open opened, kept for every
	// Gather (metrics.Collector runs one at a time): the namespace
	// --netns names is found once, at the start, as gosof watch finds it
	// for all its refreshes. Looked up again at each scrape, a PID that
	// exited and was reused moved the exporter to another process's
	// namespace, silently.
	pinned *platform.Backend
}

// Open checks opt and the host by opening the backend once, before
// anything is printed or served; the first Gather uses it, and every later
// one opens its own: with -A, namespaces and containers come and go while
// the exporter runs. onNote is told, at each Gather, what it could not
// see or had to fall back on (the lines 'gosof ls' prints on stderr).
func Open(opt platform.Options, onNote func(string)) (*Source, error) {
	b, err := host.Open(opt)
	if err != nil {
		return nil, err
	}
	if opt.NetNS != "" {
		return &Source{opt: opt, onNote: onNote, pinned: b}, nil
	}
	return &Source{opt: opt, onNote: onNote, next: b}, nil
}

// Gather resolves every socket with no filter, with idle times
// (gosof_close_wait_oldest_idle_seconds). With --netns it fails, saying
// so, once the namespace named at the start is gone (Backend.NetNSGone):
// never an empty namespace reported as one with nothing in it.
func (s *Source) Gather() (*core.Result, error) {
	s.mu.Lock()
	b := s.next
	s.next = nil
	if s.pinned != nil {
		b = s.pinned
	}
	s.mu.Unlock()
	if b != nil && b.NetNSGone != nil {
		if err := b.NetNSGone(); err != nil {
			return nil, err
		}
	}
	if b == nil {
		var err error
		if b, err = host.Open(s.opt); err != nil {
			return nil, err
		}
	}
	res, err := b.Resolver().Resolve(&core.Filter{Idle: true})
	if err != nil {
		return nil, err
	}
	res.Unread, _ = b.UnreadProtos(core.Protos...)
	for _, n := range b.SourceNotes() {
		s.onNote(n)
	}
	if m := res.Unseen.Message(); m != "" {
		s.onNote(m)
	}
	return res, nil
}
