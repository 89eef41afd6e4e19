package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
)

// pathValue is the flag.Value of every flag that names a file or a
// directory (inputs, outputs, journals, reports, pins, credentials, key
// files, state). It refuses, while the flags are parsed and so before
// anything is opened or created, a value that looks like a secret given
// in place of a name ([secretish.Looks]): a key, a PEM, a token, a
// mnemonic. The value is never printed (see docs/threat-model.md §5).
// Declare path flags with [pathFlag], never with fs.String: the tests
// enumerate every command's flags and fail on a path flag of another
// type.
type pathValue struct{ p *string }

// errSecretPath is what pathValue.Set returns for a secret-looking value.
// The flag package quotes the value in its message; flagError replaces
// that message with one that names only the flag.
var errSecretPath = errors.New("the value looks like a secret, not a file name")

func (v pathValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// Set records the path, or refuses a value that looks like a secret.
func (v pathValue) Set(s string) error {
	if secretish.Looks(s) {
		return errSecretPath
	}
	*v.p = s
	return nil
}

// pathFlag defines a path flag on fs and returns where its value goes.
func pathFlag(fs *flag.FlagSet, name string) *string {
	p := new(string)
	fs.Var(pathValue{p}, name, "")
	return p
}

// secretPathMessage is the message for a path flag or variable named what
// whose value looks like a secret.
func secretPathMessage(what string) string {
	return fmt.Sprintf("%s must name a file, but its value looks like a secret, not a file name (not shown): put the secret in a file readable only by you and give that file's path; secrets are never read from the command line", what)
}

// checkPathEnv refuses an environment variable that names a file but
// holds what looks like a secret. The value is never shown or opened.
func checkPathEnv(name, value string) error {
	if value != "" && secretish.Looks(value) {
		return errors.New(secretPathMessage(name))
	}
	return nil
}

// strayArgs is the usage error for n positional arguments where a command
// takes none (or nothing after KEY_ID); where says where they are (" after
// the flags", or ""). They are never shown: they may be the words of a
// secret pasted unquoted after a flag, whose first word the flag took, and
// that flag's value is not used either (nothing runs).
func strayArgs(n int, where, what string) error {
	return usagef("%d unexpected %s%s (not shown): %s; quote a flag value that has spaces (--name 'my key'), and never put a secret on the command line: put it in a file and give that file's path",
		n, plural(n, "argument", "arguments"), where, what)
}

// flagNameIn extracts the flag's name from a flag package error
// ("invalid value … for flag -NAME: …"), or "".
func flagNameIn(msg string) string {
	_, after, ok := strings.Cut(msg, " for flag -")
	if !ok {
		return ""
	}
	return strings.SplitN(after, ":", 2)[0]
}

// given returns the first (by name) of the flags names set on the command
// line, or "" when none is.
func given(fs *flag.FlagSet, names ...string) (name string) {
	fs.Visit(func(f *flag.Flag) {
		if name == "" && slices.Contains(names, f.Name) {
			name = f.Name
		}
	})
	return name
}

// looksSecret is [secretish.Looks], the one rule for values that may be
// secrets given in place of a name.
func looksSecret(s string) bool { return secretish.Looks(s) }

// quotedOrHidden quotes a value for a message, or says it is not shown
// when it looks like a secret.
func quotedOrHidden(s string) string {
	if looksSecret(s) {
		return "(not shown: it looks like a secret)"
	}
	return `"` + safetext.Text(s) + `"`
}
