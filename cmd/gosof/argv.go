package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// The one reader of the command line. Admins type flags anywhere (`gosof
// -t who 8080`, `gosof who 8080 -t`), combine short ones getopt's way
// (`-yn`, `-s9`), and bring the habits of lsof, ss, netstat and fuser.
// lex reads argv once against the commands' own flag definitions (the
// urfave/cli flags, which are the one description of the interface) and
// says what every word is: the command, each flag with its value, the
// positional arguments, and the words it could not place. normalize (the
// argv cli parses), the habit hints and shell completion all take its
// answer; nothing else reads argv.
//
// The rules:
//   - The command is the first word that is neither a flag nor a flag's
//     value. A flag before the command takes a value when it takes one in
//     any command (`gosof -s 9 kill 80`: -s is kill's --signal); every
//     flag is then read against the command's own flags.
//   - "--" ends the flags; it never names a command: every word after it
//     is a positional argument (`gosof -- kill 80` is not a kill).
//   - A short word combines flags getopt's way: switches, then at most one
//     flag that takes a value, the rest of the word or the next word
//     (`-tu root`, `-s9`). A word made only of ss/netstat letters that
//     names a protocol (`-tl`, `-lt`, `-tlnp`, `-lu`, `-4tl`) is never
//     read as gosof flags: there it means "TCP listeners" and so on, and
//     gosof answers it with the gosof form (hints.go).
//   - kill takes kill(1)'s `-9`, `-KILL` and `-SIGKILL` as its --signal.
//   - A switch takes `=true` or `=false`; a flag given twice with
//     different values is an error, the same value twice is not; a list
//     flag (--state, --proto, --pid...) collects every value given.

// lexed is what lex found in argv (without the program name).
type lexed struct {
	Cmd      *cli.Command // nil: the top level ("gosof" is ls, "gosof PORT" is who)
	CmdAt    int          // the command word's index, -1 if none
	Sub      *cli.Command // a subcommand (debug capture), nil if none
	SubAt    int
	BadSub   string     // a word where a subcommand belongs that names none
	Flags    []flagUse  // in the order typed
	Args     []argWord  // the positional arguments, in order
	DashDash int        // the index of the "--" that ended the flags, -1
	Unknown  []argWord  // flag words the command does not have
	Errs     []lexError // values that are missing or malformed
	// Pending is a flag that takes a value, last on the line without one:
	// what completion completes next.
	Pending *flagUse
	Help    bool // -h/--help before "--"
	Version bool // --version/-v at the top level
	words   []string
	first   int // where the command stands (commandAt), -1 if nowhere
}

// argWord is one word of argv and its index.
type argWord struct {
	At   int
	Text string
}

// flagUse is one flag as typed.
type flagUse struct {
	Flag  cli.Flag
	Name  string // the flag's first name: "listen", "4", "signal"
	Typed string // how it was typed: "-l" (also from "-lt"), "--state=x", "-9"
	Value string // its value; a switch's is "true" or "false"
	// Joined: the value was in the flag's own word ("--state=x", "-s9",
	// kill(1)'s "-9"), not the next word.
	Joined bool
	At     int
}

// lexError is a problem with one word.
type lexError struct {
	At  int
	Err error
}

// ssLetters are the letters of ss's and netstat's listing flags; a word of
// them that names a protocol (ssProtoLetters) is their idiom, not gosof's.
const (
	ssLetters      = "tuwxlnpaeo46"
	ssProtoLetters = "tuwx"
)

// lex reads args (argv without the program name).
func lex(app *cli.App, args []string) *lexed {
	lx := &lexed{CmdAt: -1, SubAt: -1, DashDash: -1, words: args}
	lx.first = commandAt(app, args)
	flags := app.Flags
	if lx.first >= 0 && app.Command(args[lx.first]) != nil {
		lx.CmdAt = lx.first
		lx.Cmd = app.Command(args[lx.CmdAt])
		flags = lx.Cmd.Flags
		if len(lx.Cmd.Subcommands) > 0 {
			// debug's words: the subcommand comes right after it.
			if i := lx.CmdAt + 1; i < len(args) && !isFlag(args[i]) && args[i] != "--" {
				lx.SubAt = i
				if lx.Sub = lx.Cmd.Command(args[i]); lx.Sub == nil {
					lx.BadSub = args[i]
				} else {
					flags = lx.Sub.Flags
				}
			}
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case i == lx.CmdAt || i == lx.SubAt:
		case a == "--":
			lx.DashDash = i
			for j := i + 1; j < len(args); j++ {
				lx.Args = append(lx.Args, argWord{j, args[j]})
			}
			i = len(args)
		case !isFlag(a):
			lx.Args = append(lx.Args, argWord{i, a})
		default:
			i = lx.flagWord(flags, i)
		}
	}
	lx.checkRepeats()
	return lx
}

