package core

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePathTargets(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		arg    string
		name   string
		prefix bool
		names  []string
	}{
		{"/run/app.sock", "/run/app.sock", false, nil},
		{"@app", "@app", false, []string{"@app"}},
		{"@/tmp/.X11-unix/", "@/tmp/.X11-unix/", true, []string{"@/tmp/.X11-unix/"}},
		{"./app.sock", dir + "/app.sock", false, nil},
		{"../", filepath.Dir(dir) + "/", true, nil},
		{link + "/app.sock", link + "/app.sock", false, []string{link + "/app.sock", dir + "/app.sock"}},
		{link + "/", link + "/", true, []string{link + "/", dir + "/"}},
		{"/run//x/../app.sock", "/run//x/../app.sock", false, []string{"/run//x/../app.sock", "/run/app.sock"}},
	} {
		pt, err := ParsePath(tc.arg)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.arg, err)
			continue
		}
		if pt.Name != tc.name || pt.Prefix != tc.prefix {
			t.Errorf("ParsePath(%q) = %q prefix %v; want %q prefix %v", tc.arg, pt.Name, pt.Prefix, tc.name, tc.prefix)
		}
		if tc.names != nil && strings.Join(pt.Names(), " ") != strings.Join(tc.names, " ") {
			t.Errorf("ParsePath(%q) names %q, want %q", tc.arg, pt.Names(), tc.names)
		}
	}
	for _, arg := range []string{"8080", "app.sock", "tcp/80", "run/app.sock"} {
		if IsPathArg(arg) {
			t.Errorf("IsPathArg(%q) = true", arg)
		}
	}
}

