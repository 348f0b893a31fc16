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
	return &Source{opt: opt, onNote: onNote, next: b}, nil
}

// Gather resolves every socket with no filter, with idle times
// (gosof_close_wait_oldest_idle_seconds).
func (s *Source) Gather() (*core.Result, error) {
	s.mu.Lock()
	b := s.next
	s.next = nil
	s.mu.Unlock()
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
