package importbuild

import (
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"

	"github.com/stretchr/testify/require"
)

func TestIdentity(t *testing.T) {
	t.Parallel()
	pub := []byte{2, 0xab, 0xcd}
	ecdsa := Identity(keys.Scheme{Protocol: keys.CGGMP21, Curve: keys.Secp256k1}, pub)
	require.Equal(t, keys.Identity{Curve: keys.Secp256k1, SchemeName: "ecdsa", PublicKey: "02abcd"}, ecdsa)
	for name, tc := range map[string]struct {
		a, b keys.Identity
		same bool
	}{
		"the ECDSA protocols make one key": {ecdsa, Identity(keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}, pub), true},
		"Schnorr is another key":           {ecdsa, Identity(keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1}, pub), false},
		"another curve is another key":     {ecdsa, Identity(keys.Scheme{Protocol: keys.CGGMP21, Curve: keys.Stark}, pub), false},
		"another public key":               {ecdsa, Identity(keys.Scheme{Protocol: keys.CGGMP21, Curve: keys.Secp256k1}, []byte{2, 0xab, 0xce}), false},
		"as Dfns lists it, any case":       {ecdsa, (&keys.Key{Curve: keys.Secp256k1, Scheme: "ECDSA", PublicKey: " 02ABcd"}).Identity(), true},
		"listed under another scheme":      {ecdsa, (&keys.Key{Curve: keys.Secp256k1, Scheme: "Schnorr", PublicKey: "02abcd"}).Identity(), false},
		"unknown scheme: public key only":  {keys.Identity{PublicKey: ecdsa.PublicKey}, Identity(keys.Scheme{}, pub), true},
		"ed25519 is EdDSA":                 {Identity(keys.Scheme{Protocol: keys.FROST, Curve: keys.Ed25519}, pub), (&keys.Key{Curve: keys.Ed25519, Scheme: "EdDSA", PublicKey: "02abcd"}).Identity(), true},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.same, tc.a == tc.b, "%+v vs %+v", tc.a, tc.b)
		})
	}
}
