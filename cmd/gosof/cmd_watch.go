package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/watch"
)

func watchCommand() *cli.Command {
	return &cli.Command{
		Name:      "watch",
		Aliases:   []string{"top"},
		Usage:     "follow who holds what, live: counts by process and state, their change and rate, who leaks CLOSE_WAIT",
		ArgsUsage: "[PORT...]",
		Description: `Lists the matched sockets (TCP, or the protocol a PORT names as udp:53
does, unix for a PATH, unless --proto says otherwise; PORT and the filters
as in 'who') every --interval, by process and state: how many now,
the change since the process was first seen, its rate a minute, how many
entered and left the state. A closing line says what grows ("4242/java:
+36 CLOSE_WAIT in 1m, 0 released: leaking ~36/min"). A process is its
pid and start time: a pid reused meanwhile is another process.

On a terminal it redraws in place; keys: c sorts by CLOSE_WAIT growth (the
default), n by sockets now, g by change, p by pid; q or Ctrl-C quits. In a
pipe it prints a table per refresh, or with --jsonl one JSON object per
refresh (docs/watch.md). --count N stops after N refreshes, its last
frame left on the terminal.
Exits 0 when done (q, --count), 128+N when ended by signal N (INT, TERM,
HUP), 2 on errors.

Examples:
   gosof watch 8080                        # the server and its clients
   gosof top                               # every TCP socket, by process
   gosof watch 8080 --jsonl --count 30     # a minute of it, as JSON
   gosof watch --state close-wait -i 10s`,
		Flags: append(filterFlags(), sideFlag(),
			&cli.StringFlag{Name: "interval", Aliases: []string{"i"}, Value: "2s", Usage: "time between refreshes (`DURATION`: 2s, 500ms; a number is seconds)"},
			&cli.IntFlag{Name: "count", Usage: "stop after `N` refreshes (0: go on until q or a signal)"},
			&cli.StringFlag{Name: "sort", Value: string(watch.SortCloseWait), Usage: "order of the processes (`KEY`): close-wait (growth), now, change, pid"},
			&cli.BoolFlag{Name: "jsonl", Usage: "print one JSON object per refresh, one a line (for scripts)"},
			&cli.BoolFlag{Name: "proc-net", Usage: "Linux: read /proc/net instead of netlink sock_diag"},
			procFDFlag(),
			quietFlag(),
		),
		Action: watchAction,
	}
}

func watchAction(c *cli.Context) error {
	s := newSession(c)
	return s.end(s.watch())
}

// maxInterval bounds --interval: a day between refreshes watches nothing.
const maxInterval = 24 * time.Hour

func (s *session) watch() error {
	c := s.c
	f, err := s.filter(c.Args().Slice())
	if err != nil {
		return err
	}
	if len(f.Protos) == 0 {
		f.Protos = f.TargetProtos() // CLOSE_WAIT is TCP's; --proto, udp/P or a PATH asks for others
	}
	every, err := core.ParseDuration("--interval", c.String("interval"), maxInterval, "a day")
	if err != nil {
		return err
	}
	if every < 10*time.Millisecond {
		return core.Usagef("--interval: %q is under 10ms: a refresh reads every process's descriptors", c.String("interval"))
	}
	count := c.Int("count")
	if count < 0 {
		return core.Usagef("--count: %d is negative (0 goes on until q or a signal)", count)
	}
	key, err := watch.ParseSort(c.String("sort"))
	if err != nil {
		return err
	}
	if err := s.open(); err != nil {
		return err
	}
	w := &watcher{s: s, f: f, every: every, count: count, key: key, out: c.App.Writer,
		resolve: s.b.Resolver().Resolve, tracker: watch.NewTracker(), jsonl: c.Bool("jsonl")}
	w.tracker.OwnerFlags = core.Escape(f.OwnerFlags()) // the screen prints it as it is, as the notes name it
	if s.opt.AllNetNS {
		// -A: the namespaces are found afresh at each refresh, as
		// gosof-exporter finds them at each scrape (scrape.Source):
		// containers come and go while a watch runs, and one started
		// after the first refresh was never listed.
		first := true
		w.resolve = func(f *core.Filter) (*core.Result, error) {
			if !first {
				b, err := openBackend(s.opt)
				if err != nil {
					return nil, err
				}
				s.b = b
			}
			first = false
			return s.b.Resolver().Resolve(f)
		}
	}
	if gone := s.b.NetNSGone; gone != nil {
		// --netns: the namespace was found once, at the start, and pinned,
		// and the pin alone would keep it: each refresh asks first whether
		// anything else still does, as gosof-exporter asks before each
		// scrape (scrape.Source), and ends the watch with the reason.
		resolve := w.resolve
		w.resolve = func(f *core.Filter) (*core.Result, error) {
			if err := gone(); err != nil {
				return nil, err
			}
			return resolve(f)
		}
	}
	w.title = strings.TrimSpace("gosof watch " + strings.Join(c.Args().Slice(), " "))
	return w.run()
}

