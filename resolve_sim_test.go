package dfnskeys_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/stretchr/testify/require"
)

// An ambiguous import is resolved only by the key that import created,
// never by an earlier import of the same private key.
func TestAmbiguousImportIsNotResolvedByAnotherKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// notResolved makes the next import fail before processing (so it
	// creates nothing) and requires ImportKey to report the ambiguity
	// rather than return an existing key.
	notResolved := func(t *testing.T, c *dfnskeys.Client, fail func(), key *keys.PrivateKey, opts dfnskeys.ImportKeyOptions) {
		t.Helper()
		fail()
		got, err := c.ImportKey(ctx, key, opts)
		var aie *dfnskeys.AmbiguousError
		require.ErrorAs(t, err, &aie, "returned %+v", got)
		require.NotEmpty(t, aie.PublicKey, "the import's own error, not the call's")
		require.Nil(t, got)
	}

	t.Run("a key of another scheme", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		schnorr, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.FROSTBitcoin})
		require.NoError(t, err)
		notResolved(t, c, func() {
			require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusServiceUnavailable}))
		}, key, dfnskeys.ImportKeyOptions{Protocol: keys.CGGMP21})
		found, err := dfnskeys.FindImported(c, ctx, keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1}, key.PublicKeyHex())
		require.NoError(t, err)
		require.Equal(t, schnorr.ID, found.ID, "FindImported finds the key of its scheme")
		found, err = dfnskeys.FindImported(c, ctx, keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1}, strings.ToUpper(key.PublicKeyHex()))
		require.NoError(t, err)
		require.Equal(t, schnorr.ID, found.ID, "the public key is compared case-insensitively")
		_, err = dfnskeys.FindImported(c, ctx, keys.Scheme{Protocol: keys.FROSTBitcoin, Curve: keys.Secp256k1}, "not hex")
		require.EqualError(t, err, `the public key "not hex" is not hex`)
		found, err = dfnskeys.FindImported(c, ctx, keys.Scheme{Protocol: keys.CGGMP21, Curve: keys.Secp256k1}, key.PublicKeyHex())
		require.NoError(t, err)
		require.Nil(t, found)
	})

	t.Run("an exported key", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Ed25519)
		old, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		exp, _, err := c.ExportKey(ctx, old.ID, dfnskeys.ExportOptions{})
		require.NoError(t, err)
		exp.Destroy()
		notResolved(t, c, func() {
			require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusServiceUnavailable}))
		}, key, dfnskeys.ImportKeyOptions{})
	})

	t.Run("a key created before this import", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Stark)
		srv.AdvanceClock(-dfnskeys.ImportClockSkew - time.Minute)
		_, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
		require.NoError(t, err)
		srv.AdvanceClock(dfnskeys.ImportClockSkew + time.Minute)
		// A deliberate second key: without AllowDuplicate, ImportKey
		// would return the first without sending anything.
		notResolved(t, c, func() {
			require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusServiceUnavailable}))
		}, key, dfnskeys.ImportKeyOptions{AllowDuplicate: true})
	})

	t.Run("a key with another name", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		_, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Name: "first"})
		require.NoError(t, err)
		notResolved(t, c, func() {
			require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailBefore, Route: sim.RouteImportKey, Count: 1, Status: http.StatusServiceUnavailable}))
		}, key, dfnskeys.ImportKeyOptions{Name: "second", AllowDuplicate: true})
	})

	// The control: the same situations, but the lost import was processed.
	t.Run("the key this import created", func(t *testing.T) {
		t.Parallel()
		srv, c := setup(t)
		key := freshKey(t, keys.Secp256k1)
		_, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.FROSTBitcoin, Name: "first"})
		require.NoError(t, err)
		require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.FailAfter, Route: sim.RouteImportKey, Count: 1, Status: http.StatusBadGateway}))
		got, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: keys.CGGMP21, Name: "second"})
		require.NoError(t, err)
		require.Equal(t, "ECDSA", got.Scheme)
		require.Equal(t, "second", got.Name)
		require.Len(t, srv.Keys(), 2)
	})
}
