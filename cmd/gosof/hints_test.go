package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHabitHints: what lsof, ss, netstat and fuser users type gets one
// line with the gosof form and exit 2, before any parsing error.
func TestHabitHints(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string
	}{
		{"-i :8080", "gosof who 8080"},
		{"-i tcp:8080", "gosof who tcp:8080"},
		{"-i @127.0.0.1", "gosof ls --remote 127.0.0.1 (connections to it; --local 127.0.0.1"},
		{"-i tcp@10.0.0.5:443", "gosof ls --proto tcp --remote 10.0.0.5:443"},
		{"-i4@10.0.0.5", "gosof ls -4 --remote 10.0.0.5"},
		{"dst 10.0.0.0/8", "gosof ls --remote 10.0.0.0/8"},
		{"src 127.0.0.1:80", "gosof ls --local 127.0.0.1:80"},
		{"src /run/app.sock", "gosof who /run/app.sock"}, // ss -x: a unix socket's name
		{"dst @app", "gosof who --side remote @app"},
		{"-iTCP:8080", "gosof who tcp:8080"},
		{"-t -i :8080", "gosof who -t 8080"},
		{"-i", "gosof ls --proto tcp,udp"},
		{"-i4", "gosof ls -4"},
		{"-p 4242", "gosof fds 4242"},
		{"-p 4242", "--pid 4242"},
		{"-K dst 192.0.2.1", "gosof close --abort"},
		{"-tlnp", "gosof ls --listen --proto tcp"},
		{"-tulpn", "gosof ls --listen --proto tcp,udp"},
		{"-anp", "gosof ls "},
		{"-lntp", "gosof ls --listen --proto tcp"},
		{"sport = :80", "gosof who 80"},
		{"( sport = :80 )", "gosof who 80"},
		{"who sport = :80", "gosof who 80"},
		{"dport = :443", "gosof who --side remote 443"},
		// the form keeps the command and the flags typed: it was
		// "gosof who 80" for each (why became who, kill lost its dry run)
		{"why sport = :80", "the gosof form: gosof why 80\n"},
		{"kill -n sport = :80", "the gosof form: gosof kill -n 80\n"},
		{"kill -9 -n dport = :80", "the gosof form: gosof kill -9 -n --side remote 80\n"},
		{"close --state close-wait sport = :80", "the gosof form: gosof close --state close-wait 80\n"},
		{"close -n src 10.0.0.5", "the gosof form: gosof close -n --local 10.0.0.5 PORT ("},
		{"watch state time-wait", "the gosof form: gosof watch --state time-wait\n"},
		{"-t sport = :80", "the gosof form: gosof who -t 80\n"},
		{"who --side local sport = :80", "the gosof form: gosof who --side local 80\n"},
		{"who -j state listening", "the gosof form: gosof ls -j --listen\n"},
		{"-nP", "never resolves names"},
		// watch(1)'s -n is the interval and top's the refreshes: it was
		// "gosof never resolves names ...: drop -n"
		{"watch 8080 -n 0.5 --jsonl", "watch(1)'s -n is not a gosof option; gosof's: -i 0.5 ("},
		{"watch -n2", "gosof's: -i 2 ("},
		{"top -n 1", "top's -n is not a gosof option; gosof's: --count 1 (refreshes)"},
		{"-nP -i :80", "drop -nP"},
		{"who -n 80", "drop -n"},
		{"-sTCP:LISTEN", "--state listen"},
		{"-s TCP:LISTEN", "gosof ls --proto tcp --state listen"}, // lsof takes it apart too; it was ss -s
		{"who -s TCP:ESTABLISHED", "gosof ls --proto tcp --state established"},
		{"-k 8080/tcp", "gosof kill 8080/tcp"},
		{"-9 8080", "gosof kill -9 8080 "},
		{"-9", "gosof kill -9 PORT"},
		// a dry run beside kill's or fuser's habit stays in the form: it
		// was dropped ("gosof kill -9 8080"), or the hint was "drop -n"
		{"-9 -n 8080", "gosof kill -9 -n 8080 "},
		{"-n -9 8080", "gosof kill -9 -n 8080 "},
		{"--dry-run -KILL 8080", "gosof kill -KILL -n 8080 "},
		{"-k 8080/tcp -n", "gosof kill -n 8080/tcp "},
		{"-n -K 80", "gosof close --abort -n 80 "}, // the PORT typed: it was PORT
		{"-n -i :80", "gosof who 80"},
		{"-tl", "gosof ls --listen --proto tcp"},
		{"-lt", "gosof ls --listen --proto tcp"},
		{"-4tl", "gosof ls -4 --listen --proto tcp"},
		{"-lu", "gosof ls --listen --proto udp"},
		{"-ul", "gosof ls --listen --proto udp"},
		{"-tu", "gosof ls --proto tcp,udp"},
		{"who -tln 80", "gosof who --listen --proto tcp 80 "},
		{"-tlnp 80 udp:53", "gosof who --listen --proto tcp 80 udp:53 "},
		// words gosof does not read as PORTs leave the form as it was
		{"-tlnp sport = :80", "gosof ls --listen --proto tcp "},
		{"-9 80x", "gosof kill -9 PORT"},
		{"-s", "gosof metrics"},
		{"-r", "watch -n 2 gosof who PORT"},
		{"-r 1", "watch -n 2 gosof who PORT"},
		{"-U", "gosof ls --proto unix"},
		{"state listening", "gosof ls --listen"},
		{"state time-wait", "gosof ls --state time-wait"},
		{"kill -nP 80", "drop the P; here -n is kill's --dry-run"},
		{"-u", "gosof ls --proto udp"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			var args []string
			if strings.HasPrefix(tc.args, "( ") {
				args = []string{tc.args}
			} else {
				args = strings.Fields(tc.args)
			}
			var out, errb bytes.Buffer
			code := runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != 2 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 || out.Len() != 0 {
				t.Errorf("gosof %s: exit %d, stderr %q stdout %q; want exit 2 and one line containing %q", tc.args, code, msg, out.String(), tc.want)
			}
		})
	}
}

