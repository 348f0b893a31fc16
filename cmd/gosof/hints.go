package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// habitHint looks at argv (without the program name) for what hands
// trained on lsof, ss, netstat and fuser type, and returns a one-line hint
// with the gosof form, or "" when there is none. It only fires on words
// gosof itself would reject: flags the command does not have (so kill's
// own -n and combined flags gosof has, such as -lt, pass), and ss's filter
// words. run calls it before parsing, so the user sees the hint instead of
// "flag provided but not defined".
func habitHint(app *cli.App, args []string) string {
	flags := app.Flags
	cmdSeen := false
	terse := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		if a == "--" {
			return ""
		}
		if !cmdSeen && !isFlag(a) {
			if c := app.Command(a); c != nil {
				cmdSeen, flags = true, c.Flags
				continue
			}
		}
		if h := ssFilterHint(args[i:]); h != "" {
			return h
		}
		if !isFlag(a) {
			continue
		}
		if strings.HasPrefix(a, "--") {
			if ok, v := shortFlags(a[2:], flags); ok && v && !strings.Contains(a, "=") {
				i++ // its value: "--max-series -5" is a bad value, not kill's -5
			}
			continue
		}
		name := a[1:]
		if ok, v := shortFlags(name, flags); ok {
			terse = terse || isTerse(name, flags)
			if v && !strings.Contains(name, "=") {
				i++ // the flag's value, whatever it looks like
			}
			continue
		}
		if h := flagHint(name, next, terse); h != "" {
			return h
		}
	}
	return ""
}

// splitShortFlags turns each word of combined short flags gosof has
// ("-lt", "-tu root") into one word per flag ("-l", "-t"), as getopt users
// expect; everything else, and all after "--", is left as it is.
func splitShortFlags(app *cli.App, args []string) []string {
	flags := app.Flags
	cmdSeen := false
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if !cmdSeen && !isFlag(a) {
			if c := app.Command(a); c != nil {
				cmdSeen, flags = true, c.Flags
			}
		}
		if !isFlag(a) || strings.HasPrefix(a, "--") {
			out = append(out, a)
			continue
		}
		name := a[1:]
		ok, v := shortFlags(name, flags)
		if ok && len(name) > 1 && findFlag(flags, name) == nil {
			for j := 0; j < len(name); j++ {
				out = append(out, "-"+name[j:j+1])
			}
		} else {
			out = append(out, a)
		}
		if ok && v && !strings.Contains(name, "=") && i+1 < len(args) {
			i++
			out = append(out, args[i]) // the value, whatever it looks like
		}
	}
	return out
}

