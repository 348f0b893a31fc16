package selfcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gosof/gosof/core"
)

// errNotFound: the tool is in no directory of $PATH.
var errNotFound = errors.New("executable file not found in $PATH")

// run runs a tool with LC_ALL=C (the formats parsed here are the C
// locale's) and returns its standard output; a tool that exits non-zero
// after writing some output (pfiles, for a process it could not grab)
// still returns it, with the error. It starts the tool with
// os.StartProcess, not os/exec: exec's Cmd would add 140 kB to a binary
// admins copy over slow links, for the one command that runs a tool.
var run = func(name string, args ...string) ([]byte, error) {
	path, err := lookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return nil, err
	}
	defer errR.Close()
	p, err := os.StartProcess(path, append([]string{name}, args...), &os.ProcAttr{
		Env:   append(os.Environ(), "LC_ALL=C"),
		Files: []*os.File{null, outW, errW},
	})
	outW.Close()
	errW.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// The tool is killed after toolTimeout; its pipes then close.
	timer := time.AfterFunc(toolTimeout, func() { p.Kill() })
	defer timer.Stop()
	var out, errb bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&errb, io.LimitReader(errR, 64<<10))
		io.Copy(io.Discard, errR)
		close(done)
	}()
	io.Copy(&out, outR)
	<-done
	st, err := p.Wait()
	if err == nil && !st.Success() {
		err = errors.New(st.String())
	}
	if err != nil {
		msg := bytes.TrimSpace(errb.Bytes())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if len(msg) > 0 {
			err = fmt.Errorf("%s: %w (%s)", name, err, core.Escape(string(msg)))
		} else {
			err = fmt.Errorf("%s: %w", name, err)
		}
	}
	return out.Bytes(), err
}

// lookPath finds an executable regular file named name in $PATH. A
// relative directory there (".", or empty) is skipped, as os/exec refuses
// it: gosof runs as root, and the current directory may be anyone's.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errNotFound
}
