package auth

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEncryptedKey is returned when a PEM private key is encrypted. Decrypt it
// first, for example with: openssl pkey -in encrypted.pem -out plain.pem
var ErrEncryptedKey = errors.New("the PEM private key is encrypted; this package reads only unencrypted keys, decrypt it first (for example: openssl pkey -in encrypted.pem -out plain.pem)")

// CredentialNotAllowedError is returned by [KeySigner.Sign] when the
// challenge's allowCredentials.key list does not name the signer's credential.
type CredentialNotAllowedError struct {
	// CredentialID is the signer's credential ID.
	CredentialID string
	// Allowed lists the Key credential IDs the challenge allows.
	Allowed []string
}

// Error implements the error interface.
func (e *CredentialNotAllowedError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("credential %q may not sign this challenge: allowCredentials.key is empty, so the user has no active Key credential; register this key as a credential of the user (or use the user the credential belongs to)", e.CredentialID)
	}
	quoted := make([]string, len(e.Allowed))
	for i, id := range e.Allowed {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("credential %q may not sign this challenge: allowCredentials.key lists only %s; use one of those credentials or check that the token belongs to the credential's user", e.CredentialID, strings.Join(quoted, ", "))
}
