package index

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

func TestKeyIndex(t *testing.T) {
	t.Parallel()
	x, err := New(10) // 1024 slots: holds 512 keys
	require.NoError(t, err)
	defer x.Close()
	fp := func(i int) Fingerprint {
		return Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "ecdsa", PublicKey: fmt.Sprint(i)})
	}

	_, ok, err := x.Lookup(fp(1))
	require.NoError(t, err)
	require.False(t, ok)
	for i := 1; i <= 512; i++ {
		e := Entry{Row: i}
		if i%2 == 0 {
			e = Entry{KeyID: fmt.Sprintf("key-%d", i)}
		}
		require.NoError(t, x.Put(fp(i), e, false))
	}
	for i := 1; i <= 512; i++ {
		e, ok, err := x.Lookup(fp(i))
		require.NoError(t, err)
		require.True(t, ok, "key %d", i)
		if i%2 == 0 {
			require.Equal(t, Entry{KeyID: fmt.Sprintf("key-%d", i)}, e)
		} else {
			require.Equal(t, Entry{Row: i}, e)
		}
	}
	_, ok, err = x.Lookup(fp(513))
	require.NoError(t, err)
	require.False(t, ok)
	require.ErrorContains(t, x.Put(fp(513), Entry{Row: 513}, false), "the key index is full")

	// Replacing keeps the count; onlyIfAbsent keeps the first entry.
	require.NoError(t, x.Put(fp(3), Entry{Row: 33}, false))
	require.NoError(t, x.Put(fp(5), Entry{Row: 55}, true))
	e, _, _ := x.Lookup(fp(3))
	require.Equal(t, 33, e.Row)
	e, _, _ = x.Lookup(fp(5))
	require.Equal(t, 5, e.Row)

	require.ErrorContains(t, x.Put(fp(1), Entry{Row: -1}, false), "invalid")
	require.ErrorContains(t, x.Put(fp(1), Entry{Row: 1, KeyID: "key-1"}, false), "invalid")

	// The zero entry marks a key ID as listed.
	x2, err := New(4)
	require.NoError(t, err)
	defer x2.Close()
	require.NoError(t, x2.Put(Listed("key-1"), Entry{}, true))
	e, ok, err = x2.Lookup(Listed("key-1"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, Entry{}, e)
	_, ok, _ = x2.Lookup(Listed("key-2"))
	require.False(t, ok)
}

func TestFingerprintSeparatesSchemesAndCurves(t *testing.T) {
	t.Parallel()
	pub := []byte{2, 1, 2, 3}
	a := Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "ECDSA", PublicKey: fmt.Sprintf("%x", pub)})
	require.Equal(t, a, Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "ECDSA", PublicKey: fmt.Sprintf("%x", []byte{2, 1, 2, 3})}))
	require.NotEqual(t, a, Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "Schnorr", PublicKey: fmt.Sprintf("%x", pub)}))
	require.NotEqual(t, a, Of(keys.Identity{Curve: keys.Stark, SchemeName: "ECDSA", PublicKey: fmt.Sprintf("%x", pub)}))
	require.NotEqual(t, a, Of(keys.Identity{Curve: keys.Secp256k1, SchemeName: "ECDSA", PublicKey: fmt.Sprintf("%x", []byte{2, 1, 2, 4})}))
	// The separators keep field boundaries apart.
	require.NotEqual(t, Of(keys.Identity{Curve: "ab", SchemeName: "c"}), Of(keys.Identity{Curve: "a", SchemeName: "bc"}))
}

func TestKeySpool(t *testing.T) {
	t.Parallel()
	s, err := NewSpool()
	require.NoError(t, err)
	defer s.Close()
	for i := range 3000 { // several buffer fills
		require.NoError(t, s.Add(Of(keys.Identity{Curve: keys.Ed25519, SchemeName: "eddsa", PublicKey: fmt.Sprintf("%x", []byte{byte(i), byte(i >> 8)})}), fmt.Sprintf("key-%d", i)))
	}
	require.ErrorContains(t, s.Add(Fingerprint{}, strings.Repeat("k", 256)), "256 bytes")
	i := 0
	require.NoError(t, s.Each(func(fp Fingerprint, id string) error {
		require.Equal(t, Of(keys.Identity{Curve: keys.Ed25519, SchemeName: "eddsa", PublicKey: fmt.Sprintf("%x", []byte{byte(i), byte(i >> 8)})}), fp)
		require.Equal(t, fmt.Sprintf("key-%d", i), id)
		i++
		return nil
	}))
	require.Equal(t, 3000, i)
	require.Equal(t, 3000, s.n)
}
