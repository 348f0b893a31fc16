package fditer

// fileNr is the first field of /proc/sys/fs/file-nr: the file handles
// allocated, "10025\t0\t2470878\n".
func fileNr(b []byte) (int, bool) {
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	if end == 0 || end == len(b) || b[end] != '\t' && b[end] != ' ' {
		return 0, false
	}
	if end > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b[:end] {
		n = n*10 + int(c-'0')
	}
	return n, true
}
