package core

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// The user database gosof reads is /etc/passwd, and nothing else: the
// release binaries are static and have no NSS, so a user known only to
// LDAP, sssd, NIS or systemd-homed shows as their uid, and --user wants
// the uid for them (docs/conventions.md, "User names"). Every build reads
// it here, the same way: a build with cgo no longer asks NSS through
// os/user where the shipped one cannot, and the go command no longer
// runs cgo for os/user when it builds gosof.

// PasswdPath is the file the user names come from.
const PasswdPath = "/etc/passwd"

// Users is a user database as read from a passwd file: the first entry
// of a name or a uid wins, as getpwnam and getpwuid find it.
type Users struct {
	byUID  map[int64]string
	byName map[string]int64
	names  []string // in the file's order
}

// ReadUsers reads a passwd file: name:password:uid:... per line. Blank
// lines, comments, NIS compat entries (+name, -name) and lines whose uid
// is no number are skipped; a file that cannot be read is an empty
// database (every uid shows as its number).
func ReadUsers(path string) *Users {
	u := &Users{byUID: map[int64]string{}, byName: map[string]int64{}}
	f, err := os.Open(path)
	if err != nil {
		return u
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		u.add(strings.TrimSuffix(line, "\n"))
		if err != nil {
			if err != io.EOF {
				return u
			}
			break
		}
	}
	return u
}

func (u *Users) add(line string) {
	name, rest, ok := strings.Cut(line, ":")
	if !ok || name == "" || name[0] == '#' || name[0] == '+' || name[0] == '-' {
		return
	}
	_, rest, ok = strings.Cut(rest, ":") // the password field
	if !ok {
		return
	}
	uidField, _, _ := strings.Cut(rest, ":")
	uid, err := strconv.ParseInt(uidField, 10, 64)
	if err != nil || uid < 0 {
		return
	}
	if _, dup := u.byName[name]; !dup {
		u.byName[name] = uid
		u.names = append(u.names, name)
	}
	if _, dup := u.byUID[uid]; !dup {
		u.byUID[uid] = name
	}
}

// Name is uid's user name, or the uid as a number when it has none.
func (u *Users) Name(uid int64) string {
	if name, ok := u.byUID[uid]; ok {
		return name
	}
	return strconv.FormatInt(uid, 10)
}

// UID is the uid of the user called name.
func (u *Users) UID(name string) (int64, bool) {
	uid, ok := u.byName[name]
	return uid, ok
}

// Names are the user names, in the file's order.
func (u *Users) Names() []string { return u.names }

var systemUsers struct {
	once  sync.Once
	users *Users
}

// SystemUsers is /etc/passwd, read once per run, when first asked.
func SystemUsers() *Users {
	systemUsers.once.Do(func() { systemUsers.users = ReadUsers(PasswdPath) })
	return systemUsers.users
}

// LookupUser names a uid from /etc/passwd, or returns the number when it
// has no name there.
func LookupUser(uid int64) string { return SystemUsers().Name(uid) }
