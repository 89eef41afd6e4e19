package dfnskeys_test

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/dfnskeys/dfnskeys"
	"github.com/dfnskeys/dfnskeys/internal/sim"
	"github.com/dfnskeys/dfnskeys/keys"
	"github.com/dfnskeys/dfnskeys/signatures"
	"github.com/stretchr/testify/require"
)

// Every protocol/curve pair: import, then a proof whose signature verifies
// under the public key computed from the local secret.
func TestProveEveryScheme(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	for _, s := range keys.SupportedSchemes() {
		t.Run(s.String(), func(t *testing.T) {
			key := freshKey(t, s.Curve)
			created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol})
			require.NoError(t, err)
			proof, err := c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
			require.NoError(t, err)
			require.Equal(t, created.ID, proof.KeyID)
			require.Equal(t, key.PublicKeyHex(), proof.PublicKey)
			require.Equal(t, s.SignatureAlgorithm(), created.Scheme)
			require.NoError(t, signatures.Verify(proof.Scheme, key.PublicKey(), proof.Hash, &proof.Signature), "the returned proof verifies again")
			if s.Curve == keys.Stark {
				require.Less(t, proof.Hash[0], byte(0x08))
			}
		})
	}
	require.Equal(t, len(keys.SupportedSchemes()), srv.SignatureCount(), "one signature request per proof")
}

// A signature that does not verify is refused for every scheme, and names
// the key; so is a signature checked against another public key.
func TestProveRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	for _, s := range keys.SupportedSchemes() {
		t.Run(s.String(), func(t *testing.T) {
			key := freshKey(t, s.Curve)
			created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{Protocol: s.Protocol})
			require.NoError(t, err)
			require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.BadSignature, Count: 1}))
			_, err = c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: key.PublicKey()})
			require.ErrorIs(t, err, signatures.ErrInvalid)
			var pe *dfnskeys.ProofError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, created.ID, pe.KeyID)
			require.Equal(t, "Signed", pe.Status)
			require.ErrorContains(t, err, created.ID)

			other := freshKey(t, s.Curve)
			_, err = c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: other.PublicKey()})
			require.ErrorIs(t, err, signatures.ErrInvalid, "a genuine signature under the wrong public key")
		})
	}
}

func TestProveNativeExportedAndPending(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	native, err := c.Keys.Create(ctx, &keys.CreateRequest{Scheme: "Schnorr", Curve: keys.Secp256k1})
	require.NoError(t, err)
	proof, err := c.ProveKey(ctx, native, dfnskeys.ProveOptions{})
	require.NoError(t, err, "a key Dfns created, against the public key Dfns reports")
	require.Equal(t, native.PublicKey, proof.PublicKey)

	// An exported key no longer signs.
	_, _, err = c.ExportKey(ctx, native.ID, dfnskeys.ExportOptions{})
	require.NoError(t, err)
	_, err = c.ProveKey(ctx, native, dfnskeys.ProveOptions{})
	var apiErr *dfnskeys.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.StatusCode)
	require.ErrorContains(t, err, "exported")

	// A policy holding the request is pending, not a failure.
	key := freshKey(t, keys.Ed25519)
	created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	require.NoError(t, srv.SetFaults(sim.Fault{Kind: sim.PolicyApproval, Route: sim.RouteCreateSignature, Rate: 1}))
	_, err = c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{})
	var pending *dfnskeys.PolicyPendingError
	require.ErrorAs(t, err, &pending)
	require.False(t, errors.Is(err, signatures.ErrInvalid))
}

// A public key that cannot be one of the key's curve (a private key
// pasted, 32 bytes on secp256k1) is refused before any signature request
// is sent, as an invalid option, and is never shown.
func TestProveRefusesPublicKeyOfAnotherCurve(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	key := freshKey(t, keys.Secp256k1)
	created, err := c.ImportKey(ctx, key, dfnskeys.ImportKeyOptions{})
	require.NoError(t, err)
	priv := key.Bytes()
	defer clear(priv)
	_, err = c.ProveKey(ctx, created.Key, dfnskeys.ProveOptions{PublicKey: priv})
	require.ErrorIs(t, err, keys.ErrInvalidOption)
	require.ErrorContains(t, err, "has 32 bytes, but a secp256k1 public key in Dfns's encoding has 33")
	require.NotContains(t, err.Error(), hex.EncodeToString(priv))
	require.Zero(t, srv.SignatureCount(), "nothing was sent")
}