// commandAt is the index of the word where the command stands, -1 when
// there is none: the first word that is neither a flag nor a flag's value
// (it may name no command: gosof 8080, gosof kil 80). Flags before it
// take a value when they take one anywhere.
func commandAt(app *cli.App, args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return -1
		case isFlag(a):
			if consumesNext(app, a) {
				i++
			}
		default:
			return i
		}
	}
	return -1
}

// consumesNext reports whether flag word a, typed before the command, takes
// the next word as its value in some command (or at the top level).
func consumesNext(app *cli.App, a string) bool {
	sets := [][]cli.Flag{app.Flags}
	for _, c := range app.Commands {
		sets = append(sets, c.Flags)
	}
	for _, flags := range sets {
		if uses, next, ok := readFlagWord(flags, a, ""); ok && next && len(uses) > 0 {
			return true
		}
	}
	return false
}

// flagWord reads the flag word at i against flags and returns the index of
// the last word it used (its value may be the next word).
func (lx *lexed) flagWord(flags []cli.Flag, i int) int {
	a := lx.words[i]
	name, v, hasV := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if isHelpFlag(name) || lx.Cmd == nil && isVersionFlag(name) {
		// switches: =true or =false, as any other (--help=false showed help)
		on, err := strconv.ParseBool(v)
		if hasV && err != nil {
			lx.Errs = append(lx.Errs, lexError{i, core.Usagef("%s: %q is not true or false", a[:len(a)-len(v)-1], v)})
		}
		if !hasV || on {
			lx.Help, lx.Version = lx.Help || isHelpFlag(name), lx.Version || !isHelpFlag(name)
		}
		return i
	}
	killCmd := lx.Cmd != nil && lx.Cmd.Name == "kill"
	uses, next, ok := readFlagWord(flags, a, lx.killSignal(killCmd, a))
	if !ok {
		lx.Unknown = append(lx.Unknown, argWord{i, a})
		return i
	}
	for k := range uses {
		uses[k].At = i
	}
	if next {
		last := &uses[len(uses)-1]
		switch {
		case i+1 >= len(lx.words) || lx.words[i+1] == "--" || i+1 == lx.CmdAt:
			lx.Flags = append(lx.Flags, uses...)
			lx.Pending = &lx.Flags[len(lx.Flags)-1]
			lx.Errs = append(lx.Errs, lexError{i, core.Usagef("%s needs a value%s (see '%s--help')", last.Typed, valueHint(last), lx.helpPrefix())})
			return i
		}
		i++
		last.Value = lx.words[i]
	}
	for _, u := range uses {
		if err := checkFlagValue(u); err != nil {
			lx.Errs = append(lx.Errs, lexError{u.At, err})
		}
	}
	lx.Flags = append(lx.Flags, uses...)
	return i
}

// killSignal is the signal a kill(1) spelling names ("-9", "-KILL",
// "-SIGKILL"), "" when a is not one or the command is not kill.
func (lx *lexed) killSignal(kill bool, a string) string {
	if !kill || strings.HasPrefix(a, "--") || strings.Contains(a, "=") {
		return ""
	}
	spec := a[1:]
	if isDigits(spec) || core.IsSignalName(strings.ToUpper(spec)) {
		return spec
	}
	return ""
}

