package optionerr_test

import (
	"errors"
	"io"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/optionerr"
	"github.com/dfnskeys/dfnskeys/keys"
)

// TestNew checks that an option error has exactly the text asked
// for, matches ErrInvalidOption and still unwraps to its %w argument.
func TestNew(t *testing.T) {
	t.Parallel()
	err := optionerr.New("--x %d is wrong: %w", 3, io.ErrUnexpectedEOF)
	if got, want := err.Error(), "--x 3 is wrong: unexpected EOF"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, optionerr.ErrInvalid) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("%v does not match both ErrInvalidOption and its cause", err)
	}
	if errors.Is(errors.New("--x 3 is wrong"), optionerr.ErrInvalid) {
		t.Fatal("a plain error matches ErrInvalidOption")
	}
}

// TestKeysErrInvalidOption checks that the public sentinel is this one, so
// that errors.Is(err, keys.ErrInvalidOption) matches every option error.
func TestKeysErrInvalidOption(t *testing.T) {
	if keys.ErrInvalidOption != optionerr.ErrInvalid || !errors.Is(optionerr.New("x"), keys.ErrInvalidOption) {
		t.Fatal("keys.ErrInvalidOption is not optionerr.ErrInvalid")
	}
}
