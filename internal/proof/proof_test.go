package proof

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
)

func TestNewHash(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		h := NewHash(keys.Stark)
		require.Len(t, h, 32)
		require.Less(t, h[0], byte(0x08), "a stark hash is below 2^251")
		seen[hex.EncodeToString(h)] = true
	}
	require.Len(t, seen, 200, "fresh every time")
	high := false
	for range 200 {
		if NewHash(keys.Secp256k1)[0] >= 0x08 {
			high = true
		}
	}
	require.True(t, high, "other curves use all 256 bits")
}

func TestExternalIDAndHashAreDeterministic(t *testing.T) {
	t.Parallel()
	ext := ExternalID("key-1", []byte{2, 3})
	require.Equal(t, ext, ExternalID("key-1", []byte{2, 3}), "the same key and public key, the same externalId")
	require.NotEqual(t, ext, ExternalID("key-1", []byte{2, 4}))
	require.NotEqual(t, ext, ExternalID("key-2", []byte{2, 3}))
	// Lengths are framed: moving a byte from the ID to the key changes it.
	require.NotEqual(t, ExternalID("ab", []byte("c")), ExternalID("a", []byte("bc")))
	require.True(t, strings.HasPrefix(ext, ExternalIDPrefix))
	require.Len(t, ext, len(ExternalIDPrefix)+32)
	require.NotEqual(t, NewExternalID(), NewExternalID())
	require.True(t, strings.HasPrefix(NewExternalID(), ExternalIDPrefix))

	h := Hash(keys.Secp256k1, ext)
	require.Len(t, h, 32)
	require.Equal(t, h, Hash(keys.Secp256k1, ext))
	require.NotEqual(t, h, Hash(keys.Secp256k1, ext+"x"))
	for i := range 50 {
		require.Less(t, Hash(keys.Stark, ExternalID("k", []byte{byte(i)}))[0], byte(0x08), "a stark hash is below 2^251")
	}
}

func TestSameBody(t *testing.T) {
	t.Parallel()
	scheme := keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1}
	a := signatures.NewSignRequest(scheme, make([]byte, 32))
	b := signatures.NewSignRequest(scheme, make([]byte, 32))
	b.ExternalID = "other"
	require.True(t, SameBody(a, b), "the externalId is not compared")
	b.Hash = strings.ToUpper(b.Hash[:2]) + strings.ToUpper(b.Hash[2:])
	require.True(t, SameBody(a, b), "hex in any case")
	c := signatures.NewSignRequest(keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}, make([]byte, 32))
	require.False(t, SameBody(a, c), "a taproot merkle root against none")
	d := signatures.NewSignRequest(scheme, append([]byte{1}, make([]byte, 31)...))
	require.False(t, SameBody(a, d), "another hash")
	require.False(t, SameBody(a, nil))
	require.True(t, IsSigned("Signed") && IsSigned("Confirmed") && !IsSigned("Pending") && !IsSigned("Failed"))
}

func TestSchemeOf(t *testing.T) {
	t.Parallel()
	for scheme, want := range map[string]keys.Protocol{"ECDSA": keys.CGGMP24, "Schnorr": keys.FROSTBitcoin} {
		s, err := SchemeOf(&keys.Key{ID: "key-1", Scheme: scheme, Curve: keys.Secp256k1})
		require.NoError(t, err)
		require.Equal(t, keys.Scheme{Protocol: want, Curve: keys.Secp256k1}, s)
	}
	s, err := SchemeOf(&keys.Key{ID: "key-1", Scheme: "EdDSA", Curve: keys.Ed25519})
	require.NoError(t, err)
	require.Equal(t, keys.Scheme{Protocol: keys.FROST, Curve: keys.Ed25519}, s)
	_, err = SchemeOf(&keys.Key{ID: "key-1", Scheme: "BLS", Curve: keys.Secp256k1})
	require.ErrorContains(t, err, `has scheme "BLS"`)
	_, err = SchemeOf(&keys.Key{ID: "key-1", Scheme: "EdDSA", Curve: keys.Secp256k1})
	require.Error(t, err, "EdDSA on secp256k1 is no scheme")
}
