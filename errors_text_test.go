package dfnskeys

import (
	"errors"
	"strings"
	"testing"
)

// Every error type that embeds text from the API escapes and bounds it:
// one line, no control character, whatever the server sent.
func TestErrorsEscapeServerText(t *testing.T) {
	hostile := "key-1\n  fake line\x1b[8m\u202e" + strings.Repeat("f", 100000)
	for name, err := range map[string]error{
		"public key mismatch": &PublicKeyMismatchError{KeyID: hostile, Local: "02ab", Remote: hostile},
		"ambiguous import":    &AmbiguousError{PublicKey: hostile, Err: errors.New("timeout")},
		"policy pending":      &PolicyPendingError{Method: "POST", Path: "/keys/import", ApprovalID: hostile},
		"redirect":            &APIError{Method: "GET", Path: "/signers", StatusCode: 302, Location: hostile},
		"proof":               &ProofError{KeyID: hostile, SignatureID: hostile, Status: hostile, Err: errors.New("x")},
		"api":                 &APIError{StatusCode: 400, Method: "GET", Path: "/keys", Message: hostile, ID: hostile, RequestID: hostile},
	} {
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\x1b\u202e") {
			t.Errorf("%s: the message holds a control character: %.200q", name, msg)
		}
		if !strings.Contains(msg, `key-1\n  fake line\x1b[8m\u202e`) {
			t.Errorf("%s: the message does not show the text escaped: %.200q", name, msg)
		}
		if len(msg) > 2000 {
			t.Errorf("%s: the message is %d bytes long", name, len(msg))
		}
	}
}
