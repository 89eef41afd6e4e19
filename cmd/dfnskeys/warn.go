package main

import (
	"fmt"

	"github.com/dfnskeys/dfnskeys/internal/safetext"
	"github.com/dfnskeys/dfnskeys/keys"
)

// warnFaulty tells the user which signers sent faulty export shares when
// the key was recovered from the others anyway.
func warnFaulty(e *env, faulty []keys.FaultySigner) {
	if len(faulty) == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "dfnskeys: warning: %d signer(s) sent faulty export shares; the key was recovered from the others and matches its public key. Tell Dfns about:\n", len(faulty))
	for _, f := range faulty {
		fmt.Fprintf(e.stderr, "  %s\n", safetext.Line(f.String()))
	}
}
