package solaris

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/release"
)

func TestProveCreator(t *testing.T) {
	// A socket made 100 ticks (1 s at hz 100) after boot, so in
	// [1.00 s, 1.01 s) of hrtime.
	row := Row{HasCreation: true, CreationProcess: 42, CreationTime: 100, CreatorSince: 100}
	alive := &Psinfo{PID: 42, NLWP: 1}
	at := func(ns uint64) *Usage { return &Usage{Create: ns} }
	for _, tc := range []struct {
		name string
		r    Row
		ps   *Psinfo
		u    *Usage
		hz   int64
		want string // "" proven; else part of the reason
	}{
		{"forked long before", row, alive, at(5e8), 100, ""},
		{"forked in the same tick", row, alive, at(1_009_999_999), 100, ""},
		{"forked the next tick", row, alive, at(1_010_000_000), 100, "started 0.010s after"},
		{"forked an hour after", row, alive, at(3601e9), 100, "started 3600.000s after"},
		{"hz 1000: the tick is 1 ms", row, alive, at(101e6 - 1), 1000, ""},
		{"hz 1000: one tick late", row, alive, at(101e6), 1000, "started"},
		{"hz unknown", row, alive, at(0), 0, "clock rate (hz) is not known"},
		{"hz absurd", row, alive, at(0), 2e9, "clock rate (hz) is not known"},
		{"gone", row, nil, nil, 100, "process 42 is gone"},
		{"zombie", row, &Psinfo{PID: 42, NLWP: 0}, at(0), 100, "zombie"},
		{"another pid's psinfo", row, &Psinfo{PID: 43, NLWP: 1}, at(0), 100, "names process 43"},
		{"usage unreadable", row, alive, nil, 100, "usage) could not be read"},
		{"no creator", Row{HasCreation: true}, alive, at(0), 100, "names no creator"},
		{"legacy row", Row{CreationProcess: 42}, alive, at(0), 100, "names no creator"},
		{"creation time past hrtime's range", Row{HasCreation: true, CreationProcess: 42, CreatorSince: 1 << 62}, alive, at(0), 100, "out of range"},
		// An accepted connection's time is the handshake's; the creator
		// must predate the listener's (CreatorSince).
		{"accepted: the listener's time counts", Row{HasCreation: true, CreationProcess: 42, CreationTime: 90000, CreatorSince: 100}, alive, at(2e9), 100, "started 1.000s after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := proveCreator(&tc.r, tc.ps, tc.u, tc.hz)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("not proven: %v", err)
			case tc.want != "" && (err == nil || !errors.Is(err, errUnproven) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want errUnproven saying %q", err, tc.want)
			}
		})
	}
}

func TestParseUsage(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		u, err := ParseUsage(usageBytes(bo, 1_500_000_123, 9*sec), bo)
		if err != nil || u.Create != 1_500_000_123 || u.Tstamp != 9*sec {
			t.Errorf("%v: %+v, %v", bo, u, err)
		}
	}
	bad := usageBytes(binary.LittleEndian, 0, 0)
	binary.LittleEndian.PutUint64(bad[zUsageCreate+8:], 2e9) // tv_nsec out of range
	for name, b := range map[string][]byte{"short": bad[:30], "bad nsec": bad} {
		if _, err := ParseUsage(b, binary.LittleEndian); !errors.Is(err, core.ErrParse) {
			t.Errorf("%s: %v, want ErrParse", name, err)
		}
	}
}

// TestDateCreators: a connection with a listener's creation pid on its
// port is dated by the listener.
func TestDateCreators(t *testing.T) {
	m := &MIB{
		TCP: []Row{
			{MIBState: 2, Local: ap("0.0.0.0:80"), HasCreation: true, CreationProcess: 7, CreationTime: 10, CreatorSince: 10},
			{MIBState: 5, Local: ap("10.0.0.1:80"), HasCreation: true, CreationProcess: 7, CreationTime: 900, CreatorSince: 900},
			{MIBState: 5, Local: ap("10.0.0.1:81"), HasCreation: true, CreationProcess: 7, CreationTime: 901, CreatorSince: 901}, // another port
			{MIBState: 5, Local: ap("10.0.0.1:80"), HasCreation: true, CreationProcess: 8, CreationTime: 902, CreatorSince: 902}, // another creator
		},
		TCP6: []Row{
			{MIBState: 2, Local: ap("[::]:81"), HasCreation: true, CreationProcess: 7, CreationTime: 5, CreatorSince: 5},
		},
	}
	m.dateCreators()
	var got []uint64
	for _, r := range m.TCP {
		got = append(got, r.CreatorSince)
	}
	if want := []uint64{10, 10, 5, 902}; !cmp.Equal(want, got) {
		t.Errorf("CreatorSince %v, want %v", got, want)
	}
}

