package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"math/big"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

func b64u(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signRaw signs arbitrary client data bytes with a KeySigner's key.
func signRaw(t *testing.T, s *KeySigner, clientData string) string {
	t.Helper()
	sig, err := s.sign([]byte(clientData))
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyKeyAssertionRejects(t *testing.T) {
	t.Parallel()
	const challenge = "chal-1"
	for _, tc := range conformanceKeys {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			s, err := NewKeySigner("cr-1", readTestdata(t, tc.file))
			require.NoError(t, err)
			good := mustSign(t, s, challenge)
			cd, sig := good.CredentialAssertion.ClientData, good.CredentialAssertion.Signature
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), cd, sig, challenge))

			rawSig, err := base64.RawURLEncoding.DecodeString(sig)
			require.NoError(t, err)
			flipped := append([]byte{}, rawSig...)
			flipped[len(flipped)-1] ^= 1
			// The signature in standard base64: when its encoding happens
			// to hold no '+', '/' or '=' (about one ECDSA signature in 20),
			// it is also valid base64url, so one character is made '+'.
			std := base64.StdEncoding.EncodeToString(rawSig)
			if !strings.ContainsAny(std, "+/=") {
				std = "+" + std[1:]
			}

			otherFile := "ed25519_pkcs8.pem"
			if tc.alg == AlgorithmEd25519 {
				otherFile = "p256_pkcs8.pem"
			}
			other, err := NewKeySigner("cr-2", readTestdata(t, otherFile))
			require.NoError(t, err)
			sameAlgOther := otherKeyOfAlg(t, tc.alg)

			signed := func(clientData string) (string, string) {
				return b64u(clientData), signRaw(t, s, clientData)
			}
			cases := []struct {
				name    string
				pub     crypto.PublicKey
				cd, sig string
				wantErr string
			}{
				{"wrong challenge", s.PublicKey(), cd, sig, "challenge"},
				{"tampered signature", s.PublicKey(), cd, base64.RawURLEncoding.EncodeToString(flipped), ""},
				{"padded clientData", s.PublicKey(), cd + strings.Repeat("=", (4-len(cd)%4)%4) + "=", sig, "clientData is not base64url without padding"},
				{"standard base64 signature", s.PublicKey(), cd, std, "signature is not base64url"},
				{"newline in signature", s.PublicKey(), cd, sig[:4] + "\n" + sig[4:], "signature is not base64url"},
				{"empty signature", s.PublicKey(), cd, "", "signature is empty"},
				{"other key type", other.PublicKey(), cd, sig, "does not verify"},
				{"other key same type", sameAlgOther, cd, sig, "does not verify"},
			}
			for _, c := range []struct{ name, clientData, wantErr string }{
				{"wrong type", `{"type":"webauthn.get","challenge":"chal-1"}`, `type is "webauthn.get"`},
				{"type missing", `{"challenge":"chal-1"}`, `has no "type"`},
				{"challenge missing", `{"type":"key.get"}`, `has no "challenge"`},
				{"duplicate challenge", `{"type":"key.get","challenge":"x","challenge":"chal-1"}`, `"challenge" twice`},
				{"key case differs", `{"Type":"key.get","challenge":"chal-1"}`, `has no "type"`},
				{"challenge not a string", `{"type":"key.get","challenge":1}`, `"challenge" is not a string`},
				{"challenge null", `{"type":"key.get","challenge":null}`, `"challenge" is not a string`},
				{"crossOrigin not bool", `{"type":"key.get","challenge":"chal-1","crossOrigin":"no"}`, `"crossOrigin" is not a boolean`},
				{"array", `["key.get","chal-1"]`, "not a JSON object"},
				{"trailing data", `{"type":"key.get","challenge":"chal-1"}{}`, "data after"},
				{"truncated", `{"type":"key.get","challenge":"chal-1"`, "not valid JSON"},
				{"invalid UTF-8", "{\"type\":\"key.get\",\"challenge\":\"chal-1\xff\"}", "not valid UTF-8"},
			} {
				cd2, sig2 := signed(c.clientData)
				cases = append(cases, struct {
					name    string
					pub     crypto.PublicKey
					cd, sig string
					wantErr string
				}{c.name, s.PublicKey(), cd2, sig2, c.wantErr})
			}
			for _, c := range cases {
				expected := challenge
				if c.name == "wrong challenge" {
					expected = "chal-2"
				}
				err := credkey.VerifyKeyAssertion(c.pub, c.cd, c.sig, expected)
				require.ErrorIs(t, err, credkey.ErrInvalidAssertion, c.name)
				require.ErrorContains(t, err, c.wantErr, c.name)
			}

			// Optional origin and crossOrigin are accepted, as are unknown fields.
			cd3, sig3 := signed(`{"type":"key.get","challenge":"chal-1","origin":"https://app.example","crossOrigin":false,"extra":{"a":[1]}}`)
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), cd3, sig3, challenge))
			// Whitespace and another field order are fine for the verifier.
			cd4, sig4 := signed(` { "challenge" : "chal-1" , "type" : "key.get" } `)
			require.NoError(t, credkey.VerifyKeyAssertion(s.PublicKey(), cd4, sig4, challenge))
		})
	}
}

