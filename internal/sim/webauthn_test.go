package sim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/auth"
	"github.com/dfnskeys/dfnskeys/internal/authwire"
	"github.com/dfnskeys/dfnskeys/keys"
)

var b64 = base64.RawURLEncoding.EncodeToString

func newP256Passkey(t testing.TB, credID string, userHandle []byte) *Passkey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p, err := NewPasskey(credID, k, userHandle)
	require.NoError(t, err)
	return p
}

func newEd25519Passkey(t testing.TB, credID string, userHandle []byte) *Passkey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p, err := NewPasskey(credID, k, userHandle)
	require.NoError(t, err)
	return p
}

func registerPasskey(t *testing.T, s *Server, p *Passkey) {
	t.Helper()
	require.NoError(t, s.RegisterWebAuthnCredential(p.CredentialID(), p.PublicKey(), p.UserHandle()))
}

// postAssertion posts a as the answer to ch.
func (c *testClient) postAssertion(ch *auth.UserActionChallenge, a *auth.Assertion) (*http.Response, []byte) {
	c.t.Helper()
	return c.do("POST", "/auth/action", mustJSON(c.t, &authwire.UserActionRequest{ChallengeIdentifier: ch.ChallengeIdentifier, FirstFactor: *a}), nil)
}

// A passkey's assertion, ES256 or EdDSA, with or without a user handle,
// yields a user-action token that imports a key; the challenge lists the
// credential under allowCredentials.webauthn only.
func TestWebAuthnImport(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]*Passkey{
		"ES256":                newP256Passkey(t, "pk-es256", []byte("user-1")),
		"EdDSA":                newEd25519Passkey(t, "pk-eddsa", []byte("user-1")),
		"ES256 no user handle": newP256Passkey(t, "pk-anon", nil),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := NewServer(t)
			registerPasskey(t, s, p)
			c := newClient(t, s)
			c.signer = p
			body := mustJSON(t, c.importRequest(randomKey(t, keys.Ed25519), keys.FROST))
			ch := c.challenge("POST", "/keys/import", body)
			require.Equal(t, []auth.AllowCredential{{Type: "public-key", ID: p.CredentialID()}}, ch.AllowCredentials.WebAuthn)
			require.Equal(t, []auth.AllowCredential{{Type: "public-key", ID: s.CredentialID()}}, ch.AllowCredentials.Key)
			require.Equal(t, WebAuthnRPID, ch.RP.ID)
			require.Contains(t, ch.SupportedCredentialKinds, auth.SupportedCredentialKind{Kind: "Fido2", Factor: "first"})

			a, err := p.Sign(context.Background(), ch)
			require.NoError(t, err)
			require.Equal(t, auth.KindFido2, a.Kind)
			require.NoError(t, authwire.ValidateAssertion(a))
			var cd map[string]any
			raw, err := base64.RawURLEncoding.DecodeString(a.CredentialAssertion.ClientData)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &cd))
			require.Equal(t, map[string]any{"type": "webauthn.get", "challenge": b64([]byte(ch.Challenge)), "origin": WebAuthnOrigin, "crossOrigin": false}, cd)
			require.Equal(t, b64(p.UserHandle()), a.CredentialAssertion.UserHandle)

			resp, b := c.postAssertion(ch, a)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			var ua authwire.UserActionResponse
			require.NoError(t, json.Unmarshal(b, &ua))
			resp, b = c.do("POST", "/keys/import", body, http.Header{"X-Dfns-Useraction": {ua.UserAction}})
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

			// A synced passkey's counter stays 0, and that is accepted
			// again: c.signer is the passkey.
			c.importKey()
			require.Len(t, s.Keys(), 2)
		})
	}
}

