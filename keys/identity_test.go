package keys

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIdentity(t *testing.T) {
	t.Parallel()
	pub := []byte{2, 0xab, 0xcd}
	ecdsa := NewIdentity(Scheme{Protocol: CGGMP21, Curve: Secp256k1}, pub)
	require.Equal(t, Identity{Curve: Secp256k1, SchemeName: "ecdsa", PublicKey: "02abcd"}, ecdsa)
	for name, tc := range map[string]struct {
		a, b Identity
		same bool
	}{
		"the ECDSA protocols make one key": {ecdsa, NewIdentity(Scheme{Protocol: CGGMP24, Curve: Secp256k1}, pub), true},
		"Schnorr is another key":           {ecdsa, NewIdentity(Scheme{Protocol: FROSTBitcoin, Curve: Secp256k1}, pub), false},
		"another curve is another key":     {ecdsa, NewIdentity(Scheme{Protocol: CGGMP21, Curve: Stark}, pub), false},
		"another public key":               {ecdsa, NewIdentity(Scheme{Protocol: CGGMP21, Curve: Secp256k1}, []byte{2, 0xab, 0xce}), false},
		"as Dfns lists it, any case":       {ecdsa, (&Key{Curve: Secp256k1, Scheme: "ECDSA", PublicKey: " 02ABcd"}).Identity(), true},
		"listed under another scheme":      {ecdsa, (&Key{Curve: Secp256k1, Scheme: "Schnorr", PublicKey: "02abcd"}).Identity(), false},
		"unknown scheme: public key only":  {ecdsa.PublicKeyOnly(), NewIdentity(Scheme{}, pub), true},
		"ed25519 is EdDSA":                 {NewIdentity(Scheme{Protocol: FROST, Curve: Ed25519}, pub), (&Key{Curve: Ed25519, Scheme: "EdDSA", PublicKey: "02abcd"}).Identity(), true},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.same, tc.a == tc.b, "%+v vs %+v", tc.a, tc.b)
		})
	}
}
