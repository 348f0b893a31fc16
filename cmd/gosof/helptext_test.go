package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHelpWithoutNoise: no "(default: false)" on switches, a placeholder
// that names the value (DIR, PORT...) rather than "value", and every file
// the help points at exists.
func TestHelpWithoutNoise(t *testing.T) {
	docRef := regexp.MustCompile(`docs/[a-z-]+\.md`)
	valuePlaceholder := regexp.MustCompile(`-[a-z0-9-]+ (value|VALUE)\b`) // flagHelp prints VALUE where a Usage names none
	cmds := [][]string{{"--help"}}
	for _, c := range newApp(nil, nil, nil).Commands {
		cmds = append(cmds, []string{c.Name, "--help"})
	}
	for _, args := range cmds {
		var out, errb bytes.Buffer
		code := runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
		help := out.String()
		name := strings.Join(args, " ")
		if code != 0 || !strings.Contains(help, "-h, --help") {
			t.Errorf("gosof %s: exit %d, stderr %q", name, code, errb.String())
			continue
		}
		for _, bad := range []string{"(default: false)", "(default)", "CONTRACT in README"} {
			if strings.Contains(help, bad) {
				t.Errorf("gosof %s prints %q", name, bad)
			}
		}
		if m := valuePlaceholder.FindString(help); m != "" {
			t.Errorf("gosof %s: placeholder %q does not say what the value is", name, m)
		}
		for _, ref := range docRef.FindAllString(help, -1) {
			if _, err := os.Stat(filepath.Join("..", "..", ref)); err != nil {
				t.Errorf("gosof %s points at %s: %v", name, ref, err)
			}
		}
	}
	var out bytes.Buffer
	runT(t, []string{"gosof", "--help"}, strings.NewReader(""), &out, &out)
	if !strings.Contains(out.String(), "debug ") {
		t.Errorf("gosof --help hides debug, which README documents")
	}
	if !strings.Contains(out.String(), "--replay DIR") {
		t.Errorf("gosof --help: --replay has no DIR placeholder")
	}
}

// TestHelpListsOnlyWhatRuns: every subcommand a command's help lists
// runs: 'gosof debug --help' listed cli's "help, h", which lex refused
// ('debug: no subcommand "help"').
func TestHelpListsOnlyWhatRuns(t *testing.T) {
	for _, c := range newApp(nil, nil, nil).Commands {
		var out, errb bytes.Buffer
		runT(t, []string{"gosof", c.Name, "--help"}, strings.NewReader(""), &out, &errb)
		_, list, ok := strings.Cut(out.String(), "\nCOMMANDS:\n")
		if !ok {
			continue
		}
		for _, line := range strings.Split(list, "\n") {
			if strings.TrimSpace(line) == "" {
				break
			}
			if !strings.HasPrefix(line, "   ") || strings.HasPrefix(line, "    ") {
				continue // a description's continuation
			}
			sub := strings.TrimSuffix(strings.Fields(line)[0], ",")
			if lx := lex(newApp(nil, nil, nil), []string{c.Name, sub}); lx.Sub == nil {
				t.Errorf("gosof %s --help lists %q, but 'gosof %s %s' is no subcommand to lex", c.Name, sub, c.Name, sub)
			}
		}
	}
}
