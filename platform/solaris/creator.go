package solaris

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Proving a creator. A row's CreationProcess is the pid that created the
// socket (tcp.c:2714, udp.c:4780; connect() moves it to the caller,
// tcp.c:4192; an accepted connection inherits the listener's,
// conn_opt.c:2919). That process may have exited since and its pid been
// given to another: gosof never acts on one it has not proven to be the
// creator. Proven means: the pid's psinfo reads, it is no zombie
// (pr_nlwp > 0: a zombie has no lwps, prsubr.c:2427, 2470-2476), and it
// was forked no later than the socket was made.
//
// The two times are compared on the kernel's monotonic clock, hrtime,
// never converted to wall-clock time: the row's creation time is
// conn_open_time = ddi_get_lbolt64() (tcp.c:2715, udp.c:4781), which is
// gethrtime() / nsec_per_tick (clock.c:2471-2522, less the time spent in
// the kernel debugger, which only makes it smaller); /proc/<pid>/usage
// pr_create is p_mstart (prvnops.c:1241), gethrtime() at fork
// (fork.c:1009), and the file is world-readable (prvnops.c:1221).
// psinfo's pr_start is the wall clock at fork (u_start, gethrestime,
// fork.c:1212): comparing it with boot_time + ticks/hz would carry every
// clock step and NTP slew since boot (minutes after months of uptime),
// and boot_time is whole seconds, the zone's own in a non-global zone
// (kstat_fr.c:836-844).
//
// nsec_per_tick is NANOSEC / hz (param.c:656); hz is what
// sysconf(_SC_CLK_TCK) returns (sysconfig.c:66-67): 100, or 1000 with
// hires_tick (param.c:650-651). The creation tick is a floor: the socket
// was made in [ticks, ticks+1) * nsec_per_tick, so a process forked
// before the end of that tick is taken as its creator. A reused pid in
// that same tick would need its first owner to create the socket, exit,
// be reaped and the pid space to wrap within one tick.

// Usage is the part of /proc/<pid>/usage (prusage_t, sys/procfs.h) gosof
// reads: hrtime values, nanoseconds since boot.
type Usage struct {
	Create uint64 // pr_create: when the process was forked
	Tstamp uint64 // pr_tstamp: when the file was read
}

// ParseUsage decodes a usage file (LP64: the same on amd64 and SPARC).
func ParseUsage(b []byte, bo binary.ByteOrder) (*Usage, error) {
	if len(b) < zUsageCreate+16 {
		return nil, parseErr("usage: %d bytes, want at least %d", len(b), zUsageCreate+16)
	}
	f := fields{b, bo}
	ts := func(off int) (uint64, bool) {
		sec, nsec := int64(f.u64(off)), int64(f.u64(off+8))
		if sec < 0 || nsec < 0 || nsec >= 1e9 || sec >= 1<<33 {
			return 0, false
		}
		return uint64(sec)*1e9 + uint64(nsec), true
	}
	create, ok1 := ts(zUsageCreate)
	tstamp, ok2 := ts(zUsageTstamp)
	if !ok1 || !ok2 {
		return nil, parseErr("usage: pr_create or pr_tstamp is not a time since boot")
	}
	return &Usage{Create: create, Tstamp: tstamp}, nil
}

// errUnproven is why a creator is not proven; the reasons wrap it.
var errUnproven = errors.New("creator not proven")

// proveCreator says whether the process ps (forked at u.Create) can be
// the one that created row r on a kernel ticking hz times a second (by
// r.CreatorSince): nil when it is, an error wrapping errUnproven saying
// why not.
func proveCreator(r *Row, ps *Psinfo, u *Usage, hz int64) error {
	switch {
	case !r.HasCreation || r.CreationProcess == 0:
		return fmt.Errorf("the row names no creator: %w", errUnproven)
	case hz <= 0 || hz > 1e9:
		return fmt.Errorf("the kernel's clock rate (hz) is not known: %w", errUnproven)
	case ps == nil:
		return fmt.Errorf("process %d is gone: %w", r.CreationProcess, errUnproven)
	case ps.PID != int(r.CreationProcess):
		return fmt.Errorf("psinfo of %d names process %d: %w", r.CreationProcess, ps.PID, errUnproven)
	case ps.NLWP == 0:
		return fmt.Errorf("process %d has exited (zombie): %w", ps.PID, errUnproven)
	case u == nil:
		return fmt.Errorf("process %d: its fork time (/proc/%d/usage) could not be read: %w", ps.PID, ps.PID, errUnproven)
	}
	tick := uint64(1e9 / hz)
	since := r.CreatorSince
	if since >= (1<<63)/tick {
		return fmt.Errorf("creation time %d ticks is out of range: %w", since, errUnproven)
	}
	if end := (since + 1) * tick; u.Create >= end {
		return fmt.Errorf("process %d was started %s after the socket was created: %w",
			ps.PID, fmtDuration(u.Create-since*tick), errUnproven)
	}
	return nil
}

// fmtDuration prints nanoseconds as seconds with millisecond precision.
func fmtDuration(ns uint64) string {
	return fmt.Sprintf("%d.%03ds", ns/1e9, ns%1e9/1e6)
}
