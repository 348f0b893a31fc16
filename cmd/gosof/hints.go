package main

import (
	"strconv"
	"strings"

	"github.com/gosof/gosof/core"
	"github.com/urfave/cli/v2"
)

// habitHint is the one-line hint with the gosof form for what hands
// trained on lsof, ss, netstat and fuser type, or "" when there is none.
// It looks only at words lex could not place as the command's own flags
// (a valid flag is never answered with a hint, wherever it stands: `gosof
// -n kill 80` is kill's dry run), and at positional words that are ss's
// filter language (`sport = :80`, `state listening`); the first such word
// in argv order decides. A hint never suggests a command that is itself
// invalid: when a value it would carry is malformed (`-i :80x`, `fuser -k
// abc`), the answer is err, the error gosof gives that value (hinted).
func habitHint(app *cli.App, lx *lexed) (hint string, err error) {
	cmd := ""
	if lx.Cmd != nil {
		cmd = lx.Cmd.Name
	}
	terse := lx.has("terse")
	unknown := map[int]bool{}
	for _, u := range lx.Unknown {
		unknown[u.At] = true
	}
	dry := lx.dryRun(app)
	for i, a := range lx.words {
		switch {
		case dry[i] && len(dry) < len(lx.Unknown):
			// kill's dry run beside another habit: its form carries it
		case unknown[i]:
			next := ""
			if i+1 < len(lx.words) && !unknown[i+1] {
				next = lx.words[i+1]
			}
			if strings.HasPrefix(a, "--") {
				return "", nil // the first unknown word is the error
			}
			n := ""
			if len(dry) > 0 {
				n = "-n "
			}
			typed := cmd // as typed: top is watch, but top's -n is not watch(1)'s
			if lx.Cmd != nil && lx.first >= 0 {
				typed = lx.words[lx.first]
			}
			return flagHint(typed, lx.Cmd, a[1:], next, terse, n, lx.targets())
		case lx.isArg(i) && takesPorts(cmd):
			if h, err := lx.ssFilterHint(app, lx.argsFrom(i)); h != "" || err != nil {
				return h, err
			}
		}
	}
	return "", nil
}

// dryRun are the words lex could not place at the top level that are
// kill's --dry-run read against kill's own flags (-n, --dry-run, -yn):
// beside kill(1)'s -9 or fuser's -k, a dry run the form of a kill or a
// close must keep (gosof -9 -n 80 was told 'gosof kill -9 80').
func (lx *lexed) dryRun(app *cli.App) map[int]bool {
	k := app.Command("kill")
	if lx.Cmd != nil || k == nil {
		return nil
	}
	at := map[int]bool{}
	for _, u := range lx.Unknown {
		uses, _, ok := readFlagWord(k.Flags, u.Text, "")
		for _, x := range uses {
			if v, _ := strconv.ParseBool(x.Value); ok && v && x.Name == "dry-run" {
				at[u.At] = true
			}
		}
	}
	return at
}

// hinted is h when the values it puts in the gosof form are ones gosof
// takes, read as the command it suggests reads them (core.ParseFilter:
// ports, protocols, states, PIDs, addresses); else the error for the
// malformed one, and no hint.
func hinted(h string, values core.FilterFlags) (string, error) {
	if _, err := core.ParseFilter(values); err != nil {
		return "", err
	}
	return h, nil
}

// isArg reports whether word i is a positional argument (before "--": ss
// filters are typed without one).
func (lx *lexed) isArg(i int) bool {
	if lx.DashDash >= 0 && i > lx.DashDash {
		return false
	}
	for _, a := range lx.Args {
		if a.At == i {
			return true
		}
	}
	return false
}

// targets are the positional words (before "--") when gosof reads every
// one as a PORT or PATH (core.ParseFilter): the ones a hint's gosof form
// keeps as typed (gosof -9 8080: gosof kill -9 8080). nil otherwise: ss
// filter words (sport = :80) or a malformed port leave the form with its
// placeholder, as it was before it kept them.
func (lx *lexed) targets() []string {
	var out []string
	for i := range lx.words {
		if lx.isArg(i) {
			out = append(out, lx.words[i])
		}
	}
	if _, err := core.ParseFilter(core.FilterFlags{Ports: out}); err != nil {
		return nil
	}
	return out
}

// argsFrom is the words from i on.
func (lx *lexed) argsFrom(i int) []string { return lx.words[i:] }

// takesPorts reports whether command cmd ("" at the top level) reads
// ports, where ss's filter words can stand.
func takesPorts(cmd string) bool {
	switch cmd {
	case "", "ls", "who", "kill", "close", "why", "watch":
		return true
	}
	return false
}

// lists reports whether command cmd lists sockets: where the habits of
// the tools that list them (lsof, ss, netstat) mean something.
func lists(cmd string) bool { return cmd == "" || cmd == "ls" || cmd == "who" }

