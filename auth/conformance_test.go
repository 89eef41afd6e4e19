package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"
)

// conformanceKeys lists every credential type and encoding the package
// accepts, with the openssl-written public key it must match.
var conformanceKeys = []struct {
	file   string
	alg    Algorithm
	pubPEM string
}{
	{"ed25519_pkcs8.pem", AlgorithmEd25519, "ed25519_pub.pem"},
	{"p256_sec1.pem", AlgorithmECDSAP256, "p256_pub.pem"},
	{"p256_pkcs8.pem", AlgorithmECDSAP256, "p256_pub.pem"},
	{"secp256k1_sec1.pem", AlgorithmECDSASecp256k1, "secp256k1_pub.pem"},
	{"secp256k1_pkcs8.pem", AlgorithmECDSASecp256k1, "secp256k1_pub.pem"},
	{"secp256k1_sec1_nopub.pem", AlgorithmECDSASecp256k1, "secp256k1_pub.pem"},
	{"secp256k1_sec1_compressed.pem", AlgorithmECDSASecp256k1, "secp256k1_pub.pem"},
	{"secp256k1_sec1_with_params.pem", AlgorithmECDSASecp256k1, ""},
	{"rsa2048_pkcs1.pem", AlgorithmRSA, "rsa2048_pub.pem"},
	{"rsa2048_pkcs8.pem", AlgorithmRSA, "rsa2048_pub.pem"},
}

// TestConformance parses every accepted key, signs a challenge, and checks the
// assertion byte for byte and with verifiers independent of credkey.VerifyKeyAssertion.
func TestConformance(t *testing.T) {
	t.Parallel()
	const challenge = "Y2gtMmQ1cTMtNjBuZjUtOGEwcWJvbTY5Y2VkN29icw"
	wantClientData := `{"type":"key.get","challenge":"` + challenge + `"}`
	for _, tc := range conformanceKeys {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			credID := "cr-" + strings.TrimSuffix(tc.file, ".pem")
			s, err := NewKeySigner(credID, readTestdata(t, tc.file))
			require.NoError(t, err)
			require.Equal(t, tc.alg, s.Algorithm())
			require.Equal(t, credID, s.CredentialID())
			if tc.pubPEM != "" {
				// Our SPKI encoding matches openssl's byte for byte.
				require.Equal(t, string(readTestdata(t, tc.pubPEM)), string(s.PublicKeyPEM()))
			}

			a := mustSign(t, s, challenge)
			require.Equal(t, KindKey, a.Kind)
			require.Equal(t, credID, a.CredentialAssertion.CredID)
			require.Empty(t, a.CredentialAssertion.AuthenticatorData)
			require.Empty(t, a.CredentialAssertion.UserHandle)
			for _, f := range []string{a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature} {
				require.NotContains(t, f, "=")
				require.NotContains(t, f, "+")
				require.NotContains(t, f, "/")
			}
			cd, err := base64.RawURLEncoding.DecodeString(a.CredentialAssertion.ClientData)
			require.NoError(t, err)
			require.Equal(t, wantClientData, string(cd))
			sig, err := base64.RawURLEncoding.DecodeString(a.CredentialAssertion.Signature)
			require.NoError(t, err)

			verifyIndependently(t, s.PublicKey(), cd, sig)
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, challenge))
			if tc.pubPEM != "" {
				pub, err := credkey.ParsePublicKeyPEM(readTestdata(t, tc.pubPEM))
				require.NoError(t, err)
				require.NoError(t, credkey.VerifyKeyAssertion(pub, a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, challenge))
			}

			// Ed25519, secp256k1 (RFC 6979) and RSA PKCS#1 v1.5 are deterministic.
			if tc.alg != AlgorithmECDSAP256 {
				require.Equal(t, a, mustSign(t, s, challenge))
			}
		})
	}
}

