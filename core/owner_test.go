package core

import (
	"testing"
)

// An owner through a thread's own descriptor table shows the thread in
// its label (core/render tests the JSON).
func TestOwnerThread(t *testing.T) {
	proc := &Process{PID: 4242, Comm: "app", UID: 0, User: "root"}
	o := Owner{PID: 4242, FD: 5, TID: 4250, Proc: proc}
	if got, want := OwnerLabel(o), "4242/app(thread 4250)"; got != want {
		t.Errorf("OwnerLabel = %q, want %q", got, want)
	}
}