// readFlagWord reads one flag word a against flags: the flags it sets,
// whether the last of them takes the next word as its value (next), and
// whether every part of it is a flag of flags (ok). signal, when not "",
// is what a kill(1) spelling of the word names.
func readFlagWord(flags []cli.Flag, a, signal string) (uses []flagUse, next, ok bool) {
	long := strings.HasPrefix(a, "--")
	if strings.HasPrefix(a, "---") {
		return nil, false, false // ---json: no flag, as Go's flag package says
	}
	body := strings.TrimLeft(a, "-")
	base, val, hasVal := strings.Cut(body, "=")
	if f := findFlag(flags, base); f != nil {
		u := flagUse{Flag: f, Name: f.Names()[0], Typed: a}
		switch {
		case isSwitch(f) && hasVal:
			u.Value, u.Joined = val, true
		case isSwitch(f):
			u.Value = "true"
		case hasVal:
			u.Value, u.Joined = val, true
		default:
			next = true
		}
		return []flagUse{u}, next, true
	}
	if long || hasVal {
		return nil, false, false
	}
	if signal != "" {
		if f := findFlag(flags, "signal"); f != nil {
			return []flagUse{{Flag: f, Name: "signal", Typed: a, Value: signal, Joined: true}}, false, true
		}
	}
	if isSSIdiom(body) {
		return nil, false, false
	}
	// getopt: switches, then one flag that takes the rest or the next word.
	for j := 0; j < len(body); j++ {
		f := findFlag(flags, body[j:j+1])
		if f == nil {
			return nil, false, false
		}
		u := flagUse{Flag: f, Name: f.Names()[0], Typed: "-" + body[j:j+1]}
		if isSwitch(f) {
			u.Value = "true"
			uses = append(uses, u)
			continue
		}
		if rest := body[j+1:]; rest != "" {
			u.Value, u.Joined = rest, true
			u.Typed = a
			return append(uses, u), false, true
		}
		return append(uses, u), true, true
	}
	return uses, false, true
}

// isSSIdiom reports whether -letters is how ss or netstat list sockets by
// protocol (-tl, -lt, -tlnp, -tulpn, -lu, -4tl): letters of their listing
// flags, at least two, one of them a protocol.
func isSSIdiom(letters string) bool {
	if len(letters) < 2 || strings.Trim(letters, ssLetters) != "" {
		return false
	}
	return strings.ContainsAny(letters, ssProtoLetters)
}

// checkFlagValue refuses a value no flag takes: an empty one, an empty
// item of a list ("--state ,": an unset shell variable must not turn "only
// these" into "everything"), a switch's value other than true or false, a
// number that is not one.
func checkFlagValue(u flagUse) error {
	flag := typedName(u)
	switch flagOf(u.Flag).(type) {
	case *cli.BoolFlag:
		if _, err := strconv.ParseBool(u.Value); err != nil {
			return core.Usagef("%s: %q is not true or false", flag, u.Value)
		}
		return nil
	case *cli.IntFlag:
		if _, err := core.ParseWholeNumber(flag, u.Value); err != nil {
			return err
		}
	case *cli.StringSliceFlag:
		if strings.TrimSpace(u.Value) != "" {
			for _, item := range strings.Split(u.Value, ",") {
				if strings.TrimSpace(item) == "" {
					return core.Usagef("%s %q: empty item in the list", flag, u.Value)
				}
			}
		}
	}
	if strings.TrimSpace(u.Value) == "" {
		return core.Usagef("%s: empty value; give one, or leave the flag out", flag)
	}
	return nil
}

// typedName is the flag as the user typed it, without its value: "-u",
// "--state", "-s" (from "-s9").
func typedName(u flagUse) string {
	t, _, _ := strings.Cut(u.Typed, "=")
	if !strings.HasPrefix(t, "--") && len(t) > 2 {
		// "-s9", "-9": the flag's own short name
		for _, n := range u.Flag.Names() {
			if len(n) == 1 && strings.HasPrefix(t[1:], n) {
				return "-" + n
			}
		}
		return "--" + u.Name
	}
	return t
}

// checkRepeats refuses a flag given twice with different values
// (`--dry-run --dry-run=false`, `-s 9 -s 15`, `--netns a --netns b`):
// which one wins is no rule a user can rely on. List flags collect.
func (lx *lexed) checkRepeats() {
	first := map[string]flagUse{}
	for _, u := range lx.Flags {
		if isList(u.Flag) {
			continue
		}
		prev, seen := first[u.Name]
		if !seen {
			first[u.Name] = u
			continue
		}
		if sameValue(prev, u) {
			continue
		}
		lx.Errs = append(lx.Errs, lexError{u.At, core.Usagef("%s given twice with different values (%s, then %s): give it once",
			flagLong(u.Flag), shownAs(prev), shownAs(u))})
	}
}

func sameValue(a, b flagUse) bool {
	if isSwitch(a.Flag) {
		x, _ := strconv.ParseBool(a.Value)
		y, _ := strconv.ParseBool(b.Value)
		return x == y
	}
	return a.Value == b.Value
}

// shownAs is a flag use as typed, with its value quoted for a shell
// (shellWord): "-n", "--dry-run=false", "-s 9", "-s9", "-9", "-c 'my
// server'" (it was "-c my server", two words when pasted).
func shownAs(u flagUse) string {
	switch {
	case isSwitch(u.Flag) || !strings.HasPrefix(u.Typed, "-"):
		return u.Typed
	case u.Joined && strings.HasSuffix(u.Typed, u.Value):
		return u.Typed[:len(u.Typed)-len(u.Value)] + shellWord(u.Value)
	case u.Joined: // kill(1)'s -9: the flag is the value
		return u.Typed
	}
	return u.Typed + " " + shellWord(u.Value)
}

