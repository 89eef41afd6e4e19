package authwire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/auth"
)

func TestMarshal(t *testing.T) {
	t.Parallel()
	keyAssertion := auth.Assertion{Kind: auth.KindKey, CredentialAssertion: auth.CredentialAssertion{CredID: "cr-1", ClientData: "Y2Q", Signature: "c2ln"}}
	fido := auth.Assertion{Kind: auth.KindFido2, CredentialAssertion: auth.CredentialAssertion{CredID: "cr-2", ClientData: "Y2Q", AuthenticatorData: "YWQ", Signature: "c2ln", UserHandle: "dWg"}}
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

func TestValidateAssertion(t *testing.T) {
	t.Parallel()
	key := auth.CredentialAssertion{CredID: "c", ClientData: "d", Signature: "s"}
	fido := auth.CredentialAssertion{CredID: "c", ClientData: "d", AuthenticatorData: "a", Signature: "s", UserHandle: "u"}
	tests := []struct {
		name    string
		a       *auth.Assertion
		wantErr string
	}{
		{"key", &auth.Assertion{Kind: auth.KindKey, CredentialAssertion: key}, ""},
		{"password-protected key", &auth.Assertion{Kind: auth.KindPasswordProtectedKey, CredentialAssertion: key}, ""},
		{"fido2", &auth.Assertion{Kind: auth.KindFido2, CredentialAssertion: fido}, ""},
		{"nil", nil, "assertion is missing"},
		{"no kind", &auth.Assertion{CredentialAssertion: key}, "has no kind"},
		{"unknown kind", &auth.Assertion{Kind: "Totp", CredentialAssertion: key}, `kind "Totp" is not supported`},
		{"no credId", &auth.Assertion{Kind: auth.KindKey, CredentialAssertion: auth.CredentialAssertion{ClientData: "d", Signature: "s"}}, "has no credId"},
		{"no clientData", &auth.Assertion{Kind: auth.KindKey, CredentialAssertion: auth.CredentialAssertion{CredID: "c", Signature: "s"}}, "has no clientData"},
		{"no signature", &auth.Assertion{Kind: auth.KindKey, CredentialAssertion: auth.CredentialAssertion{CredID: "c", ClientData: "d"}}, "has no signature"},
		{"fido2 without authenticatorData", &auth.Assertion{Kind: auth.KindFido2, CredentialAssertion: key}, "has no authenticatorData"},
		{"key with fido2 fields", &auth.Assertion{Kind: auth.KindKey, CredentialAssertion: fido}, "Fido2-only fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateAssertion(tc.a)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}