// flagHint is the hint for the unknown short flag word -name typed with
// command cmd ("" at the top level; c its definition, nil there); next is
// the word after it. Only hints that are right for that command: another
// tool's listing flags mean something where gosof lists (ls, who, the top
// level), kill(1)'s signals only at the top level (kill itself takes
// them), and "-n" is never called droppable where it is kill's dry run.
func flagHint(cmd string, c *cli.Command, name, next string, terse bool, dry string, targets []string) (string, error) {
	t := ""
	if terse {
		t = "-t "
	}
	if name[0] == 'n' && (cmd == "watch" || cmd == "top") {
		// watch(1)'s -n SECONDS, top's -n ITERATIONS (-n2 glued, too)
		v := name[1:]
		if v == "" {
			v = next
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			v = "N"
		}
		if cmd == "top" { // the rest of the line stays as typed
			return "top's -n is not a gosof option; gosof's: --count " + v + " (refreshes)", nil
		}
		return "watch(1)'s -n is not a gosof option; gosof's: -i " + v + " (--interval; a number is seconds)", nil
	}
	if strings.Trim(name, "nP") == "" {
		if c != nil && findFlag(c.Flags, "n") != nil {
			if strings.Trim(name, "P") == "" {
				return "gosof never resolves names or ports (addresses and ports are always numbers): drop -" + name, nil
			}
			return "gosof never resolves names or ports: drop the P; here -n is " + cmd + "'s --dry-run", nil
		}
		return "gosof never resolves names or ports (addresses and ports are always numbers): drop -" + name, nil
	}
	if !lists(cmd) {
		return "", nil
	}
	switch {
	case isDigits(name) || core.IsSignalName(strings.ToUpper(name)): // kill -9, kill -TERM
		if cmd != "" {
			return "", nil
		}
		if len(targets) == 0 {
			return hint("kill's -"+name, "gosof kill -"+name+" "+dry+"PORT (signals only the processes holding PORT; -n shows the plan first)"), nil
		}
		return hint("kill's -"+name, "gosof kill -"+name+" "+dry+strings.Join(targets, " ")+" (signals only the processes holding it; -n shows the plan first)"), nil
	case name[0] == 'i': // lsof -i [46][proto][@host][:port]
		spec := name[1:]
		if spec == "" && next != "" && !isFlag(next) {
			spec = next
		}
		return lsofInetHint("-i "+spec, spec, t)
	case name == "p": // lsof -p PID
		if next == "" || isFlag(next) {
			return hint("lsof's -p PID", "gosof fds PID (its descriptors), or gosof ls --pid PID (its sockets)"), nil
		}
		pid := strings.ReplaceAll(next, ",", " ")
		return hinted(hint("lsof's -p "+pid, "gosof fds "+pid+" (its descriptors), or gosof ls --pid "+next+" (its sockets)"),
			core.FilterFlags{PIDs: []string{next}})
	case name == "K": // ss -K FILTER
		return hint("ss -K", "gosof close --abort "+dry+"PORT (shows the plan, then resets the connections)"), nil
	case name == "k": // fuser -k 8080/tcp
		if next == "" || isFlag(next) {
			return hint("fuser -k", "gosof kill "+dry+"PORT (TERM, then KILL after --timeout)"), nil
		}
		return hinted(hint("fuser -k", "gosof kill "+dry+next+" (TERM, then KILL after --timeout)"), core.FilterFlags{Ports: []string{next}})
	case name == "U": // lsof -U
		return hint("lsof's -U", "gosof ls --proto unix"), nil
	case name == "r" || strings.HasPrefix(name, "r") && isDigits(name[1:]): // lsof -r N, netstat -r
		return "-r is lsof's repeat mode or netstat's route table, not a gosof option; to repeat: watch -n 2 gosof who PORT; routes are not sockets: ip route", nil
	case name[0] == 's' && lsofState(name[1:], next) != "": // lsof -sTCP:LISTEN, -s TCP:LISTEN
		st := lsofState(name[1:], next)
		if strings.HasPrefix(st, "^") {
			return hint("lsof's -sTCP:"+st, "gosof ls --proto tcp --state STATE,... (name the states wanted)"), nil
		}
		state := core.StateArg(core.State(st))
		return hinted(hint("lsof's -sTCP:"+st, "gosof ls --proto tcp --state "+state), core.FilterFlags{States: []string{state}})
	case name == "s": // ss -s, netstat -s
		return hint("ss -s", "gosof metrics (sockets by protocol and state; netstat -s's protocol counters: nstat)"), nil
	case strings.Trim(name, ssLetters+"rsSm") == "":
		h := ssHint(name, targets)
		if c == nil || c.Name == "ls" || c.Name == "who" {
			if alone := gosofLetters(name); alone != "" {
				h += "; gosof's own " + alone + " are typed apart"
			}
		}
		return h, nil
	}
	return "", nil
}

