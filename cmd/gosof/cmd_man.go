package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gosof/gosof/core"
)

// manCommand prints gosof(1), generated from the command definitions, so
// that the man page and --help cannot drift apart.
//
// Not urfave/cli's ToMan: it drops every command's Description (where
// gosof keeps its examples and exit codes), prints a value flag as
// --netns="" without its placeholder, sorts the flags alphabetically and
// has no place for EXIT STATUS or the safety rules; and it gets there by
// rendering Markdown through go-md2man. Writing roff from the same
// definitions is a page of code (docs/conventions.md).
func manCommand() *cli.Command {
	return &cli.Command{
		Name:      "man",
		Usage:     "print the manual page gosof(1) (roff): gosof man | man -l -",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return core.Usagef("man takes no arguments")
			}
			return writeMan(c.App.Writer, c.App)
		},
	}
}

// manSections are the parts of gosof(1) that are not a command or a flag:
// the contract, in the words of docs/contract.md, and the safety rules of
// docs/kill-close.md, shortened. Each is a title and paragraphs; a
// paragraph starting with "  " is printed as is (an example).
var manSections = []struct {
	title string
	paras []string
}{
	{"PORTS", []string{
		"PORT is a number (8080), a range (8000-8080) or a service name from /etc/services " +
			"(http, http-alt). It may carry a protocol the way lsof, ss and /etc/services write it: " +
			":8080, tcp:8080, 8080/tcp, udp/53; the protocol then limits that port to it. " +
			"A command name always means the command, never a service of that name.",
		"PATH names unix sockets where a PORT is taken (who, why, kill, close): it starts with / (a socket " +
			"file), @ (an abstract name) or ./ and ../ (relative to the current directory). It matches " +
			"the socket bound under that name or to that file, and its accepted connections; with --side " +
			"remote the clients connected to it. A PATH ending in / takes every name under it.",
	}},
	{"OUTPUT", []string{
		"The table has one row per socket and owning process: PROTO, STATE, LOCAL, REMOTE, " +
			"RECV-Q, SEND-Q, PID/COMMAND, USER, FD; --cmdline adds each owner's full command line, " +
			"--context its container or systemd unit. " +
			"A socket no process holds shows - as its owner. A link-local address shows its zone, " +
			"[fe80::1%eth0]:8443; a socket bound to an interface shows it after the address, 0.0.0.0%eth0:68. " +
			"On a terminal the table fits its width: long cells are shortened in the middle, never wrapped; " +
			"-w prints them whole, as pipes and files always get them. Text from other processes " +
			"(command names, command lines, paths, unit and container names) is escaped in every format.",
		"--json prints one array, [] when empty, one object per socket, sorted by proto, local address, " +
			"local port, remote address, remote port, with the fields proto, family, state, local " +
			"({\"addr\",\"port\"} or {\"path\"}), remote (the same, or null), inode, uid (null when unknown), " +
			"netns (null off Linux), recv_q, send_q and owners ([{\"pid\",\"comm\",\"fd\",\"uid\",\"user\"}], " +
			"[] when none). Fields may be added; none is renamed or removed. --jsonl prints the same objects " +
			"one per line, nothing for an empty result. -t prints the distinct owner PIDs, one per line, " +
			"so that kill $(gosof who -t 8080) works.",
		"kill --json and close --json print one object: the plan, what became of each process or socket, " +
			"what is left on the port, and \"changed\": true when anything was signalled or closed. " +
			"The full contract is docs/contract.md.",
	}},
	{"EXIT STATUS", []string{
		fmt.Sprintf("%d  something matched (kill, close: every matched process or socket is gone; why: the port is in use)", exitMatch),
		fmt.Sprintf("%d  nothing matched, like grep (why: the port is free)", exitNoMatch),
		fmt.Sprintf("%d  a usage error, or an error that stopped the work; one line on stderr", exitError),
		fmt.Sprintf("%d  kill, close: something that matched is still there (a survivor, a protected process, n at the prompt)", exitSurvivors),
		"Data goes to stdout, messages to stderr. Nothing is asked unless stdin is a terminal.",
	}},
	{"SAFETY", []string{
		"kill and close print their plan first and ask once, only when stdin is a terminal (never from a script; " +
			"--yes skips the question, --dry-run stops after the plan).",
		"PID 1, gosof itself and its parent are never signalled. On Linux every process is held by a pidfd " +
			"from before the question, so a PID recycled meanwhile is never hit; on Solaris the start time is " +
			"checked before every signal.",
		"PORT matches the local port: the server and its accepted connections, not the clients connected to " +
			"the port elsewhere (--side remote or --side any for those).",
		"close leaves LISTEN sockets alone unless --listen or --state listen asks for them. When the kernel " +
			"or the privileges do not allow a method, gosof names the errno and the remedy and does not switch " +
			"to the other method behind your back.",
		"Both end by looking at the port again and saying what is left, and when it goes.",
	}},
	{"EXAMPLES", []string{
		"  gosof -l                              # every listening socket and its owners",
		"  gosof who 8080                        # what holds local port 8080",
		"  gosof who tcp:8080 --json             # the same, TCP only, as JSON",
		"  kill $(gosof who -t 8080)             # lsof -t style",
		"  gosof kill 8080 --dry-run             # the plan only",
		"  gosof close 30116 --state close-wait  # drop a CLOSE_WAIT leak, keep the server",
		"  gosof why 8080                        # why the port is busy, and can a server bind it now",
		"  gosof ls -A --jsonl | jq -c .         # every namespace, one JSON object per line",
		"Habits from lsof and ss (-i :8080, -p PID, -tlnp, sport = :80, -K, -nP) are answered with " +
			"the gosof form and exit 2; the form keeps every flag typed beside them, or is not given.",
	}},
	{"ENVIRONMENT", []string{
		"GOSOF_PROC_FD=1 makes every run find owners by reading /proc/PID/fd, as --proc-fd does for one " +
			"command (Linux): gosof then loads no BPF program and makes no bpf(2) call. Set it for a whole " +
			"host where bpf(2) calls are audited or alerted on. 0 or unset leaves the choice to gosof; any " +
			"other value is an error.",
	}},
	{"FILES", []string{
		"/proc (owners, command lines, namespaces), /etc/services (service names), /etc/passwd (user " +
			"names: the static binary does not use NSS, so users only in LDAP or sssd show as their uid), " +
			"/run/netns (named network namespaces), /run/gosof/fditer-layout (Linux: where the BPF " +
			"descriptor iterator's program finds the kernel's fields, kept by the first run of a boot that " +
			"loads it and trusted only if root's; removing it costs the next run a read of the kernel's BTF).",
	}},
	{"SEE ALSO", []string{"gosof-exporter --help (gosof's metrics served to Prometheus, a program of its own); " +
		"lsof(8), ss(8), netstat(8), fuser(1); docs/contract.md, docs/kill-close.md, docs/why.md, docs/metrics.md in the source."}},
}

