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
// abc`), the answer is err, the error gosof gives that value (lx.form).
func habitHint(app *cli.App, lx *lexed) (hint string, err error) {
	cmd := ""
	if lx.Cmd != nil {
		cmd = lx.Cmd.Name
	}
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
			return lx.flagHint(app, typed, a[1:], next, n)
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

// targets are the positional words, those after "--" too, when gosof
// reads every one as a PORT or PATH (core.ParseFilter): the ones a hint's
// gosof form keeps as typed (gosof -9 8080: gosof kill -9 8080; gosof -9
// 80 -- 9090: gosof kill -9 80 9090, where the port after "--" was left
// out). nil otherwise: ss filter words (sport = :80) or a malformed port
// leave the form with its placeholder, as it was before it kept them.
func (lx *lexed) targets() []string {
	var out []string
	for _, a := range lx.Args {
		out = append(out, a.Text)
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
// command cmd ("" at the top level); next is the word after it, dry "-n "
// when kill's dry run was typed beside it. Only hints that are right for
// that command: another tool's listing flags mean something where gosof
// lists (ls, who, the top level), kill(1)'s signals only at the top level
// (kill itself takes them), and "-n" is never called droppable where it
// is kill's dry run. Every gosof form is made by lx.form.
func (lx *lexed) flagHint(app *cli.App, cmd, name, next, dry string) (string, error) {
	c := lx.Cmd
	targets := lx.targets()
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
			return lx.hint(app, "kill's -"+name, "kill", "-"+name+" "+dry, []string{"PORT"}, " (signals only the processes holding PORT; -n shows the plan first)", core.FilterFlags{})
		}
		return lx.hint(app, "kill's -"+name, "kill", "-"+name+" "+dry, targets, " (signals only the processes holding it; -n shows the plan first)", core.FilterFlags{})
	case name[0] == 'i': // lsof -i [46][proto][@host][:port]
		spec := name[1:]
		if spec == "" && next != "" && !isFlag(next) {
			spec = next
		}
		return lx.lsofInetHint(app, "-i "+spec, spec)
	case name == "p": // lsof -p PID
		pid, pids, values := "PID", []string{"PID"}, core.FilterFlags{}
		if next != "" && !isFlag(next) {
			pid, pids, values.PIDs = next, strings.Split(next, ","), []string{next}
		}
		theirs := "lsof's -p " + strings.Join(pids, " ")
		// two forms, each only where its command takes the flags typed
		fds, err := lx.form(app, theirs, "fds", "", "", pids, values)
		ls, err2 := lx.form(app, theirs, "ls", "--pid "+pid, "", nil, values)
		switch {
		case fds != "" && ls != "":
			return hint(theirs, fds+" (its descriptors), or "+ls+" (its sockets)"), nil
		case ls != "":
			return hint(theirs, ls+" (its sockets)"), nil
		case fds != "":
			return hint(theirs, fds+" (its descriptors)"), nil
		case err == nil:
			err = err2
		}
		return "", err
	case name == "K": // ss -K FILTER
		if len(targets) == 0 {
			targets = []string{"PORT"}
		}
		return lx.hint(app, "ss -K", "close", "--abort "+dry, targets, " (shows the plan, then resets the connections)", core.FilterFlags{})
	case name == "k": // fuser -k 8080/tcp
		// the ports typed, wherever they are ("-k -- 80", "-k -n 80");
		// without any, the word after -k, for its error
		if len(targets) == 0 {
			if next == "" || isFlag(next) {
				return lx.hint(app, "fuser -k", "kill", dry, []string{"PORT"}, " (TERM, then KILL after --timeout)", core.FilterFlags{})
			}
			targets = []string{next} // the error for a malformed one (lx.form)
		}
		return lx.hint(app, "fuser -k", "kill", dry, targets, " (TERM, then KILL after --timeout)", core.FilterFlags{Ports: targets})
	case name == "U": // lsof -U
		return lx.hint(app, "lsof's -U", "ls", "--proto unix", nil, "", core.FilterFlags{})
	case name == "r" || strings.HasPrefix(name, "r") && isDigits(name[1:]): // lsof -r N, netstat -r
		return "-r is lsof's repeat mode or netstat's route table, not a gosof option; to repeat: watch -n 2 gosof who PORT; routes are not sockets: ip route", nil
	case name[0] == 's' && lsofState(name[1:], next) != "": // lsof -sTCP:LISTEN, -s TCP:LISTEN
		st := lsofState(name[1:], next)
		if strings.HasPrefix(st, "^") {
			return lx.hint(app, "lsof's -sTCP:"+st, "ls", "--proto tcp --state STATE,...", nil, " (name the states wanted)", core.FilterFlags{})
		}
		state := core.StateArg(core.State(st))
		return lx.hint(app, "lsof's -sTCP:"+st, "ls", "--proto tcp --state "+state, nil, "", core.FilterFlags{States: []string{state}})
	case name == "s": // ss -s, netstat -s
		return lx.hint(app, "ss -s", "metrics", "", nil, " (sockets by protocol and state; netstat -s's protocol counters: nstat)", core.FilterFlags{})
	case strings.Trim(name, ssLetters+"rsSm") == "":
		h, err := lx.ssHint(app, name, targets)
		if h != "" && (c == nil || c.Name == "ls" || c.Name == "who") {
			if alone := gosofLetters(name); alone != "" {
				h += "; gosof's own " + alone + " are typed apart"
			}
		}
		return h, err
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
// part of it (lx.form).
func (lx *lexed) lsofInetHint(app *cli.App, what, spec string) (string, error) {
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
		return lx.hint(app, "lsof's "+strings.TrimSpace(what), "ls", flags+"--remote "+host, nil, " (connections to it; --local "+shellWord(host)+" for sockets bound to it)", values)
	}
	port = strings.TrimPrefix(port, ":")
	proto = strings.ToLower(proto)
	if port == "" {
		if proto != "" {
			opts = append(opts, "--proto "+proto)
		} else {
			opts = append(opts, "--proto tcp,udp")
		}
		return lx.hint(app, "lsof's "+strings.TrimSpace(what), "ls", strings.Join(opts, " "), nil, "", values)
	}
	if proto != "" {
		port = proto + ":" + port
	}
	values.Protos, values.Ports = nil, []string{port} // tcp:8080 carries the protocol
	return lx.hint(app, "lsof's "+strings.TrimSpace(what), "who", strings.Join(opts, " "), []string{port}, "", values)
}

// ssHint turns ss/netstat letters (-tlnp, -tulpn, -anp) into gosof ls,
// or gosof who with the PORTs typed beside them (who -tln 80).
func (lx *lexed) ssHint(app *cli.App, letters string, targets []string) (string, error) {
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
	cmd := "ls"
	if len(targets) > 0 {
		cmd = "who"
	}
	return lx.hint(app, "ss/netstat's -"+letters, cmd, strings.Join(opts, " "), targets, " (owners are always shown, names never resolved)", core.FilterFlags{})
}

// ssFilterHint catches ss filter expressions at words: "sport = :80"
// (three words), "dport == 443", "( sport = :80 )" or "sport=:80" (one);
// a malformed port or address is the error gosof gives it (lx.form). Its
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
	implied := ""
	if flags == sideLocal {
		// the default, left out of the form; checked only against a
		// --side typed (who --side remote sport = :80), why has none
		flags = ""
		if lx.has("side") {
			implied = sideLocal
		}
	}
	var targets []string
	if target != "" {
		targets = []string{target} // as typed: -1 is the error for it (lx.form)
	}
	if cmd == "why" {
		values.OnePort = whyOnePort
	}
	f, err := lx.form(app, theirs, cmd, flags, implied, targets, values)
	if f == "" {
		return "", err
	}
	return hint(theirs, f+note), nil
}

// form is a hint's gosof form, the one place one is made: gosof cmd, the
// flags typed (as typed, quoted for a shell: shownAs), the form's own
// flags and its targets. A form that drops or overrides a flag typed
// would do more than was asked (gosof -9 -c foo 8080 was told 'gosof kill
// -9 8080'): when cmd would refuse one (kill has no --terse) there is
// none, and the error says which; when it would refuse the form's own
// (why has no --local; --side local beside a --side remote typed), none
// and no error. implied are flags the form means but leaves out, checked
// only (sport's --side local). A value the form carries (values) is read
// as cmd reads it (core.ParseFilter): a malformed one is its error.
func (lx *lexed) form(app *cli.App, theirs, cmd, flags, implied string, targets []string, values core.FilterFlags) (string, error) {
	if _, err := core.ParseFilter(values); err != nil {
		return "", err
	}
	words, shown := []string{cmd}, []string{"gosof", cmd}
	for _, u := range lx.Flags {
		words = append(words, u.canonical())
		shown = append(shown, shownAs(u))
	}
	for _, w := range strings.Fields(flags) {
		words = append(words, w)
		shown = append(shown, shellWord(w))
	}
	words = append(append(words, strings.Fields(implied)...), "--")
	c := lex(app, append(words, targets...))
	switch e := lx.firstError(); {
	case len(c.Unknown)+len(c.Errs) == 0:
	case e != nil: // the error for a value typed
		return "", e.Err
	case len(c.Unknown) > 0 && c.Unknown[0].At <= len(lx.Flags):
		return "", core.Usagef("%s is not a gosof option, and 'gosof %s' has no %s: no gosof form keeps every flag typed", theirs, cmd, typedName(lx.Flags[c.Unknown[0].At-1]))
	default:
		return "", nil
	}
	for _, t := range targets {
		shown = append(shown, shellWord(t))
	}
	return strings.Join(shown, " "), nil
}

// hint is the hint for theirs with the gosof form of cmd (lx.form) and
// note after it.
func (lx *lexed) hint(app *cli.App, theirs, cmd, flags string, targets []string, note string, values core.FilterFlags) (string, error) {
	f, err := lx.form(app, theirs, cmd, flags, "", targets, values)
	if f == "" {
		return "", err
	}
	return hint(theirs, f+note), nil
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