// Every rule of the relying party, broken on its own, gets the assertion
// refused with a message that names the rule.
func TestWebAuthnRefused(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	p := newP256Passkey(t, "pk-1", []byte("user-1"))
	registerPasskey(t, s, p)
	c := newClient(t, s)
	body := mustJSON(t, c.importRequest(randomKey(t, keys.Secp256k1), ""))

	goodAuthData := authenticatorData(WebAuthnRPID, flagUP|flagUV, 0)
	// sign builds an assertion from clientData JSON text and authData.
	sign := func(t *testing.T, p *Passkey, clientData string, authData []byte) *auth.Assertion {
		a, err := p.assertion([]byte(clientData), authData)
		require.NoError(t, err)
		return a
	}
	clientData := func(typ, challenge string) string {
		return string(p.clientData(typ, challenge))
	}
	// raw builds an assertion whose signature is over msg instead.
	raw := func(t *testing.T, clientData string, authData, msg []byte) *auth.Assertion {
		sig, err := p.sign(msg)
		require.NoError(t, err)
		return p.encode([]byte(clientData), authData, sig)
	}
	other := newP256Passkey(t, "pk-1", []byte("user-1")) // same ID, another key
	otherEd := newEd25519Passkey(t, "pk-1", []byte("user-1"))
	asKey := newP256Passkey(t, s.CredentialID(), nil) // the Key credential's ID
	unknown := newP256Passkey(t, "pk-unknown", nil)
	wrongUser := newP256Passkey(t, "pk-1", []byte("user-2"))
	wrongUser.sign = p.sign

	for _, tc := range []struct {
		name   string
		status int
		msg    string
		build  func(t *testing.T, ch string) *auth.Assertion
	}{
		{"type webauthn.create", 401, `type is "webauthn.create"`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.create", b64([]byte(ch))), goodAuthData)
		}},
		{"type key.get", 401, `type is "key.get"`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("key.get", b64([]byte(ch))), goodAuthData)
		}},
		{"type missing", 401, `clientData has no "type"`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"challenge":%q,"origin":%q}`, b64([]byte(ch)), WebAuthnOrigin), goodAuthData)
		}},
		{"another challenge", 401, "not base64url (no padding) of the UTF-8 bytes of this challenge", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch+"x"))), goodAuthData)
		}},
		{"challenge not encoded", 401, "clientData challenge is the challenge string itself", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", ch), goodAuthData)
		}},
		{"challenge padded", 401, "not base64url (no padding)", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", base64.URLEncoding.EncodeToString([]byte(ch))), goodAuthData)
		}},
		{"challenge not a string", 401, `member "challenge" is not a string`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":[%q],"origin":%q}`, b64([]byte(ch)), WebAuthnOrigin), goodAuthData)
		}},
		{"challenge twice", 401, `has the member "challenge" twice`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":"x","challenge":%q,"origin":%q}`, b64([]byte(ch)), WebAuthnOrigin), goodAuthData)
		}},
		{"origin missing", 401, `clientData has no "origin"`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":%q}`, b64([]byte(ch))), goodAuthData)
		}},
		{"origin of another site", 401, `origin "https://localhost.evil.example" is not on the relying-party ID "localhost"`, func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":%q,"origin":"https://localhost.evil.example"}`, b64([]byte(ch))), goodAuthData)
		}},
		{"origin with a path", 401, "is not an origin", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":%q,"origin":"http://localhost/app"}`, b64([]byte(ch))), goodAuthData)
		}},
		{"origin not http(s)", 401, "is not https", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":%q,"origin":"ftp://localhost"}`, b64([]byte(ch))), goodAuthData)
		}},
		{"cross origin", 401, "crossOrigin is true", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, fmt.Sprintf(`{"type":"webauthn.get","challenge":%q,"origin":%q,"crossOrigin":true}`, b64([]byte(ch)), WebAuthnOrigin), goodAuthData)
		}},
		{"client data not JSON", 401, "clientData is not a JSON object", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, "type=webauthn.get", goodAuthData)
		}},
		{"client data trailing bytes", 401, "has data after the JSON object", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch)))+"{}", goodAuthData)
		}},
		{"rpIdHash of another rp", 401, "rpIdHash is not SHA-256 of the relying-party ID", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), authenticatorData("app.dfns.io", flagUP|flagUV, 0))
		}},
		{"UP clear", 401, "User Present (UP) is not set", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), authenticatorData(WebAuthnRPID, flagUV, 0))
		}},
		{"UV clear", 401, "User Verified (UV) is not set", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), authenticatorData(WebAuthnRPID, flagUP, 0))
		}},
		{"BS without BE", 401, "Backup State (BS) is set without Backup Eligibility (BE)", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), authenticatorData(WebAuthnRPID, flagUP|flagUV|flagBS, 0))
		}},
		{"authenticatorData truncated", 401, "authenticatorData is 36 bytes; it must be at least 37", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), goodAuthData[:36])
		}},
		{"authenticatorData trailing bytes", 401, "with neither the AT nor the ED flag set it must be exactly 37", func(t *testing.T, ch string) *auth.Assertion {
			return sign(t, p, clientData("webauthn.get", b64([]byte(ch))), append(bytes.Clone(goodAuthData), 0xa0))
		}},
		{"signed clientData unhashed", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			cd := clientData("webauthn.get", b64([]byte(ch)))
			return raw(t, cd, goodAuthData, append(bytes.Clone(goodAuthData), cd...))
		}},
		{"signed authData only", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			return raw(t, clientData("webauthn.get", b64([]byte(ch))), goodAuthData, goodAuthData)
		}},
		{"signed clientData only", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			cd := clientData("webauthn.get", b64([]byte(ch)))
			return raw(t, cd, goodAuthData, []byte(cd))
		}},
		{"signed hashes swapped", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			cd := clientData("webauthn.get", b64([]byte(ch)))
			h := sha256.Sum256([]byte(cd))
			return raw(t, cd, goodAuthData, append(h[:], goodAuthData...))
		}},
		{"another key", 401, "ES256 signature does not verify with the credential's public key", func(t *testing.T, ch string) *auth.Assertion {
			a, err := other.Assert(ch)
			require.NoError(t, err)
			return a
		}},
		{"another key, Ed25519", 401, "ES256 signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			a, err := otherEd.Assert(ch)
			require.NoError(t, err)
			return a
		}},
		{"signature not DER", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			a, err := p.Assert(ch)
			require.NoError(t, err)
			a.CredentialAssertion.Signature = b64(bytes.Repeat([]byte{1}, 64))
			return a
		}},
		{"tampered clientData", 401, "signature does not verify", func(t *testing.T, ch string) *auth.Assertion {
			a, err := p.Assert(ch)
			require.NoError(t, err)
			cd := strings.Replace(clientData("webauthn.get", b64([]byte(ch))), WebAuthnOrigin, "http://app.localhost", 1)
			a.CredentialAssertion.ClientData = b64([]byte(cd))
			return a
		}},
		{"another user handle", 401, "userHandle is not the user handle the credential was registered with", func(t *testing.T, ch string) *auth.Assertion {
			a, err := wrongUser.Assert(ch)
			require.NoError(t, err)
			return a
		}},
		{"Key credential as Fido2", 401, "is not a WebAuthn (Fido2) credential of this user: it is registered as a Key credential", func(t *testing.T, ch string) *auth.Assertion {
			a, err := asKey.Assert(ch)
			require.NoError(t, err)
			return a
		}},
		{"unknown credential", 401, `credential "pk-unknown" is not a WebAuthn (Fido2) credential of this user`, func(t *testing.T, ch string) *auth.Assertion {
			a, err := unknown.Assert(ch)
			require.NoError(t, err)
			return a
		}},
		{"Fido2 credential as Key", 401, "is not a Key credential of this user: it is registered as a WebAuthn (Fido2) credential", func(t *testing.T, ch string) *auth.Assertion {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			require.NoError(t, err)
			ks, err := auth.NewKeySignerFromKey(p.CredentialID(), k)
			require.NoError(t, err)
			a, err := ks.Sign(context.Background(), &auth.UserActionChallenge{Challenge: ch, AllowCredentials: auth.AllowCredentials{Key: []auth.AllowCredential{{ID: p.CredentialID()}}}})
			require.NoError(t, err)
			return a
		}},
		{"authenticatorData missing", 400, "Fido2 assertion has no authenticatorData", func(t *testing.T, ch string) *auth.Assertion {
			a, err := p.Assert(ch)
			require.NoError(t, err)
			a.CredentialAssertion.AuthenticatorData = ""
			return a
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := c.challenge("POST", "/keys/import", body)
			resp, b := c.postAssertion(ch, tc.build(t, ch.Challenge))
			requireError(t, resp, b, tc.status, tc.msg)
		})
	}

	// Garbage in each base64url field.
	for _, field := range []string{"clientData", "authenticatorData", "signature", "userHandle"} {
		for _, bad := range []string{"!!!", "a+b/", "AA==", "A", "Zg=="} {
			t.Run(field+" "+bad, func(t *testing.T) {
				ch := c.challenge("POST", "/keys/import", body)
				a, err := p.Assert(ch.Challenge)
				require.NoError(t, err)
				ca := &a.CredentialAssertion
				*map[string]*string{"clientData": &ca.ClientData, "authenticatorData": &ca.AuthenticatorData, "signature": &ca.Signature, "userHandle": &ca.UserHandle}[field] = bad
				resp, b := c.postAssertion(ch, a)
				requireError(t, resp, b, http.StatusUnauthorized, field+" is not base64url without padding")
			})
		}
	}

	// None of the refusals spent the credential: the unmodified assertion
	// still works, and nothing was imported.
	ch := c.challenge("POST", "/keys/import", body)
	a, err := p.Sign(context.Background(), ch)
	require.NoError(t, err)
	resp, b := c.postAssertion(ch, a)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.Empty(t, s.Keys())
}