// watcher is one gosof watch: it refreshes, draws, and waits for the
// next refresh, a key or a signal.
type watcher struct {
	s       *session
	f       *core.Filter
	every   time.Duration
	count   int
	key     watch.SortKey
	out     io.Writer
	resolve func(*core.Filter) (*core.Result, error)
	tracker *watch.Tracker
	jsonl   bool
	title   string
	term    *watchTerm // nil in a pipe
	frame   *watch.Frame
}

// watchRefreshed, when set (a test), is called after each refresh is drawn.
var watchRefreshed func(refresh int)

// watchEvent is what a terminal tells between refreshes.
type watchEvent struct {
	key    byte // a key pressed, 0 for none
	resize bool
}

func (w *watcher) run() (err error) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if f, ok := w.out.(*os.File); ok && !w.jsonl && isTerminal(int(f.Fd())) {
		in, _ := w.s.c.App.Reader.(*os.File)
		if w.term, err = openWatchTerm(in, f); err != nil {
			return err
		}
		defer w.term.restore() // also when a panic unwinds through here
	}
	var events <-chan watchEvent
	if w.term != nil {
		events = w.term.events
	}
	timer := time.NewTimer(0)
	<-timer.C
	for n := 1; ; n++ {
		next := time.Now().Add(w.every)
		if err := w.refresh(); err != nil {
			return err
		}
		if watchRefreshed != nil {
			watchRefreshed(n)
		}
		if w.count > 0 && n >= w.count {
			return w.keep()
		}
		timer.Reset(time.Until(next))
	wait:
		for {
			select {
			case <-timer.C:
				break wait
			case sig := <-sigs:
				if !timer.Stop() {
					<-timer.C
				}
				s, _ := sig.(syscall.Signal)
				return &watchEnded{sig: s}
			case ev := <-events:
				switch {
				case ev.resize:
					if err := w.draw(); err != nil {
						return err
					}
				case ev.key == 'q' || ev.key == 'Q' || ev.key == 3 || ev.key == 4: // Ctrl-C, Ctrl-D in raw mode
					return nil
				default:
					for _, k := range watch.SortKeys {
						if ev.key == k.Letter && w.key != k.Key {
							w.key = k.Key
							if err := w.draw(); err != nil {
								return err
							}
						}
					}
				}
			}
		}
	}
}

// refresh lists the sockets once and shows what changed.
func (w *watcher) refresh() error {
	res, err := w.resolve(w.f)
	w.s.saw(res)
	if err == nil {
		err = w.s.procNetLimits(false) // a watch that can show nothing ends
	}
	if err != nil {
		return err
	}
	w.frame = w.tracker.UpdateResult(time.Now(), res)
	w.s.unseenMatters = w.s.unseenMatters || w.frame.Unknown > 0
	if err := w.draw(); err != nil {
		return err
	}
	if w.term == nil {
		// in a pipe, what could not be seen is said when first known,
		// not after all the data
		w.s.sayNow()
	}
	return nil
}

// unseenNote is what the last refresh could not see, with the remedy,
// when it left sockets without their holder, or out of the owner
// filters for it ("" when none did, or -q): shown under the table on a
// terminal (in a pipe, sayNow says it on stderr).
func (w *watcher) unseenNote() string {
	if w.frame.Unknown == 0 && w.frame.Undecided == 0 || w.s.quiet {
		return ""
	}
	return w.frame.Unseen.Message()
}

