package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
	"github.com/gosof/gosof/core/watch"
	"github.com/gosof/gosof/platform"
)

// completeCmd is the hidden word the shell scripts call back with: the
// words typed so far after "gosof", the last one the word being completed
// (empty after a space). It prints one candidate a line, a tab and a
// description after it. It is handled before flags are parsed (see
// preParse), since the words are half-typed.
//
// Not urfave/cli's --generate-bash-completion: that protocol parses the
// half-typed line as flags, so after "--state " it cannot tell that a
// state is wanted, and the library ships no bash or zsh script (they sit
// in its repository, to be copied); its fish generator writes a static
// list, with no states, namespaces or ports. One engine here answers
// all three shells from the same command definitions.
const completeCmd = "__complete"

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "SHELL",
		Description: `Prints a script that completes commands, flags, --state, --proto, --side and
--signal values, --netns names and --user names, and for who, kill, close
and why the ports something listens on (the listeners are read when TAB is
pressed: no owners, no /proc walk).

   source <(gosof completion bash)          # this shell; or install it:
   gosof completion bash > /etc/bash_completion.d/gosof
   gosof completion zsh > /usr/local/share/zsh/site-functions/_gosof
   gosof completion fish > ~/.config/fish/completions/gosof.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return core.Usagef("completion needs one SHELL: bash, zsh or fish")
			}
			s, ok := completionScripts[c.Args().First()]
			if !ok {
				return core.Usagef("completion: %q is not bash, zsh or fish", c.Args().First())
			}
			_, err := io.WriteString(c.App.Writer, s)
			return err
		},
	}
}

// completeWords answers the completion callback (the words typed so far
// after "gosof", the last one the word being completed), and says whether
// args was one.
func completeWords(app *cli.App, args []string, stdout io.Writer) bool {
	if len(args) < 2 || args[1] != completeCmd {
		return false
	}
	w := bufio.NewWriter(stdout)
	for _, c := range complete(app, args[2:]) {
		if completable(c.word) {
			fmt.Fprintf(w, "%s\t%s\n", c.word, c.desc)
		}
	}
	w.Flush()
	return true
}

type candidate struct{ word, desc string }

// complete returns the candidates for the last of words, from what lex
// reads of the words before it: the command, a flag waiting for its value,
// the positional arguments so far.
func complete(app *cli.App, words []string) []candidate {
	if len(words) == 0 {
		words = []string{""}
	}
	cur := words[len(words)-1]
	lx := lex(app, words[:len(words)-1])
	flags := lx.flagSet(app)
	// A value for the flag before it ("--state <TAB>") or in it ("--state=cl").
	if lx.Pending != nil {
		return filterPrefix(flagValues(lx.Pending.Flag, cur), cur)
	}
	if lx.DashDash < 0 && strings.HasPrefix(cur, "--") && strings.Contains(cur, "=") {
		name, val, _ := strings.Cut(cur, "=")
		if f := findFlag(flags, name[2:]); f != nil {
			var out []candidate
			for _, c := range filterPrefix(flagValues(f, val), val) {
				out = append(out, candidate{name + "=" + c.word, c.desc})
			}
			return out
		}
	}
	if lx.DashDash < 0 && strings.HasPrefix(cur, "-") {
		return filterPrefix(flagCandidates(flags), cur)
	}
	positional := len(lx.Args)
	var out []candidate
	switch cmd := lx.Cmd; {
	case cmd == nil && lx.DashDash < 0 && positional == 0:
		for _, c := range app.VisibleCommands() {
			out = append(out, candidate{c.Name, c.Usage})
		}
		if cur != "" {
			out = append(out, listeningPorts(cur)...) // gosof PORT is gosof who PORT
		}
	case cmd == nil:
		out = listeningPorts(cur)
	case len(cmd.Subcommands) > 0 && lx.Sub == nil && lx.BadSub == "":
		for _, sc := range cmd.VisibleCommands() {
			out = append(out, candidate{sc.Name, sc.Usage})
		}
	case cmd.Name == "help" && positional == 0:
		for _, c := range app.VisibleCommands() {
			out = append(out, candidate{c.Name, c.Usage})
		}
	case cmd.Name == "completion" && positional == 0:
		out = []candidate{{"bash", ""}, {"zsh", ""}, {"fish", ""}}
	case cmd.Name == "who" || cmd.Name == "kill" || cmd.Name == "close" || cmd.Name == "watch" || cmd.Name == "why" && positional == 0:
		out = listeningPorts(cur)
	case cmd.Name == "fds":
		out = processes(cur)
	}
	return filterPrefix(out, cur)
}

// flagCandidates is every visible name of flags, long ones as --name.
func flagCandidates(flags []cli.Flag) []candidate {
	var out []candidate
	for _, f := range flags {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		_, usage, _ := strings.Cut(flagHelp(f), "\t")
		for _, n := range f.Names() {
			if len(n) == 1 {
				out = append(out, candidate{"-" + n, usage})
			} else {
				out = append(out, candidate{"--" + n, usage})
			}
		}
	}
	return append(out, candidate{"--help", "show help"})
}

// flagValues are the values worth offering for flag f; cur may be a
// comma list being typed ("close-wait,ti"), whose done part is kept.
func flagValues(f cli.Flag, cur string) []candidate {
	done := ""
	if i := strings.LastIndexByte(cur, ','); i >= 0 {
		done = cur[:i+1]
	}
	var words []string
	switch f.Names()[0] {
	case "proto":
		for _, p := range core.Protos {
			words = append(words, string(p))
		}
	case "state":
		for _, s := range core.AllStates {
			words = append(words, core.StateArg(s))
		}
	case "side":
		words = []string{"local", "remote", "any"}
	case "signal":
		words = []string{"TERM", "INT", "HUP", "QUIT", "KILL", "USR1", "USR2"}
	case "timeout":
		words = []string{"1s", "5s", "30s"}
	case "idle":
		words = []string{"1m", "10m", "1h"}
	case "interval":
		words = []string{"1s", "2s", "10s"}
	case "sort":
		for _, k := range watch.SortKeys {
			words = append(words, string(k.Key))
		}
	case "netns":
		words = netnsNames()
	case "pid":
		return processes(cur)
	case "user":
		words = userNames()
	}
	var out []candidate
	for _, w := range words {
		out = append(out, candidate{done + w, ""})
	}
	return out
}

func filterPrefix(cs []candidate, cur string) []candidate {
	var out []candidate
	seen := map[string]bool{}
	for _, c := range cs {
		if strings.HasPrefix(c.word, cur) && !seen[c.word] {
			seen[c.word] = true
			out = append(out, c)
		}
	}
	return out
}

// netnsNames lists /run/netns, where ip netns keeps its names.
func netnsNames() []string {
	ents, err := os.ReadDir("/run/netns")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// userNames lists /etc/passwd, the only place gosof looks (core.Users).
func userNames() []string {
	return core.SystemUsers().Names()
}

// completable says whether word can be a candidate: the real name, which
// the shell's script quotes for its command line (a space, a backslash, a
// quote), never an escaped one, which names nothing. A word with a
// control character, a newline or invalid UTF-8 is left out: one
// candidate a line cannot carry it, and it must not reach the terminal
// raw (its namespace is still --netns INODE). The words typed before a
// list's last comma are in each of its candidates, and held to it too.
func completable(word string) bool { return core.EscapeMessage(word) == word }

// maxPortCandidates bounds the ports offered: a host with thousands of
// listeners asks "Display all N possibilities?" otherwise; the lowest are
// kept, where the well-known services are.
const maxPortCandidates = 200

// listeningPorts is the server ports of this namespace: TCP (and SCTP)
// LISTEN, and UDP sockets bound to a port below the ephemeral range
// (above it they are clients' ends: a resolver's query, a QUIC client).
// One socket dump, no owners; at most maxPortCandidates of them that
// start with cur.
func listeningPorts(cur string) []candidate {
	b, err := openBackend(platform.Options{})
	if err != nil {
		return nil
	}
	socks, err := b.Sockets.Sockets(&core.Filter{
		Protos: []core.Proto{core.TCP, core.UDP, core.SCTP},
		States: []core.State{core.Listen, core.Unconn},
	})
	if err != nil {
		return nil
	}
	ephemeral := uint16(32768) // Linux's and Solaris's default
	if b.EphemeralLow != nil {
		if lo, err := b.EphemeralLow(); err == nil {
			ephemeral = lo
		}
	}
	protos := map[uint16][]string{}
	for _, s := range socks {
		switch {
		case s.Local.Port == 0 || !s.Proto.HasPorts() || !strings.HasPrefix(strconv.Itoa(int(s.Local.Port)), cur):
			continue
		case s.State == core.Listen:
		case s.State == core.Unconn && s.Proto == core.UDP && s.Local.Port < ephemeral:
		default:
			continue
		}
		p := string(s.Proto)
		found := false
		for _, q := range protos[s.Local.Port] {
			found = found || q == p
		}
		if !found {
			protos[s.Local.Port] = append(protos[s.Local.Port], p)
		}
	}
	ports := make([]int, 0, len(protos))
	for p := range protos {
		ports = append(ports, int(p))
	}
	sort.Ints(ports)
	if len(ports) > maxPortCandidates {
		ports = ports[:maxPortCandidates]
	}
	out := make([]candidate, 0, len(ports))
	for _, p := range ports {
		out = append(out, candidate{strconv.Itoa(p), strings.Join(protos[uint16(p)], ",") + " listening"})
	}
	return out
}

// maxPIDCandidates bounds the processes described for completion.
const maxPIDCandidates = 100

// processes is the PIDs starting with cur, each with its command, for
// fds and --pid; a comma list being typed keeps its done part.
func processes(cur string) []candidate {
	done := ""
	if i := strings.LastIndexByte(cur, ','); i >= 0 {
		done, cur = cur[:i+1], cur[i+1:]
	}
	b, err := openBackend(platform.Options{})
	if err != nil || b.PIDs == nil {
		return nil
	}
	pids, err := b.PIDs()
	if err != nil {
		return nil
	}
	sort.Ints(pids)
	var out []candidate
	for _, pid := range pids {
		if len(out) == maxPIDCandidates {
			break
		}
		if !strings.HasPrefix(strconv.Itoa(pid), cur) {
			continue
		}
		desc := ""
		if p, err := b.Owners.Process(pid); err == nil {
			desc = core.Escape(p.Comm)
		}
		out = append(out, candidate{done + strconv.Itoa(pid), desc})
	}
	return out
}

var completionScripts = map[string]string{
	"bash": `# bash completion for gosof; from: gosof completion bash
