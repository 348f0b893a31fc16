package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/gosof/gosof/core"
)

// interrupter catches INT, TERM and HUP while kill waits for processes to
// exit, so that gosof stops waiting, prints what it did so far (valid JSON
// with --json) and exits with the signal's conventional code (128+N), as a
// shell would report a command the signal had ended.
type interrupter struct {
	sigs chan os.Signal
	done chan struct{} // closed on the first signal
	mu   sync.Mutex
	got  syscall.Signal
	wg   sync.WaitGroup
}

func catchInterrupts() *interrupter {
	i := &interrupter{sigs: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(i.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	i.wg.Add(1)
	go func() {
		defer i.wg.Done()
		s, ok := <-i.sigs
		if !ok {
			return
		}
		i.mu.Lock()
		if ss, isSys := s.(syscall.Signal); isSys {
			i.got = ss
		} else {
			i.got = syscall.SIGINT
		}
		i.mu.Unlock()
		close(i.done)
	}()
	return i
}

// stop restores the default handling: a second signal after the report
// is printed ends gosof as usual.
func (i *interrupter) stop() {
	signal.Stop(i.sigs)
	close(i.sigs)
	i.wg.Wait()
}

// err is nil, or the interruptedError to exit with.
func (i *interrupter) err() error {
	select {
	case <-i.done:
	default:
		return nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return &interruptedError{sig: i.got}
}

// interruptedError makes run exit with 128+signal.
type interruptedError struct{ sig syscall.Signal }

func (e *interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %s while waiting; the report above is what was done so far", core.SignalName(e.sig))
}

func (e *interruptedError) code() int { return 128 + int(e.sig) }
