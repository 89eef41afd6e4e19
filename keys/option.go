package keys

import "github.com/dfnskeys/dfnskeys/internal/optionerr"

// ErrInvalidOption is wrapped by the errors of the checks that run before
// a key is read, sent or written: an option the caller chose (a format, a
// curve, a threshold, a derivation path…) cannot work with the others or
// with what it is for. Such an error says which option and what to do; the
// step it guards was not taken. The same check runs early (a pre-flight:
// keyformat.LoadOptions.Check, keyformat.CheckEncode, the import
// options' Check) and again in the step itself, so one copy serves both.
// The command line exits with status 2 (a usage error) on any error that
// wraps it.
var ErrInvalidOption = optionerr.ErrInvalid
