package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosof/gosof/internal/testhelper"
)

// gosofInPath puts a "gosof" in a fresh directory at the front of PATH:
// a link to the test binary, which then runs as the CLI (TestMain).
func gosofInPath(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Symlink(testhelper.Executable(t), filepath.Join(dir, "gosof")); err != nil {
		t.Fatal(err)
	}
	return dir, append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "HOME="+dir)
}

func shell(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (.ci/run installs it)", name)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// mustHave checks that the section of out after marker (up to the next
// "---") lists each of words, and none of not.
func mustHave(t *testing.T, out, marker string, words, not []string) {
	t.Helper()
	_, sect, ok := strings.Cut(out, marker+"\n")
	if !ok {
		t.Errorf("no %q in output:\n%s", marker, out)
		return
	}
	sect, _, _ = strings.Cut(sect, "---")
	lines := map[string]bool{}
	for _, l := range strings.Split(sect, "\n") {
		w, _, _ := strings.Cut(l, "\t")
		lines[strings.TrimSpace(w)] = true
	}
	for _, w := range words {
		if !lines[w] {
			t.Errorf("%s: %q missing from:\n%s", marker, w, sect)
		}
	}
	for _, w := range not {
		if lines[w] {
			t.Errorf("%s: %q offered:\n%s", marker, w, sect)
		}
	}
}

// TestCompletionBash loads the script in a real bash, checks what
// complete -p says, and runs the completion function on typed lines.
func TestCompletionBash(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	port := strconv.Itoa(p)
	// the listener's port is offered among the ports that start with what
	// was typed (capped at the lowest maxPortCandidates of them)
	prefix := port[:len(port)-1]
	dir, env := gosofInPath(t)
	// A candidate is taken as it is, never as a glob: a stub gosof answers
	// "a*" (no description) in a directory holding ab and ac.
	stub, files := filepath.Join(dir, "stub"), filepath.Join(dir, "files")
	for _, d := range []string{stub, files} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(stub, "gosof"), []byte("#!/bin/sh\necho 'a*'\n"), 0o755)
	os.WriteFile(filepath.Join(files, "ab"), nil, 0o644)
	os.WriteFile(filepath.Join(files, "ac"), nil, 0o644)
	script := `
source <(gosof completion bash) || exit 1
complete -p gosof
comp() { # comp LINE [WORD...]: COMP_WORDS as bash splits them (at = and :)
    COMP_LINE=$1; COMP_POINT=${#1}; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1))
    _gosof; echo "== $COMP_LINE"; printf '%s\n' "${COMPREPLY[@]}"; echo ---
}
comp 'gosof wh' gosof wh
comp 'gosof who --st' gosof who --st
comp 'gosof who --state clo' gosof who --state clo
comp 'gosof who --state=clo' gosof who --state = clo
comp 'gosof ls --proto tcp,u' gosof ls --proto tcp,u
comp 'gosof kill ` + prefix + `' gosof kill ` + prefix + `
comp 'gosof completion ' gosof completion ''
comp 'GOSOF_PROC_FD=1 gosof kill ` + prefix + `' GOSOF_PROC_FD = 1 gosof kill ` + prefix + `
comp 'A=1 B=2 gosof wh' A = 1 B = 2 gosof wh
cd ` + files + ` && PATH=` + stub + `:$PATH
comp 'gosof x' gosof x
`
	out := shell(t, env, "bash", "--norc", "--noprofile", "-c", script)
	if !strings.Contains(out, "complete -o bashdefault -o default -F _gosof gosof") {
		t.Errorf("complete -p gosof:\n%s", out)
	}
	mustHave(t, out, "== gosof wh", []string{"who", "why"}, []string{"ls"})
	mustHave(t, out, "== gosof who --st", []string{"--state"}, nil)
	mustHave(t, out, "== gosof who --state clo", []string{"close", "close-wait", "closing"}, []string{"listen"})
	mustHave(t, out, "== gosof who --state=clo", []string{"close-wait"}, []string{"--state=close-wait"})
	mustHave(t, out, "== gosof ls --proto tcp,u", []string{"tcp,udp", "tcp,udplite", "tcp,unix"}, nil)
	mustHave(t, out, "== gosof kill "+prefix, []string{port}, nil)
	mustHave(t, out, "== gosof completion ", []string{"bash", "zsh", "fish"}, nil)
	// After environment assignments the command is still gosof (it ran
	// "GOSOF_PROC_FD=1 __complete").
	mustHave(t, out, "== GOSOF_PROC_FD=1 gosof kill "+prefix, []string{port}, nil)
	mustHave(t, out, "== A=1 B=2 gosof wh", []string{"who", "why"}, nil)
	mustHave(t, out, "== gosof x", []string{`a\*`}, []string{"ab", "ac"}) // quoted, never globbed
}