// A credential registered without a user handle accepts any, and an
// assertion without one is accepted either way (WebAuthn §7.2 step 6).
func TestWebAuthnUserHandle(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	p := newP256Passkey(t, "pk-1", []byte("user-1"))
	for _, registered := range [][]byte{nil, []byte("user-1")} {
		require.NoError(t, s.RegisterWebAuthnCredential(p.CredentialID(), p.PublicKey(), registered))
		for _, sent := range []string{"", b64([]byte("user-1"))} {
			ch := c.challenge("POST", "/keys/import", nil)
			a, err := p.Assert(ch.Challenge)
			require.NoError(t, err)
			a.CredentialAssertion.UserHandle = sent
			resp, b := c.postAssertion(ch, a)
			require.Equal(t, http.StatusOK, resp.StatusCode, "registered %q, sent %q: %s", registered, sent, b)
		}
	}
	ch := c.challenge("POST", "/keys/import", nil)
	a, err := p.Assert(ch.Challenge)
	require.NoError(t, err)
	a.CredentialAssertion.UserHandle = b64([]byte("user-2"))
	resp, b := c.postAssertion(ch, a)
	requireError(t, resp, b, http.StatusUnauthorized, "userHandle is not the user handle")
}

// A signature counter that does not increase is refused (WebAuthn §7.2
// step 21), and a refused assertion does not move the counter.
func TestWebAuthnSignCount(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	p := newP256Passkey(t, "pk-1", nil)
	registerPasskey(t, s, p)
	c := newClient(t, s)
	post := func(count uint32) (*http.Response, []byte) {
		ch := c.challenge("POST", "/keys/import", nil)
		cd := p.clientData("webauthn.get", b64([]byte(ch.Challenge)))
		a, err := p.assertion(cd, authenticatorData(WebAuthnRPID, flagUP|flagUV, count))
		require.NoError(t, err)
		return c.postAssertion(ch, a)
	}
	for _, step := range []struct {
		count uint32
		ok    bool
	}{{0, true}, {0, true}, {5, true}, {5, false}, {4, false}, {0, false}, {6, true}, {1 << 31, true}} {
		resp, b := post(step.count)
		if step.ok {
			require.Equal(t, http.StatusOK, resp.StatusCode, "count %d: %s", step.count, b)
		} else {
			requireError(t, resp, b, http.StatusUnauthorized, "the authenticator may have been cloned")
		}
	}
	// Registering again starts a new counter.
	registerPasskey(t, s, p)
	resp, b := post(0)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
}

