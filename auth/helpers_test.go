package auth

import (
	"context"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// challengeFor returns a challenge that allows credID.
func challengeFor(challenge string, credIDs ...string) *UserActionChallenge {
	ch := &UserActionChallenge{Challenge: challenge, ChallengeIdentifier: "eyJ.test.jwt"}
	for _, id := range credIDs {
		ch.AllowCredentials.Key = append(ch.AllowCredentials.Key, AllowCredential{Type: "public-key", ID: id})
	}
	return ch
}

func mustSign(t testing.TB, s *KeySigner, challenge string) *Assertion {
	t.Helper()
	a, err := s.Sign(context.Background(), challengeFor(challenge, s.CredentialID()))
	require.NoError(t, err)
	return a
}

// sec1Fields describes an ECPrivateKey to build; nil fields are left out.
type sec1Fields struct {
	version int64
	scalar  []byte
	curve   asn1.ObjectIdentifier
	pub     []byte
	extra   []byte // appended inside the SEQUENCE
}

func buildSEC1(t testing.TB, f sec1Fields) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(f.version)
		b.AddASN1OctetString(f.scalar)
		if f.curve != nil {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(f.curve)
			})
		}
		if f.pub != nil {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1BitString(f.pub)
			})
		}
		if f.extra != nil {
			b.AddBytes(f.extra)
		}
	})
	der, err := b.Bytes()
	require.NoError(t, err)
	return der
}

func buildPKCS8EC(t testing.TB, curve asn1.ObjectIdentifier, sec1 []byte) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPublicKeyECDSA)
			b.AddASN1ObjectIdentifier(curve)
		})
		b.AddASN1OctetString(sec1)
	})
	der, err := b.Bytes()
	require.NoError(t, err)
	return der
}

// ownError reports whether err reads as this package's own message: not
// empty, not a library's message passed through bare (those start with the
// library's name: "asn1: …", "x509: …"), and not prefixed with a package
// name (the caller adds context).
func ownError(err error) bool {
	msg := err.Error()
	if msg == "" {
		return false
	}
	for _, p := range []string{"auth:", "asn1:", "x509:", "pem:", "crypto/", "json:", "illegal base64", "secp256k1:", "ecdsa:", "rsa:"} {
		if strings.HasPrefix(msg, p) {
			return false
		}
	}
	return true
}
