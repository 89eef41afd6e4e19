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
		{"user action request", UserActionRequest{ChallengeIdentifier: "eyJ.x.y", FirstFactor: keyAssertion},
			`{"challengeIdentifier":"eyJ.x.y","firstFactor":{"kind":"Key","credentialAssertion":{"credId":"cr-1","clientData":"Y2Q","signature":"c2ln"}}}`},
		{"user action request with second factor", UserActionRequest{ChallengeIdentifier: "j", FirstFactor: keyAssertion, SecondFactor: &fido},
			`{"challengeIdentifier":"j","firstFactor":{"kind":"Key","credentialAssertion":{"credId":"cr-1","clientData":"Y2Q","signature":"c2ln"}},"secondFactor":{"kind":"Fido2","credentialAssertion":{"credId":"cr-2","clientData":"Y2Q","authenticatorData":"YWQ","signature":"c2ln","userHandle":"dWg"}}}`},
		{"init request with empty payload", UserActionInitRequest{UserActionHTTPMethod: "POST", UserActionHTTPPath: "/keys/k-1/export", UserActionServerKind: ServerKindAPI},
			`{"userActionPayload":"","userActionHttpMethod":"POST","userActionHttpPath":"/keys/k-1/export","userActionServerKind":"Api"}`},
		{"user action response", UserActionResponse{UserAction: "tok"}, `{"userAction":"tok"}`},
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

func TestNewUserActionInitRequest(t *testing.T) {
	t.Parallel()
	body := []byte(`{"name":"k","protocol":"CGGMP21","curve":"secp256k1","minSigners":3,"encryptedKeyShares":[]}`)
	r, err := NewUserActionInitRequest("POST", "/keys/import", body)
	require.NoError(t, err)
	got, err := json.Marshal(r)
	require.NoError(t, err)
	require.JSONEq(t, `{"userActionPayload":"{\"name\":\"k\",\"protocol\":\"CGGMP21\",\"curve\":\"secp256k1\",\"minSigners\":3,\"encryptedKeyShares\":[]}","userActionHttpMethod":"POST","userActionHttpPath":"/keys/import","userActionServerKind":"Api"}`, string(got))
	require.Equal(t, string(body), r.UserActionPayload)

	r, err = NewUserActionInitRequest("DELETE", "/keys/k-1", nil)
	require.NoError(t, err)
	require.Equal(t, "", r.UserActionPayload)

	rejects := []struct {
		name, method, path string
		body               []byte
		wantErr            string
	}{
		{"empty method", "", "/keys/import", nil, "HTTP method"},
		{"lower-case method", "post", "/keys/import", nil, "HTTP method"},
		{"relative path", "POST", "keys/import", nil, "HTTP path"},
		{"absolute URL", "POST", "https://api.dfns.io/keys/import", nil, "HTTP path"},
		{"scheme-relative URL", "POST", "//api.dfns.io/keys/import", nil, "HTTP path"},
		{"query", "POST", "/keys?limit=1", nil, "HTTP path"},
		{"invalid JSON body", "POST", "/keys/import", []byte("{"), "not valid JSON"},
		{"invalid UTF-8 body", "POST", "/keys/import", []byte("\"\xff\""), "not valid UTF-8"},
	}
	for _, tc := range rejects {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewUserActionInitRequest(tc.method, tc.path, tc.body)
			require.Nil(t, r)
			require.ErrorContains(t, err, tc.wantErr)
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

func TestAssertionValidate(t *testing.T) {
	t.Parallel()
	key := CredentialAssertion{CredID: "c", ClientData: "d", Signature: "s"}
	fido := CredentialAssertion{CredID: "c", ClientData: "d", AuthenticatorData: "a", Signature: "s", UserHandle: "u"}
	tests := []struct {
		name    string
		a       *Assertion
		wantErr string
	}{
		{"key", &Assertion{Kind: KindKey, CredentialAssertion: key}, ""},
		{"password-protected key", &Assertion{Kind: KindPasswordProtectedKey, CredentialAssertion: key}, ""},
		{"fido2", &Assertion{Kind: KindFido2, CredentialAssertion: fido}, ""},
		{"nil", nil, "assertion is missing"},
		{"no kind", &Assertion{CredentialAssertion: key}, "has no kind"},
		{"unknown kind", &Assertion{Kind: "Totp", CredentialAssertion: key}, `kind "Totp" is not supported`},
		{"no credId", &Assertion{Kind: KindKey, CredentialAssertion: CredentialAssertion{ClientData: "d", Signature: "s"}}, "has no credId"},
		{"no clientData", &Assertion{Kind: KindKey, CredentialAssertion: CredentialAssertion{CredID: "c", Signature: "s"}}, "has no clientData"},
		{"no signature", &Assertion{Kind: KindKey, CredentialAssertion: CredentialAssertion{CredID: "c", ClientData: "d"}}, "has no signature"},
		{"fido2 without authenticatorData", &Assertion{Kind: KindFido2, CredentialAssertion: key}, "has no authenticatorData"},
		{"key with fido2 fields", &Assertion{Kind: KindKey, CredentialAssertion: fido}, "Fido2-only fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.a.Validate()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}