// TestCompletionZsh installs _gosof in $fpath as a zsh user would, checks
// compinit binds it, and runs it with zsh's completion functions stubbed
// to print what they were given.
func TestCompletionZsh(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	dir, env := gosofInPath(t)
	fdir := filepath.Join(dir, "site-functions")
	os.Mkdir(fdir, 0o755)
	out, _, code := gosof(t, "completion", "zsh")
	if code != 0 || os.WriteFile(filepath.Join(fdir, "_gosof"), []byte(out), 0o644) != nil {
		t.Fatalf("gosof completion zsh: exit %d", code)
	}
	script := `
fpath=(` + fdir + ` $fpath)
autoload -Uz compinit && compinit -u -d ` + dir + `/zcompdump
print -r -- "bound: $_comps[gosof]"
source <(gosof completion zsh)
_describe() { print -rl -- "${(@P)${@[-1]}}" }
_files() { print -r -- FILES }
comp() { print -r -- "== $*"; words=("$@"); CURRENT=$#; _gosof; print -- --- }
comp gosof who --state clo
comp gosof kill ` + strconv.Itoa(p)[:len(strconv.Itoa(p))-1] + `
comp gosof ls --replay ''
`
	res := shell(t, env, "zsh", "-f", "-c", script)
	if !strings.Contains(res, "bound: _gosof") {
		t.Errorf("compinit did not bind _gosof from $fpath:\n%s", res)
	}
	mustHave(t, strings.ReplaceAll(res, ":", "\t"), "== gosof who --state clo", []string{"close-wait", "closing"}, []string{"listen"})
	mustHave(t, strings.ReplaceAll(res, ":", "\t"), "== gosof kill "+strconv.Itoa(p)[:len(strconv.Itoa(p))-1], []string{strconv.Itoa(p)}, nil)
	mustHave(t, res, "== gosof ls --replay ", []string{"FILES"}, nil)
}

// TestCompletionFish sources the script in a real fish and asks fish
// itself what it would complete (complete -C).
func TestCompletionFish(t *testing.T) {
	h := testhelper.Start(t)
	_, p := listen(t, h, "inet", "127.0.0.1:0")
	dir, env := gosofInPath(t)
	sock := filepath.Join(dir, "app.sock")
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A PATH, a capture DIR: nothing of gosof's to offer, so file names,
	// as bash (-o default) and zsh (_files) give; never beside commands.
	script := `gosof completion fish | source
for l in 'gosof wh' 'gosof who --state clo' 'gosof kill ` + strconv.Itoa(p)[:len(strconv.Itoa(p))-1] + `' 'gosof ls --st' \
        'gosof who ` + dir + `/ap' 'gosof debug check ` + dir + `/ap' 'gosof why --replay ` + dir + `/ap'
    echo "== $l"; complete -C"$l"; echo ---
end`
	out := shell(t, env, "fish", "--no-config", "-c", script)
	mustHave(t, out, "== gosof wh", []string{"who", "why"}, []string{"why_linux_test.go"})
	for _, l := range []string{"gosof who ", "gosof debug check ", "gosof why --replay "} {
		mustHave(t, out, "== "+l+dir+"/ap", []string{sock}, nil)
	}
	mustHave(t, out, "== gosof who --state clo", []string{"close-wait", "closing"}, []string{"listen"})
	mustHave(t, out, "== gosof kill "+strconv.Itoa(p)[:len(strconv.Itoa(p))-1], []string{strconv.Itoa(p)}, nil)
	mustHave(t, out, "== gosof ls --st", []string{"--state"}, nil)
}

