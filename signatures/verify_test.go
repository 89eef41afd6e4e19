package signatures

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/internal/signing"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// BIP-340's own test vectors (bip-0340/test-vectors.csv), one subtest each.
func TestBIP340Vectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/bip340.csv")
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 16)
	for _, row := range rows[1:] {
		name := "vector " + row[0]
		if row[7] != "" {
			name += " " + row[7]
		}
		t.Run(name, func(t *testing.T) {
			var pub [32]byte
			copy(pub[:], unhex(t, row[2]))
			err := verifyBIP340(pub, unhex(t, row[4]), unhex(t, row[5]))
			if row[6] == "TRUE" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

type vectorFile struct {
	Secp256k1 []struct{ Name, PrivateKey, Hash, R, S string }
	Stark     []struct{ Name, PrivateKey, PublicKeyX, Hash, R, S string }
	Ed25519   []struct{ Name, Seed, PublicKey, Message, Signature string }
}

func loadVectors(t *testing.T) *vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var v vectorFile
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.Secp256k1)
	require.NotEmpty(t, v.Stark)
	require.NotEmpty(t, v.Ed25519)
	return &v
}

// flip returns a copy of b with one bit changed.
func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i%len(c)] ^= 1 << (i % 8)
	return c
}

func TestSecp256k1ECDSAVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).Secp256k1 {
		t.Run(v.Name, func(t *testing.T) {
			k, err := keys.NewPrivateKey(keys.Secp256k1, unhex(t, v.PrivateKey))
			require.NoError(t, err)
			pub, hash, r, s := k.PublicKey(), unhex(t, v.Hash), unhex(t, v.R), unhex(t, v.S)
			require.NoError(t, verifySecp256k1ECDSA(pub, hash, r, s))
			require.ErrorIs(t, verifySecp256k1ECDSA(pub, flip(hash, 3), r, s), ErrInvalid, "another hash")
			require.ErrorIs(t, verifySecp256k1ECDSA(pub, hash, flip(r, 9), s), ErrInvalid, "another r")
			require.Error(t, verifySecp256k1ECDSA(pub, hash, s, r), "r and s swapped")
			other, err := keys.GeneratePrivateKey(keys.Secp256k1)
			require.NoError(t, err)
			require.ErrorIs(t, verifySecp256k1ECDSA(other.PublicKey(), hash, r, s), ErrInvalid, "another key")
		})
	}
}

func TestStarkECDSAVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).Stark {
		t.Run(v.Name, func(t *testing.T) {
			k, err := keys.NewPrivateKey(keys.Stark, unhex(t, v.PrivateKey))
			require.NoError(t, err)
			pub := k.PublicKey()
			require.Equal(t, v.PublicKeyX, hex.EncodeToString(pub[1:]), "our stark public key has StarkWare's x")
			hash, r, s := unhex(t, v.Hash), unhex(t, v.R), unhex(t, v.S)
			require.NoError(t, verifyStarkECDSA(pub, hash, r, s))
			require.ErrorIs(t, verifyStarkECDSA(pub, flip(hash, 17), r, s), ErrInvalid, "another hash")
			require.ErrorIs(t, verifyStarkECDSA(pub, hash, r, flip(s, 200)), ErrInvalid, "another s")
			other, err := keys.GeneratePrivateKey(keys.Stark)
			require.NoError(t, err)
			require.ErrorIs(t, verifyStarkECDSA(other.PublicKey(), hash, r, s), ErrInvalid, "another key")
		})
	}
	// A hash of 2^251 or more is not a stark message.
	big := append([]byte{0x08}, make([]byte, 31)...)
	k, err := keys.GeneratePrivateKey(keys.Stark)
	require.NoError(t, err)
	require.ErrorContains(t, verifyStarkECDSA(k.PublicKey(), big, []byte{1}, []byte{1}), "below 2^251")
}

func TestEd25519Vectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).Ed25519 {
		t.Run(v.Name, func(t *testing.T) {
			k, err := keys.NewPrivateKey(keys.Ed25519, unhex(t, v.Seed))
			require.NoError(t, err)
			require.Equal(t, v.PublicKey, k.PublicKeyHex())
			sig, msg := unhex(t, v.Signature), unhex(t, v.Message)
			require.NoError(t, verifyEd25519(k.PublicKey(), msg, sig[:32], sig[32:]))
			// Big-endian S, which Dfns's documentation does not rule out.
			be := make([]byte, 32)
			for i := range be {
				be[i] = sig[63-i]
			}
			require.NoError(t, verifyEd25519(k.PublicKey(), msg, sig[:32], be))
			require.ErrorIs(t, verifyEd25519(k.PublicKey(), append(msg, 0), sig[:32], sig[32:]), ErrInvalid)
			require.ErrorIs(t, verifyEd25519(k.PublicKey(), msg, flip(sig[:32], 5), sig[32:]), ErrInvalid)
		})
	}
}

// Every scheme: a signature made as Dfns makes it verifies through Verify
// in its wire form, and a signature of another hash, another key or the
// other kind does not.
func TestVerifyEveryScheme(t *testing.T) {
	t.Parallel()
	for _, scheme := range keys.SupportedSchemes() {
		t.Run(scheme.String(), func(t *testing.T) {
			t.Parallel()
			for range 20 {
				k, err := keys.GeneratePrivateKey(scheme.Curve)
				require.NoError(t, err)
				hash := randomHash(scheme.Curve)
				sig := sign(t, scheme, k, hash)
				require.NoError(t, Verify(scheme, k.PublicKey(), hash, sig))

				other := randomHash(scheme.Curve)
				require.ErrorIs(t, Verify(scheme, k.PublicKey(), other, sig), ErrInvalid, "another hash")
				k2, err := keys.GeneratePrivateKey(scheme.Curve)
				require.NoError(t, err)
				require.ErrorIs(t, Verify(scheme, k2.PublicKey(), hash, sig), ErrInvalid, "another key")
			}
		})
	}
}