func otherKeyOfAlg(t *testing.T, alg Algorithm) crypto.PublicKey {
	t.Helper()
	switch alg {
	case AlgorithmEd25519:
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		return pub
	case AlgorithmECDSAP256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		return k.Public()
	case AlgorithmECDSASecp256k1:
		k, err := secp256k1.GeneratePrivateKey()
		require.NoError(t, err)
		return k.PubKey()
	default:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		return k.Public()
	}
}

func mustPKCS1Public(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	return x509.MarshalPKCS1PublicKey(&k.PublicKey)
}

// mustSPKI returns the DER public key of a PKCS#8 private key file.
func mustSPKI(t *testing.T, file string) []byte {
	t.Helper()
	k, err := x509.ParsePKCS8PrivateKey(mustPEMBytes(t, readTestdata(t, file)))
	require.NoError(t, err)
	pk, ok := k.(interface{ Public() crypto.PublicKey })
	require.True(t, ok)
	der, err := x509.MarshalPKIXPublicKey(pk.Public())
	require.NoError(t, err)
	return der
}

// TestVerifyKeyAssertionBadPublicKeys checks malformed keys give errors, not
// panics, and that they are not reported as invalid assertions.
func TestVerifyKeyAssertionBadPublicKeys(t *testing.T) {
	t.Parallel()
	s, err := NewKeySigner("cr-1", readTestdata(t, "ed25519_pkcs8.pem"))
	require.NoError(t, err)
	a := mustSign(t, s, "c")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	var nilECDSA *ecdsa.PublicKey
	var nilK1 *secp256k1.PublicKey
	var nilRSA *rsa.PublicKey
	tests := []struct {
		name string
		pub  crypto.PublicKey
	}{
		{"nil", nil},
		{"short ed25519", ed25519.PublicKey{1, 2, 3}},
		{"ed25519 pointer", &ed25519.PublicKey{}},
		{"nil ecdsa", nilECDSA},
		{"ecdsa without curve", &ecdsa.PublicKey{}},
		{"ecdsa without coordinates", &ecdsa.PublicKey{Curve: elliptic.P256()}},
		{"ecdsa off curve", &ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)}},
		{"p384", p384.Public()},
		{"nil secp256k1", nilK1},
		{"zero secp256k1", &secp256k1.PublicKey{}},
		{"nil rsa", nilRSA},
		{"rsa without modulus", &rsa.PublicKey{E: 65537}},
		{"small rsa", &rsa.PublicKey{N: big.NewInt(35), E: 3}},
		{"string", "key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := credkey.VerifyKeyAssertion(tc.pub, a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "c")
			require.Error(t, err)
			require.NotErrorIs(t, err, credkey.ErrInvalidAssertion)
			require.True(t, ownError(err), err.Error())
		})
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		alg  Algorithm
	}{
		{"ed25519_pub.pem", AlgorithmEd25519},
		{"p256_pub.pem", AlgorithmECDSAP256},
		{"secp256k1_pub.pem", AlgorithmECDSASecp256k1},
		{"secp256k1_pub_compressed.pem", AlgorithmECDSASecp256k1},
		{"rsa2048_pub.pem", AlgorithmRSA},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			pub, err := credkey.ParsePublicKeyPEM(readTestdata(t, tc.file))
			require.NoError(t, err)
			alg, err := checkPublicKey(pub)
			require.NoError(t, err)
			require.Equal(t, tc.alg, alg)
			again, err := credkey.MarshalPublicKeyPEM(pub)
			require.NoError(t, err)
			back, err := credkey.ParsePublicKeyPEM(again)
			require.NoError(t, err)
			require.Equal(t, pub, back)
		})
	}

	// Compressed and uncompressed secp256k1 files hold the same key.
	a, err := credkey.ParsePublicKeyPEM(readTestdata(t, "secp256k1_pub.pem"))
	require.NoError(t, err)
	b, err := credkey.ParsePublicKeyPEM(readTestdata(t, "secp256k1_pub_compressed.pem"))
	require.NoError(t, err)
	require.True(t, a.(*secp256k1.PublicKey).IsEqual(b.(*secp256k1.PublicKey)))

	// PKCS#1 RSA PUBLIC KEY.
	rsaPriv, err := parsePrivateKeyPEM(readTestdata(t, "rsa2048_pkcs1.pem"))
	require.NoError(t, err)
	pkcs1, err := credkey.ParsePublicKeyPEM(pemOf("RSA PUBLIC KEY", mustPKCS1Public(t, rsaPriv.(*rsa.PrivateKey))))
	require.NoError(t, err)
	require.Equal(t, rsaPriv.(*rsa.PrivateKey).Public(), pkcs1)
}