// TestHabitHintsMalformedValue: a habit whose value is malformed gets the
// error gosof gives that value (exit 2, one line), never a "gosof form"
// that carries it: that command would be refused too. What the user
// typed reaches the terminal escaped, in a hint or in the error.
func TestHabitHintsMalformedValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-i", ":80x"}, `"80x" is not a port`},
		{[]string{"-i", ":no-such-service-x"}, `unknown service "no-such-service-x"`},
		{[]string{"-i", "tcp:99999"}, `"tcp:99999" is not a port`},
		{[]string{"-i", "xyz"}, `unknown protocol "xyz"`},
		{[]string{"-i", "@1.2.3.4.5"}, `"1.2.3.4.5"`},
		{[]string{"who", "-k", "99999/tcp"}, `"99999/tcp" is not a port`},
		{[]string{"-k", "no-such-service-x"}, `unknown service "no-such-service-x"`},
		{[]string{"-p", "0"}, `"0" is not a process id`},
		{[]string{"-p", "1,x"}, `"x" is not a process id`},
		{[]string{"-sTCP:BOGUS"}, `unknown state "bogus"`},
		{[]string{"sport", "=", ":80x"}, `"80x" is not a port`},
		{[]string{"dport", "=", ":-1"}, `"-1" is not a port`},
		{[]string{"why", "sport", "=", ":80-90"}, `why explains one port; "80-90" is a range`},
		{[]string{"src", "1.2.3.4.5"}, `--local "1.2.3.4.5"`},
		{[]string{"-k", "a\x1b[31m"}, `unknown service "a\x1b[31m"`},
		{[]string{"-i", "@h\x1b]0;x\x07:80"}, `--remote "h\x1b]0;x\a:80"`},
	} {
		args := tc.args
		var out, errb bytes.Buffer
		code := runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
		msg := errb.String()
		if code != 2 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "gosof form") || strings.Count(msg, "\n") != 1 ||
			strings.ContainsAny(msg, "\x1b\x07") || out.Len() != 0 {
			t.Errorf("gosof %q: exit %d, stderr %q; want exit 2 and one line with %q, no hint", args, code, msg, tc.want)
		}
	}
	// valid values are hinted as typed (a path keeps its case), escaped
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"src", "/run/App.sock"}, "the gosof form: gosof who /run/App.sock"},
		// as a shell reads them back, one word each: they were
		// "-c my server" and "/run/a\x1bb.sock", other words when pasted
		{[]string{"dst", "/run/a\x1bb.sock"}, `the gosof form: gosof who --side remote $'/run/a\x1bb.sock'`},
		{[]string{"-c", "my server", "sport", "=", ":80"}, `the gosof form: gosof who -c 'my server' 80`},
		{[]string{"--command=it's", "src", "/run/a*.sock"}, `the gosof form: gosof who --command='it'\''s' '/run/a*.sock'`},
		{[]string{"kill", "-n", "-c", "a\x1bb", "sport", "=", ":80"}, `the gosof form: gosof kill -n -c $'a\x1bb' 80`},
	} {
		var out, errb bytes.Buffer
		code := runT(t, append([]string{"gosof"}, tc.args...), strings.NewReader(""), &out, &errb)
		if msg := errb.String(); code != 2 || !strings.Contains(msg, tc.want) || strings.ContainsRune(msg, 0x1b) {
			t.Errorf("gosof %q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, msg, tc.want)
		}
	}
}