// writeMan writes gosof(1) in roff (man(7) macros).
func writeMan(w io.Writer, app *cli.App) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH GOSOF 1 \"\" %s \"User Commands\"\n", roffQuote("gosof "+version))
	b.WriteString(".SH NAME\ngosof \\- " + roffText(app.Usage) + "\n")
	b.WriteString(".SH SYNOPSIS\n")
	b.WriteString(".B gosof\n[\\fIOPTIONS\\fR] [\\fIPORT\\fR...]\n.br\n")
	for _, c := range app.VisibleCommands() {
		fmt.Fprintf(&b, ".B gosof %s\n[\\fIOPTIONS\\fR]", roffText(c.Name))
		if a := strings.TrimSpace(c.ArgsUsage); a != "" {
			fmt.Fprintf(&b, " \\fI%s\\fR", roffText(a))
		}
		b.WriteString("\n.br\n")
	}
	b.WriteString(".SH DESCRIPTION\n")
	roffBlock(&b, app.Description)
	b.WriteString(".SH OPTIONS\nWith no command, these apply to the implied ls or who.\n")
	roffFlags(&b, app.VisibleFlags())
	b.WriteString(".SH COMMANDS\n")
	for _, c := range app.VisibleCommands() {
		roffCommand(&b, c, "gosof "+c.Name)
	}
	for _, s := range manSections {
		b.WriteString(".SH " + s.title + "\n")
		for i, p := range s.paras {
			if i > 0 {
				b.WriteString(".PP\n")
			}
			roffBlock(&b, p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func roffCommand(b *strings.Builder, c *cli.Command, path string) {
	head := path
	if a := strings.TrimSpace(c.ArgsUsage); a != "" {
		head += " " + a
	}
	b.WriteString(".SS " + roffQuote(head) + "\n")
	roffBlock(b, c.Usage+".")
	if c.Description != "" {
		b.WriteString(".PP\n")
		roffBlock(b, c.Description)
	}
	if fs := c.VisibleFlags(); len(fs) > 0 {
		roffFlags(b, fs)
	}
	for _, sc := range c.Subcommands {
		if !sc.Hidden {
			roffCommand(b, sc, path+" "+sc.Name)
		}
	}
}

func roffFlags(b *strings.Builder, flags []cli.Flag) {
	for _, f := range flags {
		_, usage, _ := strings.Cut(flagHelp(f), "\t")
		names, ph := flagParts(f)
		b.WriteString(".TP\n")
		var parts []string
		for _, n := range names {
			parts = append(parts, "\\fB"+roffText(n)+"\\fR")
		}
		line := strings.Join(parts, ", ")
		if ph != "" {
			line += " \\fI" + roffText(ph) + "\\fR"
		}
		b.WriteString(line + "\n")
		roffBlock(b, usage)
	}
}

// roffBlock writes text: blank lines are paragraph breaks, lines indented
// by spaces (examples, lists) are kept as they are, the rest is filled.
func roffBlock(b *strings.Builder, text string) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	literal := false
	for _, ln := range lines {
		isLit := strings.HasPrefix(ln, " ")
		switch {
		case isLit && !literal:
			b.WriteString(".PP\n.RS 2\n.nf\n")
		case !isLit && literal:
			b.WriteString(".fi\n.RE\n")
		}
		literal = isLit
		switch {
		case strings.TrimSpace(ln) == "" && !literal:
			b.WriteString(".PP\n")
		case literal:
			b.WriteString(roffLine(strings.TrimPrefix(ln, "  ")) + "\n")
		default:
			b.WriteString(roffLine(ln) + "\n")
		}
	}
	if literal {
		b.WriteString(".fi\n.RE\n")
	}
}

// roffText escapes text for roff: backslashes and hyphens (a hyphen is
// \- so that it is an ASCII minus, as options need).
func roffText(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// roffLine is roffText for a whole input line, which must not start with
// a control character ('.' or ').
func roffLine(s string) string {
	s = roffText(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func roffQuote(s string) string {
	return `"` + strings.ReplaceAll(roffText(s), `"`, `\(dq`) + `"`
}
