package core

// AttachCmdlines sets Cmdline on the process of every owner of socks, one
// read per distinct process (--cmdline). A process whose command line
// cannot be read (gone, not ours, a kernel thread) keeps "" and is counted.
func AttachCmdlines(cmdline func(pid int) (string, error), socks []Socket) (unread int) {
	done := map[int]bool{}
	for i := range socks {
		for _, o := range socks[i].Owners {
			if o.Proc == nil || done[o.PID] {
				continue
			}
			done[o.PID] = true
			s, err := cmdline(o.PID)
			if err != nil || s == "" {
				unread++
				continue
			}
			o.Proc.Cmdline = s
		}
	}
	return unread
}