// TestProofCaptures resolves the captures of creators, dual-stack twins
// and a TLI endpoint, in both byte orders, and checks what kill and close
// would do with them.
func TestProofCaptures(t *testing.T) {
	creators := []string{
		"tcp inet LISTEN 0.0.0.0:80 - q=0/0 [1500/6/nginx 1501/6/nginx]",
		"tcp inet LISTEN 0.0.0.0:7070 - q=0/0 [4501/3/mysqld]",
		// In the accept queue: dated by its listener, made after nginx started.
		"tcp inet ESTABLISHED 10.0.0.5:80 10.0.0.9:51000 q=100/0 [1500/-1/creator/nginx]",
		// pid 4500 made the listener at 60 s and exited; backupd got the pid an hour later.
		"tcp inet ESTABLISHED 10.0.0.5:7070 10.0.0.9:52000 q=40/0 [4500/-1/creator/unverified/backupd]",
	}
	dual := []string{
		"tcp inet LISTEN 0.0.0.0:22 - q=0/0 [300/3/sshd]",     // OpenSSH's AF_INET listener
		"tcp inet LISTEN 0.0.0.0:111 - q=0/0 [400/5/rpcbind]", // the TLI endpoint, by its name
		"tcp inet LISTEN 0.0.0.0:7070 - q=0/0 [4500/-1/creator/unverified/backupd]",
		"tcp inet LISTEN 0.0.0.0:8080 - q=0/0 [1300/-1/creator/java]", // java's dual-stack socket seen from IPv4
		"tcp inet ESTABLISHED 10.0.0.5:2049 10.0.0.7:1023 q=0/0 [77/-1/creator/nfsd]",
		"tcp inet ESTABLISHED 10.0.0.5:41000 10.0.0.8:443 q=0/0 []", // its creator is gone
		"tcp inet6 LISTEN [::]:22 - q=0/0 [300/4/sshd]",
		"tcp inet6 LISTEN [::]:8080 - q=0/0 [1300/7/java]",
		"udp inet UNCONN 0.0.0.0:5000 - q=0/0 [4600/-1/creator/unverified/probe]", // a zombie
		"udp inet UNCONN 0.0.0.0:5353 - q=0/0 [620/3/mdnsd]",                      // another socket than [::]:5353
		"udp inet6 UNCONN [::]:123 - q=0/0 [610/5/ntpd]",                          // the same udpInstance: one socket
		"udp inet6 UNCONN [::]:5353 - q=0/0 [620/4/mdnsd]",
	}
	for _, tc := range []struct {
		dir        string
		want       []string
		unproven   int
		killable   []int // pids a kill of every socket would signal
		unknownSoc int   // sockets kill reports as "holder unknown"
	}{
		{"illumos-creators-amd64", creators, 1, []int{1500, 1501, 4501}, 1},
		{"illumos-creators-sparc", creators, 1, []int{1500, 1501, 4501}, 1},
		// 7070 and 5000; 41000's creator is gone and nothing is known of
		// it: ESTABLISHED without an inode may be an orphan (core.UnknownHolder).
		{"solaris11-dualstack-amd64", dual, 3, []int{77, 300, 400, 610, 620, 1300}, 2},
		{"solaris11-dualstack-sparc", dual, 3, []int{77, 300, 400, 610, 620, 1300}, 2},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			b := openFixture(t, tc.dir)
			r := &core.Resolver{Sockets: b, Owners: b, UserName: func(uid int64) string { return fmt.Sprint(uid) }}
			res, err := r.Resolve(&core.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range res.Sockets {
				got = append(got, line(s))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sockets (-want +got):\n%s", diff)
			}
			if want := fmt.Sprintf("the creator named by %d socket", tc.unproven); !strings.Contains(res.Unseen.Hidden, want) {
				t.Errorf("Unseen.Hidden %q, want it to say %q", res.Unseen.Hidden, want)
			}
			// -t and kill: never an unverified creator.
			for _, pid := range core.OwnerPIDs(res.Sockets) {
				if pid == 4500 || pid == 4600 {
					t.Errorf("-t prints %d, an unverified creator", pid)
				}
			}
			plan := release.NewKillPlan(res, nil, nil)
			var pids []int
			for _, it := range plan.Items {
				pids = append(pids, it.Proc.PID)
			}
			if !cmp.Equal(tc.killable, pids) || len(plan.Unknown) != tc.unknownSoc {
				t.Errorf("kill plan: signals %v (want %v), %d unknown holders (want %d)", pids, tc.killable, len(plan.Unknown), tc.unknownSoc)
			}
			// close --abort leaves a socket whose only owner is an
			// unverified creator alone, unless --unknown-holder.
			for _, force := range []bool{false, true} {
				cp := release.NewClosePlan(res, release.CloseOptions{Abort: true, AllowListen: true, AbortUnknown: force}, nil)
				for _, it := range cp.Items {
					if !it.Socket.OnlyUnverified() || it.Socket.Proto != core.TCP {
						continue
					}
					if force != (it.Method == release.Abort) {
						t.Errorf("close --abort (--unknown-holder %v) of %s: method %q, skip %q", force, line(it.Socket), it.Method, it.Skip)
					}
					if !force && !strings.Contains(it.Skip, "creator not proven") {
						t.Errorf("skip %q does not say why", it.Skip)
					}
				}
			}
		})
	}
}