// TestCompletionNetnsNames: --netns offers the real names under
// /run/netns (it offered core.Escape's: "a\\b" for a\b, a name that does
// not exist), and bash inserts each quoted so that the command runs with
// that name; a name with a control character is not offered at all.
// The namespaces are made with unique names and deleted after.
func TestCompletionNetnsNames(t *testing.T) {
	ip, err := exec.LookPath("ip")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and ip(8) to make named network namespaces")
	}
	base := "gosoftest-" + strconv.Itoa(os.Getpid())
	spaced, ctrl := base+" a\\b", base+"-\x01x"
	for _, n := range []string{spaced, ctrl} {
		if out, err := exec.Command(ip, "netns", "add", n).CombinedOutput(); err != nil {
			t.Skipf("ip netns add %q: %v: %s", n, err, out)
		}
		n := n
		t.Cleanup(func() { exec.Command(ip, "netns", "del", n).Run() })
	}
	out, _, code := gosof(t, completeCmd, "who", "--netns", base)
	if code != 0 || out != spaced+"\t\n" {
		t.Errorf("__complete who --netns %s: exit %d, %q; want the real name alone, %q", base, code, out, spaced)
	}
	_, env := gosofInPath(t)
	q := `'` + strings.ReplaceAll(base, `'`, `'\''`) + `'`
	script := `
source <(gosof completion bash) || exit 1
comp() { # comp LINE [WORD...]: COMP_WORDS as bash splits them
    COMP_LINE=$1; COMP_POINT=${#1}; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1))
    _gosof; echo "== $COMP_LINE"; printf '%s\n' "${COMPREPLY[@]}"
    # what the shell runs with the candidate inserted
    for c in "${COMPREPLY[@]}"; do eval "gosof who --netns $c 47299" 2>/dev/null; echo "exit $?"; done
    echo ---
}
comp "gosof who --netns "` + q + ` gosof who --netns ` + q + `
comp "gosof who --netns "` + q + `'\ a' gosof who --netns ` + q + `'\ a'
`
	res := shell(t, env, "bash", "--norc", "--noprofile", "-c", script)
	quoted := strings.ReplaceAll(strings.ReplaceAll(spaced, `\`, `\\`), " ", `\ `) // printf %q
	for _, typed := range []string{base, base + `\ a`} {
		_, sect, _ := strings.Cut(res, "== gosof who --netns "+typed+"\n")
		sect, _, _ = strings.Cut(sect, "---")
		if sect != quoted+"\nexit 1\n" {
			t.Errorf("bash, %q typed: %q; want %q inserted, and gosof who --netns with it to run (exit 1, nothing on 47299):\n%s", typed, sect, quoted, res)
		}
	}
}

// TestCompletionTypedControls: a comma list keeps what was typed before
// its last comma in each candidate; when that holds a control character,
// a newline or invalid UTF-8, nothing is offered, as for such a name (it
// was written back raw: one candidate split over two lines, an escape
// sequence echoed to the terminal).
func TestCompletionTypedControls(t *testing.T) {
	for _, words := range [][]string{
		{"ls", "--state", "\x1b[31m\u202e\n,c"},
		{"ls", "--state=\x1b]0;x\a,c"},
		{"ls", "--proto", "\xff,t"},
		{"ls", "--pid", "\r\x9b,1"},
		{"fds", "\x1b[2J,1"},
	} {
		out, _, code := gosof(t, append([]string{completeCmd}, words...)...)
		if code != 0 || out != "" {
			t.Errorf("__complete %q: exit %d, %q; want nothing offered", words, code, out)
		}
	}
	// the same lists typed plainly are completed
	if out, _, _ := gosof(t, completeCmd, "ls", "--state", "listen,c"); !strings.Contains(out, "listen,close-wait\t\n") {
		t.Errorf("__complete ls --state listen,c: %q; want listen,close-wait among the candidates", out)
	}
}