// draw shows the last frame: a JSON line, a table, or the screen.
func (w *watcher) draw() error {
	f := w.frame
	f.Sort(w.key)
	if w.jsonl {
		return watch.WriteJSONL(w.out, f)
	}
	if w.term == nil {
		text, err := w.text(0, 0, "", "")
		if err != nil {
			return err
		}
		_, err = io.WriteString(w.out, text+"\n\n")
		return err
	}
	width, height := w.term.size()
	keys := "keys: c CLOSE_WAIT growth, n now, g change, p pid, q quit\n"
	// what could not be seen, with the remedy, shows while watching: the
	// note on stderr at the end comes after the screen is gone
	note := w.unseenNote()
	if note != "" {
		note = "\ngosof: " + note
	}
	// The head, the keys, the table's header and the closing line take 4
	// lines (the note one more); when the rows do not fit in the rest,
	// one more says how many were left out.
	fixed := 4 + strings.Count(note, "\n")
	rows := 0
	if f.Rows() > height-fixed {
		rows = height - fixed - 1
		if rows < 1 {
			rows = 1
		}
	}
	text, err := w.text(width, rows, keys, note)
	if err != nil {
		return err
	}
	return w.term.draw(fitLines(text, width, height))
}

// text is the last frame: its head line, keys, the table (fitted to
// width columns when width > 0, at most rows rows when rows > 0), the
// closing line and note after it.
func (w *watcher) text(width, rows int, keys, note string) (string, error) {
	f := w.frame
	var b strings.Builder
	fmt.Fprintf(&b, "%s: refresh %d, every %s, for %s; sorted by %s\n%s", core.Escape(w.title), f.Refresh,
		core.FlagDuration(w.every), watch.Span(f.Elapsed), sortWords[w.key], keys)
	var tw io.Writer = &b
	if width > 0 {
		// the table fits the screen itself (its NOTE kept whole), in the
		// columns fitLines leaves a line (all but the last); fitLines then
		// only cuts what still does not
		tw = &termWriter{w: &b, cols: width - 1}
	}
	if err := watch.WriteTable(tw, f, rows); err != nil {
		return "", err
	}
	b.WriteString(watch.Summary(f) + note)
	return b.String(), nil
}

// keep ends a watch that ran its --count: on a terminal it leaves the
// alternate screen and prints the last frame on the main one, where it
// stays (as top -n leaves its last), since such a run is made for its
// result: without the keys, which no longer work, every row (the main
// screen scrolls), fitted as any command's output there (termWriter).
// The notes follow on stderr (end). q, Ctrl-C and the signals take the
// screen away with the frame, as it came.
func (w *watcher) keep() error {
	if w.term == nil {
		return nil
	}
	w.term.restore()
	width, _ := w.term.size()
	text, err := w.text(width, 0, "", "")
	if err != nil {
		return err
	}
	_, err = io.WriteString(&termWriter{w: w.out, cols: width}, text+"\n")
	return err
}

// sortWords say by what the processes are sorted.
var sortWords = map[watch.SortKey]string{watch.SortCloseWait: "CLOSE_WAIT growth", watch.SortNow: "sockets now",
	watch.SortChange: "change", watch.SortPID: "pid"}

// fitLines cuts text to a screen of width columns (core.Width: a CJK
// rune takes two) and height lines: a line that wrapped would scroll the
// screen and break the redraw.
func fitLines(text string, width, height int) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if width > 1 && core.Width(l) >= width {
			// the last column would wrap on some terminals
			n, cols := 0, 0
			for _, r := range l {
				if cols+core.RuneWidth(r) > width-1 {
					break
				}
				cols += core.RuneWidth(r)
				n += utf8.RuneLen(r)
			}
			lines[i] = l[:n]
		}
	}
	return lines
}

// watchEnded is a watch ended by a signal: it exits 128+N, as a shell
// reports a command the signal ended, and says nothing more.
type watchEnded struct{ sig syscall.Signal }

func (e *watchEnded) Error() string { return "watch ended by " + core.SignalName(e.sig) }

func (e *watchEnded) code() int { return 128 + int(e.sig) }
