package auth

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/internal/credkey"
)

// TestSignedClientDataIsEscaped signs a challenge that needs escaping and
// checks the exact bytes that went over the wire.
func TestSignedClientDataIsEscaped(t *testing.T) {
	t.Parallel()
	s, err := NewKeySigner("cr-1", readTestdata(t, "ed25519_pkcs8.pem"))
	require.NoError(t, err)
	challenge := `"}<x>&,"type":"evil`
	a := mustSign(t, s, challenge)
	cd, err := base64.RawURLEncoding.DecodeString(a.CredentialAssertion.ClientData)
	require.NoError(t, err)
	require.Equal(t, `{"type":"key.get","challenge":"\"}<x>&,\"type\":\"evil"}`, string(cd))
	require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, challenge))
}
