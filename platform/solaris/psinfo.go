package solaris

import (
	"encoding/binary"
)

// Psinfo is the part of /proc/<pid>/psinfo (psinfo_t, sys/procfs.h) gosof
// uses. Offsets are for LP64 (amd64 and sparcv9 share them: every field
// before pr_lwp is naturally aligned).
type Psinfo struct {
	PID, PPID int
	NLWP      int    // pr_nlwp: 0 for a zombie
	UID, EUID uint32 // uid_t is unsigned
	// Start is pr_start in nanoseconds since the epoch: it identifies this
	// incarnation of PID, so a kill never reaches a recycled one.
	Start  uint64
	Fname  string // pr_fname, the executable's base name (raw: escape before printing)
	Psargs string // pr_psargs, the first 80 bytes of the command line
	ZoneID int32
}

// psinfo_t offsets (LP64, zlayout.go).
const (
	psNLWP    = zPsNLWP
	psPID     = zPsPID
	psPPID    = zPsPPID
	psUID     = zPsUID
	psEUID    = zPsEUID
	psStart   = zPsStart // timestruc_t {int64 tv_sec; int64 tv_nsec}
	psFname   = zPsFname
	psFnameSz = 16 // PRFNSZ
	psArgs    = zPsArgs
	psArgsSz  = 80 // PRARGSZ
	psZoneID  = zPsZoneID
	// psMinSize is where gosof's fields end; the whole struct is zPsSize
	// bytes on LP64, but a shorter, older one that holds them is fine.
	psMinSize = psZoneID + 4
)

// ParsePsinfo decodes a psinfo file.
func ParsePsinfo(b []byte, bo binary.ByteOrder) (*Psinfo, error) {
	if len(b) < psMinSize {
		return nil, parseErr("psinfo: %d bytes, want at least %d", len(b), psMinSize)
	}
	f := fields{b, bo}
	sec, nsec := int64(f.u64(psStart)), int64(f.u64(psStart+8))
	if sec < 0 || nsec < 0 || nsec >= 1e9 || sec >= 1<<33 {
		return nil, parseErr("psinfo: pr_start %d.%09d is not a time", sec, nsec)
	}
	p := &Psinfo{
		NLWP:   int(f.i32(psNLWP)),
		PID:    int(f.i32(psPID)),
		PPID:   int(f.i32(psPPID)),
		UID:    f.u32(psUID),
		EUID:   f.u32(psEUID),
		Start:  uint64(sec)*1e9 + uint64(nsec),
		Fname:  cstring(f.raw(psFname, psFnameSz)),
		Psargs: cstring(f.raw(psArgs, psArgsSz)),
		ZoneID: f.i32(psZoneID),
	}
	if p.PID < 0 {
		return nil, parseErr("psinfo: pr_pid %d", p.PID)
	}
	return p, nil
}
