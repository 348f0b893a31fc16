package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// An owner through a thread's own descriptor table shows the thread, in
// the table and in JSON; other owners carry no tid.
func TestOwnerThread(t *testing.T) {
	proc := &Process{PID: 4242, Comm: "app", UID: 0, User: "root"}
	o := Owner{PID: 4242, FD: 5, TID: 4250, Proc: proc}
	if got, want := OwnerLabel(o), "4242/app(thread 4250)"; got != want {
		t.Errorf("OwnerLabel = %q, want %q", got, want)
	}
	s := Socket{Proto: TCP, Family: Inet, State: Listen, UID: -1, Owners: []Owner{o, {PID: 4243, FD: 3, Proc: proc}}}
	b, err := json.Marshal(ToJSONSocket(&s))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `{"pid":4242,"comm":"app","fd":5,"tid":4250,"uid":0,"user":"root"}`) ||
		!strings.Contains(string(b), `{"pid":4243,"comm":"app","fd":3,"uid":0,"user":"root"}`) {
		t.Errorf("JSON owners: %s", b)
	}
}
