package core

import "strings"

// AttachCmdlines sets Cmdline on the process of every owner of socks, one
// read per distinct process (--cmdline). A process whose command line
// cannot be read (gone, not ours, a kernel thread) keeps none and is
// counted.
func AttachCmdlines(cmdline func(pid int) ([]string, error), socks []Socket) (unread int) {
	done := map[int]bool{}
	for i := range socks {
		for _, o := range socks[i].Owners {
			if o.Proc == nil || done[o.PID] {
				continue
			}
			done[o.PID] = true
			args, err := cmdline(o.PID)
			if err != nil || !HasCmdline(args) {
				unread++
				continue
			}
			o.Proc.Cmdline = args
		}
	}
	return unread
}

// HasCmdline reports whether args is a command line to show: a kernel
// thread's and a zombie's are empty.
func HasCmdline(args []string) bool { return len(args) > 1 || len(args) == 1 && args[0] != "" }

// ShownCmdline is a command line as a table shows it: its arguments
// joined by spaces, as ps does (where one ends is lost: JSON has them one
// by one). Raw: escape before printing.
func ShownCmdline(args []string) string { return strings.Join(args, " ") }