// verifyIndependently checks sig over clientData with the standard library or
// dcrd directly, not through this package.
func verifyIndependently(t *testing.T, pub crypto.PublicKey, clientData, sig []byte) {
	t.Helper()
	digest := sha256.Sum256(clientData)
	switch p := pub.(type) {
	case ed25519.PublicKey:
		require.Len(t, sig, ed25519.SignatureSize)
		require.True(t, ed25519.Verify(p, clientData, sig), "ed25519.Verify")
	case *ecdsa.PublicKey:
		require.True(t, ecdsa.VerifyASN1(p, digest[:], sig), "ecdsa.VerifyASN1")
	case *secp256k1.PublicKey:
		parsed, err := k1ecdsa.ParseDERSignature(sig)
		require.NoError(t, err)
		require.True(t, parsed.Verify(digest[:], p), "dcrd ecdsa Verify")
		sVal := parsed.S()
		require.False(t, sVal.IsOverHalfOrder(), "secp256k1 signature must be low-S")
		require.Equal(t, sig, parsed.Serialize(), "secp256k1 signature must be canonical DER")
	case *rsa.PublicKey:
		require.NoError(t, rsa.VerifyPKCS1v15(p, crypto.SHA256, digest[:], sig))
	default:
		t.Fatalf("unexpected public key type %T", pub)
	}
}

// TestEncodingsAgree checks that every encoding of one key yields one public key.
func TestEncodingsAgree(t *testing.T) {
	t.Parallel()
	groups := map[string][]string{
		"p256":      {"p256_sec1.pem", "p256_pkcs8.pem"},
		"secp256k1": {"secp256k1_sec1.pem", "secp256k1_pkcs8.pem", "secp256k1_sec1_nopub.pem", "secp256k1_sec1_compressed.pem"},
		"rsa":       {"rsa2048_pkcs1.pem", "rsa2048_pkcs8.pem"},
	}
	for name, files := range groups {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var first string
			for _, f := range files {
				s, err := NewKeySigner("cr-1", readTestdata(t, f))
				require.NoError(t, err, f)
				if first == "" {
					first = string(s.PublicKeyPEM())
				}
				require.Equal(t, first, string(s.PublicKeyPEM()), f)
			}
		})
	}
}

// TestKnownAnswers checks deterministic signatures against vectors made by
// an independent implementation (Python cryptography over OpenSSL), one
// subtest per vector.
func TestKnownAnswers(t *testing.T) {
	t.Parallel()
	var doc struct {
		Vectors []struct {
			Key, Challenge, ClientData, Signature string
		}
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "known_answers.json"), &doc))
	require.NotEmpty(t, doc.Vectors)
	for i, v := range doc.Vectors {
		t.Run(fmt.Sprintf("%02d_%s", i, v.Key), func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySigner("cr-kat", readTestdata(t, v.Key))
			require.NoError(t, err)
			a := mustSign(t, s, v.Challenge)
			require.Equal(t, v.ClientData, a.CredentialAssertion.ClientData)
			require.Equal(t, v.Signature, a.CredentialAssertion.Signature)
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), v.ClientData, v.Signature, v.Challenge))
		})
	}
}

// TestSecp256k1PrivateKeyOne pins the signature of the scalar 1 over the
// challenge "abc"; the value was computed independently with Python
// cryptography (RFC 6979, S normalised low).
func TestSecp256k1PrivateKeyOne(t *testing.T) {
	t.Parallel()
	var one secp256k1.ModNScalar
	one.SetInt(1)
	s, err := NewKeySignerFromKey("cr-one", secp256k1.NewPrivateKey(&one))
	require.NoError(t, err)
	a := mustSign(t, s, "abc")
	require.Equal(t, "eyJ0eXBlIjoia2V5LmdldCIsImNoYWxsZW5nZSI6ImFiYyJ9", a.CredentialAssertion.ClientData)
	require.Equal(t, "MEUCIQDsMG84QCwHD0k_xGqsQG-p8U7r6foJkkFr9WeiUNqTugIgHsKsurtZelk0LXEW6UU29Vgg9nenHzreA3b47HBAI9M", a.CredentialAssertion.Signature)
}
