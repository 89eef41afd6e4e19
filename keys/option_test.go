package keys_test

import (
	"errors"
	"io"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
)

// TestOptionError checks that an option error has exactly the text asked
// for, matches ErrInvalidOption and still unwraps to its %w argument.
func TestOptionError(t *testing.T) {
	t.Parallel()
	err := keys.OptionError("--x %d is wrong: %w", 3, io.ErrUnexpectedEOF)
	if got, want := err.Error(), "--x 3 is wrong: unexpected EOF"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, keys.ErrInvalidOption) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("%v does not match both ErrInvalidOption and its cause", err)
	}
	if errors.Is(errors.New("--x 3 is wrong"), keys.ErrInvalidOption) {
		t.Fatal("a plain error matches ErrInvalidOption")
	}
}