func TestParsePublicKeyPEMRejects(t *testing.T) {
	t.Parallel()
	k1pub := mustPEMBytes(t, readTestdata(t, "secp256k1_pub.pem"))
	notOnCurve := append([]byte{}, k1pub...)
	notOnCurve[len(notOnCurve)-1] ^= 1
	tests := []struct {
		name    string
		input   []byte
		wantErr string
	}{
		{"empty", nil, "no PEM public key"},
		{"garbage", []byte("garbage"), "no PEM public key"},
		{"private key", readTestdata(t, "ed25519_pkcs8.pem"), `found a "PRIVATE KEY" block`},
		{"junk SPKI", pemOf("PUBLIC KEY", []byte{1, 2, 3}), "malformed PUBLIC KEY"},
		{"secp256k1 off curve", pemOf("PUBLIC KEY", notOnCurve), "not a valid point"},
		{"secp256k1 trailing data", pemOf("PUBLIC KEY", append(append([]byte{}, k1pub...), 0)), "malformed PUBLIC KEY"},
		{"P-384", pemOf("PUBLIC KEY", mustSPKI(t, "p384_pkcs8.pem")), "ECDSA curve P-384 is not supported"},
		{"X25519", pemOf("PUBLIC KEY", mustSPKI(t, "x25519_pkcs8.pem")), "not supported"},
		{"RSA 1024", pemOf("PUBLIC KEY", mustSPKI(t, "rsa1024_pkcs8.pem")), "shorter than 2048 bits"},
		{"junk PKCS#1", pemOf("RSA PUBLIC KEY", []byte{1}), "failed to parse RSA PUBLIC KEY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pub, err := credkey.ParsePublicKeyPEM(tc.input)
			require.Nil(t, pub)
			require.ErrorContains(t, err, tc.wantErr)
			require.True(t, ownError(err), err.Error())
		})
	}
}