// TestPathFilterLists: a PATH is never split at its commas, ports are.
func TestPathFilterLists(t *testing.T) {
	f, err := ParseFilter(FilterFlags{Ports: []string{"/run/a,b.sock", "80,443"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Paths) != 1 || f.Paths[0].Name != "/run/a,b.sock" || len(f.Ports) != 2 {
		t.Errorf("paths %v, ports %v", f.Paths, f.Ports)
	}
	if f.WantsProto(TCP) == false || f.WantsProto(Unix) == false {
		t.Error("PORTs and a PATH together want TCP and unix")
	}
	f, _ = ParseFilter(FilterFlags{Ports: []string{"@x"}})
	if f.WantsProto(TCP) || f.WantsProto(UDP) || !f.WantsProto(Unix) {
		t.Error("a PATH alone wants unix sockets only")
	}
}

// TestTargetsWantNoRaw: a PORT or PATH never matches a raw socket (its
// port field is the IP protocol), so a query with one never asks for the
// raw tables; --proto raw alone, or no argument, does.
func TestTargetsWantNoRaw(t *testing.T) {
	for _, args := range [][]string{{"80"}, {"tcp:80"}, {"1"}, {"/run/a.sock"}, {"80", "@x"}} {
		f, err := ParseFilter(FilterFlags{Ports: args})
		if err != nil {
			t.Fatal(err)
		}
		if f.WantsProto(Raw) {
			t.Errorf("%q wants raw sockets; no PORT or PATH can match one", args)
		}
	}
	for _, ff := range []FilterFlags{{}, {Protos: []string{"raw"}}, {Local: []string{"127.0.0.1"}}} {
		f, err := ParseFilter(ff)
		if err != nil {
			t.Fatal(err)
		}
		if !f.WantsProto(Raw) {
			t.Errorf("%+v does not want raw sockets", ff)
		}
	}
}

func TestMatchPathSides(t *testing.T) {
	listener := Socket{Proto: Unix, Family: Local, State: Listen, Local: Endpoint{Path: "/run/app.sock"}, File: FileID{Dev: 1, Ino: 7}}
	accepted := Socket{Proto: Unix, Family: Local, State: Connected, Local: Endpoint{Path: "/run/app.sock"}, Remote: &Endpoint{}, PeerInode: 9, File: FileID{Dev: 1, Ino: 7}}
	client := Socket{Proto: Unix, Family: Local, State: Connected, Remote: &Endpoint{Path: "/run/app.sock"}, PeerInode: 8}
	other := Socket{Proto: Unix, Family: Local, State: Listen, Local: Endpoint{Path: "/run/app.sock2"}}
	nul := Socket{Proto: Unix, Family: Local, State: Listen, Local: Endpoint{Path: "@app\x00x"}}
	tcp := Socket{Proto: TCP, Family: Inet, State: Listen, Local: ep("127.0.0.1", 80)}
	all := []Socket{listener, accepted, client, other, nul, tcp}
	match := func(f *Filter) string {
		var got []string
		for i := range all {
			if f.MatchSocket(&all[i]) {
				got = append(got, []string{"listener", "accepted", "client", "other", "nul", "tcp"}[i])
			}
		}
		return strings.Join(got, " ")
	}
	target := func(name string) *PathTarget {
		t.Helper()
		pt, err := ParsePath(name)
		if err != nil {
			t.Fatal(err)
		}
		return pt
	}
	for _, tc := range []struct {
		name string
		f    *Filter
		want string
	}{
		{"local", &Filter{Paths: []*PathTarget{target("/run/app.sock")}}, "listener accepted"},
		{"remote", &Filter{Paths: []*PathTarget{target("/run/app.sock")}, Side: SideRemote}, "client"},
		{"any", &Filter{Paths: []*PathTarget{target("/run/app.sock")}, Side: SideAny}, "listener accepted client"},
		{"prefix", &Filter{Paths: []*PathTarget{target("/run/")}}, "listener accepted other"},
		{"NUL shown as @", &Filter{Paths: []*PathTarget{target("@app@x")}}, "nul"},
		{"NUL exact", &Filter{Paths: []*PathTarget{target("@app")}}, ""},
		{"file only", &Filter{Paths: []*PathTarget{{Name: "/elsewhere/app.sock", File: FileID{Dev: 1, Ino: 7}}}}, "listener accepted"},
		{"port and path", &Filter{Paths: []*PathTarget{target("/run/app.sock2")}, Ports: []PortRange{{Lo: 80, Hi: 80}}}, "other tcp"},
	} {
		if got := match(tc.f); got != tc.want {
			t.Errorf("%s: matched %q, want %q", tc.name, got, tc.want)
		}
	}

	// The clients of a server found by its file match on the remote side
	// once the file's name is learned from the listing.
	f := &Filter{Paths: []*PathTarget{{Name: "/elsewhere/app.sock", File: FileID{Dev: 1, Ino: 7}}}, Side: SideRemote}
	if got := match(f); got != "" {
		t.Errorf("before learning: %q", got)
	}
	f.LearnPaths(all)
	if got := match(f); got != "client" {
		t.Errorf("after learning: %q, want client", got)
	}
	// a relative name is not learned: it could be anyone's
	rel := []Socket{{Proto: Unix, Family: Local, State: Listen, Local: Endpoint{Path: "app.sock"}, File: FileID{Dev: 1, Ino: 8}}}
	g := &Filter{Paths: []*PathTarget{{Name: "/srv/app.sock", File: FileID{Dev: 1, Ino: 8}}}}
	g.LearnPaths(rel)
	if n := g.Paths[0].Names(); len(n) != 1 {
		t.Errorf("learned %q", n)
	}
}

// TestParsePathFile: a PATH naming a socket file carries that file's
// device and inode, as stat(2) gives them.
func TestParsePathFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pt, err := ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	pf := StatPath(path)
	if pf.Kind != FileSocket || !pt.File.Known() || pt.File != pf.ID {
		t.Errorf("ParsePath: file %+v, StatPath %+v", pt.File, pf)
	}
	for name, kind := range map[string]FileKind{filepath.Dir(path): FileOther, path + "x": FileMissing, "@x": FileAbstract} {
		if got := StatPath(name).Kind; got != kind {
			t.Errorf("StatPath(%q) = %s, want %s", name, got, kind)
		}
	}
}