// TestNoHintForGosofFlags: gosof's own flags, combined short flags among
// them, and values that look like habits are left alone.
func TestNoHintForGosofFlags(t *testing.T) {
	for _, args := range [][]string{
		{"kill", "-n", "9"},               // kill's own -n (dry run)
		{"kill", "-yn", "9"},              // combined
		{"close", "-n", "--", "-i"},       // after --
		{"kill", "-s", "-K", "9"},         // a value, even a flag-looking one
		{"kill", "--signal", "-9", "9"},   // a long flag's value too
		{"metrics", "--max-series", "-5"}, // a bad value is the flag's to refuse
		{"--replay", "-p", "ls"},          // a directory named -p
		{"-n", "kill", "9"},               // kill's dry run, before the command
		{"-s", "9", "kill", "9"},          // kill's signal, before the command
		{"kill", "-9", "9"},               // kill(1)'s spelling of --signal
		{"kill", "-SIGKILL", "9"},
		{"fds", "-9", "1"}, // not a habit there: an unknown flag
		{"who", "-9", "80"},
		{"kill", "-t", "80"},
		{"why", "-t", "80"},
		{"fds", "-t", "1"},
		{"-tH"}, // -t -H: not ss letters only
		// an ss filter whose form the command typed would refuse
		{"why", "dport", "=", ":80"},                    // why has no --side
		{"who", "--side", "local", "dport", "=", ":80"}, // --side twice
		// sport and src PATH are the local end: --side remote or any
		// typed beside them gave "gosof who --side remote 80"
		{"who", "--side", "remote", "sport", "=", ":80"},
		{"who", "--side", "any", "sport", "=", ":80"},
		{"who", "--side", "remote", "src", "/run/app.sock"},
	} {
		app := newApp(nil, nil, nil)
		if h, err := habitHint(app, lex(app, args)); h != "" || err != nil {
			t.Errorf("gosof %s: hint %q (%v), want none", strings.Join(args, " "), h, err)
		}
	}
}