# Install: gosof completion bash > /etc/bash_completion.d/gosof
# (or /usr/share/bash-completion/completions/gosof), or source it.
_gosof() {
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words cands piece_words
    # Words as the shell reads them as far as backslashes go: "my\ ns" is
    # the word "my ns", as the candidates are written (printf %q, below).
    read -a words <<<"$line"
    # VAR=value gosof ...: the command is the first word that assigns nothing.
    while [[ ${#words[@]} -gt 1 && ${words[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        words=("${words[@]:1}")
    done
    [[ $line == *[[:space:]] && $line != *\\[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
    local cur=${words[${#words[@]}-1]}
    # bash splits the current word at = and :, COMP_WORDS holds the last
    # piece, as typed: read the same way.
    local piece=${COMP_WORDS[COMP_CWORD]}
    read -a piece_words <<<"$piece"
    piece=${piece_words[*]}
    local prefix=${cur%"$piece"}
    local out c
    out=$(command "${words[0]}" __complete "${words[@]:1}" 2>/dev/null) || return 0
    COMPREPLY=()
    [[ -n $out ]] || return 0
    # One candidate a line, taken as it is (no word splitting, no
    # globbing) and quoted for the command line where it needs it: a
    # namespace named "my ns" is inserted as my\ ns.
    mapfile -t cands <<<"$out"
    for c in "${cands[@]}"; do
        c=${c%%$'\t'*}
        c=${c#"$prefix"}
        [[ $c == *[!A-Za-z0-9_@%+=:,./-]* ]] && printf -v c '%q' "$c"
        COMPREPLY+=("$c")
    done
}
complete -o default -o bashdefault -F _gosof gosof
`,
	"zsh": `#compdef gosof
# zsh completion for gosof; from: gosof completion zsh
# Install: gosof completion zsh > /usr/local/share/zsh/site-functions/_gosof
# (any directory in $fpath, file name _gosof), or source it after compinit.
_gosof() {
    local -a cands
    local line word desc
    for line in "${(@f)$(command ${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
        [[ -z $line ]] && continue
        word=${line%%$'\t'*}
        desc=${line#*$'\t'}
        cands+=("${word//:/\\:}:${desc}")
    done
    if (( ${#cands} )); then
        _describe -t gosof gosof cands
    else
        _files
    fi
}
if [[ ${funcstack[1]} == _gosof ]]; then
    _gosof "$@"
else
    compdef _gosof gosof
fi
`,
	"fish": `# fish completion for gosof; from: gosof completion fish
# Install: gosof completion fish > ~/.config/fish/completions/gosof.fish
# (or /usr/share/fish/vendor_completions.d/gosof.fish), or source it.
function __gosof_complete
    set -l tokens (commandline -opc)
    command $tokens[1] __complete $tokens[2..-1] (commandline -ct) 2>/dev/null
end
# No candidate (a PATH, a capture DIR): file names, as bash and zsh fall back to.
function __gosof_no_candidate
    set -l c (__gosof_complete)
    test (count $c) -eq 0
end
complete -c gosof -f -a '(__gosof_complete)'
complete -c gosof -n __gosof_no_candidate -F
complete -c gosof -l replay -r -F
`,
}
