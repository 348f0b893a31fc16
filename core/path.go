package core

import (
	"path/filepath"
	"strings"
)

// Unix sockets by path. who, why, kill and close take a PATH where they
// take a PORT: a positional argument that starts with '/' is a socket
// file's name, one that starts with '@' an abstract name, and one that
// starts with "./" or "../" a name relative to the current directory
// (made absolute). A bare word ("app.sock") is a PORT or service name, as
// it always was. A PATH that ends in '/' is a prefix: every name under it
// ("/run/" is /run/app.sock and /run/user/1000/bus alike).
//
// A PATH matches a unix socket by name, on the side --side says, as a
// PORT matches a port: by default the local end, the name the socket is
// bound under (the server's listener, and the connections it accepted,
// which carry its name); with --side remote the peer's name (the clients
// connected to it); with --side any both. Besides the name as typed it
// matches that name with its symlinks resolved (/var/run/app.sock is
// /run/app.sock where /var/run links to /run), and, where the platform
// tells which file a socket is bound to (Linux sock_diag, Socket.File),
// the sockets bound to the very file the PATH names, whatever name they
// were bound under (a relative name, another symlink, a hard link): on
// the local side directly, and on the remote side through the absolute
// names those sockets were found bound under (LearnPaths).

// FileID names a file by its device and inode as stat(2) reports them:
// st_dev in the kernel's user-space encoding, and the low 32 bits of
// st_ino, all that UNIX_DIAG_VFS carries. The zero FileID is unknown.
type FileID struct {
	Dev, Ino uint32
}

// Known reports whether f names a file (no file has inode 0).
func (f FileID) Known() bool { return f.Ino != 0 }

// MakeFileID is the FileID of a file stat(2) described with dev and ino;
// zero when dev does not fit 32 bits, which no Linux device number
// exceeds (the kernel's dev_t has 12 bits of major, 20 of minor).
func MakeFileID(dev, ino uint64) FileID {
	if dev>>32 != 0 {
		return FileID{}
	}
	return FileID{Dev: uint32(dev), Ino: uint32(ino)}
}

// PathTarget is one PATH argument (ParsePath).
type PathTarget struct {
	// Name is the name as typed: absolute, or abstract with a leading '@'
	// as Endpoint.Path writes it; a relative one made absolute.
	Name string
	// Prefix is set when Name ends in '/': every name under it matches.
	Prefix bool
	// File is the socket file Name names (stat(2), through symlinks),
	// when it exists and is a socket; zero otherwise.
	File FileID
	// names are the spellings matched: Name, its lexically cleaned and
	// symlink-resolved forms, and the absolute names the sockets bound
	// to File were found under (LearnPaths).
	names []string
}

// IsPathArg reports whether a positional argument is a PATH rather than
// a PORT: it starts with '/', '@', "./" or "../".
func IsPathArg(arg string) bool {
	return strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "@") ||
		strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../")
}

// ParsePath reads a PATH argument (IsPathArg), and looks at the file it
// names: a PATH that names a socket file also matches the sockets bound
// to that file.
func ParsePath(arg string) (*PathTarget, error) {
	if !IsPathArg(arg) {
		return nil, Usagef("%q is not a unix socket path (a PATH starts with /, @, ./ or ../)", arg)
	}
	t := &PathTarget{Name: arg, Prefix: strings.HasSuffix(arg, "/")}
	if strings.HasPrefix(arg, "@") {
		t.names = []string{arg} // abstract: no file, nothing to resolve
		return t, nil
	}
	if !strings.HasPrefix(arg, "/") {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return nil, Usagef("%q: cannot make it absolute: %v", arg, err)
		}
		if t.Prefix && !strings.HasSuffix(abs, "/") {
			abs += "/"
		}
		t.Name = abs
	}
	t.names = []string{t.Name}
	clean := filepath.Clean(t.Name)
	if t.Prefix && clean != "/" {
		clean += "/"
	}
	t.alias(clean)
	t.alias(resolvedName(clean, t.Prefix))
	if !t.Prefix {
		if pf := StatPath(t.Name); pf.Kind == FileSocket {
			t.File = pf.ID
		}
	}
	return t, nil
}

// resolvedName is name with its symlinks resolved; for a name that does
// not exist (yet, or any more), its directory's; "" when neither resolves.
func resolvedName(name string, prefix bool) string {
	if prefix {
		dir, err := filepath.EvalSymlinks(name)
		if err != nil {
			return ""
		}
		if dir != "/" {
			dir += "/"
		}
		return dir
	}
	if r, err := filepath.EvalSymlinks(name); err == nil {
		return r
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(name))
	if err != nil {
		return ""
	}
	return filepath.Join(dir, filepath.Base(name))
}

