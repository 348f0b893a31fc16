package core

import "fmt"

// Unknown holders. A socket that shows no owner is either orphaned (the
// program closed it; the kernel finishes it: TIME_WAIT, FIN_WAIT2...) or
// held by a process gosof could not see. When the owner scan was denied
// anything (Unseen.Any), a socket that may still belong to a process has
// an *unknown* holder: kill and close never call it "held by no process",
// never suggest --abort for it, exit 3, and close --abort refuses such a
// LISTEN socket unless --unknown-holder forces it (docs/kill-close.md).

// UnknownHolderLabel names a holder gosof could not see (UnknownHolder)
// where a table or a report names holders (close's plan, watch's rows):
// never "-", which says no process holds the socket.
const UnknownHolderLabel = "unknown"

// Any reports whether anything could not be seen.
func (u Unseen) Any() bool { return u.Denied > 0 || u.Hidden != "" }

// UnknownHolder reports whether s shows no owner although a process may
// hold it, because u says some processes could not be seen, or shows only
// creators that could not be proven (Owner.Unverified). A socket a
// process holds has a file, so Linux reports an inode for it; one with
// inode 0 is orphaned, or still in a listener's accept queue. Without
// inodes (Solaris) the states no orphan is ever in decide, unless the
// platform marked the socket HolderUnknown.
func UnknownHolder(s *Socket, u Unseen) bool {
	if s.HasOwners() || s.Proto == Raw {
		return false
	}
	if s.OnlyUnverified() || s.HolderUnknown {
		return true
	}
	if !u.Any() {
		return false
	}
	if s.Inode != 0 {
		return true
	}
	switch s.State {
	case Listen, Unconn, Close, SynSent, Connected:
		return true
	}
	return false
}

// What is "2 processes could not be inspected" and/or the hidden note.
func (u Unseen) What() string {
	s := ""
	switch {
	case u.Denied == 1:
		s = "1 process could not be inspected"
	case u.Denied > 1:
		s = fmt.Sprintf("%d processes could not be inspected", u.Denied)
	}
	if u.Hidden != "" {
		if s != "" {
			s += " and "
		}
		s += u.Hidden
	}
	return s
}

// Remedy is how to see what could not be seen.
func (u Unseen) Remedy() string {
	if u.Hint == "" {
		return "run as root to see them"
	}
	return u.Hint
}