// The Schnorr check uses the BIP-341 tweaked key: a BIP-340 signature
// under the untweaked key is refused, and the other way round.
func TestTaprootNeedsTheTweak(t *testing.T) {
	t.Parallel()
	k, err := keys.GeneratePrivateKey(keys.Secp256k1)
	require.NoError(t, err)
	hash := randomHash(keys.Secp256k1)
	plain, err := signing.BIP340(k.Bytes(), hash, make([]byte, 32))
	require.NoError(t, err)
	require.ErrorIs(t, verifyTaproot(k.PublicKey(), hash, plain.R[:], plain.S[:]), ErrInvalid)
	var x [32]byte
	copy(x[:], k.PublicKey()[1:])
	require.NoError(t, verifyBIP340(x, hash, append(plain.R[:], plain.S[:]...)))
	tweaked, err := signing.Taproot(k.Bytes(), hash)
	require.NoError(t, err)
	require.NoError(t, verifyTaproot(k.PublicKey(), hash, tweaked.R[:], tweaked.S[:]))
	require.Error(t, verifyBIP340(x, hash, append(tweaked.R[:], tweaked.S[:]...)))
	// An ECDSA signature is not a Schnorr signature.
	ec, err := signing.Secp256k1ECDSA(k.Bytes(), hash)
	require.NoError(t, err)
	require.Error(t, verifyTaproot(k.PublicKey(), hash, ec.R[:], ec.S[:]))
}

func TestVerifyRejectsMalformed(t *testing.T) {
	t.Parallel()
	k, err := keys.GeneratePrivateKey(keys.Secp256k1)
	require.NoError(t, err)
	hash := randomHash(keys.Secp256k1)
	scheme := keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}
	good := sign(t, scheme, k, hash)
	cases := map[string]struct {
		scheme keys.Scheme
		sig    *Signature
		want   string
	}{
		"nil":            {scheme, nil, "no signature"},
		"r not hex":      {scheme, &Signature{R: "0xzz", S: good.S}, "r is not hex"},
		"s empty":        {scheme, &Signature{R: good.R, S: "0x"}, "s is 0 hex digits"},
		"r too long":     {scheme, &Signature{R: "0x" + strings.Repeat("11", 33), S: good.S}, "r is 66 hex digits"},
		"r zero":         {scheme, &Signature{R: "0x00", S: good.S}, "r is zero"},
		"unknown scheme": {keys.Scheme{Protocol: "KU23", Curve: keys.Secp256k1}, good, "unsupported"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			require.ErrorContains(t, Verify(c.scheme, k.PublicKey(), hash, c.sig), c.want)
		})
	}
	// The wire form may drop leading zeros and uses upper or lower case.
	r := strings.TrimLeft(strings.TrimPrefix(good.R, "0x"), "0")
	require.NoError(t, Verify(scheme, k.PublicKey(), hash, &Signature{R: "0x" + strings.ToUpper(r), S: good.S}))
}

// sign makes the signature Dfns would make for a key of this scheme, in
// its wire form.
func sign(t testing.TB, scheme keys.Scheme, k *keys.PrivateKey, hash []byte) *Signature {
	t.Helper()
	var sig *signing.Signature
	var err error
	switch {
	case scheme.Curve == keys.Ed25519:
		sig, err = signing.Ed25519Scalar(k.Bytes(), hash)
	case scheme.Protocol == keys.FROSTBitcoin:
		sig, err = signing.Taproot(k.Bytes(), hash)
	case scheme.Curve == keys.Stark:
		sig, err = signing.StarkECDSA(k.Bytes(), hash)
	default:
		sig, err = signing.Secp256k1ECDSA(k.Bytes(), hash)
	}
	require.NoError(t, err)
	recid := sig.Recid
	return &Signature{R: fmt.Sprintf("0x%x", sig.R), S: fmt.Sprintf("0x%x", sig.S), Recid: &recid}
}

// The simulator's signer (internal/signing) reproduces the published
// signatures where they are deterministic: BIP-340 with the vectors' aux
// randomness, and ECDSA with RFC 6979 nonces.
func TestSignerReproducesVectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/bip340.csv")
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	for _, row := range rows[1:] {
		if row[1] == "" {
			continue
		}
		sig, err := signing.BIP340(unhex(t, row[1]), unhex(t, row[4]), unhex(t, row[3]))
		require.NoError(t, err)
		require.Equal(t, strings.ToLower(row[5]), hex.EncodeToString(append(sig.R[:], sig.S[:]...)), "BIP-340 vector %s", row[0])
	}
	for _, v := range loadVectors(t).Secp256k1 {
		sig, err := signing.Secp256k1ECDSA(unhex(t, v.PrivateKey), unhex(t, v.Hash))
		require.NoError(t, err)
		require.Equal(t, v.R, hex.EncodeToString(sig.R[:]), v.Name)
		require.Equal(t, v.S, hex.EncodeToString(sig.S[:]), v.Name)
	}
}

// randomHash returns a fresh random hash a key of curve c can sign (below
// 2^251 for stark).
func randomHash(c keys.Curve) []byte {
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	if c == keys.Stark {
		h[0] &= 0x07
	}
	return h
}