// shortFlags reports whether -name is a flag of flags, alone ("-l",
// "-timeout") or as combined short flags ("-lt"), and whether it takes
// the next argument as its value.
func shortFlags(name string, flags []cli.Flag) (known, takesValue bool) {
	base, _, _ := strings.Cut(name, "=")
	if f := findFlag(flags, base); f != nil {
		_, isBool := f.(*cli.BoolFlag)
		return true, !isBool
	}
	if len(name) < 2 || strings.Contains(name, "=") {
		return false, false
	}
	// -lt: every letter a flag; only the last may take a value (-tu root).
	for i := 0; i < len(name); i++ {
		f := findFlag(flags, name[i:i+1])
		if f == nil {
			return false, false
		}
		_, isBool := f.(*cli.BoolFlag)
		if !isBool {
			if i != len(name)-1 {
				return false, false
			}
			return true, true
		}
	}
	return true, false
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

func hasFlag(flags []cli.Flag, name string) bool { return findFlag(flags, name) != nil }

// flagHint is the hint for one unknown short flag -name; next is the word
// after it, rest every word after it.
func flagHint(name, next string, terse bool) string {
	t := ""
	if terse {
		t = "-t "
	}
	switch {
	case isDigits(name) && name != "4" && name != "6" || isSignalName(name): // kill -9, kill -TERM
		return hint("kill's -"+name, "gosof kill -s "+name+" PORT (TERM first is the default, KILL after --timeout)")
	case name[0] == 'i': // lsof -i [46][proto][@host][:port]
		spec := name[1:]
		if spec == "" && next != "" && !isFlag(next) {
			spec = next
		}
		return lsofInetHint("-i "+spec, spec, t)
	case name == "p": // lsof -p PID
		pid := "PID"
		if next != "" && isDigits(strings.ReplaceAll(next, ",", "")) {
			pid = strings.ReplaceAll(next, ",", " ")
		}
		return hint("lsof's -p "+pid, "gosof fds "+pid+" (its descriptors), or gosof ls --pid "+strings.ReplaceAll(pid, " ", ",")+" (its sockets)")
	case name == "K": // ss -K FILTER
		return hint("ss -K", "gosof close --abort PORT (shows the plan, then resets the connections)")
	case name == "k": // fuser -k 8080/tcp
		port := "PORT"
		if next != "" && !isFlag(next) {
			port = next
		}
		return hint("fuser -k", "gosof kill "+port+" (TERM, then KILL after --timeout)")
	case name[0] == 's' && lsofState(name[1:], next) != "": // lsof -sTCP:LISTEN
		st := lsofState(name[1:], next)
		if strings.HasPrefix(st, "^") {
			return hint("lsof's -sTCP:"+st, "gosof ls --proto tcp --state STATE,... (name the states wanted)")
		}
		return hint("lsof's -sTCP:"+st, "gosof ls --proto tcp --state "+strings.ToLower(strings.ReplaceAll(st, "_", "-")))
	case strings.Trim(name, "nP") == "":
		return "gosof never resolves names or ports (addresses and ports are always numbers): drop -" + name
	case strings.Trim(name, "tuwxlanpeo46rsSm") == "":
		return ssHint(name)
	}
	return ""
}

// lsofInetHint turns lsof's -i spec ("", "4", "tcp", ":8080", "TCP:8080",
// "@127.0.0.1:8080") into a gosof command.
func lsofInetHint(what, spec, t string) string {
	var opts []string
	if strings.HasPrefix(spec, "4") || strings.HasPrefix(spec, "6") {
		opts = append(opts, "-"+spec[:1])
		spec = spec[1:]
	}
	proto, port := spec, ""
	if j := strings.IndexAny(spec, "@:"); j >= 0 {
		proto, port = spec[:j], spec[j:]
	}
	if strings.HasPrefix(port, "@") {
		// gosof matches ports, not addresses: keep the port.
		if k := strings.LastIndex(port, ":"); k >= 0 {
			port = port[k:]
		} else {
			port = ""
		}
	}
	port = strings.TrimPrefix(port, ":")
	proto = strings.ToLower(proto)
	if port == "" {
		if proto != "" {
			opts = append(opts, "--proto "+proto)
		} else {
			opts = append(opts, "--proto tcp,udp")
		}
		return hint("lsof's "+strings.TrimSpace(what), "gosof ls "+t+strings.Join(opts, " "))
	}
	if proto != "" {
		port = proto + ":" + port
	}
	cmd := "gosof who " + t + strings.TrimSpace(strings.Join(opts, " ")+" "+port)
	return hint("lsof's "+strings.TrimSpace(what), cmd)
}

// ssHint turns ss/netstat letters (-tlnp, -tulpn, -anp) into gosof ls.
func ssHint(letters string) string {
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
	return hint("ss/netstat's -"+letters, cmd+" (owners are always shown, names never resolved)")
}

// ssFilterHint catches ss filter expressions at words: "sport = :80"
// (three words), "dport == 443", "( sport = :80 )" or "sport=:80" (one).
func ssFilterHint(words []string) string {
	n := len(words)
	if n > 4 {
		n = 4
	}
	expr := strings.ToLower(strings.Join(words[:n], " "))
	expr = strings.NewReplacer("(", " ", ")", " ", "'", " ", "\"", " ", "==", "=", " eq ", "=", "=", " = ").Replace(expr)
	f := strings.Fields(expr)
	if len(f) == 0 {
		return ""
	}
	switch f[0] {
	case "sport", "dport", "src", "dst":
	default:
		return ""
	}
	port := "PORT"
	if len(f) >= 3 && f[1] == "=" {
		v := f[2]
		if k := strings.LastIndex(v, ":"); k >= 0 {
			v = v[k+1:]
		}
		if v != "" && v != "*" {
			port = v
		}
	}
	switch f[0] {
	case "sport":
		return hint("ss's \"sport = :"+port+"\"", "gosof who "+port)
	case "dport":
		return hint("ss's \"dport = :"+port+"\"", "gosof who --side remote "+port)
	}
	return hint("ss's "+f[0]+" filter", "gosof matches ports, not addresses: gosof who PORT (--side remote for the peer's port)")
}

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

// isTerse reports whether flag word -name includes gosof's -t.
func isTerse(name string, flags []cli.Flag) bool {
	t := findFlag(flags, "t")
	if t == nil || findFlag(flags, "terse") != t {
		return false
	}
	return name == "t" || name == "terse" || findFlag(flags, name) == nil && strings.Contains(name, "t")
}

func isSignalName(s string) bool {
	switch strings.TrimPrefix(s, "SIG") {
	case "TERM", "KILL", "HUP", "INT", "QUIT", "USR1", "USR2", "STOP", "CONT":
		return true
	}
	return false
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