// Registering under an existing ID replaces the credential, kind included.
func TestRegisterReplacesKind(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	c := newClient(t, s)
	p := newP256Passkey(t, "cred-1", nil)
	registerPasskey(t, s, p)
	ch := c.challenge("POST", "/keys/import", nil)
	require.Contains(t, ch.AllowCredentials.WebAuthn, auth.AllowCredential{Type: "public-key", ID: "cred-1"})

	ks, err := auth.NewKeySignerFromKey("cred-1", ed25519.NewKeyFromSeed(make([]byte, 32)))
	require.NoError(t, err)
	require.NoError(t, s.RegisterCredential("cred-1", ks.PublicKey()))
	ch = c.challenge("POST", "/keys/import", nil)
	require.NotContains(t, ch.AllowCredentials.WebAuthn, auth.AllowCredential{Type: "public-key", ID: "cred-1"})
	require.Contains(t, ch.AllowCredentials.Key, auth.AllowCredential{Type: "public-key", ID: "cred-1"})
	_, err = p.Sign(context.Background(), ch)
	require.ErrorContains(t, err, "not in the challenge's allowCredentials.webauthn")
	resp, b := c.answer(ch, ks)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
}

func TestRegisterWebAuthnCredentialPanics(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	k1, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	for name, pub := range map[string]crypto.PublicKey{
		"P-384":         &k1.PublicKey,
		"short Ed25519": ed25519.PublicKey{1, 2, 3},
		"nil":           nil,
		"nil ECDSA":     (*ecdsa.PublicKey)(nil),
		"wrong type":    "key",
	} {
		require.ErrorContains(t, s.RegisterWebAuthnCredential("c", pub, nil), `dfnstest: RegisterWebAuthnCredential("c"): `, name)
	}
	require.EqualError(t, s.RegisterWebAuthnCredential("", newP256Passkey(t, "x", nil).PublicKey(), nil), "dfnstest: RegisterWebAuthnCredential: empty credential ID")
	_, err = NewPasskey("c", k1, nil)
	require.ErrorContains(t, err, "not on P-256")
	_, err = NewPasskey("", k1, nil)
	require.ErrorContains(t, err, "empty credential ID")
}

