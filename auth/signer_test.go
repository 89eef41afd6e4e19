package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignRefusesCredentialNotAllowed(t *testing.T) {
	t.Parallel()
	s, err := NewKeySigner("cr-mine", readTestdata(t, "ed25519_pkcs8.pem"))
	require.NoError(t, err)

	webauthnOnly := challengeFor("c")
	webauthnOnly.AllowCredentials.WebAuthn = []AllowCredential{{Type: "public-key", ID: "cr-mine"}}

	tests := []struct {
		name      string
		challenge *UserActionChallenge
		allowed   []string
		wantErr   []string
	}{
		{"no key credentials", challengeFor("c"), []string{}, []string{`credential "cr-mine"`, "allowCredentials.key is empty"}},
		{"other credentials", challengeFor("c", "cr-a", "cr-b"), []string{"cr-a", "cr-b"}, []string{`credential "cr-mine"`, `lists only "cr-a", "cr-b"`}},
		{"listed only as webauthn", webauthnOnly, []string{}, []string{`credential "cr-mine"`}},
		{"case differs", challengeFor("c", "CR-MINE"), []string{"CR-MINE"}, []string{`"CR-MINE"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := s.Sign(context.Background(), tc.challenge)
			require.Nil(t, a)
			var notAllowed *CredentialNotAllowedError
			require.ErrorAs(t, err, &notAllowed)
			require.Equal(t, "cr-mine", notAllowed.CredentialID)
			require.Equal(t, tc.allowed, notAllowed.Allowed)
			for _, w := range tc.wantErr {
				require.ErrorContains(t, err, w)
			}
			require.True(t, ownError(err))
		})
	}

	a, err := s.Sign(context.Background(), challengeFor("c", "cr-a", "cr-mine"))
	require.NoError(t, err)
	require.Equal(t, "cr-mine", a.CredentialAssertion.CredID)
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	s, err := NewKeySigner("cr-1", readTestdata(t, "p256_pkcs8.pem"))
	require.NoError(t, err)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	_, err = s.Sign(canceled, challengeFor("c", "cr-1"))
	require.ErrorIs(t, err, context.Canceled)

	_, err = s.Sign(context.Background(), nil)
	require.ErrorContains(t, err, "challenge is nil")

	_, err = s.Sign(context.Background(), challengeFor("", "cr-1"))
	require.ErrorContains(t, err, "the challenge is empty")

	var zero KeySigner
	_, err = zero.Sign(context.Background(), challengeFor("c", "cr-1"))
	require.ErrorContains(t, err, "not initialized")

	var nilSigner *KeySigner
	_, err = nilSigner.Sign(context.Background(), challengeFor("c", "cr-1"))
	require.ErrorContains(t, err, "not initialized")
	require.Equal(t, "auth.KeySigner(nil)", nilSigner.String())
	require.Nil(t, nilSigner.PublicKey())
	require.Nil(t, zero.PublicKeyPEM())
}

// secretsOf returns strings that would reveal the key in file if printed.
func secretsOf(t *testing.T, file string) []string {
	t.Helper()
	data := readTestdata(t, file)
	block, err := findPrivateKeyBlock(data)
	require.NoError(t, err)
	secrets := []string{
		base64.StdEncoding.EncodeToString(block.Bytes)[:60], // the first line of the PEM body
		hex.EncodeToString(block.Bytes)[:40],
	}
	key, err := parsePrivateKeyPEM(data)
	require.NoError(t, err)
	var scalar []byte
	switch k := key.(type) {
	case ed25519.PrivateKey:
		scalar = k.Seed()
	case *ecdsa.PrivateKey:
		e, err := k.ECDH()
		require.NoError(t, err)
		scalar = e.Bytes()
	case *secp256k1.PrivateKey:
		scalar = k.Serialize()
	case *rsa.PrivateKey:
		scalar = k.D.Bytes()
		secrets = append(secrets, k.D.String()[:40], k.Primes[0].String()[:40], k.Primes[0].Text(16)[:40])
	}
	secrets = append(secrets,
		hex.EncodeToString(scalar), strings.ToUpper(hex.EncodeToString(scalar)),
		base64.StdEncoding.EncodeToString(scalar)[:20], base64.RawURLEncoding.EncodeToString(scalar)[:20],
		fmt.Sprint(scalar[:8])[1:20], // the start of "[12 34 …]"
		new(big.Int).SetBytes(scalar).String()[:40],
	)
	// The list must catch the key when it is printed directly.
	for _, verb := range []string{"%v", "%+v"} {
		out := fmt.Sprintf(verb, key)
		found := false
		for _, secret := range secrets {
			found = found || strings.Contains(out, secret)
		}
		require.True(t, found, "secretsOf misses %s of the raw key", verb)
	}
	return secrets
}

// TestKeySignerRedacted prints a KeySigner every way we can think of and
// checks that no key material shows up.
func TestKeySignerRedacted(t *testing.T) {
	t.Parallel()
	for _, tc := range conformanceKeys {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySigner("cr-visible", readTestdata(t, tc.file))
			require.NoError(t, err)
			type holder struct {
				Public  *KeySigner
				private *KeySigner
				value   KeySigner
			}
			h := holder{s, s, *s}
			//lint:ignore SA9005 checking that encoding/json reveals nothing either.
			jsonBytes, err := json.Marshal(s)
			require.NoError(t, err)
			outputs := map[string]string{
				"String": s.String(),
				"%#v":    fmt.Sprintf("%#v", s),
				"json":   string(jsonBytes),
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
				outputs["pointer "+verb] = fmt.Sprintf(verb, s)
				outputs["value "+verb] = fmt.Sprintf(verb, *s)
				outputs["holder "+verb] = fmt.Sprintf(verb, h)
				outputs["slice "+verb] = fmt.Sprintf(verb, []*KeySigner{s})
				outputs["signer interface "+verb] = fmt.Sprintf(verb, UserActionSigner(s))
			}
			require.Equal(t, `auth.KeySigner{credID: "cr-visible", alg: `+string(tc.alg)+`}`, s.String())
			require.Equal(t, s.String(), fmt.Sprintf("%#v", s))
			require.Equal(t, s.String(), fmt.Sprintf("%+v", s))
			// testify prints values with go-spew, which follows unexported
			// fields and pointers; capture what a failing comparison would print.
			other, err := NewKeySigner("cr-other", readTestdata(t, tc.file))
			require.NoError(t, err)
			var capture captureT
			assert.Equal(&capture, s, other)
			assert.Equal(&capture, *s, *other)
			outputs["testify diff"] = capture.String()
			if testing.Verbose() && tc.alg == AlgorithmECDSASecp256k1 {
				t.Log(capture.String())
			}
			require.NotEmpty(t, capture.String())
			secrets := secretsOf(t, tc.file)
			for name, out := range outputs {
				for _, secret := range secrets {
					require.NotContains(t, out, secret, "%s leaks key material: %s", name, out)
				}
			}
		})
	}
}

// captureT records what testify would report.
type captureT struct{ strings.Builder }

func (c *captureT) Errorf(format string, args ...any) { fmt.Fprintf(&c.Builder, format, args...) }

// opaqueSigner hides the concrete key type, like a KMS or hardware signer.
type opaqueSigner struct{ s crypto.Signer }

func (o opaqueSigner) Public() crypto.PublicKey { return o.s.Public() }
func (o opaqueSigner) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, d, opts)
}

type fakeSigner struct{ pub crypto.PublicKey }

func (f fakeSigner) Public() crypto.PublicKey { return f.pub }
func (f fakeSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("fake")
}

func TestNewKeySignerFromKey(t *testing.T) {
	t.Parallel()
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	k1, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	rsaAny, err := parsePrivateKeyPEM(readTestdata(t, "rsa2048_pkcs1.pem"))
	require.NoError(t, err)
	rsaKey := rsaAny.(*rsa.PrivateKey)

	tests := []struct {
		name string
		key  crypto.PrivateKey
		alg  Algorithm
	}{
		{"ed25519", edKey, AlgorithmEd25519},
		{"p256", p256, AlgorithmECDSAP256},
		{"secp256k1", k1, AlgorithmECDSASecp256k1},
		{"rsa", rsaKey, AlgorithmRSA},
		{"opaque ed25519", opaqueSigner{edKey}, AlgorithmEd25519},
		{"opaque p256", opaqueSigner{p256}, AlgorithmECDSAP256},
		{"opaque rsa", opaqueSigner{rsaKey}, AlgorithmRSA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySignerFromKey("cr-1", tc.key)
			require.NoError(t, err)
			require.Equal(t, tc.alg, s.Algorithm())
			a := mustSign(t, s, "chal")
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "chal"))
			pub, err := credkey.ParsePublicKeyPEM(s.PublicKeyPEM())
			require.NoError(t, err)
			require.NoError(t, credkey.VerifyKeyAssertion(pub, a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "chal"))
		})
	}

	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	inconsistent := append(ed25519.PrivateKey{}, edKey...)
	inconsistent[63] ^= 1
	var nilK1 *secp256k1.PrivateKey
	var nilECDSA *ecdsa.PrivateKey
	rejects := []struct {
		name    string
		key     crypto.PrivateKey
		wantErr string
	}{
		{"nil", nil, "private key is nil"},
		{"nil secp256k1", nilK1, "secp256k1 private key is nil or zero"},
		{"zero secp256k1", &secp256k1.PrivateKey{}, "secp256k1 private key is nil or zero"},
		{"nil ecdsa", nilECDSA, "not on P-256"},
		{"p384", p384, "not on P-256"},
		{"short ed25519", edKey[:32], "Ed25519 private key is 32 bytes"},
		{"inconsistent ed25519", inconsistent, "public half does not match"},
		{"string", "secret", "private key type string is not supported"},
		{"opaque p384", opaqueSigner{p384}, "not on P-256"},
		{"signer with secp256k1 public key", fakeSigner{k1.PubKey()}, "pass a *secp256k1.PrivateKey instead"},
		{"signer with nil public key", fakeSigner{nil}, "public key is nil"},
	}
	for _, tc := range rejects {
		t.Run("reject "+tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySignerFromKey("cr-1", tc.key)
			require.Nil(t, s)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

// TestNewKeySignerFromKeyCopiesEd25519 checks the caller can wipe its copy.
func TestNewKeySignerFromKeyCopiesEd25519(t *testing.T) {
	t.Parallel()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := NewKeySignerFromKey("cr-1", key)
	require.NoError(t, err)
	clear(key)
	a := mustSign(t, s, "c")
	require.NoError(t, credkey.VerifyKeyAssertion(pub, a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "c"))
}

func TestSignerFailurePropagates(t *testing.T) {
	t.Parallel()
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := NewKeySignerFromKey("cr-1", fakeSigner{edKey.Public()})
	require.NoError(t, err)
	_, err = s.Sign(context.Background(), challengeFor("c", "cr-1"))
	require.ErrorContains(t, err, "Ed25519 signing failed: fake")
}