// TestLexBundles: combined short flags are read getopt's way; values
// and words after -- are not.
func TestLexBundles(t *testing.T) {
	app := newApp(nil, nil, nil)
	for _, tc := range []struct{ in, want string }{
		{"who -Hj 80", `who --no-header --json "80"`},
		{"-jH", `--json --no-header`},
		{"ls -Hu root", `ls --no-header --user=root`},
		{"ls -Huroot", `ls --no-header --user=root`},
		{"ls -tu root", `ls "root"`}, // ss's -tu: a hint, not flags
		{"kill -yn 80", `kill --yes --dry-run "80"`},
		{"kill -s9 80", `kill --signal=9 "80"`},
		{"kill -s -yn 80", `kill --signal=-yn "80"`}, // -s takes the next word
		{"who 80 -- -Hj", `who "80" "-Hj"`},
		{"who --listen -t", `who --listen --terse`},
		{"-n kill 80", `kill --dry-run "80"`},
		{"-s 9 kill 80", `kill --signal=9 "80"`},
		{"--proto tcp who 80", `who --proto=tcp "80"`},
		{"kill -9 80", `kill --signal=9 "80"`},
		{"kill -KILL 80", `kill --signal=KILL "80"`},
		{"kill -SIGKILL 80", `kill --signal=SIGKILL "80"`},
		{"kill -4 80", `kill -4 "80"`},
		{"kill -n=true 80", `kill --dry-run "80"`},
		{"who -t=false 80", `who --terse=false "80"`},
		{"-- kill 80", `"kill" "80"`},
	} {
		if got := lex(app, strings.Fields(tc.in)).String(); got != tc.want {
			t.Errorf("lex(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestHintFormKeepsTypedFlags: a habit's gosof form carries every flag
// typed beside it, before or after the habit word, as typed and quoted
// for a shell. Each form dropped them ('gosof -9 -c foo 8080' was told
// 'gosof kill -9 8080', a kill of every holder of the port).
func TestHintFormKeepsTypedFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		// kill(1)'s signal
		{[]string{"-9", "-c", "foo", "8080"}, "the gosof form: gosof kill -c foo -9 8080 ("},
		{[]string{"-c", "foo", "-9", "8080"}, "the gosof form: gosof kill -c foo -9 8080 ("},
		{[]string{"-9", "--pid", "5", "-n", "8080"}, "the gosof form: gosof kill --pid 5 -9 -n 8080 ("},
		{[]string{"-KILL", "8080", "-u", "root"}, "the gosof form: gosof kill -u root -KILL 8080 ("},
		{[]string{"-9", "80", "--", "9090"}, "the gosof form: gosof kill -9 80 9090 ("}, // it left 9090 out
		{[]string{"-k", "80", "--", "9090"}, "the gosof form: gosof kill 80 9090 ("},
		{[]string{"-k", "--", "80"}, "the gosof form: gosof kill 80 ("}, // it was 'gosof kill PORT'
		{[]string{"-k", "-c", "foo", "80"}, "the gosof form: gosof kill -c foo 80 ("},
		// fuser -k
		{[]string{"-k", "8080", "-c", "foo"}, "the gosof form: gosof kill -c foo 8080 ("},
		{[]string{"-c", "foo", "-k", "8080"}, "the gosof form: gosof kill -c foo 8080 ("},
		// ss -K
		{[]string{"--pid", "7", "-K"}, "the gosof form: gosof close --pid 7 --abort PORT ("},
		{[]string{"-K", "--pid", "7"}, "the gosof form: gosof close --pid 7 --abort PORT ("},
		// lsof -i
		{[]string{"-c", "foo", "-i", ":8080"}, "the gosof form: gosof who -c foo 8080\n"},
		{[]string{"-i", ":8080", "-c", "foo"}, "the gosof form: gosof who -c foo 8080\n"},
		{[]string{"-i", "@10.0.0.5", "--state", "established"}, "the gosof form: gosof ls --state established --remote 10.0.0.5 ("},
		// lsof -p: fds has no -c, so only the ls form
		{[]string{"-c", "foo", "-p", "42"}, "the gosof form: gosof ls -c foo --pid 42 (its sockets)\n"},
		{[]string{"-p", "42", "-c", "foo"}, "the gosof form: gosof ls -c foo --pid 42 (its sockets)\n"},
		{[]string{"-j", "-p", "42"}, "the gosof form: gosof fds -j 42 (its descriptors), or gosof ls -j --pid 42 (its sockets)\n"},
		// lsof -sTCP:
		{[]string{"-c", "foo", "-sTCP:LISTEN"}, "the gosof form: gosof ls -c foo --proto tcp --state listen\n"},
		{[]string{"-sTCP:LISTEN", "-c", "foo"}, "the gosof form: gosof ls -c foo --proto tcp --state listen\n"},
		// lsof -U
		{[]string{"-U", "-u", "root"}, "the gosof form: gosof ls -u root --proto unix\n"},
		// ss/netstat letters
		{[]string{"-c", "foo", "-tlnp"}, "the gosof form: gosof ls -c foo --listen --proto tcp ("},
		{[]string{"-tlnp", "-c", "foo"}, "the gosof form: gosof ls -c foo --listen --proto tcp ("},
		{[]string{"who", "-tln", "80", "-u", "root"}, "the gosof form: gosof who -u root --listen --proto tcp 80 ("},
		// ss filters (ssForm)
		{[]string{"-c", "foo", "sport", "=", ":80"}, "the gosof form: gosof who -c foo 80\n"},
		{[]string{"sport", "=", ":80", "-c", "foo"}, "the gosof form: gosof who -c foo 80\n"},
		// values as a shell reads them back (it was -c my server)
		{[]string{"-c", "my server", "sport", "=", ":80"}, "the gosof form: gosof who -c 'my server' 80\n"},
		{[]string{"-c", "my server", "-9", "80"}, "the gosof form: gosof kill -c 'my server' -9 80 ("},
		{[]string{"--command=my server", "-k", "80"}, "the gosof form: gosof kill --command='my server' 80 ("},
		{[]string{"-cmy server", "-i", ":80"}, "the gosof form: gosof who -c'my server' 80\n"},
		{[]string{"-c", "it's", "-9", "80"}, `the gosof form: gosof kill -c 'it'\''s' -9 80 (`},
		{[]string{"-c", "/^a b$/", "-9", "80"}, `the gosof form: gosof kill -c '/^a b$/' -9 80 (`},
		{[]string{"-c", "a\x1b[31m", "-9", "80"}, `the gosof form: gosof kill -c $'a\x1b[31m' -9 80 (`},
		{[]string{"-c", "a\\b", "-9", "80"}, `the gosof form: gosof kill -c $'a\\b' -9 80 (`},
		{[]string{"-9", "/run/my app.sock"}, `the gosof form: gosof kill -9 '/run/my app.sock' (`},
		// a flag typed that the suggested command does not have: no form
		// rather than one that drops it (it was 'gosof kill -9 8080'), and
		// why; a value typed that is missing: its error
		{[]string{"-t", "-9", "8080"}, "gosof: kill's -9 is not a gosof option, and 'gosof kill' has no -t: no gosof form keeps every flag typed\n"},
		{[]string{"-k", "8080", "-H"}, "gosof: fuser -k is not a gosof option, and 'gosof kill' has no -H: "},
		{[]string{"--cmdline", "-K"}, "gosof: ss -K is not a gosof option, and 'gosof close' has no --cmdline: "},
		{[]string{"-c", "foo", "-s"}, "gosof: ss -s is not a gosof option, and 'gosof metrics' has no -c: "},
		{[]string{"-i", ":80", "-c"}, "gosof: -c needs a value"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runT(t, append([]string{"gosof"}, tc.args...), strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != 2 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 || strings.ContainsRune(msg, 0x1b) || out.Len() != 0 ||
				strings.Contains(msg, "the gosof form:") != strings.Contains(tc.want, "the gosof form:") {
				t.Errorf("gosof %q: exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, code, msg, tc.want)
			}
		})
	}
}
