package auth

import (
	"context"
	"errors"
	"github.com/dfnskeys/dfnskeys/internal/credkey"
	"os"
	"path/filepath"
	"testing"
)

// addPEMSeeds adds every testdata file whose name matches pattern.
func addPEMSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func requireAuthError(t *testing.T, err error) {
	t.Helper()
	if !ownError(err) {
		t.Fatalf("error leaks a library message or repeats a package name: %v", err)
	}
}

// FuzzParsePrivateKeyPEM checks that any input either fails with an auth
// error or yields a key that signs and verifies.
func FuzzParsePrivateKeyPEM(f *testing.F) {
	addPEMSeeds(f, "*.pem")
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := parsePrivateKeyPEM(data)
		if err != nil {
			requireAuthError(t, err)
			return
		}
		s, err := NewKeySignerFromKey("cr-fuzz", key)
		if err != nil {
			t.Fatalf("parsed key is not usable: %v", err)
		}
		a, err := s.Sign(context.Background(), challengeFor("fuzz", "cr-fuzz"))
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if err := credkey.VerifyKeyAssertion(s.PublicKey(), a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "fuzz"); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})
}

// FuzzParseSecp256k1DER drives the strict secp256k1 parsers with DER input.
func FuzzParseSecp256k1DER(f *testing.F) {
	for _, file := range []string{"secp256k1_sec1.pem", "secp256k1_sec1_nopub.pem", "secp256k1_sec1_compressed.pem", "secp256k1_sec1_explicit.pem", "secp256k1_pkcs8.pem", "p256_sec1.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		block, err := findPrivateKeyBlock(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(block.Bytes)
	}
	f.Add(buildSEC1(f, sec1Fields{version: 1, scalar: make([]byte, 32), curve: oidCurveSecp256k1}))
	f.Add(buildSEC1(f, sec1Fields{version: 1, scalar: secp256k1N, curve: oidCurveSecp256k1}))
	f.Add(buildPKCS8EC(f, oidCurveSecp256k1, buildSEC1(f, sec1Fields{version: 1, scalar: []byte{1}})))
	f.Fuzz(func(t *testing.T, der []byte) {
		if k, err := parseSecp256k1SEC1(der, nil); err != nil {
			requireAuthError(t, err)
		} else if k.Key.IsZero() {
			t.Fatal("accepted a zero scalar")
		}
		if k, err := parseSecp256k1SEC1(der, oidCurveSecp256k1); err != nil {
			requireAuthError(t, err)
		} else if k.Key.IsZero() {
			t.Fatal("accepted a zero scalar")
		}
		if _, err := parsePKCS8(der); err != nil {
			requireAuthError(t, err)
		}
		if _, err := parseECPrivateKey(der); err != nil {
			requireAuthError(t, err)
		}
		if _, err := credkey.ParseSPKI(der); err != nil {
			requireAuthError(t, err)
		}
	})
}

// FuzzVerifyKeyAssertion checks the verifier never panics and rejects
// everything but genuine signatures.
func FuzzVerifyKeyAssertion(f *testing.F) {
	var signers []*KeySigner
	for _, file := range []string{"ed25519_pkcs8.pem", "p256_pkcs8.pem", "secp256k1_sec1.pem", "rsa2048_pkcs1.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		s, err := NewKeySigner("cr-fuzz", b)
		if err != nil {
			f.Fatal(err)
		}
		signers = append(signers, s)
		a, err := s.Sign(context.Background(), challengeFor("fuzz", "cr-fuzz"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(a.CredentialAssertion.ClientData, a.CredentialAssertion.Signature, "fuzz")
	}
	f.Add("", "", "")
	f.Add(b64u(`{"type":"key.get","challenge":"x","challenge":"y"}`), "AA", "y")
	f.Fuzz(func(t *testing.T, clientData, signature, challenge string) {
		for _, s := range signers {
			if err := credkey.VerifyKeyAssertion(s.PublicKey(), clientData, signature, challenge); err != nil && !errors.Is(err, credkey.ErrInvalidAssertion) {
				t.Fatalf("error does not wrap ErrInvalidAssertion: %v", err)
			}
		}
	})
}

// FuzzParsePublicKeyPEM checks public-key parsing never panics and that what
// it accepts can be encoded again.
func FuzzParsePublicKeyPEM(f *testing.F) {
	addPEMSeeds(f, "*_pub*.pem")
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := credkey.ParsePublicKeyPEM(data)
		if err != nil {
			requireAuthError(t, err)
			return
		}
		if _, err := credkey.MarshalPublicKeyPEM(pub); err != nil {
			t.Fatalf("accepted key does not encode: %v", err)
		}
	})
}
