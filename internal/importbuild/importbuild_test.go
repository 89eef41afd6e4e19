package importbuild

import (
	"errors"
	"strings"
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

// TestCheckOptions checks the one copy of the import pre-flight: what is
// wrong with the options themselves wraps keys.ErrInvalidOption, a
// threshold the cluster is too small for does not, and nothing shows the
// name.
func TestCheckOptions(t *testing.T) {
	t.Parallel()
	secret := "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3c0ffee"
	for name, tc := range map[string]struct {
		name         string
		threshold, n int
		want         string // "" for no error
		option       bool
	}{
		"defaults":         {"", 0, 0, "", false},
		"default fits 3":   {"treasury", 0, 3, "", false},
		"default too big":  {"", 0, 2, "threshold 3 is invalid for 2 signers (Threshold, --min-signers): it must be between 2 and 2", false},
		"threshold > n":    {"", 6, 5, "threshold 6 is invalid for 5 signers (Threshold, --min-signers): it must be between 2 and 5", false},
		"n unknown":        {"", 6, 0, "", false},
		"threshold 1":      {"", 1, 5, "threshold 1 is invalid (Threshold, --min-signers): it must be at least 2", true},
		"negative":         {"", -3, 0, "threshold -3 is invalid (Threshold, --min-signers): it must be at least 2", true},
		"name of 100":      {strings.Repeat("é", MaxNameLength), 0, 0, "", false},
		"name too long":    {strings.Repeat("x", MaxNameLength+1), 0, 0, "the key name (Name, --name) is 101 characters long: at most 100 are allowed", true},
		"name is a secret": {secret, 0, 0, "looks like a secret, not a key name", true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := CheckOptions(tc.name, tc.threshold, tc.n)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, tc.option, errors.Is(err, keys.ErrInvalidOption))
			require.NotContains(t, err.Error(), "c0ffee")
		})
	}
}
