package release

// killChanged reports whether a kill changed anything: a signal was
// delivered to some process (for "changed" in kill --json).
func killChanged(r *KillReport) bool {
	if r == nil {
		return false
	}
	for i := range r.Outcomes {
		if len(r.Outcomes[i].Sent) > 0 {
			return true
		}
	}
	return false
}

// closeChanged reports whether a close changed anything: a socket was
// shut down or reset without error, whether or not it has left the table
// yet (for "changed" in close --json).
func closeChanged(r *CloseReport) bool {
	if r == nil {
		return false
	}
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		if o.Err == nil && (o.Fate == SocketClosed || o.Fate == SocketLeft) {
			return true
		}
	}
	return false
}
