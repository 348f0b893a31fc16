package solaris

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gosof/gosof/core"
)

// Each parser of kernel bytes must return data or an error wrapping
// core.ErrParse, never panic, on any input, in either byte order.

func orders(big bool) binary.ByteOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func checkErr(t *testing.T, err error) {
	var tli *TLIError
	if err != nil && !errors.Is(err, core.ErrParse) && !errors.As(err, &tli) {
		t.Fatalf("error does not wrap core.ErrParse: %v", err)
	}
}

func FuzzMIB(f *testing.F) {
	for _, p := range []string{"illumos-amd64/mib2", "illumos-pre2019/mib2", "unknown-size/mib2", "solaris11-fdinfo/mib2", "solaris10-legacy/mib2", "bad/mib2-odd-stride"} {
		f.Add(readFixture(f, p), false)
	}
	f.Add(readFixture(f, "illumos-sparc/mib2"), true)
	f.Fuzz(func(t *testing.T, b []byte, big bool) {
		bo := orders(big)
		g, err := ParseCapture(b, bo)
		checkErr(t, err)
		if err != nil {
			return
		}
		m, err := DecodeMIB(g, bo)
		checkErr(t, err)
		if err == nil {
			_, err = m.Sockets()
			checkErr(t, err)
		}
	})
}

func FuzzCtl(f *testing.F) {
	for _, p := range []string{"ctl/ack-tcp-conn.bin", "ctl/end.bin", "ctl/error-ack.bin", "ctl/bad-offset.bin"} {
		f.Add(readFixture(f, p), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, big bool) {
		_, err := ParseCtl(b, orders(big))
		checkErr(t, err)
	})
}

func FuzzPsinfo(f *testing.F) {
	f.Add(readFixture(f, "illumos-amd64/proc/666/psinfo"), false)
	f.Add(readFixture(f, "illumos-sparc/proc/666/psinfo"), true)
	f.Fuzz(func(t *testing.T, b []byte, big bool) {
		_, err := ParsePsinfo(b, orders(big))
		checkErr(t, err)
	})
}

func FuzzFdinfo(f *testing.F) {
	for _, p := range []string{"solaris11-fdinfo/proc/1200/fdinfo/5", "solaris11-fdinfo/proc/1300/fdinfo/7",
		"solaris11-fdinfo/proc/1200/fdinfo/8", "solaris11-fdinfo/proc/1400/fdinfo/3", "illumos-amd64/proc/400/fdinfo/5", "bad/fdinfo-overrun"} {
		f.Add(readFixture(f, p), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, big bool) {
		d, err := ParseFdinfo(b, orders(big))
		checkErr(t, err)
		if err == nil { // what fds and --options make of it must not panic either
			d.Descriptor()
			d.Options()
		}
	})
}
