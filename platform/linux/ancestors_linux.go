package linux

import "strconv"

// ParentOf returns a function that reads a process's parent PID from
// /proc/[pid]/stat (field 4), for kill to protect gosof's whole ancestry.
func ParentOf(fs FS) func(pid int) (int, error) {
	return func(pid int) (int, error) {
		var buf [4096]byte
		b, err := readSmall(fs.Path(strconv.Itoa(pid), "stat"), buf[:])
		if err != nil {
			return 0, procErr(pid, err)
		}
		st, err := parseStat(b)
		if err != nil {
			return 0, err
		}
		return st.PPID, nil
	}
}
