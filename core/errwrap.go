package core

import (
	"errors"
	"strings"
)

// Wrapping more than one error without Go 1.20's fmt.Errorf("%w ... %w") or
// errors.Join: the SPARC build's gccgo library is Go 1.18, whose errors.Is
// knows only Unwrap() error. These errors answer Is and As for every error
// they hold themselves, so errors.Is and errors.As work the same with either
// library.

// Wrap2 is an error reading text that matches both a and b under errors.Is
// and errors.As: fmt.Errorf(format, a, b) with two %w.
func Wrap2(text string, a, b error) error {
	return &multiError{text: text, errs: []error{a, b}}
}

// JoinErrors is errors.Join: nil when every err is nil, the one error when
// only one is not, else an error whose text is theirs one per line and that
// matches each of them.
func JoinErrors(errs ...error) error {
	var keep []error
	for _, err := range errs {
		if err != nil {
			keep = append(keep, err)
		}
	}
	switch len(keep) {
	case 0:
		return nil
	case 1:
		return keep[0]
	}
	texts := make([]string, len(keep))
	for i, err := range keep {
		texts[i] = err.Error()
	}
	return &multiError{text: strings.Join(texts, "\n"), errs: keep}
}

type multiError struct {
	text string
	errs []error
}

func (e *multiError) Error() string { return e.text }

func (e *multiError) Is(target error) bool {
	for _, err := range e.errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func (e *multiError) As(target interface{}) bool {
	for _, err := range e.errs {
		if errors.As(err, target) {
			return true
		}
	}
	return false
}
