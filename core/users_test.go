package core

import (
	"bufio"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestReadUsersOddLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	text := strings.Join([]string{
		"root:x:0:0:root:/root:/bin/bash",
		"",
		"# a comment:x:5:5::/:",
		"+nisuser:x:600:600::/:",
		"-excluded:x:601:601::/:",
		"toor:x:0:0:second name of uid 0:/root:/bin/sh", // uid 0 stays root
		"root:x:99:99:a second root:/:/bin/sh",          // root stays uid 0; uid 99 is named root
		"nouid:x:",
		"baduid:x:12a:1::/:",
		"negative:x:-3:1::/:",
		"short:x",
		":x:77:77::/:",
		"app:x:1000:1000:App User:/home/app:/bin/sh",
		"last:x:4294967294:1::/:", // no newline after the last line
	}, "\n")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	u := ReadUsers(path)
	for uid, want := range map[int64]string{0: "root", 1000: "app", 4294967294: "last", 99: "root", 600: "600", 601: "601", 77: "77", 5: "5"} {
		if got := u.Name(uid); got != want {
			t.Errorf("Name(%d) = %q, want %q", uid, got, want)
		}
	}
	for name, want := range map[string]int64{"root": 0, "toor": 0, "app": 1000, "last": 4294967294} {
		if got, ok := u.UID(name); !ok || got != want {
			t.Errorf("UID(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{"+nisuser", "nisuser", "-excluded", "nouid", "baduid", "negative", "short", "", "# a comment"} {
		if uid, ok := u.UID(name); ok {
			t.Errorf("UID(%q) = %d, want none", name, uid)
		}
	}
	if got, want := strings.Join(u.Names(), ","), "root,toor,app,last"; got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
}

func TestReadUsersMissingFile(t *testing.T) {
	u := ReadUsers(filepath.Join(t.TempDir(), "none"))
	if got := u.Name(0); got != "0" {
		t.Errorf("Name(0) from no file = %q, want 0", got)
	}
	if _, ok := u.UID("root"); ok {
		t.Error("UID(root) from no file found a user")
	}
}

// TestSystemUsersAgreeWithOSUser checks this host's /etc/passwd against
// Go's os/user (NSS through cgo in a test binary built with it) for each
// user the file has: a user gosof names, the C library names the same.
func TestSystemUsersAgreeWithOSUser(t *testing.T) {
	f, err := os.Open(PasswdPath)
	if err != nil {
		t.Skipf("%s: %v", PasswdPath, err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] == "" || strings.HasPrefix(fields[0], "#") {
			continue
		}
		want, err := user.Lookup(fields[0])
		if err != nil {
			continue
		}
		uid, ok := SystemUsers().UID(fields[0])
		if !ok || strconv.FormatInt(uid, 10) != want.Uid {
			t.Errorf("UID(%q) = %d, %v; os/user says %s", fields[0], uid, ok, want.Uid)
		}
		byID, err := user.LookupId(want.Uid)
		if err == nil && LookupUser(uid) != byID.Username {
			t.Errorf("LookupUser(%d) = %q; os/user says %q", uid, LookupUser(uid), byID.Username)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no user of %s was found by os/user", PasswdPath)
	}
}

// TestLookupUID reads --user's values: a uid is a number uid_t holds and
// is not its all-ones "no uid"; anything else is a name, which must be in
// /etc/passwd.
func TestLookupUID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string // substring; "" for no error
	}{
		{"0", 0, ""},
		{"65534", 65534, ""},
		{"4294967294", 4294967294, ""},
		{"4294967295", 0, `"4294967295" is not a uid`},
		{"4294967296", 0, `"4294967296" is not a uid`},
		{"99999999999999999999", 0, "is not a uid"}, // past int64 too
		{"-1", 0, `unknown user "-1"`},
		{"+5", 0, `unknown user "+5"`},
		{"no-such-user-xyz", 0, "unknown user"},
	} {
		got, err := LookupUID(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("LookupUID(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("LookupUID(%q) = %d, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
	if uid, ok := SystemUsers().UID("root"); ok {
		if got, err := LookupUID("root"); err != nil || got != uid {
			t.Errorf("LookupUID(root) = %d, %v; /etc/passwd says %d", got, err, uid)
		}
	}
}
