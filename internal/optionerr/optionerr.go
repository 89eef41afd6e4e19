// Package optionerr makes the errors of the checks that run before a key
// is read, sent or written (see keys.ErrInvalidOption, which is [ErrInvalid]):
// an option the caller chose cannot work with the others or with what it is
// for. keyformat, the import builder and the root package use it; the
// command line exits with status 2 on any error that wraps it.
package optionerr

import (
	"errors"
	"fmt"
)

// ErrInvalid is keys.ErrInvalidOption.
var ErrInvalid = errors.New("invalid option")

// New returns an error whose text is fmt.Sprintf(format, args...) and which
// wraps [ErrInvalid] (and any %w argument).
func New(format string, args ...any) error {
	return &optionError{fmt.Errorf(format, args...)}
}

type optionError struct{ err error }

func (e *optionError) Error() string        { return e.err.Error() }
func (e *optionError) Unwrap() error        { return e.err }
func (e *optionError) Is(target error) bool { return target == ErrInvalid }