// shellWord is s as a shell reads it back as one word: as it is when
// plain, else in single quotes, or in $'...' with what a terminal could
// act on escaped (core.Escape: \x1b, \n) when it has such bytes.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,@%+") == "" {
		return s
	}
	if e := core.Escape(s); e != s {
		return "$'" + strings.ReplaceAll(e, "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// firstError is the first word, in argv order, whose value is missing or
// malformed, or that repeats a flag with another value; nil when there is
// none.
func (lx *lexed) firstError() *lexError {
	var first *lexError
	for i := range lx.Errs {
		if first == nil || lx.Errs[i].At < first.At {
			first = &lx.Errs[i]
		}
	}
	return first
}

// helpPrefix is "kill " in "see 'gosof kill --help'".
func (lx *lexed) helpPrefix() string {
	if lx.Cmd == nil {
		return "gosof "
	}
	return "gosof " + lx.Cmd.Name + " "
}

// where names the command for messages: 'gosof kill', 'gosof'.
func (lx *lexed) where() string { return strings.TrimSpace(lx.helpPrefix()) }

// flags is the flag set words are read against.
func (lx *lexed) flagSet(app *cli.App) []cli.Flag {
	switch {
	case lx.Sub != nil:
		return lx.Sub.Flags
	case lx.Cmd != nil:
		return lx.Cmd.Flags
	}
	return app.Flags
}

// has reports whether flag name was given (and, for a switch, true).
func (lx *lexed) has(name string) bool {
	for _, u := range lx.Flags {
		if u.Name == name {
			if isSwitch(u.Flag) {
				v, _ := strconv.ParseBool(u.Value)
				return v
			}
			return true
		}
	}
	return false
}

// valueHint is what a missing value may have meant: ss's -u is UDP, and
// gosof's -u wants a USER.
func valueHint(u *flagUse) string {
	if u.Name == "user" && u.Typed == "-u" {
		return " (USER: a name or uid; for UDP sockets, as ss -u: gosof ls --proto udp)"
	}
	return ""
}

// canonical is the flag as cli parses it without surprises: --name=value,
// -4, --dry-run=false; a number as checkFlagValue read it, in decimal
// (Go's flag package takes 010 for octal 8, 0x10 for 16, and refuses " 5").
func (u flagUse) canonical() string {
	dash := "--"
	if len(u.Name) == 1 {
		dash = "-"
	}
	if isSwitch(u.Flag) {
		if v, _ := strconv.ParseBool(u.Value); v {
			return dash + u.Name
		}
		return dash + u.Name + "=false"
	}
	if _, ok := flagOf(u.Flag).(*cli.IntFlag); ok {
		if n, err := core.ParseWholeNumber(u.Name, u.Value); err == nil {
			return dash + u.Name + "=" + strconv.Itoa(n)
		}
	}
	return dash + u.Name + "=" + u.Value
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

func isSwitch(f cli.Flag) bool { _, ok := flagOf(f).(*cli.BoolFlag); return ok }

func isList(f cli.Flag) bool { _, ok := flagOf(f).(*cli.StringSliceFlag); return ok }

func isHelpFlag(name string) bool { return name == "help" || name == "h" }

func isVersionFlag(name string) bool { return name == "version" || name == "v" }

// flagLong is a flag's name as --help shows it first: "--dry-run", "-4".
func flagLong(f cli.Flag) string {
	for _, n := range f.Names() {
		if len(n) > 1 {
			return "--" + n
		}
	}
	return "-" + f.Names()[0]
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// flagTable maps every name and alias of flags to whether it takes a value.
func flagTable(flags []cli.Flag) map[string]bool {
	t := map[string]bool{}
	for _, f := range flags {
		for _, n := range f.Names() {
			t[n] = !isSwitch(f)
		}
	}
	return t
}

func (lx *lexed) String() string {
	var b strings.Builder
	if lx.Cmd != nil {
		b.WriteString(lx.Cmd.Name)
	}
	for _, u := range lx.Flags {
		fmt.Fprintf(&b, " %s", u.canonical())
	}
	for _, a := range lx.Args {
		fmt.Fprintf(&b, " %q", a.Text)
	}
	return strings.TrimSpace(b.String())
}
