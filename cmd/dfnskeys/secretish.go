package main

import (
	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/internal/secretish"
)

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