// gosofLetters is "-l -t" when every letter of an ss word is a gosof
// switch of the listing commands, "" otherwise.
func gosofLetters(letters string) string {
	flags := listFlags()
	var out []string
	for i := 0; i < len(letters); i++ {
		f := findFlag(flags, letters[i:i+1])
		if f == nil || !isSwitch(f) {
			return ""
		}
		out = append(out, "-"+letters[i:i+1])
	}
	return strings.Join(out, " ")
}

// lsofInetHint turns lsof's -i spec ("", "4", "tcp", ":8080", "TCP:8080",
// "@127.0.0.1:8080") into a gosof command, or the error for a malformed
// part of it (hinted).
func lsofInetHint(what, spec, t string) (string, error) {
	var opts []string
	var values core.FilterFlags
	if strings.HasPrefix(spec, "4") || strings.HasPrefix(spec, "6") {
		opts = append(opts, "-"+spec[:1])
		values.V4, values.V6 = spec[0] == '4', spec[0] == '6'
		spec = spec[1:]
	}
	proto, port := spec, ""
	if j := strings.IndexAny(spec, "@:"); j >= 0 {
		proto, port = spec[:j], spec[j:]
	}
	if proto != "" {
		values.Protos = []string{strings.ToLower(proto)}
	}
	if strings.HasPrefix(port, "@") { // lsof matches the host at either end
		host := port[1:]
		var both []string
		if proto != "" {
			both = append(both, "--proto "+strings.ToLower(proto))
		}
		flags := ""
		if both = append(opts, both...); len(both) > 0 {
			flags = strings.Join(both, " ") + " "
		}
		values.Remote = []string{host}
		return hinted(hint("lsof's "+strings.TrimSpace(what), "gosof ls "+t+flags+"--remote "+host+" (connections to it; --local "+host+" for sockets bound to it)"), values)
	}
	port = strings.TrimPrefix(port, ":")
	proto = strings.ToLower(proto)
	if port == "" {
		if proto != "" {
			opts = append(opts, "--proto "+proto)
		} else {
			opts = append(opts, "--proto tcp,udp")
		}
		return hinted(hint("lsof's "+strings.TrimSpace(what), "gosof ls "+t+strings.Join(opts, " ")), values)
	}
	if proto != "" {
		port = proto + ":" + port
	}
	values.Protos, values.Ports = nil, []string{port} // tcp:8080 carries the protocol
	cmd := "gosof who " + t + strings.TrimSpace(strings.Join(opts, " ")+" "+port)
	return hinted(hint("lsof's "+strings.TrimSpace(what), cmd), values)
}

// ssHint turns ss/netstat letters (-tlnp, -tulpn, -anp) into gosof ls,
// or gosof who with the PORTs typed beside them (who -tln 80).
func ssHint(letters string, targets []string) string {
	var protos, opts []string
	for _, c := range letters {
		switch c {
		case 't':
			protos = append(protos, "tcp")
		case 'u':
			protos = append(protos, "udp")
		case 'w':
			protos = append(protos, "raw")
		case 'x':
			protos = append(protos, "unix")
		case 'l':
			opts = append(opts, "--listen")
		case '4':
			opts = append(opts, "-4")
		case '6':
			opts = append(opts, "-6")
		}
	}
	if len(protos) > 0 {
		opts = append(opts, "--proto "+strings.Join(protos, ","))
	}
	cmd := strings.TrimSpace("gosof ls " + strings.Join(opts, " "))
	if len(targets) > 0 {
		cmd = strings.TrimSpace("gosof who " + strings.Join(append(opts, targets...), " "))
	}
	return hint("ss/netstat's -"+letters, cmd+" (owners are always shown, names never resolved)")
}

