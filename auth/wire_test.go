package auth

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWireMarshal(t *testing.T) {
	t.Parallel()
	keyAssertion := Assertion{Kind: KindKey, CredentialAssertion: CredentialAssertion{CredID: "cr-1", ClientData: "Y2Q", Signature: "c2ln"}}
	fido := Assertion{Kind: KindFido2, CredentialAssertion: CredentialAssertion{CredID: "cr-2", ClientData: "Y2Q", AuthenticatorData: "YWQ", Signature: "c2ln", UserHandle: "dWg"}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"key assertion", keyAssertion,
			`{"kind":"Key","credentialAssertion":{"credId":"cr-1","clientData":"Y2Q","signature":"c2ln"}}`},
		{"fido2 assertion", fido,
			`{"kind":"Fido2","credentialAssertion":{"credId":"cr-2","clientData":"Y2Q","authenticatorData":"YWQ","signature":"c2ln","userHandle":"dWg"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tc.v)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

// challengeJSON is shaped like a Dfns /auth/action/init response, with a
// field this package does not know.
const challengeJSON = `{
  "supportedCredentialKinds": [
    {"kind": "Fido2", "factor": "either", "requiresSecondFactor": false},
    {"kind": "Key", "factor": "either", "requiresSecondFactor": false},
    "PasswordProtectedKey"
  ],
  "challenge": "Y2gtMmQ1cTMtNjBuZjUtOGEwcWJvbTY5Y2VkN29icw",
  "challengeIdentifier": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig",
  "externalAuthenticationUrl": "",
  "allowCredentials": {
    "key": [{"type": "public-key", "id": "Y3ItNmZxb2ctcXVocjk"}],
    "webauthn": [{"type": "public-key", "id": "d2ViYXV0aG4", "transports": ["internal"]}],
    "passwordProtectedKey": [{"type": "public-key", "id": "cHBr", "encryptedPrivateKey": "ZW5j"}]
  },
  "attestation": "direct",
  "userVerification": "required",
  "rp": {"id": "dfns.ninja", "name": "Dfns"},
  "somethingNew": {"nested": [1, 2, 3]}
}`

func TestUserActionChallengeDecode(t *testing.T) {
	t.Parallel()
	var ch UserActionChallenge
	require.NoError(t, json.Unmarshal([]byte(challengeJSON), &ch))
	require.Equal(t, UserActionChallenge{
		Challenge:           "Y2gtMmQ1cTMtNjBuZjUtOGEwcWJvbTY5Y2VkN29icw",
		ChallengeIdentifier: "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig",
		AllowCredentials: AllowCredentials{
			Key:                  []AllowCredential{{Type: "public-key", ID: "Y3ItNmZxb2ctcXVocjk"}},
			WebAuthn:             []AllowCredential{{Type: "public-key", ID: "d2ViYXV0aG4", Transports: []string{"internal"}}},
			PasswordProtectedKey: []AllowCredential{{Type: "public-key", ID: "cHBr", EncryptedPrivateKey: "ZW5j"}},
		},
		SupportedCredentialKinds: []SupportedCredentialKind{
			{Kind: "Fido2", Factor: "either"},
			{Kind: "Key", Factor: "either"},
			{Kind: "PasswordProtectedKey"},
		},
		UserVerification: "required",
		RP:               &RelyingParty{ID: "dfns.ninja", Name: "Dfns"},
		Attestation:      "direct",
	}, ch)

	// A minimal challenge decodes too.
	var minimal UserActionChallenge
	require.NoError(t, json.Unmarshal([]byte(`{"challenge":"c","challengeIdentifier":"i","allowCredentials":{"key":[],"webauthn":[]}}`), &minimal))
	require.Equal(t, "c", minimal.Challenge)

	// A wrong type in supportedCredentialKinds is an error, not a panic.
	var bad UserActionChallenge
	require.Error(t, json.Unmarshal([]byte(`{"supportedCredentialKinds":[7]}`), &bad))
}