func TestPasskeySign(t *testing.T) {
	t.Parallel()
	p := newP256Passkey(t, "pk-1", nil)
	allow := auth.AllowCredentials{WebAuthn: []auth.AllowCredential{{Type: "public-key", ID: "pk-1"}}}
	_, err := p.Sign(context.Background(), &auth.UserActionChallenge{Challenge: "c", AllowCredentials: allow, RP: &auth.RelyingParty{ID: "app.dfns.io"}})
	require.ErrorContains(t, err, `belongs to the relying party "localhost", but the challenge is for rp.id "app.dfns.io"`)
	_, err = p.Sign(context.Background(), &auth.UserActionChallenge{Challenge: "c"})
	require.ErrorContains(t, err, "not in the challenge's allowCredentials.webauthn")
	_, err = p.Sign(context.Background(), nil)
	require.ErrorContains(t, err, "challenge is nil")
	_, err = p.Sign(context.Background(), &auth.UserActionChallenge{AllowCredentials: allow})
	require.ErrorContains(t, err, "challenge is empty")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Sign(ctx, &auth.UserActionChallenge{Challenge: "c", AllowCredentials: allow})
	require.ErrorIs(t, err, context.Canceled)
	a, err := p.Sign(context.Background(), &auth.UserActionChallenge{Challenge: "c", AllowCredentials: allow})
	require.NoError(t, err)
	require.Empty(t, a.CredentialAssertion.UserHandle)

	// Printing a passkey never shows its key.
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		require.Equal(t, `dfnstest.Passkey{credID: "pk-1"}`, fmt.Sprintf(f, p), f)
	}
}

// The verifier never panics on hostile assertions, and accepts one only if
// its client data and authenticator data are those the passkey signed.
func FuzzVerifyWebAuthn(f *testing.F) {
	const challenge = "fuzz-challenge"
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(f, err)
	p, err := NewPasskey("pk-1", k, []byte("user-1"))
	require.NoError(f, err)
	cr := &credential{id: "pk-1", kind: auth.KindFido2, pub: p.PublicKey(), userHandle: p.UserHandle()}
	good, err := p.Assert(challenge)
	require.NoError(f, err)
	g := good.CredentialAssertion
	f.Add(g.ClientData, g.AuthenticatorData, g.Signature, g.UserHandle)
	f.Add(g.ClientData, g.AuthenticatorData, g.Signature, "")
	f.Add(b64([]byte(`{"type":"webauthn.get","challenge":"ZnV6ei1jaGFsbGVuZ2U","origin":"http://localhost","crossOrigin":false,"x":{"y":[1,2,null]}}`)), g.AuthenticatorData, g.Signature, "")
	f.Add(b64([]byte(`{"type":"webauthn.get"`)), b64(make([]byte, 37)), "MEQCIA", "")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, clientData, authData, sig, userHandle string) {
		ca := &auth.CredentialAssertion{CredID: "pk-1", ClientData: clientData, AuthenticatorData: authData, Signature: sig, UserHandle: userHandle}
		if _, err := verifyWebAuthn(cr, ca, challenge); err != nil {
			return
		}
		if clientData != g.ClientData || authData != g.AuthenticatorData || (userHandle != "" && userHandle != g.UserHandle) {
			t.Fatalf("accepted an assertion the passkey did not sign: %+v", ca)
		}
	})
}
