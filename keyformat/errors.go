package keyformat

import (
	"errors"
	"fmt"
)

// Error is the error every parser in this package returns: the format
// being read and what is wrong with the input. It never holds secret bytes.
type Error struct {
	// Format is the format that was being parsed or written.
	Format Format
	// Err describes the problem.
	Err error
}

// Error returns "keyformat: FORMAT: PROBLEM".
func (e *Error) Error() string { return "keyformat: " + string(e.Format) + ": " + e.Err.Error() }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// ErrWrongPassword is returned (wrapped in an [*Error]) when a keystore's
// MAC does not match: the password is wrong or the file was altered.
var ErrWrongPassword = errors.New("wrong password or corrupted keystore")

func errorf(f Format, format string, args ...any) error {
	return &Error{Format: f, Err: fmt.Errorf(format, args...)}
}

func wrap(f Format, err error) error { return &Error{Format: f, Err: err} }