// alias adds a spelling of the target's name, once.
func (t *PathTarget) alias(name string) {
	if name == "" {
		return
	}
	for _, n := range t.names {
		if n == name {
			return
		}
	}
	t.names = append(t.names, name)
}

// Names are the spellings the target matches, Name first.
func (t *PathTarget) Names() []string {
	if len(t.names) == 0 {
		return []string{t.Name}
	}
	return t.names
}

// Abstract reports whether the target is an abstract name ('@').
func (t *PathTarget) Abstract() bool { return strings.HasPrefix(t.Name, "@") }

// String is the target as messages print it, escaped.
func (t *PathTarget) String() string { return Escape(t.Name) }

// MatchName reports whether a socket name (Endpoint.Path) is the
// target's, or under it for a prefix. An abstract name's NULs after its
// '@' compare as '@' too (ShownPath), as gosof prints them and a user
// copies them.
func (t *PathTarget) MatchName(p string) bool {
	if p == "" {
		return false
	}
	if t.matchOne(p) {
		return true
	}
	return strings.IndexByte(p, 0) >= 0 && t.matchOne(ShownPath(p))
}

func (t *PathTarget) matchOne(p string) bool {
	for _, n := range t.Names() {
		if t.Prefix && strings.HasPrefix(p, n) || !t.Prefix && p == n {
			return true
		}
	}
	return false
}

// MatchLocal reports whether s's own end is the target's: bound under
// its name, or to its file.
func (t *PathTarget) MatchLocal(s *Socket) bool {
	return t.MatchName(s.Local.Path) || t.File.Known() && s.File == t.File
}

// MatchRemote reports whether s is connected to a socket under the
// target's name.
func (t *PathTarget) MatchRemote(s *Socket) bool {
	return s.Remote != nil && t.MatchName(s.Remote.Path)
}

// LearnPaths records, for each PATH of f that names a socket file, the
// absolute names the sockets bound to that file are found under in
// socks, so that their clients, which carry their server's name as their
// remote end, match on the remote side too. A relative name (bind(2)
// relative to the server's directory) is not learned: it could be any
// other server's name as well. Called by Resolve on every listing; the
// targets are shared by every copy of f (LeftFilter), which then agree.
func (f *Filter) LearnPaths(socks []Socket) {
	for _, t := range f.Paths {
		if !t.File.Known() {
			continue
		}
		for i := range socks {
			s := &socks[i]
			if s.File == t.File && strings.HasPrefix(s.Local.Path, "/") && !t.MatchName(s.Local.Path) {
				t.alias(s.Local.Path)
			}
		}
	}
}

// matchPaths reports whether s matches one of f's PATHs on f's side.
func (f *Filter) matchPaths(s *Socket) bool {
	if s.Family != Local {
		return false
	}
	for _, t := range f.Paths {
		if f.Side != SideRemote && t.MatchLocal(s) {
			return true
		}
		if f.Side != SideLocal && t.MatchRemote(s) {
			return true
		}
	}
	return false
}

// FileKind is what a PATH names on the filesystem.
type FileKind string

const (
	FileAbstract FileKind = "abstract" // an abstract name: no file
	FileMissing  FileKind = "missing"  // no such file
	FileSocket   FileKind = "socket"   // a socket node
	FileOther    FileKind = "other"    // a file of another type (PathFile.Type)
	FileUnknown  FileKind = "unknown"  // stat(2) failed otherwise (PathFile.Err)
)

// PathFile is what the filesystem has at a unix socket's name.
type PathFile struct {
	Kind FileKind
	Type string // for FileOther: "directory", "regular file", "symlink"...
	ID   FileID // for FileSocket (and FileOther): its device and inode
	Err  error  // for FileUnknown
}

// RemoveCommand is "rm -- NAME", the command that removes a stale socket
// file, when NAME can be typed as it is printed (Typeable): "" otherwise
// (the user removes it by other means), and for an abstract name, which
// has no file.
func RemoveCommand(name string) string {
	if !strings.HasPrefix(name, "/") || !Typeable(name) {
		return ""
	}
	return "rm -- " + name
}

// Typeable reports whether name, put in a command gosof suggests, can be
// pasted into a shell as it is printed: false for a name a shell would
// take apart (a space, a quote, a glob) or that is printed escaped.
func Typeable(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/._-+,:=@%", c) >= 0) {
			return false
		}
	}
	return true
}
