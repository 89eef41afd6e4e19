package keyformat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Error is the error every parser in this package returns: the format
// being read and what is wrong with the input. It never holds secret bytes.
type Error struct {
	// Format is the format that was being parsed or written.
	Format Format
	// Err describes the problem.
	Err error
}

// Error returns "FORMAT: PROBLEM", for example "wif: bad checksum".
func (e *Error) Error() string { return string(e.Format) + ": " + e.Err.Error() }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// ErrWrongPassword is returned (wrapped in an [*Error]) when a keystore's
// MAC does not match: the password is wrong or the file was altered.
var ErrWrongPassword = errors.New("wrong password or corrupted keystore")

func errorf(f Format, format string, args ...any) error {
	return &Error{Format: f, Err: fmt.Errorf(format, args...)}
}

func wrap(f Format, err error) error { return &Error{Format: f, Err: err} }

// jsonErrorText describes a JSON decoding error by where it happened, never
// by the character or value found there: encoding/json's own messages
// quote a character of the input ("invalid character 'c'"), which in a
// keystore may be part of the encrypted key or of a mistyped secret.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte offset %d", se.Offset)
	case errors.As(err, &te):
		// Value is "number 5" for numbers: keep only the kind.
		kind, _, _ := strings.Cut(te.Value, " ")
		if te.Field != "" {
			return fmt.Sprintf("field %q is a JSON %s, want %s (at byte offset %d)", te.Field, kind, te.Type, te.Offset)
		}
		return fmt.Sprintf("a JSON %s where %s was expected (at byte offset %d)", kind, te.Type, te.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	}
	return "malformed JSON"
}
