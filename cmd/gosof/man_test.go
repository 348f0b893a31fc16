package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestManPage: gosof man prints gosof(1) with every command and flag of
// the definitions, the contract's sections, and roff that groff reads
// without a warning.
func TestManPage(t *testing.T) {
	page, errOut, code := gosofRun(t, "man")
	if code != 0 || !strings.HasPrefix(page, ".TH GOSOF 1 ") {
		t.Fatalf("gosof man: exit %d %s\n%.200s", code, errOut, page)
	}
	for _, want := range []string{".SH SYNOPSIS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH SAFETY", ".SH EXAMPLES",
		".SH OUTPUT", ".SH ENVIRONMENT", "GOSOF_PROC_FD=1", "PID 1", "\\-\\-json", "\\-\\-jsonl", "Examples:"} {
		if !strings.Contains(page, want) {
			t.Errorf("gosof man has no %q", want)
		}
	}
	app := newApp(nil, nil, nil)
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
				continue
			}
			n := f.Names()[0]
			dash := "\\-\\-"
			if len(n) == 1 {
				dash = "\\-"
			}
			if !strings.Contains(page, "\\fB"+dash+strings.ReplaceAll(n, "-", "\\-")+"\\fR") {
				t.Errorf("gosof man: %s flag %s missing", where, n)
			}
		}
	}
	check("global", app.Flags)
	for _, c := range app.VisibleCommands() {
		if !strings.Contains(page, ".SS \"gosof "+c.Name) {
			t.Errorf("gosof man: command %s missing", c.Name)
		}
		check(c.Name, c.Flags)
	}
	macros := map[string]bool{".TH": true, ".SH": true, ".SS": true, ".TP": true, ".PP": true, ".RS": true,
		".RE": true, ".nf": true, ".fi": true, ".br": true, ".B": true}
	for _, ln := range strings.Split(page, "\n") {
		if m, _, _ := strings.Cut(ln, " "); strings.HasPrefix(ln, "'") || strings.HasPrefix(ln, ".") && !macros[m] {
			t.Errorf("gosof man: text line read as a request: %q", ln)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed (.ci/run installs groff-base)")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff -man -ww: %v\n%s", err, out)
	}
}

func gosofRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	var out, errb strings.Builder
	code = runT(t, append([]string{"gosof"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}
