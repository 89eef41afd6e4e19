package dfnskeys_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/address"
	"github.com/dfnskeys/dfnskeys/internal/importbuild"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signers"
)

// exportsSent counts the export requests the simulator received.
func exportsSent(srv *sim.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/export") {
			n++
		}
	}
	return n
}

// An API that substitutes another key consistently, across GET /keys,
// GET /keys/{keyId} and the export (docs/threat-model.md §2).
func TestExportKeySubstitutedKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	mine, theirs := freshKey(t, keys.Secp256k1), freshKey(t, keys.Secp256k1)
	defer mine.Destroy()
	defer theirs.Destroy()
	imp := func(k *keys.PrivateKey, name string) *keys.Key {
		created, err := c.ImportKey(ctx, k, dfnskeys.ImportKeyOptions{Name: name, AllowDuplicate: true})
		require.NoError(t, err)
		return created.Key
	}
	victim, other := imp(mine, "mine"), imp(theirs, "theirs")
	require.NoError(t, srv.SubstituteKey(victim.ID, other.ID))

	// Every answer agrees on the other key.
	got, err := c.Keys.Get(ctx, victim.ID)
	require.NoError(t, err)
	require.Equal(t, theirs.PublicKeyHex(), got.PublicKey)
	var listed string
	for k, err := range c.Keys.All(ctx, 100) {
		require.NoError(t, err)
		if k.ID == victim.ID {
			listed = k.PublicKey
		}
	}
	require.Equal(t, theirs.PublicKeyHex(), listed)

	// With the expected public key, or an address: refused before the
	// export, nothing sent, the key not exported.
	byAddr, err := address.Expect(mustAddresses(t, mine).BitcoinP2WPKH)
	require.NoError(t, err)
	for name, exp := range map[string]keys.Expectation{
		"public key": keys.ExpectPublicKey(mine.PublicKey()),
		"identity":   mustIdentity(t, importbuild.Identity(keys.Scheme{Protocol: keys.CGGMP24, Curve: keys.Secp256k1}, mine.PublicKey())),
		"address":    byAddr,
	} {
		k, faulty, err := c.ExportKey(ctx, victim.ID, dfnskeys.ExportOptions{Expect: exp})
		require.Nil(t, k, name)
		require.Nil(t, faulty)
		var uk *keys.UnexpectedKeyError
		require.ErrorAs(t, err, &uk, name)
		require.False(t, uk.Exported)
		require.Equal(t, victim.ID, uk.KeyID)
		require.Equal(t, theirs.PublicKeyHex(), uk.PublicKey)
		require.ErrorContains(t, err, "nothing was exported")
		require.Zero(t, exportsSent(srv), "%s: no export may be sent", name)
		stored, _ := srv.Key(victim.ID)
		require.False(t, stored.Key.Exported, name)
	}

	// A curve the expectation cannot fit (a Solana address for what the
	// API reports as a secp256k1 key) is refused before anything is sent.
	ed := freshKey(t, keys.Ed25519)
	defer ed.Destroy()
	sol, err := address.Expect(mustAddresses(t, ed).Solana)
	require.NoError(t, err)
	_, _, err = c.ExportKey(ctx, victim.ID, dfnskeys.ExportOptions{Expect: sol})
	var uk *keys.UnexpectedKeyError
	require.ErrorAs(t, err, &uk)
	require.False(t, uk.Exported)
	require.ErrorContains(t, err, "(the expected address is of a ed25519 key, not secp256k1): the API would return another key than expected; nothing was exported")
	require.Zero(t, exportsSent(srv))

	// The hostile case itself: without an expectation the other key is
	// accepted, since it agrees with everything the API says; Dfns has
	// marked the real key exported.
	k, _, err := c.ExportKey(ctx, victim.ID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	require.True(t, k.Equal(theirs))
	k.Destroy()
	stored, _ := srv.Key(victim.ID)
	require.True(t, stored.Key.Exported)
	stored, _ = srv.Key(other.ID)
	require.False(t, stored.Key.Exported, "Dfns marks the key asked for, not the one answered with")

	// The expected key still matches the truth once the substitution ends.
	require.NoError(t, srv.SubstituteKey(victim.ID, ""))
	k, _, err = c.ExportKey(ctx, victim.ID, dfnskeys.ExportOptions{Expect: keys.ExpectPublicKey(mine.PublicKey())})
	require.NoError(t, err)
	require.True(t, k.Equal(mine))
	k.Destroy()
}

// After the export: the wallet export has no read to check first, so the
// key recovered is checked, found to be another, and destroyed.
func TestExportWalletSubstitutedKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	mine, theirs := freshKey(t, keys.Secp256k1), freshKey(t, keys.Secp256k1)
	defer mine.Destroy()
	defer theirs.Destroy()
	w, err := c.ImportWallet(ctx, mine, "EthereumSepolia", "", dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	other, err := c.ImportKey(ctx, theirs, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	require.NoError(t, srv.SubstituteKey(w.SigningKey.ID, other.ID))

	k, faulty, err := c.ExportWallet(ctx, w.ID, dfnskeys.ExportOptions{Expect: keys.ExpectPublicKey(mine.PublicKey())})
	require.Nil(t, k)
	require.Nil(t, faulty)
	var uk *keys.UnexpectedKeyError
	require.ErrorAs(t, err, &uk)
	require.True(t, uk.Exported)
	require.Equal(t, w.ID, uk.KeyID)
	require.Equal(t, theirs.PublicKeyHex(), uk.PublicKey)
	for _, want := range []string{"the API returned another key than expected", "Dfns may have marked the real key exported", "do not destroy your original copy"} {
		require.ErrorContains(t, err, want)
	}
	require.Equal(t, 1, exportsSent(srv))
	stored, _ := srv.Key(w.SigningKey.ID)
	require.True(t, stored.Key.Exported)
}

// Pinned signers bound the shares an export may use: a signer outside
// them is refused.
func TestExportKeyPinnedSigners(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	key := freshKey(t, keys.Secp256k1)
	defer key.Destroy()
	created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	cluster := srv.Clusters()[0].WireSigners()
	pinned := append([]signers.Signer(nil), cluster[:len(cluster)-1]...)
	got, faulty, err := c.ExportKey(ctx, created.ID, dfnskeys.ExportOptions{Expect: keys.ExpectPublicKey(key.PublicKey()), PinnedSigners: pinned})
	require.NoError(t, err)
	defer got.Destroy()
	require.True(t, got.Equal(key))
	require.Len(t, faulty, 1)
	require.Equal(t, cluster[len(cluster)-1].SignerID, faulty[0].SignerID)
	require.ErrorContains(t, faulty[0].Err, "not one of the")
}

func mustAddresses(t *testing.T, k *keys.PrivateKey) address.Addresses {
	t.Helper()
	a, err := address.ForKey(k.Curve(), k.PublicKey())
	require.NoError(t, err)
	return a
}

func mustIdentity(t *testing.T, id keys.Identity) keys.Expectation {
	t.Helper()
	e, err := keys.ExpectIdentity(id)
	require.NoError(t, err)
	return e
}