// ssFilterHint catches ss filter expressions at words: "sport = :80"
// (three words), "dport == 443", "( sport = :80 )" or "sport=:80" (one);
// a malformed port or address is the error gosof gives it (hinted). Its
// gosof form is made by ssForm.
func (lx *lexed) ssFilterHint(app *cli.App, words []string) (string, error) {
	n := len(words)
	if n > 4 {
		n = 4
	}
	expr := strings.NewReplacer("(", " ", ")", " ", "'", " ", "\"", " ", "==", "=", " eq ", "=", " EQ ", "=", "=", " = ").Replace(strings.Join(words[:n], " "))
	raw := strings.Fields(expr) // the values as typed: a path keeps its case
	f := strings.Fields(strings.ToLower(expr))
	if len(f) == 0 {
		return "", nil
	}
	switch f[0] {
	case "sport", "dport", "src", "dst":
	case "state":
		if len(f) < 2 {
			return "", nil
		}
		switch st := f[1]; st {
		case "listening":
			return lx.ssForm(app, "ss's \"state listening\"", "ls", "--listen", "", "", core.FilterFlags{})
		case "all", "connected", "synchronized", "bucket", "big":
			return lx.ssForm(app, "ss's \"state "+st+"\"", "ls", "--state STATE,...", "", " (name the states wanted)", core.FilterFlags{})
		default:
			if s, err := core.ParseState(st); err == nil {
				return lx.ssForm(app, "ss's \"state "+st+"\"", "ls", "--state "+core.StateArg(s), "", "", core.FilterFlags{})
			}
		}
		return "", nil
	default:
		return "", nil
	}
	port := "PORT"
	if len(f) >= 3 && f[1] == "=" {
		v := raw[2]
		if k := strings.LastIndex(v, ":"); k >= 0 {
			v = v[k+1:]
		}
		if v != "" && v != "*" {
			port = v
		}
	}
	var values core.FilterFlags
	if port != "PORT" {
		values.Ports = []string{port}
	}
	switch f[0] {
	case "sport":
		return lx.ssForm(app, "ss's \"sport = :"+port+"\"", "who", sideLocal, port, "", values)
	case "dport":
		return lx.ssForm(app, "ss's \"dport = :"+port+"\"", "who", "--side remote", port, "", values)
	}
	flag := map[string]string{"src": "--local", "dst": "--remote"}[f[0]]
	addr := "ADDR"
	if len(f) >= 2 && f[1] != "=" {
		addr = raw[1]
	} else if len(f) >= 3 {
		addr = raw[2]
	}
	if core.IsPathArg(addr) { // ss -x src /run/app.sock: a unix socket's name
		side := map[string]string{"src": sideLocal, "dst": "--side remote"}[f[0]]
		return lx.ssForm(app, "ss's "+f[0]+" filter", "who", side, addr, "", core.FilterFlags{Ports: []string{addr}})
	}
	values = core.FilterFlags{}
	if addr != "ADDR" {
		if f[0] == "src" {
			values.Local = []string{addr}
		} else {
			values.Remote = []string{addr}
		}
	}
	return lx.ssForm(app, "ss's "+f[0]+" filter", "ls", flag+" "+addr, "", " (an address, a prefix or an /etc/hosts name, :PORT if wanted)", values)
}

// ssForm is the hint for ss's filter theirs: the gosof form, the flags
// form and then target (a PORT or PATH, or ""), in the command typed with
// the flags typed (gosof kill -n sport = :80: gosof kill -n 80), or where
// gosof lists (ls, who, no command) in list, which reads them (ls, or who
// for a PORT). A command that needs a PORT and got none from the filter
// gets the placeholder. None when that command would refuse the form (why
// has no --local; --side local beside dport's --side remote): no hint
// overrides a flag or a command the user typed.
func (lx *lexed) ssForm(app *cli.App, theirs, list, flags, target, note string, values core.FilterFlags) (string, error) {
	cmd := list
	if lx.Cmd != nil && !lists(lx.Cmd.Name) {
		cmd = lx.Cmd.Name
		if target == "" && !strings.HasPrefix(lx.Cmd.ArgsUsage, "[") {
			target = "PORT"
		}
	}
	words, shown := []string{cmd}, "gosof "+cmd
	for _, u := range lx.Flags {
		words = append(words, u.canonical())
		shown += " " + shownAs(u)
	}
	form := strings.Fields(flags)
	checked := form
	if flags == sideLocal {
		// the default, left out of the form; checked only against a
		// --side typed (who --side remote sport = :80), why has none
		form, checked = nil, nil
		for _, u := range lx.Flags {
			if u.Name == "side" {
				checked = strings.Fields(flags)
			}
		}
	}
	if c := lex(app, append(append(words, checked...), "--", target)); len(c.Unknown)+len(c.Errs) > 0 {
		return "", nil
	}
	if target != "" {
		form = append(form, shellWord(target)) // as typed: -1 is the error for it (hinted)
	}
	if cmd == "why" {
		values.OnePort = whyOnePort
	}
	return hinted(hint(theirs, strings.TrimSpace(shown+" "+strings.Join(form, " "))+note), values)
}

// sideLocal is what ss's sport and src PATH mean: a form leaves it out.
const sideLocal = "--side local"

// lsofState is STATE from lsof's -sTCP:STATE (glued or as the next word).
func lsofState(glued, next string) string {
	spec := glued
	if spec == "" {
		spec = next
	}
	if u := strings.ToUpper(spec); strings.HasPrefix(u, "TCP:") {
		return u[4:]
	}
	return ""
}

func hint(theirs, ours string) string {
	return theirs + " is not a gosof option; the gosof form: " + ours
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
